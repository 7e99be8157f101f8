/* test_route_match.c — net/http's http_route_match(): literal segments,
 * "{}" (one segment), a final "{**}" (the rest), captured parameters,
 * and what must not match; then a few paths against the real table, and
 * the checks of http_server_init(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/hb_error.h"
#include "common/sandboxd_wire.h"
#include "net/http.h"
#include "sandboxd/routes.h"

struct match {
	char store[256];
	char *params[HTTP_MAX_PARAMS];
	int n;
};

static int match(const char *pattern, const char *path, struct match *m)
{
	memset(m, 0, sizeof(*m));
	m->n = -1;
	return http_route_match(pattern, path, m->store, sizeof(m->store), m->params, &m->n);
}

static void test_literal(void **state)
{
	struct match m;

	assert_true(match("/health", "/health", &m));
	assert_int_equal(m.n, 0);
	assert_true(match("/", "/", &m));
	assert_false(match("/health", "/healthz", &m));
	assert_false(match("/health", "/healt", &m));
	assert_false(match("/health", "/health/", &m));
	assert_false(match("/health", "/Health", &m));
	assert_false(match("/health", "", &m));
	assert_false(match("/health", "health", &m));
	assert_false(match("/a/b", "/a//b", &m));
	/* no match leaves the count alone */
	assert_int_equal(m.n, -1);
}

static void test_one_segment(void **state)
{
	struct match m;

	assert_true(match("/api/bash/bash_events/{}", "/api/bash/bash_events/abc-123", &m));
	assert_int_equal(m.n, 1);
	assert_string_equal(m.params[0], "abc-123");
	/* {} is exactly one non-empty segment */
	assert_false(match("/api/bash/bash_events/{}", "/api/bash/bash_events/", &m));
	assert_false(match("/api/bash/bash_events/{}", "/api/bash/bash_events", &m));
	assert_false(match("/api/bash/bash_events/{}", "/api/bash/bash_events/a/b", &m));
	assert_false(match("/api/bash/bash_events/{}", "/api/bash/bash_events/a/", &m));
	/* a segment in the middle, and several */
	assert_true(match("/x/{}/y/{}", "/x/one/y/two", &m));
	assert_int_equal(m.n, 2);
	assert_string_equal(m.params[0], "one");
	assert_string_equal(m.params[1], "two");
	assert_false(match("/x/{}/y/{}", "/x/one/z/two", &m));
	assert_false(match("/x/{}/y", "/x//y", &m));
	/* the segment ends at '/', never earlier: no other character stops it */
	assert_true(match("/f/{}", "/f/a.b%2Fc?d=e", &m));
	assert_string_equal(m.params[0], "a.b%2Fc?d=e");
}

static void test_rest(void **state)
{
	struct match m;

	assert_true(match("/api/handbox/ports/{}/{**}", "/api/handbox/ports/8080/a/b/c?x", &m));
	assert_int_equal(m.n, 2);
	assert_string_equal(m.params[0], "8080");
	assert_string_equal(m.params[1], "a/b/c?x");
	/* the rest may be empty */
	assert_true(match("/api/handbox/ports/{}/{**}", "/api/handbox/ports/8080/", &m));
	assert_int_equal(m.n, 2);
	assert_string_equal(m.params[1], "");
	assert_false(match("/api/handbox/ports/{}/{**}", "/api/handbox/ports/8080", &m));
	assert_true(match("/static/{**}", "/static//double//slash", &m));
	assert_string_equal(m.params[0], "/double//slash");
}

static void test_limits(void **state)
{
	char small[8], *params[HTTP_MAX_PARAMS];
	struct match m;
	int n = -1;

	/* parameters that do not fit the store are no match, not a cut */
	assert_false(http_route_match("/a/{}", "/a/123456789", small, sizeof(small), params, &n));
	assert_true(http_route_match("/a/{}", "/a/1234567", small, sizeof(small), params, &n));
	assert_string_equal(params[0], "1234567");
	/* more than HTTP_MAX_PARAMS parameters cannot match */
	assert_int_equal(HTTP_MAX_PARAMS, 4);
	assert_true(match("/{}/{}/{}/{}", "/a/b/c/d", &m));
	assert_int_equal(m.n, 4);
	assert_false(match("/{}/{}/{}/{}/{}", "/a/b/c/d/e", &m));
}

