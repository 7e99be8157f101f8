/* fuzz_request.c — libFuzzer target for the request handling of sandboxd
 * that needs no socket: JSON bodies of bash commands, ISO-8601 times, route
 * matching against the real table, UTF-8 repair of command output, passwd
 * lines, and the bash event search.
 *
 * The first byte of an input picks the target; the rest is its data. Each
 * target checks properties, not just "does not crash": a repaired string is
 * valid UTF-8, a parsed time formats back to itself, pages of a search
 * cover exactly what the filters match, and so on. A failed check aborts,
 * which libFuzzer reports like any crash. See docs/testing.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "common/buf.h"
#include "common/ids.h"
#include "common/sandboxd_wire.h"
#include "common/utf8.h"
#include "sandboxd/bash_request.h"
#include "sandboxd/bash_store.h"
#include "net/http.h"
#include "sandboxd/routes.h"
#include "sandboxd/users.h"


enum target {
	T_BASH_BODY, T_ISOTIME, T_ROUTE, T_UTF8, T_PASSWD, T_SEARCH, T_COUNT
};

/* ------------------------------------------------------------ bash body */

static struct bash_store commands; /* where parsed requests are recorded */

static void fuzz_bash_body(const uint8_t *data, size_t n)
{
	struct bash_request req;
	struct bash_event *e;
	char err[512];
	json_t *body = json_loadb((const char *)data, n, 0, NULL), *j;
	char *text;

	if (!body)
		return;
	if (bash_request_parse(body, &req, err, sizeof(err)) == 0) {
		CHECK(req.command);
		CHECK(req.timeout > 0 && req.timeout <= SANDBOXD_TIMEOUT_MAX_S);
		/* the BashCommand answer for it must serialize */
		e = bash_store_add_command(&commands, req.command, req.cwd, req.timeout);
		CHECK(e);
		j = bash_store_event_json(e);
		CHECK(j);
		text = json_dumps(j, JSON_COMPACT);
		CHECK(text);
		free(text);
		json_decref(j);
	} else {
		CHECK(err[0]);
	}
	json_decref(body);
}

/* -------------------------------------------------------------- isotime */

#define YEAR_1_US (-62135596800000000LL)     /* 0001-01-01T00:00:00Z */
#define YEAR_10000_US 253402300800000000LL   /* 10000-01-01T00:00:00Z */

static void fuzz_isotime(const uint8_t *data, size_t n)
{
	char *s = fuzz_cstr(data, n), out[ISOTIME_STR_LEN];
	int64_t us, again;

	if (isotime_parse(s, &us) == 0 && us >= YEAR_1_US && us < YEAR_10000_US) {
		isotime_format(us, out);
		CHECK(isotime_parse(out, &again) == 0);
		CHECK(again == us);
	}
	free(s);
}

/* ---------------------------------------------------------------- route */

static void fuzz_route(const uint8_t *data, size_t n)
{
	char store[2048], *params[HTTP_MAX_PARAMS];
	const struct route *r;
	char *path;
	int np, i;

	/* on_http() refuses longer paths before routing */
	if (n > 2047)
		return;
	path = fuzz_cstr(data, n);
	for (r = sandboxd_routes; r->pattern; r++) {
		np = -1;
		if (!http_route_match(r->pattern, path, store, sizeof(store), params, &np))
			continue;
		CHECK(np >= 0 && np <= HTTP_MAX_PARAMS);
		for (i = 0; i < np; i++) {
			CHECK(params[i] >= store && params[i] < store + sizeof(store));
			CHECK(strlen(params[i]) < sizeof(store) - (size_t)(params[i] - store));
			CHECK(strstr(path, params[i]));
		}
		if (!strchr(r->pattern, '{'))
			CHECK(!strcmp(r->pattern, path));
	}
	free(path);
}

/* ----------------------------------------------------------------- utf8 */

