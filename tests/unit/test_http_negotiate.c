/* test_http_negotiate.c — net/http_negotiate: which Accept-Encoding
 * values take gzip (q-values, "*", case, look-alike names, malformed
 * elements) and which If-None-Match values list an ETag (lists, weak
 * tags, "*"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/http_negotiate.h"

static void test_gzip_accepted(void **state)
{
	static const char *yes[] = {
		"gzip", "gzip, deflate, br", "deflate, gzip", "br;q=1.0, gzip;q=0.8, *;q=0.1",
		"GZIP", " gzip ", "gzip;q=1", "gzip;q=0.001", "gzip ; q=0.5", "gzip;Q=0.5",
		"x-gzip", "*", "identity, *;q=0.5", "*;q=0, gzip", "gzip;level=9;q=0.2",
		"gzip;q=0, gzip;q=0.5",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!http_accepts_coding(yes[i], "gzip"))
			fail_msg("\"%s\" should take gzip", yes[i]);
}

static void test_gzip_refused(void **state)
{
	static const char *no[] = {
		"", "identity", "deflate, br", "gzip;q=0", "gzip;q=0.0", "gzip;q=0.000",
		"gzip; q=0 , deflate", "*;q=0", "gzip;q=0, *", "gzip2", "x-gzip2", "gzipx, br",
		"ggzip", "*;q=0.5, gzip;q=0", "gzip;q=2", "gzip;q=abc", "gzip;q=0.5x",
		"gzip;q=", "identity;q=1, *;q=0", ",,,",
	};
	size_t i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (http_accepts_coding(no[i], "gzip"))
			fail_msg("\"%s\" should not take gzip", no[i]);
	assert_false(http_accepts_coding(NULL, "gzip"));
	/* a name is matched whole, for any coding */
	assert_true(http_accepts_coding("gzip, br", "br"));
	assert_false(http_accepts_coding("brotli", "br"));
}

static void test_etag_listed(void **state)
{
	const char *tag = "\"0123abcd-gz\"";

	assert_true(http_etag_listed("\"0123abcd-gz\"", tag));
	assert_true(http_etag_listed("W/\"0123abcd-gz\"", tag));
	assert_true(http_etag_listed("\"x\", \"0123abcd-gz\"", tag));
	assert_true(http_etag_listed("\"x\",W/\"0123abcd-gz\" ", tag));
	assert_true(http_etag_listed("*", tag));
	assert_true(http_etag_listed(" * ", tag));
	assert_false(http_etag_listed(NULL, tag));
	assert_false(http_etag_listed("", tag));
	assert_false(http_etag_listed("\"0123abcd\"", tag));
	assert_false(http_etag_listed("\"0123abcd-gz-\"", tag));
	assert_false(http_etag_listed("0123abcd-gz", tag));
	assert_false(http_etag_listed("\"0123abcd-gz", tag));
	assert_false(http_etag_listed("\"x\", 0123abcd-gz", tag));
	assert_false(http_etag_listed("\"a\"\"0123abcd-gz\"x", "\"b\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_accepted),
		cmocka_unit_test(test_gzip_refused),
		cmocka_unit_test(test_etag_listed),
	};
	return cmocka_run_group_tests_name("net/http_negotiate", tests, NULL, NULL);
}
