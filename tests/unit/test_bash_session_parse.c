/* test_bash_session_parse.c — sandboxd/bash_session_parse: the lines typed into a
 * session's bash, the status records it writes back, key names and the
 * bounded output tail. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "sandboxd/bash_session_parse.h"

static void test_init_line(void **state)
{
	size_t n = strlen(bash_session_init_line);

	/* one line, ending in Enter, under the terminal's 4095-byte limit */
	assert_true(n > 1 && n < 4095);
	assert_int_equal(bash_session_init_line[n - 1], '\n');
	assert_null(memchr(bash_session_init_line, '\n', n - 1));
	assert_non_null(strstr(bash_session_init_line, "exec 253<&3 254>&4 3<&- 4>&-;"));
	assert_non_null(strstr(bash_session_init_line, "PROMPT_COMMAND='printf \"%s %s %s\\0\""));
	assert_non_null(strstr(bash_session_init_line, ">&254; PS1= PS2='"));
}

static void test_trigger_line(void **state)
{
	char line[256], *start_at, *read_at;
	int n = bash_session_trigger_line(line, sizeof(line), 42);

	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(line));
	assert_int_equal(line[n - 1], '\n');
	assert_null(memchr(line, '\n', (size_t)n - 1));
	assert_int_equal(line[0], 0x15);
	assert_non_null(strstr(line, "__hb_seq=42;"));
	/* the start record comes before the read */
	start_at = strstr(line, "printf 'S %s\\0' \"$__hb_seq\" >&254;");
	read_at = strstr(line, "read -r -d '' -u 253 __hb_cmd");
	assert_non_null(start_at);
	assert_non_null(read_at);
	assert_true(start_at < read_at);
	/* the number changes nothing else */
	assert_true(bash_session_trigger_line(line, sizeof(line), 18446744073709551615UL) > n);
	assert_non_null(strstr(line, "__hb_seq=18446744073709551615;"));
	assert_int_equal(bash_session_trigger_line(line, 20, 1), HB_ETOOBIG);
}

static void test_record_parse(void **state)
{
	static const char two[] = "0 1 /tmp\0" "130 2 /home/a b\0";
	struct bash_session_record rec;
	size_t used = 0;

	assert_int_equal(bash_session_record_parse(two, sizeof(two) - 1, &rec, &used), 1);
	assert_int_equal(used, 9);
	assert_int_equal(rec.kind, BASH_SESSION_DONE);
	assert_int_equal(rec.exit_code, 0);
	assert_int_equal(rec.seq, 1);
	assert_int_equal(rec.cwd_len, 4);
	assert_memory_equal(rec.cwd, "/tmp", 4);

	assert_int_equal(bash_session_record_parse(two + used, sizeof(two) - 1 - used, &rec, &used), 1);
	assert_int_equal(used, 16);
	assert_int_equal(rec.exit_code, 130);
	assert_int_equal(rec.seq, 2);
	assert_int_equal(rec.cwd_len, 9);
	assert_memory_equal(rec.cwd, "/home/a b", 9);
}

static void test_start_record(void **state)
{
	struct bash_session_record rec;
	size_t used = 0;

	assert_int_equal(bash_session_record_parse("S 12\0" "0 12 /\0", 12, &rec, &used), 1);
	assert_int_equal(used, 5);
	assert_int_equal(rec.kind, BASH_SESSION_STARTED);
	assert_int_equal(rec.seq, 12);
	assert_int_equal(rec.cwd_len, 0);
	assert_int_equal(bash_session_record_parse("S 1", 3, &rec, &used), 0);
}

static void test_record_edges(void **state)
{
	struct bash_session_record rec;
	size_t used = 0;

	/* no NUL yet: wait */
	assert_int_equal(bash_session_record_parse("0 1 /tm", 7, &rec, &used), 0);
	assert_int_equal(bash_session_record_parse("", 0, &rec, &used), 0);
	/* an empty cwd ($PWD unset) is a record */
	assert_int_equal(bash_session_record_parse("255 7 \0", 7, &rec, &used), 1);
	assert_int_equal(rec.exit_code, 255);
	assert_int_equal(rec.seq, 7);
	assert_int_equal(rec.cwd_len, 0);
	assert_int_equal(used, 7);
	/* a cwd may hold anything but NUL */
	assert_int_equal(bash_session_record_parse("1 3 /a\nb 9\0", 11, &rec, &used), 1);
	assert_int_equal(rec.cwd_len, 6);
}

