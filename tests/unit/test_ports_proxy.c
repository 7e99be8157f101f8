/* test_ports_proxy.c — the pure parts of the port listing and the port
 * proxy: ports_parse_line() on /proc/net/tcp and tcp6 lines,
 * proxy_parse_port() and proxy_append_encoded(); the sub-domain Host
 * parser `handbox serve` routes {port}-{id}.localhost with, the Cookie
 * filter that keeps serve's session from the app, and the
 * WebSocket handshake values of the tunnel's own failure answer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "sandboxd/ports.h"
#include "net/proxy.h"

/* An address as the kernel prints it: each 32-bit word of the
 * network-order bytes, printed as a host-order number. */
static void kernel_hex(int family, const char *text, char *out)
{
	unsigned char bytes[16];
	size_t i, words = family == AF_INET6 ? 4 : 1;
	uint32_t w;

	assert_int_equal(inet_pton(family, text, bytes), 1);
	for (i = 0; i < words; i++) {
		memcpy(&w, bytes + 4 * i, 4);
		sprintf(out + 8 * i, "%08X", w);
	}
}

static void tcp_line(char *line, size_t len, int family, const char *addr,
		     unsigned port, const char *state, unsigned long inode)
{
	char hex[33], zero[33];

	kernel_hex(family, addr, hex);
	memset(zero, '0', sizeof(zero));
	zero[family == AF_INET6 ? 32 : 8] = '\0';
	snprintf(line, len,
		 "   3: %s:%04X %s:0000 %s 00000000:00000000 00:00000000 00000000  1000        0 %lu 1 0000000000000000 100 0 0 10 0\n",
		 hex, port, zero, state, inode);
}

static void test_header_and_other_states(void **state)
{
	struct port_entry e;
	char line[256];

	assert_int_equal(ports_parse_line("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
					  AF_INET, &e, NULL, 0), 0);
	tcp_line(line, sizeof(line), AF_INET, "127.0.0.1", 8011, "01", 42);
	assert_int_equal(ports_parse_line(line, AF_INET, &e, NULL, 0), 0);
	tcp_line(line, sizeof(line), AF_INET, "127.0.0.1", 8011, "06", 42);
	assert_int_equal(ports_parse_line(line, AF_INET, &e, NULL, 0), 0);
}

static void test_listening_ipv4(void **state)
{
	struct port_entry e;
	char line[256];

	tcp_line(line, sizeof(line), AF_INET, "127.0.0.1", 8011, "0A", 123456);
	assert_int_equal(ports_parse_line(line, AF_INET, &e, NULL, 0), 1);
	assert_int_equal(e.port, 8011);
	assert_int_equal(e.family, AF_INET);
	assert_string_equal(e.address, "127.0.0.1");
	assert_int_equal(e.inode, 123456);
	assert_int_equal(e.pid, -1);
	assert_string_equal(e.command, "");

	tcp_line(line, sizeof(line), AF_INET, "0.0.0.0", 65535, "0A", 7);
	assert_int_equal(ports_parse_line(line, AF_INET, &e, NULL, 0), 1);
	assert_int_equal(e.port, 65535);
	assert_string_equal(e.address, "0.0.0.0");

	tcp_line(line, sizeof(line), AF_INET, "10.1.2.3", 1, "0A", 7);
	assert_int_equal(ports_parse_line(line, AF_INET, &e, NULL, 0), 1);
	assert_string_equal(e.address, "10.1.2.3");
}

static void test_listening_ipv6(void **state)
{
	struct port_entry e;
	char line[256];

	tcp_line(line, sizeof(line), AF_INET6, "::1", 5173, "0A", 99);
	assert_int_equal(ports_parse_line(line, AF_INET6, &e, NULL, 0), 1);
	assert_int_equal(e.port, 5173);
	assert_int_equal(e.family, AF_INET6);
	assert_string_equal(e.address, "::1");
	assert_int_equal(e.inode, 99);

	tcp_line(line, sizeof(line), AF_INET6, "::", 80, "0A", 5);
	assert_int_equal(ports_parse_line(line, AF_INET6, &e, NULL, 0), 1);
	assert_string_equal(e.address, "::");

	tcp_line(line, sizeof(line), AF_INET6, "fe80::1:2", 8080, "0A", 5);
	assert_int_equal(ports_parse_line(line, AF_INET6, &e, NULL, 0), 1);
	assert_string_equal(e.address, "fe80::1:2");
}

