/* server_sandboxes.c — the sandboxes of this server, known to the loop
 * without an engine call: those of its conversations (their stored
 * sandbox_id) and the bare ones made by POST /api/sandboxes (their ids
 * kept in the store's setting "bare_sandboxes", so that a restart finds
 * them again). A thread of its own lists them from the engine every few
 * seconds and when kicked; the routes that change one put it at once.
 * The port proxy reads the copy under the lock: the loop never waits for
 * the engine, and a copy a few seconds old only delays a 409 or a 404. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "handbox/handbox.h"
#include "server/server.h"

#define REFRESH_SECS 3
#define BARE_KEY "bare_sandboxes"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
/* under lock */
static struct srv_sbx *cache;
static size_t ncache;
static json_t *bare;            /* ids of the bare sandboxes */
static int creating;            /* bare sandboxes being made */
static bool quit, kicked;
static pthread_t thread;
static bool has_thread;

int srv_runtime_open(struct hb_settings **s, struct hb_runtime **rt, char *err, size_t errlen)
{
	int rc;

	*rt = NULL;
	if ((rc = hb_settings_from_env(s, err, errlen)))
		return rc;
	if ((rc = hb_runtime_open(rt, *s, err, errlen))) {
		hb_settings_free(*s);
		*s = NULL;
	}
	return rc;
}

void srv_runtime_close(struct hb_settings *s, struct hb_runtime *rt)
{
	hb_runtime_close(rt);
	hb_settings_free(s);
}

/* ------------------------------------------------------------ the copy */

bool srv_sbx_get(const char *id, struct srv_sbx *out)
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < ncache && !found; i++)
		if (!strcmp(cache[i].sb.id, id)) {
			*out = cache[i];
			found = true;
		}
	pthread_mutex_unlock(&lock);
	return found;
}

void srv_sbx_put(const struct srv_sbx *e)
{
	struct srv_sbx *more;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < ncache && strcmp(cache[i].sb.id, e->sb.id); i++)
		;
	if (i == ncache && (more = realloc(cache, (ncache + 1) * sizeof(*cache)))) {
		cache = more;
		ncache++;
	}
	if (i < ncache) {
		cache[i] = *e;
		cache[i].put_us = clock_mono_us();
	}
	pthread_mutex_unlock(&lock);
}

void srv_sbx_drop(const char *id)
{
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < ncache; i++)
		if (!strcmp(cache[i].sb.id, id)) {
			cache[i] = cache[--ncache];
			break;
		}
	pthread_mutex_unlock(&lock);
}

size_t srv_sbx_snapshot(struct srv_sbx **out)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = ncache;
	*out = n ? malloc(n * sizeof(**out)) : NULL;
	if (*out)
		memcpy(*out, cache, n * sizeof(**out));
	else
		n = 0;
	pthread_mutex_unlock(&lock);
	return n;
}

/* ------------------------------------------------------- the bare ones */

static bool paused_locked(const char *id)
{
	size_t i;

	for (i = 0; i < ncache; i++)
		if (!strcmp(cache[i].sb.id, id))
			return cache[i].sb.state == HB_SANDBOX_PAUSED;
	return false;
}

int srv_sbx_bare_in_use(void)
{
	json_t *v;
	size_t i;
	int n;

	pthread_mutex_lock(&lock);
	n = creating;
	json_array_foreach(bare, i, v)
		n += !paused_locked(json_string_value(v) ?: "");
	pthread_mutex_unlock(&lock);
	return n;
}

bool srv_sbx_conv_paused(const char *conv_id)
{
	bool paused = false;
	size_t i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < ncache && !paused; i++)
		paused = !strcmp(cache[i].conv_id, conv_id) &&
			 cache[i].sb.state == HB_SANDBOX_PAUSED;
	pthread_mutex_unlock(&lock);
	return paused;
}

void srv_sbx_creating(int delta)
{
	pthread_mutex_lock(&lock);
	creating += delta;
	pthread_mutex_unlock(&lock);
}

static bool is_bare_locked(const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach(bare, i, v)
		if (!strcmp(json_string_value(v) ?: "", id))
			return true;
	return false;
}

int srv_sbx_bare_set(const char *id, bool add, char *err, size_t errlen)
{
	char dir[4096];
	struct store *s = NULL;
	json_t *copy, *v;
	size_t i;
	int rc;

	pthread_mutex_lock(&lock);
	json_array_foreach(bare, i, v)
		if (!strcmp(json_string_value(v) ?: "", id))
			break;
	if (add && i == json_array_size(bare))
		json_array_append_new(bare, json_string(id));
	else if (!add && i < json_array_size(bare))
		json_array_remove(bare, i);
	copy = json_deep_copy(bare);
	pthread_mutex_unlock(&lock);
	/* this thread's own store handle: srv.store is the loop's */
	if (!(rc = store_default_dir(dir, sizeof(dir), err, errlen)) &&
	    !(rc = store_open(&s, dir, err, errlen)))
		rc = store_setting_set(s, BARE_KEY, copy, err, errlen);
	store_close(s);
	json_decref(copy);
	return rc;
}

/* --------------------------------------------------------- the refresh */

struct gather {
	json_t *owners;                 /* sandbox id -> conversation id */
	struct srv_sbx *list;
	size_t n;
	int rc;
};

static int note_conversation(const struct store_conversation *row, void *arg)
{
	struct gather *g = arg;

	if (row->sandbox_id && *row->sandbox_id)
		json_object_set_new(g->owners, row->sandbox_id, json_string(row->id));
	return 0;
}

