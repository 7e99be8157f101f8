/* test_bash_store.c — sandboxd/bash_store: events, their JSON, the search
 * (filters, sort, pages, order__gt after paging), eviction and clear. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/ids.h"
#include "sandboxd/bash_store.h"

static struct bash_event *output(struct bash_store *s, const char *cmd_id,
				 int order, const char *out, int has_exit,
				 int code)
{
	struct bash_event *e = bash_store_add_output(s, cmd_id, order, out,
						     out ? strlen(out) : 0, NULL, 0,
						     has_exit, code);

	assert_non_null(e);
	return e;
}

static struct bash_event *command(struct bash_store *s, const char *cmd)
{
	struct bash_event *e = bash_store_add_command(s, cmd, "/tmp", 300);

	assert_non_null(e);
	return e;
}

/* Runs q and returns the result; *items and *next point into it. */
static json_t *search(struct bash_store *s, const struct bash_query *q,
		      json_t **items, const char **next)
{
	json_t *r = bash_store_search(s, q), *n;

	assert_non_null(r);
	*items = json_object_get(r, "items");
	assert_true(json_is_array(*items));
	n = json_object_get(r, "next_page_id");
	assert_true(json_is_null(n) || json_is_string(n));
	*next = json_string_value(n);
	return r;
}

static const char *item_id(json_t *items, size_t i)
{
	return json_string_value(json_object_get(json_array_get(items, i), "id"));
}

static struct bash_query all_query(void)
{
	struct bash_query q;

	memset(&q, 0, sizeof(q));
	q.limit = 100;
	return q;
}

static void test_command_json(void **state)
{
	struct bash_store s;
	struct bash_event *e;
	json_t *j;
	int64_t us;

	bash_store_init(&s, 0, 0);
	e = bash_store_add_command(&s, "echo hi", NULL, 300);
	assert_non_null(e);
	assert_true(uuid_is_valid(e->id));
	j = bash_store_event_json(e);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "BashCommand");
	assert_string_equal(json_string_value(json_object_get(j, "id")), e->id);
	assert_string_equal(json_string_value(json_object_get(j, "command")), "echo hi");
	assert_true(json_is_null(json_object_get(j, "cwd")));
	/* a whole number of seconds stays an integer on the wire */
	assert_true(json_is_integer(json_object_get(j, "timeout")));
	assert_int_equal(json_integer_value(json_object_get(j, "timeout")), 300);
	assert_int_equal(isotime_parse(json_string_value(json_object_get(j, "timestamp")), &us), 0);
	assert_int_equal(us, e->ts);
	json_decref(j);

	e = bash_store_add_command(&s, "ls", "/work", 2.5);
	j = bash_store_event_json(e);
	assert_string_equal(json_string_value(json_object_get(j, "cwd")), "/work");
	assert_true(json_is_real(json_object_get(j, "timeout")));
	assert_true(json_real_value(json_object_get(j, "timeout")) == 2.5);
	json_decref(j);
	bash_store_free(&s);
}

static void test_output_json(void **state)
{
	struct bash_store s;
	struct bash_event *c, *e;
	json_t *j;

	bash_store_init(&s, 0, 0);
	c = command(&s, "x");
	e = bash_store_add_output(&s, c->id, 0, "out\0put", 7, NULL, 0, 0, 0);
	j = bash_store_event_json(e);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "BashOutput");
	assert_string_equal(json_string_value(json_object_get(j, "command_id")), c->id);
	assert_int_equal(json_integer_value(json_object_get(j, "order")), 0);
	assert_true(json_is_null(json_object_get(j, "exit_code")));
	assert_int_equal(json_string_length(json_object_get(j, "stdout")), 7);
	assert_memory_equal(json_string_value(json_object_get(j, "stdout")), "out\0put", 7);
	assert_true(json_is_null(json_object_get(j, "stderr")));
	json_decref(j);

	e = bash_store_add_output(&s, c->id, 1, "", 0, "err", 3, 1, -9);
	j = bash_store_event_json(e);
	assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), -9);
	assert_string_equal(json_string_value(json_object_get(j, "stdout")), "");
	assert_string_equal(json_string_value(json_object_get(j, "stderr")), "err");
	json_decref(j);
	bash_store_free(&s);
}