static void test_malformed(void **state)
{
	struct port_entry e;
	char line[256], err[256];

	assert_int_equal(ports_parse_line("garbage\n", AF_INET, &e, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "\"garbage"));
	assert_int_equal(ports_parse_line("", AF_INET, &e, err, sizeof(err)), HB_EINVAL);
	/* an IPv6 line read as IPv4: the address has the wrong length */
	tcp_line(line, sizeof(line), AF_INET6, "::1", 80, "0A", 5);
	assert_int_equal(ports_parse_line(line, AF_INET, &e, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "8-digit hex address"));
	/* a port past FFFF */
	assert_int_equal(ports_parse_line("   0: 0100007F:10000 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1\n",
					  AF_INET, &e, err, sizeof(err)), HB_EINVAL);
	/* the line stops before the inode */
	assert_int_equal(ports_parse_line("   0: 0100007F:1F4B 00000000:0000 0A 00000000:00000000\n",
					  AF_INET, &e, err, sizeof(err)), HB_EINVAL);
}

static void test_parse_port(void **state)
{
	static const char *const bad[] = {
		"0", "65536", "99999", "", "80a", "-1", "+80", " 80", "123456", "8 0",
	};
	char err[128];
	size_t i;
	int port = -1;

	assert_int_equal(proxy_parse_port("8011", &port, err, sizeof(err)), 0);
	assert_int_equal(port, 8011);
	assert_int_equal(proxy_parse_port("1", &port, err, sizeof(err)), 0);
	assert_int_equal(port, 1);
	assert_int_equal(proxy_parse_port("65535", &port, err, sizeof(err)), 0);
	assert_int_equal(port, 65535);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		port = -1;
		assert_int_equal(proxy_parse_port(bad[i], &port, err, sizeof(err)), HB_EINVAL);
		assert_int_equal(port, -1);
		assert_non_null(strstr(err, "expected an integer from 1 to 65535"));
	}
	proxy_parse_port("abc", &port, err, sizeof(err));
	assert_string_equal(err, "port \"abc\": expected an integer from 1 to 65535");
}

static void assert_encoded(const char *in, int query, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(proxy_append_encoded(&b, in, query), 0);
	assert_string_equal(b.len ? b.data : "", want);
	buf_free(&b);
}

static void test_encode(void **state)
{
	assert_encoded("", 0, "");
	assert_encoded("index.html", 0, "index.html");
	assert_encoded("a b/c?d#e%f", 0, "a%20b/c%3Fd%23e%25f");
	assert_encoded("keep/!$&'()*+,;=:@-._~", 0, "keep/!$&'()*+,;=:@-._~");
	assert_encoded("caf\xc3\xa9", 0, "caf%C3%A9");
	assert_encoded("a&b=c+d;e#f", 1, "a%26b%3Dc%2Bd%3Be%23f");
	assert_encoded("x y/z?:@", 1, "x%20y/z?:@");
	assert_encoded("\x01\x7f", 1, "%01%7F");
}

static void test_encode_cap(void **state)
{
	struct buf b;

	buf_init(&b, 4);
	assert_int_equal(proxy_append_encoded(&b, "a b", 0), HB_ETOOBIG);
	buf_free(&b);
}

static void assert_sub_host(const char *host, int want_rc, int want_port,
			    const char *want_id)
{
	char id[37] = "", err[256] = "";
	int port = -1;

	assert_int_equal(proxy_parse_sub_host(host, "localhost", &port, id, sizeof(id),
					      err, sizeof(err)), want_rc);
	if (want_rc == 1) {
		assert_int_equal(port, want_port);
		assert_string_equal(id, want_id);
	} else if (want_rc == HB_EINVAL) {
		assert_non_null(strstr(err, host));
	}
}