static const struct route *first_route(const char *path, enum http_method method)
{
	const struct route *r;
	struct match m;

	for (r = sandboxd_routes; r->pattern; r++)
		if (r->method == method && match(r->pattern, path, &m))
			return r;
	return NULL;
}

static void test_real_table(void **state)
{
	const struct route *r;

	r = first_route("/api/bash/bash_events/search", HTTP_GET);
	assert_non_null(r);
	/* the literal route comes before the {} one */
	assert_string_equal(r->pattern, "/api/bash/bash_events/search");
	r = first_route("/api/bash/bash_events/0b1c2d3e-0000-4000-8000-000000000000", HTTP_GET);
	assert_non_null(r);
	assert_string_equal(r->pattern, "/api/bash/bash_events/{}");
	r = first_route("/health", HTTP_GET);
	assert_non_null(r);
	assert_true(r->flags & ROUTE_OPEN);
	r = first_route("/api/bash/start_bash_command", HTTP_POST);
	assert_non_null(r);
	assert_false(r->flags & ROUTE_OPEN);
	r = first_route("/sockets/bash-events", HTTP_GET);
	assert_non_null(r);
	assert_true(r->flags & ROUTE_WS);
	assert_null(first_route("/api/bash/start_bash_command", HTTP_GET));
	assert_null(first_route("/no/such/route", HTTP_GET));
}

/* The layer takes any program's table and key names; it refuses a
 * config without them, a header name lws could not look up, and
 * slow-client limits that are missing or leave waiting connections fewer
 * header tables than they may hold. */
static void test_server_init(void **state)
{
	char long_name[64];
	struct http_config cfg = {
		.routes = sandboxd_routes,
		.key_header = SANDBOXD_KEY_HEADER,
		.key_query = SANDBOXD_KEY_QUERY,
		.ws_close_auth = SANDBOXD_CLOSE_AUTH,
		.ws_close_no_route = SANDBOXD_CLOSE_NO_ROUTE,
		.waiting_max = 8,
		.header_pool = 8,
		.header_secs = 5,
		.keepalive_secs = 60,
	};

	assert_int_equal(http_server_init(&cfg), 0);
	cfg.header_pool = 7;
	assert_int_equal(http_server_init(&cfg), HB_EINVAL);
	cfg.header_pool = 8;
	cfg.waiting_max = 0;
	assert_int_equal(http_server_init(&cfg), HB_EINVAL);
	cfg.waiting_max = 8;
	cfg.header_secs = 0;
	assert_int_equal(http_server_init(&cfg), HB_EINVAL);
	cfg.header_secs = 5;
	cfg.keepalive_secs = 0;
	assert_int_equal(http_server_init(&cfg), HB_EINVAL);
	cfg.keepalive_secs = 60;
	cfg.routes = NULL;
	assert_int_equal(http_server_init(&cfg), HB_EINVAL);
	cfg.routes = sandboxd_routes;
	cfg.key_query = NULL;
	assert_int_equal(http_server_init(&cfg), HB_EINVAL);
	cfg.key_query = SANDBOXD_KEY_QUERY;
	cfg.key_header = "";
	assert_int_equal(http_server_init(&cfg), HB_EINVAL);
	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	cfg.key_header = long_name;
	assert_int_equal(http_server_init(&cfg), HB_EINVAL);
	long_name[62] = '\0';
	assert_int_equal(http_server_init(&cfg), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal),
		cmocka_unit_test(test_one_segment),
		cmocka_unit_test(test_rest),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_real_table),
		cmocka_unit_test(test_server_init),
	};

	return cmocka_run_group_tests_name("net/http http_route_match", tests, NULL, NULL);
}
