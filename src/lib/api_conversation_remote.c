/* api_conversation_remote.c — <handbox/conversation.h> on a running
 * `handbox serve` (the reference SDK's RemoteConversation): the agent and
 * its sandbox are the server's; this process makes or finds the
 * conversation, sends messages, asks for runs and follows them
 * (remote_follow.c). The calls of api_conversation.c come here when the
 * handle is a remote one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/serve_wire.h"
#include "lib/conversation.h"
#include "lib/remote.h"

#define PATH_LEN 256

/* The key travels in a header: printable ASCII only. */
static int key_check(const char *key, char *err, size_t errlen)
{
	const char *k;

	for (k = key; k && *k; k++)
		if (*k < 0x20 || *k > 0x7e)
			return hb_fail(err, errlen, HB_EINVAL, "the API key holds a control or "
				       "non-ASCII character");
	return 0;
}

/* A handle for server_url (trailing '/' dropped) with api_key (NULL:
 * HANDBOX_API_KEY, none when that is unset or empty). */
static int remote_new(struct remote **out, const char *server_url, const char *api_key,
		      const struct hb_conversation_options *opt, char *err, size_t errlen)
{
	const char *key = api_key ? api_key : getenv("HANDBOX_API_KEY");
	struct remote *r;
	size_t n;
	int rc;

	*out = NULL;
	if (!server_url || (strncmp(server_url, "http://", 7) && strncmp(server_url, "https://", 8)))
		return hb_fail(err, errlen, HB_EINVAL, "server URL \"%s\": expected http://HOST:PORT "
			       "(or https://, with the --base-path of handbox serve if it has one)",
			       server_url ? server_url : "(null)");
	if ((rc = key_check(key, err, errlen)))
		return rc;
	if (!(r = calloc(1, sizeof(*r))))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	r->wake[0] = r->wake[1] = -1;
	pthread_mutex_init(&r->lock, NULL);
	r->st.status = remote_status_name("idle");
	r->st.stats.cost = -1;
	r->on_event = opt ? opt->on_event : NULL;
	r->arg = opt ? opt->arg : NULL;
	n = strlen(server_url);
	while (n && server_url[n - 1] == '/')
		n--;
	r->url = strndup(server_url, n);
	r->key = key && *key ? strdup(key) : NULL;
	r->delivered = json_object();
	if (!r->url || (key && *key && !r->key) || !r->delivered) {
		remote_close(r);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	if (pipe2(r->wake, O_NONBLOCK | O_CLOEXEC)) {
		remote_close(r);
		return hb_fail(err, errlen, HB_EIO, "cannot make a pipe: %s", strerror(errno));
	}
	*out = r;
	return 0;
}

/* ConversationInfo's id, status and stats into r. */
static int take_info(struct remote *r, json_t *info, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(info, "id"));

	if (!id || !uuid_is_valid(id))
		return hb_fail(err, errlen, HB_EIO, "handbox serve at %s answered without a "
			       "conversation id: is it handbox serve?", r->url);
	snprintf(r->id, sizeof(r->id), "%s", id);
	r->st.status = remote_status_name(json_string_value(json_object_get(info,
									  "execution_status")));
	remote_stats_read(json_object_get(info, "stats"), &r->st.stats);
	return 0;
}