static int valid_utf8(const char *s, size_t n)
{
	size_t i = 0, len;

	while (i < n) {
		len = utf8_seq_len((const unsigned char *)s + i, n - i);
		if (!len)
			return 0;
		i += len;
	}
	return 1;
}

static void fuzz_utf8(const uint8_t *data, size_t n)
{
	const char *s = (const char *)data;
	struct buf whole, parts;
	size_t cut;
	json_t *j;

	buf_init(&whole, 0);
	buf_init(&parts, 0);
	CHECK(utf8_append_sanitized(&whole, s, n) == 0);
	CHECK(valid_utf8(whole.data, whole.len));
	/* jansson agrees: it would refuse invalid UTF-8 in a string */
	j = json_stringn(whole.len ? whole.data : "", whole.len);
	CHECK(j);
	json_decref(j);
	if (valid_utf8(s, n))
		CHECK(whole.len == n && !memcmp(whole.data, s, n));
	else
		CHECK(whole.len > 0);
	/* bash.c cuts output into chunks at utf8_cut_point(): repairing the
	 * two pieces apart must give what repairing them together gives */
	cut = utf8_cut_point(s, n);
	CHECK(cut <= n && n - cut <= 3);
	CHECK(utf8_append_sanitized(&parts, s, cut) == 0);
	CHECK(utf8_append_sanitized(&parts, s + cut, n - cut) == 0);
	CHECK(parts.len == whole.len);
	CHECK(!whole.len || !memcmp(parts.data, whole.data, whole.len));
	buf_free(&whole);
	buf_free(&parts);
}

/* --------------------------------------------------------------- passwd */

static void fuzz_passwd(const uint8_t *data, size_t n)
{
	struct sandbox_user u;
	uint32_t uid;
	char *line;

	if (n < 4)
		return;
	memcpy(&uid, data, 4);
	line = fuzz_cstr(data + 4, n - 4);
	memset(&u, 0, sizeof(u));
	if (users_passwd_line_parse(line, (uid_t)uid, &u)) {
		CHECK(u.in_passwd && u.uid == (uid_t)uid);
		CHECK(u.name[0] && strlen(u.name) < sizeof(u.name));
		CHECK(u.home[0] && strlen(u.home) < sizeof(u.home));
		CHECK(u.shell[0] && strlen(u.shell) < sizeof(u.shell));
		CHECK(!strchr(u.name, ':') && !strchr(u.shell, '\n'));
	} else {
		CHECK(!u.in_passwd);
	}
	free(line);
}

/* --------------------------------------------------------------- search */

#define SEARCH_EVENTS 16
static struct bash_store events;
static struct bash_event *event_at[SEARCH_EVENTS];
static int nevents;

/* Three commands with 0 to 4 outputs each, interleaved as real runs are. */
static void build_events(void)
{
	static const int outputs[] = { 4, 0, 3 };
	struct bash_event *cmd[3];
	int c, o;

	bash_store_init(&events, 0, 0);
	for (c = 0; c < 3; c++)
		cmd[c] = event_at[nevents++] = bash_store_add_command(&events, "cmd", NULL, 5);
	for (o = 0; o < 4; o++)
		for (c = 0; c < 3; c++)
			if (o < outputs[c])
				event_at[nevents++] = bash_store_add_output(
					&events, cmd[c]->id, o, "out", 3, NULL, 0,
					o == outputs[c] - 1, 0);
	for (c = 0; c < nevents; c++)
		CHECK(event_at[c]);
}

static int matches(const struct bash_event *e, const struct bash_query *q)
{
	if (q->kind && e->kind != q->kind)
		return 0;
	if (q->command_id && (e->kind != BASH_OUTPUT || strcmp(e->command_id, q->command_id)))
		return 0;
	if ((q->has_gte && e->ts < q->gte) || (q->has_lt && e->ts >= q->lt))
		return 0;
	return 1;
}

