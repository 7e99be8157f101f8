/* fuzz_bash_session.c — libFuzzer target for the shell protocol of
 * persistent bash sessions (src/sandboxd/bash_session_parse.c): the status
 * records the shell writes back, the keys and text typed into it, the
 * bounded tail of a command's output and the trigger line.
 *
 * The first byte of an input picks the target; the rest is its data. Each
 * target checks properties besides "no crash": the records delivered from
 * a stream are the same however it was cut into reads, and each formats
 * back to bytes that parse to it again; typed input ends with Enter unless
 * it was one control key; a trimmed tail is a suffix of the output that
 * starts on a character. A failed check aborts. See docs/testing.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "common/buf.h"
#include "common/hb_error.h"
#include "sandboxd/bash_session_parse.h"


enum target { T_RECORDS, T_KEYS, T_TAIL, T_TRIGGER, T_COUNT };

/* -------------------------------------------------------------- records */

#define MAX_RECORDS 4096 /* libFuzzer's default -max_len */

struct parsed {
	int rc;                         /* 1 or HB_EINVAL */
	struct bash_session_record rec;
	size_t off, used;               /* where it was in the stream */
};

static int same_record(const struct bash_session_record *a, const struct bash_session_record *b)
{
	return a->kind == b->kind && a->exit_code == b->exit_code && a->seq == b->seq &&
	       a->cwd_len == b->cwd_len &&
	       (!a->cwd_len || !memcmp(a->cwd, b->cwd, a->cwd_len));
}

/* A record parsed back from the bytes the shell would write for it. */
static void check_round_trip(const struct bash_session_record *rec)
{
	struct bash_session_record again;
	struct buf b;
	size_t used;

	buf_init(&b, 0);
	if (rec->kind == BASH_SESSION_STARTED)
		CHECK(buf_printf(&b, "S %lu", rec->seq) == 0);
	else
		CHECK(buf_printf(&b, "%d %lu ", rec->exit_code, rec->seq) == 0 &&
		      buf_append(&b, rec->cwd, rec->cwd_len) == 0);
	CHECK(buf_append(&b, "", 1) == 0);
	CHECK(bash_session_record_parse(b.data, b.len, &again, &used) == 1);
	CHECK(used == b.len);
	CHECK(same_record(rec, &again));
	buf_free(&b);
}

/* The whole stream at once, record after record. */
static int parse_all(const char *s, size_t n, struct parsed *out)
{
	size_t off = 0, used;
	int count = 0, rc;

	while (off < n && count < MAX_RECORDS) {
		used = 0;
		rc = bash_session_record_parse(s + off, n - off, &out[count].rec, &used);
		if (rc == 0) {
			CHECK(!memchr(s + off, '\0', n - off));
			break;
		}
		CHECK(rc == 1 || rc == HB_EINVAL);
		CHECK(used >= 1 && used <= n - off && s[off + used - 1] == '\0');
		CHECK(!memchr(s + off, '\0', used - 1));
		if (rc == 1) {
			const struct bash_session_record *r = &out[count].rec;

			CHECK(r->kind == BASH_SESSION_STARTED || r->kind == BASH_SESSION_DONE);
			if (r->kind == BASH_SESSION_DONE) {
				CHECK(r->exit_code >= 0 && r->exit_code <= 255);
				CHECK(r->cwd >= s + off && r->cwd + r->cwd_len == s + off + used - 1);
			}
			check_round_trip(r);
		}
		out[count].rc = rc;
		out[count].off = off;
		out[count].used = used;
		count++;
		off += used;
	}
	return count;
}

/* What bash_session_records_feed() must deliver: the well-formed records
 * of the whole stream that fit the cap (0: none), in order. */
struct expect {
	const struct parsed *whole;
	int count, next;
	size_t cap;
};

static int deliverable(const struct expect *x, int i)
{
	return x->whole[i].rc == 1 && (!x->cap || x->whole[i].used <= x->cap);
}

static void delivered(void *arg, const struct bash_session_record *rec)
{
	struct expect *x = arg;

	while (x->next < x->count && !deliverable(x, x->next))
		x->next++;
	CHECK(x->next < x->count);
	CHECK(same_record(rec, &x->whole[x->next].rec));
	x->next++;
}

/* The stream as the status pipe delivers it: in reads of data[0] bytes
 * (0: one read), records capped at data[1] bytes (0: no cap). The records
 * that arrive are those parsed from the whole stream, less the ones over
 * the cap: a dropped record never takes the next one with it. */