static int note_sandbox(const struct hb_sandbox *sb, void *arg)
{
	struct gather *g = arg;
	const char *conv = json_string_value(json_object_get(g->owners, sb->id));
	struct srv_sbx *more;
	bool mine;

	size_t i;

	pthread_mutex_lock(&lock);
	mine = conv || is_bare_locked(sb->id);
	pthread_mutex_unlock(&lock);
	if (!mine)
		return 0;
	if (!(more = realloc(g->list, (g->n + 1) * sizeof(*more)))) {
		g->rc = HB_ENOMEM;
		return 1;
	}
	g->list = more;
	memset(&more[g->n], 0, sizeof(*more));
	more[g->n].sb = *sb;
	snprintf(more[g->n].conv_id, sizeof(more->conv_id), "%s", conv ?: "");
	/* a listing has no session key (only an inspect has): the one known
	 * already is kept, else it is looked up after the listing */
	pthread_mutex_lock(&lock);
	for (i = 0; i < ncache && !sb->session_api_key[0]; i++)
		if (!strcmp(cache[i].sb.id, sb->id))
			memcpy(more[g->n].sb.session_api_key, cache[i].sb.session_api_key,
			       sizeof(sb->session_api_key));
	pthread_mutex_unlock(&lock);
	g->n++;
	return 0;
}

/* The sandboxes listed without a key: inspected (one engine call each,
 * once per sandbox: later listings keep the key). */
static void find_keys(struct hb_runtime *rt, struct gather *g)
{
	char err[HB_ERR_MAX];
	struct hb_sandbox sb;
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!g->list[i].sb.session_api_key[0] &&
		    hb_sandbox_find(rt, g->list[i].sb.id, &sb, err, sizeof(err)) == 0)
			g->list[i].sb = sb;
}

/* A listing taken before a route or a worker put a sandbox (paused it,
 * say) would undo what they did until the next one: their copy stays.
 * Called with lock held. */
static void keep_newer_locked(struct gather *g, int64_t listed_us)
{
	size_t i, j;

	for (i = 0; i < g->n; i++)
		for (j = 0; j < ncache; j++)
			if (cache[j].put_us >= listed_us && !strcmp(cache[j].sb.id, g->list[i].sb.id))
				g->list[i] = cache[j];
}

int srv_sbx_refresh(char *err, size_t errlen)
{
	struct gather g = { .owners = json_object() };
	int64_t listed_us = clock_mono_us();
	struct hb_settings *set = NULL;
	struct hb_runtime *rt = NULL;
	struct store *s = NULL;
	char dir[4096];
	int rc;

	if (!g.owners)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (!(rc = store_default_dir(dir, sizeof(dir), err, errlen)) &&
	    !(rc = store_open(&s, dir, err, errlen)) &&
	    !(rc = store_conversation_list(s, NULL, 0, 0, note_conversation, &g, err, errlen)) &&
	    !(rc = srv_runtime_open(&set, &rt, err, errlen)) &&
	    !(rc = hb_sandbox_list(rt, note_sandbox, &g, err, errlen)) && g.rc)
		rc = hb_fail(err, errlen, g.rc, "out of memory listing the sandboxes");
	if (!rc)
		find_keys(rt, &g);
	store_close(s);
	srv_runtime_close(set, rt);
	json_decref(g.owners);
	if (rc) {
		free(g.list);
		return rc;
	}
	pthread_mutex_lock(&lock);
	keep_newer_locked(&g, listed_us);
	free(cache);
	cache = g.list;
	ncache = g.n;
	pthread_mutex_unlock(&lock);
	return 0;
}

static void *refresher(void *arg)
{
	char err[HB_ERR_MAX], last[HB_ERR_MAX] = "";
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!quit) {
		kicked = false;
		pthread_mutex_unlock(&lock);
		/* one message per new failure (Docker down), not one every 3 s */
		if (srv_sbx_refresh(err, sizeof(err)) && strcmp(err, last)) {
			fprintf(stderr, "handbox serve: listing the sandboxes: %s\n", err);
			snprintf(last, sizeof(last), "%s", err);
		}
		pthread_mutex_lock(&lock);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += REFRESH_SECS;
		while (!quit && !kicked &&
		       pthread_cond_timedwait(&wake, &lock, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

void srv_sbx_kick(void)
{
	pthread_mutex_lock(&lock);
	kicked = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

int srv_sbx_start(char *err, size_t errlen)
{
	json_t *ids = NULL;
	int rc;

	if ((rc = store_setting_get(srv.store, BARE_KEY, &ids, err, errlen)))
		return rc;
	bare = json_is_array(ids) ? ids : json_array();
	if (ids && !json_is_array(ids))
		json_decref(ids);
	if (!bare)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	quit = false;
	if ((rc = pthread_create(&thread, NULL, refresher, NULL)))
		return hb_fail(err, errlen, HB_EIO, "cannot start the sandbox lister thread: %s",
			       strerror(rc));
	has_thread = true;
	return 0;
}

void srv_sbx_stop(void)
{
	pthread_mutex_lock(&lock);
	quit = true;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	if (has_thread)
		pthread_join(thread, NULL);
	has_thread = false;
	free(cache);
	cache = NULL;
	ncache = 0;
	json_decref(bare);
	bare = NULL;
	creating = 0;
}
