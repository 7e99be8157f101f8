/* test_utf8.c — common/utf8: sequence lengths, where to cut a stream, and
 * the repair of ill-formed bytes into U+FFFD as Python's errors="replace". */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/buf.h"
#include "common/utf8.h"

#define FFFD "\xef\xbf\xbd"

static size_t seq(const char *s, size_t n)
{
	return utf8_seq_len((const unsigned char *)s, n);
}

static void test_seq_len_well_formed(void **state)
{
	assert_int_equal(seq("a", 1), 1);
	assert_int_equal(seq("\0", 1), 1);
	assert_int_equal(seq("\x7f", 1), 1);
	assert_int_equal(seq("\xc3\xa9", 2), 2);             /* é */
	assert_int_equal(seq("\xdf\xbf", 2), 2);             /* U+07FF */
	assert_int_equal(seq("\xe2\x82\xac", 3), 3);         /* € */
	assert_int_equal(seq("\xe0\xa0\x80", 3), 3);         /* U+0800 */
	assert_int_equal(seq("\xed\x9f\xbf", 3), 3);         /* U+D7FF */
	assert_int_equal(seq("\xee\x80\x80", 3), 3);         /* U+E000 */
	assert_int_equal(seq("\xf0\x9f\x98\x80", 4), 4);     /* 😀 */
	assert_int_equal(seq("\xf4\x8f\xbf\xbf", 4), 4);     /* U+10FFFF */
	/* only the first sequence counts */
	assert_int_equal(seq("\xc3\xa9zzz", 5), 2);
}

static void test_seq_len_ill_formed(void **state)
{
	assert_int_equal(seq("", 0), 0);                     /* nothing there */
	assert_int_equal(seq("\x80", 1), 0);                 /* lone continuation */
	assert_int_equal(seq("\xbf", 1), 0);
	assert_int_equal(seq("\xc0\x80", 2), 0);             /* overlong NUL */
	assert_int_equal(seq("\xc1\xbf", 2), 0);
	assert_int_equal(seq("\xe0\x80\x80", 3), 0);         /* overlong */
	assert_int_equal(seq("\xe0\x9f\xbf", 3), 0);
	assert_int_equal(seq("\xed\xa0\x80", 3), 0);         /* surrogate D800 */
	assert_int_equal(seq("\xed\xbf\xbf", 3), 0);         /* surrogate DFFF */
	assert_int_equal(seq("\xf0\x80\x80\x80", 4), 0);     /* overlong */
	assert_int_equal(seq("\xf0\x8f\xbf\xbf", 4), 0);
	assert_int_equal(seq("\xf4\x90\x80\x80", 4), 0);     /* past U+10FFFF */
	assert_int_equal(seq("\xf5\x80\x80\x80", 4), 0);
	assert_int_equal(seq("\xff", 1), 0);
	assert_int_equal(seq("\xc3\x28", 2), 0);             /* bad continuation */
	assert_int_equal(seq("\xe2\x82\x28", 3), 0);
	assert_int_equal(seq("\xf0\x9f\x98\x28", 4), 0);
	/* well-formed but cut short by n */
	assert_int_equal(seq("\xc3\xa9", 1), 0);
	assert_int_equal(seq("\xe2\x82\xac", 2), 0);
	assert_int_equal(seq("\xf0\x9f\x98\x80", 3), 0);
}

