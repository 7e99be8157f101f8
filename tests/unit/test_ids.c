/* test_ids.c — common/ids: UUID4 strings, ISO-8601 formatting and parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <string.h>

#include "common/hb_error.h"
#include "common/ids.h"

static void test_uuid4_format(void **state)
{
	char a[UUID_STR_LEN], b[UUID_STR_LEN];
	int i, n;

	for (n = 0; n < 200; n++) {
		uuid4_str(a);
		assert_int_equal(strlen(a), 36);
		for (i = 0; i < 36; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23)
				assert_int_equal(a[i], '-');
			else
				assert_true(isxdigit((unsigned char)a[i]) &&
					    !isupper((unsigned char)a[i]));
		}
		assert_int_equal(a[14], '4');                   /* version 4 */
		assert_non_null(strchr("89ab", a[19]));         /* RFC 4122 variant */
		assert_true(uuid_is_valid(a));
	}
	uuid4_str(b);
	assert_string_not_equal(a, b);
}

static void test_uuid_is_valid_rejects(void **state)
{
	assert_true(uuid_is_valid("01234567-89ab-cdef-0123-456789ABCDEF"));
	assert_false(uuid_is_valid(""));
	assert_false(uuid_is_valid("01234567-89ab-cdef-0123-456789abcde"));
	assert_false(uuid_is_valid("01234567-89ab-cdef-0123-456789abcdef0"));
	assert_false(uuid_is_valid("0123456789abcdef0123456789abcdef0123"));
	assert_false(uuid_is_valid("01234567-89ab-cdef-0123_456789abcdef"));
	assert_false(uuid_is_valid("g1234567-89ab-cdef-0123-456789abcdef"));
	assert_false(uuid_is_valid("01234567-89ab-cdef-0123-456789abcde "));
	assert_false(uuid_is_valid("../../../../etc/passwd-000000000000"));
}

static void test_isotime_format_known(void **state)
{
	char s[ISOTIME_STR_LEN];

	isotime_format(0, s);
	assert_string_equal(s, "1970-01-01T00:00:00.000000Z");
	isotime_format(1738324800123456LL, s);
	assert_string_equal(s, "2025-01-31T12:00:00.123456Z");
	isotime_format(951782400000001LL, s); /* a leap day */
	assert_string_equal(s, "2000-02-29T00:00:00.000001Z");
	/* before 1970 the fraction must not go negative */
	isotime_format(-500000, s);
	assert_string_equal(s, "1969-12-31T23:59:59.500000Z");
	isotime_format(-1000000, s);
	assert_string_equal(s, "1969-12-31T23:59:59.000000Z");
}

/* Events carry UTC without a zone suffix; parsing reads it back as UTC. */
static void test_isotime_format_event(void **state)
{
	char s[ISOTIME_STR_LEN];
	int64_t us;

	isotime_format_event(1781588358809928LL, s);
	assert_string_equal(s, "2026-06-16T05:39:18.809928");
	isotime_format_event(-500000, s);
	assert_string_equal(s, "1969-12-31T23:59:59.500000");
	isotime_format_event(1738324800000001LL, s);
	assert_int_equal(isotime_parse(s, &us), 0);
	assert_int_equal(us, 1738324800000001LL);
}

static void test_isotime_round_trip(void **state)
{
	static const int64_t values[] = {
		0, 1, 999999, 1000000, 1738324800123456LL, 4102444799999999LL,
		-1, -500000, -86400000001LL, 253402300799999999LL, /* 9999-12-31 */
	};
	char s[ISOTIME_STR_LEN];
	int64_t us, now = now_us();
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		isotime_format(values[i], s);
		assert_int_equal(isotime_parse(s, &us), 0);
		assert_int_equal(us, values[i]);
	}
	isotime_format(now, s);
	assert_int_equal(isotime_parse(s, &us), 0);
	assert_int_equal(us, now);
}

static int64_t parsed(const char *s)
{
	int64_t us = -42;

	assert_int_equal(isotime_parse(s, &us), 0);
	return us;
}