static void fuzz_records(const uint8_t *data, size_t n)
{
	static struct parsed whole[MAX_RECORDS];
	struct bash_session_records r;
	struct expect x;
	size_t chunk, off, k;
	char *s;

	if (n < 2 || n - 2 > MAX_RECORDS)
		return;
	chunk = data[0];
	x.cap = data[1];
	s = fuzz_cstr(data + 2, n - 2);
	n -= 2;
	x.whole = whole;
	x.count = parse_all(s, n, whole);
	x.next = 0;
	bash_session_records_init(&r, x.cap);
	for (off = 0; off < n; off += k) {
		k = chunk && chunk < n - off ? chunk : n - off;
		bash_session_records_feed(&r, s + off, k, delivered, &x);
	}
	while (x.next < x.count)
		CHECK(!deliverable(&x, x.next++));
	bash_session_records_free(&r);
	free(s);
}

/* ----------------------------------------------------------------- keys */

static void fuzz_keys(const uint8_t *data, size_t n)
{
	char *text = fuzz_cstr(data, n);
	unsigned char key = 0;
	struct buf out;
	int is_key;

	is_key = strlen(text) == n && bash_session_key_byte(text, &key);
	if (is_key) {
		CHECK(n == 3 && text[0] == 'C' && text[1] == '-');
		CHECK(key < 0x20 || key == 0x7f);
	}
	buf_init(&out, 0);
	CHECK(bash_session_input_bytes(text, n, &out) == 0);
	if (is_key) {
		CHECK(out.len == 1 && (unsigned char)out.data[0] == key);
	} else {
		CHECK(out.len == n || out.len == n + 1);
		CHECK(!n || !memcmp(out.data, text, n));
		CHECK(out.data[out.len - 1] == '\n');
		CHECK(out.len == n + 1 || text[n - 1] == '\n');
	}
	buf_free(&out);
	/* a capped queue (the terminal's) refuses what does not fit whole */
	buf_init(&out, 2);
	CHECK(bash_session_input_bytes(text, n, &out) == (is_key || n + 1 <= 2 ||
	      (n == 2 && text[1] == '\n') ? 0 : HB_ETOOBIG));
	buf_free(&out);
	free(text);
}

/* ----------------------------------------------------------------- tail */

static void fuzz_tail(const uint8_t *data, size_t n)
{
	size_t keep, before, i;
	struct buf b;
	int rc;

	if (n < 2)
		return;
	keep = (size_t)data[0] | (size_t)data[1] << 8;
	data += 2;
	n -= 2;
	buf_init(&b, 0);
	if (n)
		CHECK(buf_append(&b, data, n) == 0);
	before = b.len;
	rc = bash_session_tail_trim(&b, keep);
	CHECK(rc == (before > keep));
	if (!rc) {
		CHECK(b.len == n);
	} else {
		/* at most 3 continuation bytes skipped past the cut */
		CHECK(b.len <= keep && keep - b.len <= 3);
		CHECK(!b.len || !memcmp(b.data, data + n - b.len, b.len));
		for (i = n - keep; i < n - b.len; i++)
			CHECK((data[i] & 0xc0) == 0x80);
		CHECK(!b.len || keep - b.len == 3 || ((unsigned char)b.data[0] & 0xc0) != 0x80);
	}
	buf_free(&b);
}

/* -------------------------------------------------------------- trigger */

static void fuzz_trigger(const uint8_t *data, size_t n)
{
	char line[512], seqtext[32], *small;
	unsigned long seq = 0;
	size_t outlen, i;
	int len;

	for (i = 0; i < n && i < sizeof(seq); i++)
		seq = seq << 8 | data[i];
	outlen = n > sizeof(seq) ? data[sizeof(seq)] : sizeof(line);
	len = bash_session_trigger_line(line, sizeof(line), seq);
	CHECK(len > 0 && (size_t)len < sizeof(line) && (size_t)len == strlen(line));
	CHECK(line[0] == '\025' && line[len - 1] == '\n' && !memchr(line, '\n', len - 1));
	snprintf(seqtext, sizeof(seqtext), "__hb_seq=%lu;", seq);
	CHECK(strstr(line, seqtext));
	/* a short buffer is refused, never overrun */
	if (outlen > 0 && outlen < sizeof(line)) {
		small = malloc(outlen);
		CHECK(small);
		CHECK(bash_session_trigger_line(small, outlen, seq) ==
		      ((size_t)len < outlen ? len : HB_ETOOBIG));
		free(small);
	}
}

/* ------------------------------------------------------------- libFuzzer */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % T_COUNT) {
	case T_RECORDS: fuzz_records(data + 1, size - 1); break;
	case T_KEYS: fuzz_keys(data + 1, size - 1); break;
	case T_TAIL: fuzz_tail(data + 1, size - 1); break;
	case T_TRIGGER: fuzz_trigger(data + 1, size - 1); break;
	}
	return 0;
}