static void test_timestamps_unique_and_increasing(void **state)
{
	struct bash_store s;
	struct bash_event *e, *prev = NULL;
	int i;

	bash_store_init(&s, 0, 0);
	for (i = 0; i < 2000; i++) {
		e = command(&s, "true");
		if (prev) {
			assert_true(e->ts > prev->ts);
			assert_string_not_equal(e->id, prev->id);
		}
		prev = e;
	}
	assert_int_equal(s.count, 2000);
	/* the list runs oldest to newest */
	for (e = s.head; e && e->next; e = e->next)
		assert_true(e->ts < e->next->ts);
	assert_ptr_equal(s.tail, prev);
	bash_store_free(&s);
}

static void test_find(void **state)
{
	struct bash_store s;
	struct bash_event *a, *b;

	bash_store_init(&s, 0, 0);
	a = command(&s, "a");
	b = output(&s, a->id, 0, "x", 1, 0);
	assert_ptr_equal(bash_store_find(&s, a->id), a);
	assert_ptr_equal(bash_store_find(&s, b->id), b);
	assert_null(bash_store_find(&s, "00000000-0000-4000-8000-000000000000"));
	assert_null(bash_store_find(&s, ""));
	bash_store_free(&s);
}

/* two commands: c1 with outputs of order 0, 1, 2 (the last with an exit
 * code), then c2 with one output */
struct fixture {
	struct bash_store s;
	struct bash_event *c1, *o[3], *c2, *p;
};

static int setup(void **state)
{
	static struct fixture f;

	bash_store_init(&f.s, 0, 0);
	f.c1 = command(&f.s, "one");
	f.o[0] = output(&f.s, f.c1->id, 0, "a", 0, 0);
	f.o[1] = output(&f.s, f.c1->id, 1, "b", 0, 0);
	f.c2 = command(&f.s, "two");
	f.o[2] = output(&f.s, f.c1->id, 2, "c", 1, 0);
	f.p = output(&f.s, f.c2->id, 0, "z", 1, 1);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bash_store_free(&f->s);
	return 0;
}

static void test_search_all(void **state)
{
	struct fixture *f = *state;
	struct bash_query q = all_query();
	const char *next;
	json_t *r, *items;

	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 6);
	assert_null(next);
	assert_string_equal(item_id(items, 0), f->c1->id);
	assert_string_equal(item_id(items, 3), f->c2->id);
	assert_string_equal(item_id(items, 5), f->p->id);
	json_decref(r);

	q.desc = 1;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 6);
	assert_string_equal(item_id(items, 0), f->p->id);
	assert_string_equal(item_id(items, 5), f->c1->id);
	json_decref(r);
}

static void test_search_kind(void **state)
{
	struct fixture *f = *state;
	struct bash_query q = all_query();
	const char *next;
	json_t *r, *items;
	size_t i;

	q.kind = BASH_COMMAND;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 2);
	for (i = 0; i < 2; i++)
		assert_string_equal(json_string_value(json_object_get(
			json_array_get(items, i), "kind")), "BashCommand");
	json_decref(r);

	q.kind = BASH_OUTPUT;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 4);
	for (i = 0; i < 4; i++)
		assert_string_equal(json_string_value(json_object_get(
			json_array_get(items, i), "kind")), "BashOutput");
	json_decref(r);
}

static void test_search_command_id(void **state)
{
	struct fixture *f = *state;
	struct bash_query q = all_query();
	const char *next;
	json_t *r, *items;

	/* only the outputs of c1, never c1 itself */
	q.command_id = f->c1->id;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 3);
	assert_string_equal(item_id(items, 0), f->o[0]->id);
	assert_string_equal(item_id(items, 2), f->o[2]->id);
	json_decref(r);

	q.command_id = f->c2->id;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(item_id(items, 0), f->p->id);
	json_decref(r);

	q.command_id = "00000000-0000-4000-8000-000000000000";
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 0);
	assert_null(next);
	json_decref(r);
}

static void test_search_timestamps(void **state)
{
	struct fixture *f = *state;
	struct bash_query q = all_query();
	const char *next;
	json_t *r, *items;

	/* [c2, p) : gte is inclusive, lt exclusive */
	q.has_gte = q.has_lt = 1;
	q.gte = f->c2->ts;
	q.lt = f->p->ts;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(item_id(items, 0), f->c2->id);
	assert_string_equal(item_id(items, 1), f->o[2]->id);
	json_decref(r);

	q.has_lt = 0;
	q.gte = f->p->ts + 1;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 0);
	json_decref(r);

	q.has_gte = 0;
	q.has_lt = 1;
	q.lt = f->c1->ts;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 0);
	json_decref(r);
}