static void test_sub_host(void **state)
{
	assert_sub_host("5173-ab12cd.localhost", 1, 5173, "ab12cd");
	assert_sub_host("5173-ab12cd.localhost:3000", 1, 5173, "ab12cd");
	assert_sub_host("8011-ab_12.LocalHost.:3000", 1, 8011, "ab_12");
	assert_sub_host("1-0b6f2a1c-1d2e-4f00-8a9b-9c1d2e3f4a5b.localhost", 1, 1,
			"0b6f2a1c-1d2e-4f00-8a9b-9c1d2e3f4a5b");
	/* not a proxied name: serve answers these itself */
	assert_sub_host("localhost:3000", 0, 0, NULL);
	assert_sub_host("localhost", 0, 0, NULL);
	assert_sub_host("app.localhost", 0, 0, NULL);
	assert_sub_host("a.5173-x.localhost", 0, 0, NULL);
	assert_sub_host("5173-x.example.com", 0, 0, NULL);
	assert_sub_host("5173-x.notlocalhost", 0, 0, NULL);
	assert_sub_host("127.0.0.1:3000", 0, 0, NULL);
	assert_sub_host("[::1]:3000", 0, 0, NULL);
	assert_sub_host("", 0, 0, NULL);
	/* the shape, but wrong: named in the message */
	assert_sub_host("0-x.localhost", HB_EINVAL, 0, NULL);
	assert_sub_host("65536-x.localhost", HB_EINVAL, 0, NULL);
	assert_sub_host("abc-x.localhost", HB_EINVAL, 0, NULL);
	assert_sub_host("12345678-x.localhost", HB_EINVAL, 0, NULL);
	assert_sub_host("5173-.localhost", HB_EINVAL, 0, NULL);
	assert_sub_host("5173-a%20b.localhost", HB_EINVAL, 0, NULL);
	assert_sub_host("5173-0123456789012345678901234567890123456789.localhost",
			HB_EINVAL, 0, NULL);
}

/* serve's own cookie is taken out of what goes to the app */
static void check_cookies(const char *in, const char *name, const char *want)
{
	struct buf b;

	buf_init(&b, 0);
	assert_int_equal(proxy_append_cookies(&b, in, name), 0);
	assert_int_equal(buf_append(&b, "", 1), 0);
	assert_string_equal(b.data, want);
	buf_free(&b);
}

static void test_cookies(void **state)
{
	(void)state;
	check_cookies("a=1; s=K; b=2", "s", "a=1; b=2");
	check_cookies("s=K", "s", "");
	check_cookies("s=K;a=1", "s", "a=1");
	check_cookies("a=1;  s=; ss=2 ;s", "s", "a=1; ss=2; s");
	check_cookies("", "s", "");
	check_cookies("x=s=1", "s", "x=s=1");
}

static void test_first_protocol(void **state)
{
	char out[16];

	assert_int_equal(proxy_first_protocol("vite-hmr", out, sizeof(out)), 8);
	assert_string_equal(out, "vite-hmr");
	assert_int_equal(proxy_first_protocol(" vite-hmr, vite-ping", out, sizeof(out)), 8);
	assert_string_equal(out, "vite-hmr");
	assert_int_equal(proxy_first_protocol("a,b", out, sizeof(out)), 1);
	assert_string_equal(out, "a");
	assert_int_equal(proxy_first_protocol("", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(proxy_first_protocol(" , ", out, sizeof(out)), 0);
	assert_int_equal(proxy_first_protocol("0123456789abcdef", out, sizeof(out)), -1);
	assert_int_equal(proxy_first_protocol("a\"b", out, sizeof(out)), -1);
	assert_int_equal(proxy_first_protocol("\r\nX: y", out, sizeof(out)), -1);
}

static void test_ws_accept(void **state)
{
	char out[32];

	/* RFC 6455 1.3's example */
	assert_int_equal(proxy_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out, sizeof(out)), 0);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(proxy_ws_accept("", out, sizeof(out)), -1);
	assert_int_equal(proxy_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out, 28), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_other_states),
		cmocka_unit_test(test_listening_ipv4),
		cmocka_unit_test(test_listening_ipv6),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_encode_cap),
		cmocka_unit_test(test_sub_host),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_first_protocol),
		cmocka_unit_test(test_ws_accept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