static int shown(const struct bash_event *e, const struct bash_query *q)
{
	return !(q->has_order_gt && e->kind == BASH_OUTPUT && e->order <= q->order_gt);
}

/* Query fields from 8 bytes; ids are picked among the events or taken as
 * the rest of the input, times near the events' own. Following the pages
 * from the first must give every match exactly once, in order: from the
 * page id's event when it matches, else (as in the reference) from the
 * start; order__gt only hides outputs. */
static void fuzz_search(const uint8_t *data, size_t n)
{
	const struct bash_event *want[SEARCH_EVENTS], *e;
	char *literal = NULL, page[UUID_STR_LEN];
	json_t *r, *items, *next;
	int nwant = 0, got = 0, pages = 0, started;
	struct bash_query q;
	size_t k;

	if (n < 8)
		return;
	memset(&q, 0, sizeof(q));
	q.kind = (enum bash_kind)(data[0] % 3);
	q.limit = 1 + data[1] % 100;
	q.desc = data[2] & 1;
	q.has_order_gt = (data[2] >> 1) & 1;
	q.order_gt = (signed char)data[3] % 6;
	q.has_gte = (data[2] >> 2) & 1;
	q.gte = event_at[data[4] % nevents]->ts + (data[2] >> 5) - 3;
	q.has_lt = (data[2] >> 3) & 1;
	q.lt = event_at[data[5] % nevents]->ts + (data[2] >> 5) - 3;
	if (n > 8)
		literal = fuzz_cstr(data + 8, n - 8);
	switch (data[6] % 3) {
	case 1: q.command_id = event_at[data[6] / 3 % nevents]->id; break;
	case 2: q.command_id = literal; break;
	}
	switch (data[7] % 3) {
	case 1: q.page_id = event_at[data[7] / 3 % nevents]->id; break;
	case 2: q.page_id = literal; break;
	}
	started = 0;
	for (e = q.desc ? events.tail : events.head; e; e = q.desc ? e->prev : e->next)
		if (q.page_id && !strcmp(e->id, q.page_id) && matches(e, &q))
			started = 1;
	for (e = q.desc ? events.tail : events.head; e; e = q.desc ? e->prev : e->next) {
		if (started && !strcmp(e->id, q.page_id))
			started = 0;
		if (!started && matches(e, &q) && shown(e, &q))
			want[nwant++] = e;
	}
	do {
		r = bash_store_search(&events, &q);
		CHECK(r);
		items = json_object_get(r, "items");
		next = json_object_get(r, "next_page_id");
		CHECK(json_is_array(items) && json_array_size(items) <= (size_t)q.limit);
		CHECK(json_is_null(next) || json_is_string(next));
		for (k = 0; k < json_array_size(items); k++) {
			e = bash_store_find(&events, json_string_value(
				json_object_get(json_array_get(items, k), "id")));
			CHECK(e && got < nwant && e == want[got]);
			got++;
		}
		q.page_id = NULL;
		if (json_is_string(next)) {
			CHECK(bash_store_find(&events, json_string_value(next)));
			snprintf(page, sizeof(page), "%s", json_string_value(next));
			q.page_id = page;
		}
		json_decref(r);
		CHECK(++pages <= SEARCH_EVENTS + 1);
	} while (q.page_id);
	CHECK(got == nwant);
	free(literal);
}

/* ------------------------------------------------------------- libFuzzer */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	bash_store_init(&commands, 256, 1u << 20);
	build_events();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % T_COUNT) {
	case T_BASH_BODY: fuzz_bash_body(data + 1, size - 1); break;
	case T_ISOTIME: fuzz_isotime(data + 1, size - 1); break;
	case T_ROUTE: fuzz_route(data + 1, size - 1); break;
	case T_UTF8: fuzz_utf8(data + 1, size - 1); break;
	case T_PASSWD: fuzz_passwd(data + 1, size - 1); break;
	case T_SEARCH: fuzz_search(data + 1, size - 1); break;
	}
	return 0;
}
