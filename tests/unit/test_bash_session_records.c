/* test_bash_session_records.c — sandboxd/bash_session_parse: the status
 * pipe's bytes cut into records as reads deliver them
 * (bash_session_records_feed), including a record too long to keep. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "sandboxd/bash_session_parse.h"

#define CAP 64
#define MAX_SEEN 8

struct seen {
	int n;
	struct bash_session_record rec[MAX_SEEN];
	char cwd[MAX_SEEN][CAP];
};

static void record(void *arg, const struct bash_session_record *rec)
{
	struct seen *s = arg;

	assert_true(s->n < MAX_SEEN);
	s->rec[s->n] = *rec;
	assert_true(rec->cwd_len < CAP);
	memcpy(s->cwd[s->n], rec->cwd ? rec->cwd : "", rec->cwd_len);
	s->cwd[s->n][rec->cwd_len] = '\0';
	s->rec[s->n].cwd = s->cwd[s->n];
	s->n++;
}

/* data fed in reads of at most chunk bytes, as the pipe gives them */
static void feed(struct bash_session_records *r, const char *data, size_t len,
		 size_t chunk, struct seen *s)
{
	size_t n;

	while (len) {
		n = len < chunk ? len : chunk;
		bash_session_records_feed(r, data, n, record, s);
		data += n;
		len -= n;
	}
}

static void test_records_across_reads(void **state)
{
	static const char stream[] = "S 1\0" "0 1 /workspace\0" "S 2\0" "127 2 /tmp\0";
	struct bash_session_records r;
	struct seen s;
	size_t chunk;

	for (chunk = 1; chunk <= sizeof(stream); chunk++) {
		memset(&s, 0, sizeof(s));
		bash_session_records_init(&r, CAP);
		feed(&r, stream, sizeof(stream) - 1, chunk, &s);
		assert_int_equal(s.n, 4);
		assert_int_equal(s.rec[0].kind, BASH_SESSION_STARTED);
		assert_int_equal(s.rec[0].seq, 1);
		assert_int_equal(s.rec[1].kind, BASH_SESSION_DONE);
		assert_string_equal(s.cwd[1], "/workspace");
		assert_int_equal(s.rec[3].exit_code, 127);
		assert_int_equal(s.rec[3].seq, 2);
		assert_string_equal(s.cwd[3], "/tmp");
		bash_session_records_free(&r);
	}
}

static void test_malformed_record_skipped(void **state)
{
	static const char stream[] = "S x\0" "300 1 /\0" "S 3\0";
	struct bash_session_records r;
	struct seen s;

	memset(&s, 0, sizeof(s));
	bash_session_records_init(&r, CAP);
	feed(&r, stream, sizeof(stream) - 1, sizeof(stream), &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].seq, 3);
	bash_session_records_free(&r);
}

/* A record over the cap ($PWD can be longer than PATH_MAX) is dropped. The
 * records after it must still arrive, whether they come in the read that
 * ends it or in the next one: the session used to throw the whole read
 * away and then skip to the next NUL, losing the record after it too. */
static void test_oversized_record_keeps_the_next(void **state)
{
	struct bash_session_records r;
	struct seen s;
	struct buf stream;
	size_t chunk, i;

	buf_init(&stream, 0);
	assert_int_equal(buf_append(&stream, "0 1 /", 5), 0);
	for (i = 0; i < 3 * CAP; i++)
		assert_int_equal(buf_append(&stream, "a", 1), 0);
	assert_int_equal(buf_append(&stream, "\0S 2\0" "0 2 /short\0", 16), 0);
	for (chunk = 1; chunk <= stream.len; chunk++) {
		memset(&s, 0, sizeof(s));
		bash_session_records_init(&r, CAP);
		feed(&r, stream.data, stream.len, chunk, &s);
		assert_int_equal(s.n, 2);
		assert_int_equal(s.rec[0].kind, BASH_SESSION_STARTED);
		assert_int_equal(s.rec[0].seq, 2);
		assert_int_equal(s.rec[1].kind, BASH_SESSION_DONE);
		assert_int_equal(s.rec[1].seq, 2);
		assert_string_equal(s.cwd[1], "/short");
		bash_session_records_free(&r);
	}
	buf_free(&stream);
}

/* A record exactly at the cap (its NUL included) is kept. */
static void test_record_at_cap_kept(void **state)
{
	struct bash_session_records r;
	char rec[CAP];
	struct seen s;

	memset(rec, 'b', sizeof(rec));
	memcpy(rec, "0 9 /", 5);
	rec[CAP - 1] = '\0';
	memset(&s, 0, sizeof(s));
	bash_session_records_init(&r, CAP);
	feed(&r, rec, sizeof(rec), 7, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.rec[0].seq, 9);
	assert_int_equal(s.rec[0].cwd_len, CAP - 4 - 1); /* "/bbb…" */
	bash_session_records_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_across_reads),
		cmocka_unit_test(test_malformed_record_skipped),
		cmocka_unit_test(test_oversized_record_keeps_the_next),
		cmocka_unit_test(test_record_at_cap_kept),
	};

	return cmocka_run_group_tests_name("sandboxd/bash_session_parse records", tests, NULL,
					   NULL);
}