/* The handle around r (taken over, closed on failure). */
static int wrap(struct hb_conversation **out, struct remote *r, char *err, size_t errlen)
{
	struct hb_conversation *c = calloc(1, sizeof(*c));

	if (!c) {
		remote_close(r);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	c->remote = r;
	snprintf(c->id, sizeof(c->id), "%s", r->id);
	*out = c;
	return 0;
}

int hb_conversation_open_remote(struct hb_conversation **out, const char *server_url,
				const char *api_key, const struct hb_conversation_options *opt,
				char *err, size_t errlen)
{
	struct remote *r;
	json_t *body = NULL, *info = NULL;
	int rc;

	*out = NULL;
	if ((rc = remote_new(&r, server_url, api_key, opt, err, errlen)))
		return rc;
	if (!(body = remote_create_body(opt ? &opt->llm : NULL, opt ? opt->max_iterations : 0,
					err, errlen)))
		rc = HB_ENOMEM;
	else if (!(rc = remote_call(r, "POST", SERVER_ROUTE_CONVERSATIONS, body, NULL, &info,
				    err, errlen)))
		rc = take_info(r, info, err, errlen);
	json_decref(body);
	json_decref(info);
	if (rc) {
		remote_close(r);
		return rc;
	}
	return wrap(out, r, err, errlen);
}

int hb_conversation_attach_remote(struct hb_conversation **out, const char *server_url,
				  const char *api_key, const char *id,
				  const struct hb_conversation_options *opt, char *err,
				  size_t errlen)
{
	json_t *info = NULL, *last = NULL;
	char path[PATH_LEN];
	struct remote *r;
	const char *ev;
	int rc;

	*out = NULL;
	if (!id || !uuid_is_valid(id))
		return hb_fail(err, errlen, HB_EINVAL, "conversation id \"%s\": expected a UUID "
			       "(8-4-4-4-12 hex digits)", id ? id : "(null)");
	if ((rc = remote_new(&r, server_url, api_key, opt, err, errlen)))
		return rc;
	snprintf(path, sizeof(path), "%s/%s", SERVER_ROUTE_CONVERSATIONS, id);
	rc = remote_call(r, "GET", path, NULL, NULL, &info, err, errlen);
	if (rc == HB_ENOENT)
		rc = hb_fail(err, errlen, rc, "handbox serve at %s has no conversation %s",
			     r->url, id);
	if (!rc)
		rc = take_info(r, info, err, errlen);
	/* the program is told what happens from now on: the events so far
	 * are the server's to give (GET …/events/search) */
	snprintf(path, sizeof(path), "%s/%s/events/search?sort_order=TIMESTAMP_DESC&limit=1",
		 SERVER_ROUTE_CONVERSATIONS, id);
	if (!rc && !(rc = remote_call(r, "GET", path, NULL, NULL, &last, err, errlen)) &&
	    (ev = json_string_value(json_object_get(json_array_get(json_object_get(last, "items"),
								   0), "id"))))
		snprintf(r->last_id, sizeof(r->last_id), "%s", ev);
	json_decref(info);
	json_decref(last);
	if (rc) {
		remote_close(r);
		return rc;
	}
	return wrap(out, r, err, errlen);
}

int remote_send(struct remote *r, const char *text, char *err, size_t errlen)
{
	char path[PATH_LEN];
	json_t *msg;
	int rc;

	if (!text || !*text)
		return hb_fail(err, errlen, HB_EINVAL, "message: empty text; expected what to do");
	msg = json_pack("{s:s, s:[{s:s, s:s%}], s:b}", "role", "user", "content", "type", "text",
			"text", text, strlen(text), "run", 0);
	if (!msg)
		return hb_fail(err, errlen, HB_EINVAL, "message: not UTF-8 text");
	snprintf(path, sizeof(path), "%s/%s/events", SERVER_ROUTE_CONVERSATIONS, r->id);
	rc = remote_call(r, "POST", path, msg, NULL, NULL, err, errlen);
	json_decref(msg);
	return rc;
}

int remote_run(struct remote *r, char *err, size_t errlen)
{
	const char *status;
	int rc;

	err[0] = '\0';
	pthread_mutex_lock(&r->lock);
	r->st.error[0] = '\0';
	pthread_mutex_unlock(&r->lock);
	if ((rc = remote_follow_run(r, err, errlen)))
		return rc;
	/* as a local run: why it failed or is stuck goes into err */
	status = remote_status(r);
	pthread_mutex_lock(&r->lock);
	if ((!strcmp(status, "error") || !strcmp(status, "stuck")) && r->st.error[0])
		snprintf(err, errlen, "%s", r->st.error);
	pthread_mutex_unlock(&r->lock);
	return 0;
}

const char *remote_status(struct remote *r)
{
	return __atomic_load_n(&r->st.status, __ATOMIC_ACQUIRE);
}

void remote_stats(struct remote *r, struct hb_conversation_stats *out)
{
	pthread_mutex_lock(&r->lock);
	*out = r->st.stats;
	pthread_mutex_unlock(&r->lock);
}

void remote_wake(struct remote *r, char what)
{
	ssize_t n;

	/* a full pipe already holds a request: nothing is lost */
	n = write(r->wake[1], &what, 1);
	(void)n;
}

void remote_close(struct remote *r)
{
	if (!r)
		return;
	if (r->wake[0] >= 0)
		close(r->wake[0]);
	if (r->wake[1] >= 0)
		close(r->wake[1]);
	pthread_mutex_destroy(&r->lock);
	json_decref(r->delivered);
	free(r->url);
	free(r->key);
	free(r);
}