static void test_record_malformed(void **state)
{
	static const char *const bad[] = {
		"x 1 /", "256 1 /", "1000 1 /", "-1 1 /", " 0 1 /", "0  1 /",
		"0 1", "0 1/", "0 x /", "0 12345678901234567890 /", "0", "",
		"S", "S ", "S 1 ", "S x", "S  1", "S1", "S 1 /",
	};
	struct bash_session_record rec;
	char data[64];
	size_t i, n, used;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = strlen(bad[i]);
		memcpy(data, bad[i], n + 1);
		used = 0;
		assert_int_equal(bash_session_record_parse(data, n + 1, &rec, &used), HB_EINVAL);
		/* the caller skips exactly the bad record */
		assert_int_equal(used, n + 1);
	}
}

static void test_key_byte(void **state)
{
	static const struct { const char *name; unsigned char byte; } keys[] = {
		{ "C-c", 0x03 }, { "C-d", 0x04 }, { "C-z", 0x1a }, { "C-\\", 0x1c },
		{ "C-C", 0x03 }, { "C-a", 0x01 }, { "C-@", 0x00 }, { "C-[", 0x1b },
		{ "C-]", 0x1d }, { "C-^", 0x1e }, { "C-_", 0x1f }, { "C-?", 0x7f },
	};
	static const char *const text[] = {
		"C-", "C-cc", "c-c", "C-1", "C- ", "", "hello", " C-c", "C-c\n", "M-x",
	};
	unsigned char b;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		b = 0xff;
		assert_int_equal(bash_session_key_byte(keys[i].name, &b), 1);
		assert_int_equal(b, keys[i].byte);
	}
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		assert_int_equal(bash_session_key_byte(text[i], &b), 0);
}

static void expect_input(const char *text, size_t len, const char *want, size_t wantlen)
{
	struct buf out;

	buf_init(&out, 0);
	assert_int_equal(bash_session_input_bytes(text, len, &out), 0);
	assert_int_equal(out.len, wantlen);
	assert_memory_equal(out.data, want, wantlen);
	buf_free(&out);
}

static void test_input_bytes(void **state)
{
	expect_input("C-c", 3, "\x03", 1);
	expect_input("C-d", 3, "\x04", 1);
	expect_input("hello", 5, "hello\n", 6);
	expect_input("hello\n", 6, "hello\n", 6);
	expect_input("a\nb", 3, "a\nb\n", 4);
	expect_input("", 0, "\n", 1);
	/* a key name only counts as the whole text */
	expect_input("C-c\0x", 5, "C-c\0x\n", 6);
	expect_input("C-cx", 4, "C-cx\n", 5);
}

static void fill(struct buf *b, const char *s, size_t n)
{
	buf_init(b, 0);
	assert_int_equal(buf_append(b, s, n), 0);
}

static void test_tail_trim(void **state)
{
	struct buf b;

	fill(&b, "0123456789", 10);
	assert_int_equal(bash_session_tail_trim(&b, 10), 0);
	assert_int_equal(b.len, 10);
	assert_int_equal(bash_session_tail_trim(&b, 4), 1);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "6789", 4);
	buf_free(&b);

	/* é = c3 a9: a cut inside it moves forward to the next character */
	fill(&b, "\xc3\xa9\xc3\xa9\xc3\xa9", 6);
	assert_int_equal(bash_session_tail_trim(&b, 3), 1);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.data, "\xc3\xa9", 2);
	buf_free(&b);

	fill(&b, "\xc3\xa9\xc3\xa9\xc3\xa9", 6);
	assert_int_equal(bash_session_tail_trim(&b, 4), 1);
	assert_int_equal(b.len, 4);
	buf_free(&b);

	/* U+1F600 is four bytes: at most three continuations are skipped */
	fill(&b, "a\xf0\x9f\x98\x80z", 6);
	assert_int_equal(bash_session_tail_trim(&b, 4), 1);
	assert_int_equal(b.len, 1);
	assert_memory_equal(b.data, "z", 1);
	buf_free(&b);

	/* not UTF-8 at all: still cut, never more than three extra bytes */
	fill(&b, "\x80\x80\x80\x80\x80\x80\x80\x80", 8);
	assert_int_equal(bash_session_tail_trim(&b, 6), 1);
	assert_int_equal(b.len, 3);
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_line),
		cmocka_unit_test(test_trigger_line),
		cmocka_unit_test(test_record_parse),
		cmocka_unit_test(test_start_record),
		cmocka_unit_test(test_record_edges),
		cmocka_unit_test(test_record_malformed),
		cmocka_unit_test(test_key_byte),
		cmocka_unit_test(test_input_bytes),
		cmocka_unit_test(test_tail_trim),
	};

	return cmocka_run_group_tests_name("sandboxd/bash_session_parse", tests, NULL, NULL);
}
