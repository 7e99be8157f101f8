/* bash_store.h — the BashCommand / BashOutput events of the OpenHands bash
 * API, kept in memory in time order, with the reference's search semantics
 * (filters, sort, page ids, order__gt applied after paging).
 *
 * The store is bounded: past max_events or max_bytes of output the oldest
 * events are dropped (and the on_drop hook told of each). The reference
 * keeps them on disk forever; a sandbox that lives for a conversation does
 * not need that, and a bound keeps one chatty command from exhausting the
 * sandbox's memory. */
#ifndef HB_SANDBOXD_BASH_STORE_H
#define HB_SANDBOXD_BASH_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/ids.h"

enum bash_kind { BASH_COMMAND = 1, BASH_OUTPUT = 2 };

struct bash_event {
	struct bash_event *prev, *next;
	enum bash_kind kind;
	char id[UUID_STR_LEN];
	int64_t ts;                   /* µs, unique and increasing */
	/* BashCommand */
	char *command;
	char *cwd;                    /* NULL = null */
	double timeout;
	/* BashOutput */
	char command_id[UUID_STR_LEN];
	int order;
	int has_exit;
	int exit_code;
	char *out, *err;              /* NULL = null; valid UTF-8 */
	size_t out_len, err_len;
	/* bytes of the command's earlier output the store no longer holds
	 * (the caller sets it); on the wire as "dropped_bytes" when not 0 */
	unsigned long long dropped;
};

struct bash_store {
	struct bash_event *head, *tail;
	size_t count, bytes;
	size_t max_events, max_bytes;
	int64_t last_ts;
	/* called with each event the bounds push out, before it is freed */
	void (*on_drop)(void *arg, const struct bash_event *e);
	void *on_drop_arg;
};

struct bash_query {
	enum bash_kind kind;          /* 0 = any */
	const char *command_id;       /* NULL = any */
	int has_order_gt;
	long long order_gt;
	int has_gte, has_lt;
	int64_t gte, lt;
	int desc;
	const char *page_id;
	int limit;                    /* 1…100 */
};

void bash_store_init(struct bash_store *s, size_t max_events, size_t max_bytes);
void bash_store_free(struct bash_store *s);

/* New events with an id and a timestamp; strings are copied. The store owns
 * what it returns (until eviction or clear). NULL when out of memory. */
struct bash_event *bash_store_add_command(struct bash_store *s,
					  const char *command, const char *cwd,
					  double timeout);
/* out/err: NULL for null, else len bytes of valid UTF-8. */
struct bash_event *bash_store_add_output(struct bash_store *s,
					 const char *command_id, int order,
					 const char *out, size_t out_len,
					 const char *err, size_t err_len,
					 int has_exit, int exit_code);

struct bash_event *bash_store_find(struct bash_store *s, const char *id);
/* Removes everything; returns how many events there were. */
size_t bash_store_clear(struct bash_store *s);

json_t *bash_store_event_json(const struct bash_event *e);
/* {"items":[…],"next_page_id":…} — a new reference for the caller. */
json_t *bash_store_search(struct bash_store *s, const struct bash_query *q);

#endif