static void test_cut_point(void **state)
{
	assert_int_equal(utf8_cut_point("", 0), 0);
	assert_int_equal(utf8_cut_point("abc", 3), 3);
	assert_int_equal(utf8_cut_point("a\xc3", 2), 1);
	assert_int_equal(utf8_cut_point("a\xc3\xa9", 3), 3);
	assert_int_equal(utf8_cut_point("ab\xe2", 3), 2);
	assert_int_equal(utf8_cut_point("ab\xe2\x82", 4), 2);
	assert_int_equal(utf8_cut_point("ab\xe2\x82\xac", 5), 5);
	assert_int_equal(utf8_cut_point("\xf0", 1), 0);
	assert_int_equal(utf8_cut_point("\xf0\x9f", 2), 0);
	assert_int_equal(utf8_cut_point("\xf0\x9f\x98", 3), 0);
	assert_int_equal(utf8_cut_point("\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(utf8_cut_point("x\xf0\x9f\x98", 4), 1);
	/* bytes no continuation could ever make valid are not held back */
	assert_int_equal(utf8_cut_point("a\xff", 2), 2);
	assert_int_equal(utf8_cut_point("a\xe0\x80", 3), 3);  /* overlong start */
	assert_int_equal(utf8_cut_point("a\xed\xa0", 3), 3);  /* surrogate start */
	assert_int_equal(utf8_cut_point("a\xf4\x90", 3), 3);  /* past U+10FFFF */
	assert_int_equal(utf8_cut_point("a\xc3\x28", 3), 3);
	assert_int_equal(utf8_cut_point("aaaa\x80\x80\x80", 7), 7);
	assert_int_equal(utf8_cut_point("\x80\x80\x80", 3), 3);
}

static void sanitized(const char *in, size_t n, const char *want, size_t wantlen)
{
	struct buf b;
	int ok;

	buf_init(&b, 0);
	assert_int_equal(utf8_append_sanitized(&b, in, n), 0);
	ok = b.len == wantlen && !memcmp(b.data ? b.data : "", want, wantlen);
	buf_free(&b);
	assert_true(ok);
}

/* literals only: their sizes include whatever NULs they hold */
#define SANITIZED(in, want) sanitized(in, sizeof(in) - 1, want, sizeof(want) - 1)

static void test_sanitize(void **state)
{
	SANITIZED("", "");
	SANITIZED("plain ascii", "plain ascii");
	SANITIZED("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	SANITIZED("a\xff" "b", "a" FFFD "b");
	SANITIZED("\xff\xfe", FFFD FFFD);
	SANITIZED("\x80", FFFD);
	SANITIZED("end\xc3", "end" FFFD);
	SANITIZED("nul\0inside", "nul\0inside");
	SANITIZED("\xc0\x80", FFFD FFFD);                 /* overlong: each byte */
	SANITIZED("\xed\xa0\x80", FFFD FFFD FFFD);        /* surrogate */
	SANITIZED("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);
	/* a truncated but well-begun sequence is one U+FFFD, as Python gives:
	 * b"\xe2\x82A".decode("utf-8", "replace") == "\ufffdA" */
	SANITIZED("\xe2\x82" "A", FFFD "A");
	SANITIZED("\xf0\x9f\x98" "A", FFFD "A");
	SANITIZED("\xf0\x9f\x98", FFFD);
	SANITIZED("\xe2\x82\xe2\x82\xac", FFFD "\xe2\x82\xac");
	SANITIZED("\xe0\x80" "A", FFFD FFFD "A");
}

static void test_sanitize_appends(void **state)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_int_equal(utf8_append_sanitized(&b, "\xff", 1), 0);
	assert_string_equal(b.data, "x" FFFD);
	buf_free(&b);
	/* the buffer's cap applies */
	buf_init(&b, 3);
	assert_int_not_equal(utf8_append_sanitized(&b, "ab\xff", 3), 0);
	buf_free(&b);
}

/* Cutting a valid stream anywhere at its cut point and sanitizing both
 * halves must give back the stream: no character is ever split. */
static void test_cut_then_sanitize_keeps_text(void **state)
{
	static const char text[] = "a\xc3\xa9" "b\xe2\x82\xac" "c\xf0\x9f\x98\x80" "d"
				   "\xed\x9f\xbf\xf4\x8f\xbf\xbf";
	size_t n = sizeof(text) - 1, split, cut;
	struct buf b;

	for (split = 0; split <= n; split++) {
		cut = utf8_cut_point(text, split);
		assert_true(cut <= split);
		assert_true(split - cut <= 3);
		buf_init(&b, 0);
		assert_int_equal(utf8_append_sanitized(&b, text, cut), 0);
		assert_int_equal(utf8_append_sanitized(&b, text + cut, n - cut), 0);
		assert_int_equal(b.len, n);
		assert_memory_equal(b.data, text, n);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seq_len_well_formed),
		cmocka_unit_test(test_seq_len_ill_formed),
		cmocka_unit_test(test_cut_point),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_appends),
		cmocka_unit_test(test_cut_then_sanitize_keeps_text),
	};

	return cmocka_run_group_tests_name("common/utf8", tests, NULL, NULL);
}