static void test_search_order_gt(void **state)
{
	struct fixture *f = *state;
	struct bash_query q = all_query();
	const char *next;
	json_t *r, *items;

	q.command_id = f->c1->id;
	q.has_order_gt = 1;
	q.order_gt = 0;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(item_id(items, 0), f->o[1]->id);
	assert_string_equal(item_id(items, 1), f->o[2]->id);
	json_decref(r);

	q.order_gt = 2;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 0);
	json_decref(r);

	/* -1 is "everything", as the reference client starts with */
	q.order_gt = -1;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 3);
	json_decref(r);

	/* commands have no order: the filter leaves them in */
	q.command_id = NULL;
	q.order_gt = 5;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(item_id(items, 0), f->c1->id);
	assert_string_equal(item_id(items, 1), f->c2->id);
	json_decref(r);
}

/* As in the reference, order__gt drops items after the page is cut: a
 * skipped item still counts against the limit. */
static void test_search_order_gt_after_paging(void **state)
{
	struct fixture *f = *state;
	struct bash_query q = all_query();
	const char *next;
	json_t *r, *items;

	q.command_id = f->c1->id;
	q.has_order_gt = 1;
	q.order_gt = 0;
	q.limit = 2;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 1);
	assert_string_equal(item_id(items, 0), f->o[1]->id);
	assert_non_null(next);
	assert_string_equal(next, f->o[2]->id);
	json_decref(r);
}

static void test_search_paging(void **state)
{
	struct fixture *f = *state;
	struct bash_query q = all_query();
	const char *ids[6], *next;
	char page[UUID_STR_LEN];
	json_t *r, *items;
	size_t i, seen = 0;

	ids[0] = f->c1->id; ids[1] = f->o[0]->id; ids[2] = f->o[1]->id;
	ids[3] = f->c2->id; ids[4] = f->o[2]->id; ids[5] = f->p->id;
	q.limit = 4;
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 4);
	assert_non_null(next);
	/* the page id names the first item of the next page */
	assert_string_equal(next, f->o[2]->id);
	json_decref(r);

	/* walk every page of 1 and 2, both directions */
	for (q.limit = 1; q.limit <= 2; q.limit++) {
		for (q.desc = 0; q.desc <= 1; q.desc++) {
			q.page_id = NULL;
			seen = 0;
			do {
				r = search(&f->s, &q, &items, &next);
				assert_true(json_array_size(items) <= (size_t)q.limit);
				for (i = 0; i < json_array_size(items); i++, seen++)
					assert_string_equal(item_id(items, i),
							    ids[q.desc ? 5 - seen : seen]);
				q.page_id = NULL;
				if (next) {
					strcpy(page, next);
					q.page_id = page;
				}
				json_decref(r);
			} while (q.page_id);
			assert_int_equal(seen, 6);
		}
	}
}

