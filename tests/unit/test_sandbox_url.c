/* test_sandbox_url.c — runtime: the URLs a sandbox's ports are printed
 * and dialled as (IPv4, IPv6 in brackets, wildcard binds, unpublished). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "runtime/runtime.h"

static void test_ipv4_and_default_host(void **state)
{
	struct hb_sandbox sb;
	char url[160];

	memset(&sb, 0, sizeof(sb));
	sb.host_ports[0] = 49153;
	sb.host_ports[3] = 49156;
	sandbox_url(&sb, url, sizeof(url));
	assert_string_equal(url, "http://127.0.0.1:49153");
	strcpy(sb.host, "10.0.0.7");
	sandbox_port_url(&sb, 3, url, sizeof(url));
	assert_string_equal(url, "http://10.0.0.7:49156");
}

static void test_ipv6_hosts_are_bracketed(void **state)
{
	struct hb_sandbox sb;
	char url[160];

	memset(&sb, 0, sizeof(sb));
	strcpy(sb.host, "::1");
	sb.host_ports[0] = 32768;
	sb.host_ports[3] = 32770;
	sandbox_url(&sb, url, sizeof(url));
	assert_string_equal(url, "http://[::1]:32768");
	sandbox_port_url(&sb, 3, url, sizeof(url));
	assert_string_equal(url, "http://[::1]:32770");
}

static void test_unpublished_and_out_of_range_ports_give_nothing(void **state)
{
	struct hb_sandbox sb;
	char url[160] = "stale";

	memset(&sb, 0, sizeof(sb));
	sandbox_url(&sb, url, sizeof(url));
	assert_string_equal(url, "");
	sb.host_ports[1] = 5;
	sandbox_port_url(&sb, HB_SANDBOX_PORTS, url, sizeof(url));
	assert_string_equal(url, "");
	sandbox_port_url(&sb, -1, url, sizeof(url));
	assert_string_equal(url, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_and_default_host),
		cmocka_unit_test(test_ipv6_hosts_are_bracketed),
		cmocka_unit_test(test_unpublished_and_out_of_range_ports_give_nothing),
	};
	return cmocka_run_group_tests_name("sandbox_url", tests, NULL, NULL);
}