static void test_isotime_parse_forms(void **state)
{
	const int64_t noon = 1738324800000000LL; /* 2025-01-31T12:00:00Z */

	assert_int_equal(parsed("2025-01-31T12:00:00Z"), noon);
	assert_int_equal(parsed("2025-01-31T12:00:00z"), noon);
	assert_int_equal(parsed("2025-01-31T12:00:00"), noon);       /* no zone: UTC */
	assert_int_equal(parsed("2025-01-31 12:00:00"), noon);       /* space for T */
	assert_int_equal(parsed("2025-01-31T12:00:00.5Z"), noon + 500000);
	assert_int_equal(parsed("2025-01-31T12:00:00.000001"), noon + 1);
	/* digits past microseconds are dropped, not rounded */
	assert_int_equal(parsed("2025-01-31T12:00:00.1234569Z"), noon + 123456);
	assert_int_equal(parsed("2025-01-31T12:00:00.123456789012Z"), noon + 123456);
}

static void test_isotime_parse_zones(void **state)
{
	const int64_t noon = 1738324800000000LL;

	assert_int_equal(parsed("2025-01-31T14:00:00+02:00"), noon);
	assert_int_equal(parsed("2025-01-31T14:00:00+0200"), noon);
	assert_int_equal(parsed("2025-01-31T06:30:00-05:30"), noon);
	assert_int_equal(parsed("2025-01-31T12:00:00+00:00"), noon);
	assert_int_equal(parsed("2025-01-31T12:00:00-00:00"), noon);
	/* the zone can move the date */
	assert_int_equal(parsed("2025-02-01T01:00:00+13:00"), noon);
	assert_int_equal(parsed("2025-01-31T00:00:00.25-12:00"), noon + 250000);
}

static void test_isotime_parse_rejects(void **state)
{
	static const char *bad[] = {
		"", "2025", "2025-01-31", "2025-01-31T", "2025-01-31T12",
		"2025-01-31T12:00", "2025-01-31T12:00:0", "25-01-31T12:00:00Z",
		"2025-1-31T12:00:00Z", "2025/01/31T12:00:00Z", "2025-01-31X12:00:00Z",
		"2025-00-31T12:00:00Z", "2025-13-01T12:00:00Z", "2025-01-00T12:00:00Z",
		"2025-01-32T12:00:00Z", "2025-01-31T24:00:00Z", "2025-01-31T12:60:00Z",
		"2025-01-31T12:00:61Z", "2025-01-31T12:00:00.Z", "2025-01-31T12:00:00.",
		"2025-01-31T12:00:00ZZ", "2025-01-31T12:00:00Z ", " 2025-01-31T12:00:00Z",
		"2025-01-31T12:00:00+2:00", "2025-01-31T12:00:00+02:0", "2025-01-31T12:00:00+02",
		"2025-01-31T12:00:00+24:00", "2025-01-31T12:00:00+02:60",
		"2025-01-31T12:00:00 +02:00", "2025-01-31T12:00:00+02:00junk",
		"2025-01-31T12:00:00.12a", "2025-01-31T1a:00:00", "-025-01-31T12:00:00",
		"2025-01-31T12:00:00\nZ",
	};
	int64_t us = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (isotime_parse(bad[i], &us) != HB_EINVAL)
			fail_msg("isotime_parse(\"%s\") accepted it", bad[i]);
		assert_int_equal(us, 7); /* untouched on failure */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid4_format),
		cmocka_unit_test(test_uuid_is_valid_rejects),
		cmocka_unit_test(test_isotime_format_known),
		cmocka_unit_test(test_isotime_format_event),
		cmocka_unit_test(test_isotime_round_trip),
		cmocka_unit_test(test_isotime_parse_forms),
		cmocka_unit_test(test_isotime_parse_zones),
		cmocka_unit_test(test_isotime_parse_rejects),
	};

	return cmocka_run_group_tests_name("common/ids", tests, NULL, NULL);
}