static void test_search_unknown_page_restarts(void **state)
{
	struct fixture *f = *state;
	struct bash_query q = all_query();
	const char *next;
	json_t *r, *items;

	q.limit = 2;
	q.page_id = "00000000-0000-4000-8000-000000000000";
	r = search(&f->s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(item_id(items, 0), f->c1->id);
	json_decref(r);

	/* a page id that does not match the filters restarts too */
	q.kind = BASH_OUTPUT;
	q.page_id = f->c2->id;
	r = search(&f->s, &q, &items, &next);
	assert_string_equal(item_id(items, 0), f->o[0]->id);
	json_decref(r);
}

static void test_evict_by_count(void **state)
{
	struct bash_store s;
	struct bash_event *e[5];
	char first[UUID_STR_LEN];
	int i;

	bash_store_init(&s, 3, 0);
	for (i = 0; i < 5; i++) {
		e[i] = command(&s, "x");
		if (i == 0)
			strcpy(first, e[0]->id);
	}
	assert_int_equal(s.count, 3);
	assert_ptr_equal(s.head, e[2]);
	assert_ptr_equal(s.tail, e[4]);
	assert_null(s.head->prev);
	assert_null(bash_store_find(&s, first));
	assert_ptr_equal(bash_store_find(&s, e[4]->id), e[4]);
	bash_store_free(&s);
}

static void test_evict_by_bytes(void **state)
{
	static char big[10000];
	const size_t one = sizeof(struct bash_event) + 1000; /* one output */
	struct bash_store s;
	struct bash_event *last = NULL;
	char cmd_id[UUID_STR_LEN];
	int i;

	memset(big, 'o', sizeof(big));
	bash_store_init(&s, 0, 3 * one);
	/* the command is evicted first: keep its id */
	strcpy(cmd_id, command(&s, "y")->id);
	for (i = 0; i < 10; i++)
		last = bash_store_add_output(&s, cmd_id, i, big, 1000, NULL, 0, 0, 0);
	assert_true(s.bytes <= 3 * one);
	assert_int_equal(s.count, 3);
	assert_ptr_equal(s.tail, last);
	assert_int_equal(s.head->order, 7);
	/* one event larger than the whole cap is still kept, alone */
	last = bash_store_add_output(&s, cmd_id, 10, big, sizeof(big), NULL, 0, 1, 0);
	assert_non_null(last);
	assert_int_equal(s.count, 1);
	assert_ptr_equal(s.head, last);
	assert_ptr_equal(s.tail, last);
	bash_store_free(&s);
}

struct drops {
	int outputs, commands;
	size_t bytes;
};

static void count_drop(void *arg, const struct bash_event *e)
{
	struct drops *d = arg;

	if (e->kind == BASH_OUTPUT) {
		d->outputs++;
		d->bytes += e->out_len + e->err_len;
	} else {
		d->commands++;
	}
}

/* Every event the bounds push out is shown to the hook before it goes;
 * what a caller records in dropped is on the wire only when not 0. */
static void test_drop_hook_and_dropped_bytes(void **state)
{
	static char big[1000];
	const size_t one = sizeof(struct bash_event) + sizeof(big);
	struct drops d = { 0, 0, 0 };
	struct bash_store s;
	struct bash_event *e = NULL;
	char cmd_id[UUID_STR_LEN];
	json_t *j;
	int i;

	memset(big, 'o', sizeof(big));
	bash_store_init(&s, 0, 3 * one);
	s.on_drop = count_drop;
	s.on_drop_arg = &d;
	strcpy(cmd_id, command(&s, "z")->id);
	for (i = 0; i < 10; i++)
		e = bash_store_add_output(&s, cmd_id, i, big, sizeof(big), "", 0, 0, 0);
	assert_int_equal(d.commands, 1);
	assert_int_equal(d.outputs, 7);
	assert_int_equal(d.bytes, 7 * sizeof(big));
	j = bash_store_event_json(e);
	assert_null(json_object_get(j, "dropped_bytes"));
	json_decref(j);
	e->dropped = d.bytes;
	j = bash_store_event_json(e);
	assert_int_equal(json_integer_value(json_object_get(j, "dropped_bytes")), 7000);
	json_decref(j);
	bash_store_free(&s);
}

static void test_clear(void **state)
{
	struct bash_store s;
	struct bash_query q = all_query();
	struct bash_event *a, *b;
	const char *next;
	json_t *r, *items;
	int64_t before;

	bash_store_init(&s, 0, 0);
	a = command(&s, "a");
	output(&s, a->id, 0, "x", 1, 0);
	command(&s, "b");
	before = s.tail->ts;
	assert_int_equal(bash_store_clear(&s), 3);
	assert_int_equal(s.count, 0);
	assert_int_equal(s.bytes, 0);
	assert_null(s.head);
	assert_null(s.tail);
	r = search(&s, &q, &items, &next);
	assert_int_equal(json_array_size(items), 0);
	assert_null(next);
	json_decref(r);
	assert_int_equal(bash_store_clear(&s), 0);
	/* timestamps keep increasing across a clear */
	b = command(&s, "c");
	assert_true(b->ts > before);
	assert_int_equal(bash_store_clear(&s), 1);
	bash_store_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_json),
		cmocka_unit_test(test_output_json),
		cmocka_unit_test(test_timestamps_unique_and_increasing),
		cmocka_unit_test(test_find),
		cmocka_unit_test_setup_teardown(test_search_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_command_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_timestamps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_order_gt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_order_gt_after_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_unknown_page_restarts, setup, teardown),
		cmocka_unit_test(test_evict_by_count),
		cmocka_unit_test(test_evict_by_bytes),
		cmocka_unit_test(test_drop_hook_and_dropped_bytes),
		cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests_name("sandboxd/bash_store", tests, NULL, NULL);
}
