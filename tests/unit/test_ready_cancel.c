/* test_ready_cancel.c — client/ready: the /health wait against a real
 * socket that accepts and never answers (what a published port does
 * before sandboxd listens), and cancellation by the caller's own token:
 * cancelling one wait leaves another, with its own token, waiting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/ready.h"
#include "common/clock.h"
#include "common/hb_error.h"

/* A loopback listener that accepts into its backlog and never reads. */
static int mute_listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

struct waiter {
	char url[64];
	int timeout_ms;
	struct hb_cancel cancel;
	int rc;
};

static void *wait_main(void *arg)
{
	struct waiter *w = arg;

	w->rc = ready_wait(w->url, "key", w->timeout_ms, NULL, NULL, &w->cancel);
	return NULL;
}

static void test_cancel_ends_only_its_own_wait(void **state)
{
	struct waiter a = { .timeout_ms = 60000 }, b = { .timeout_ms = 1500 };
	pthread_t ta, tb;
	int port, fd = mute_listener(&port);

	snprintf(a.url, sizeof(a.url), "http://127.0.0.1:%d", port);
	snprintf(b.url, sizeof(b.url), "http://127.0.0.1:%d", port);
	assert_int_equal(pthread_create(&ta, NULL, wait_main, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, wait_main, &b), 0);
	clock_sleep_us(200000);
	hb_cancel_request(&a.cancel, 2);
	assert_int_equal(pthread_join(ta, NULL), 0);
	assert_int_equal(pthread_join(tb, NULL), 0);
	/* a gave up because it was asked to (well before its 60 s); b, with
	 * a token nobody touched, waited to its own deadline */
	assert_int_equal(a.rc, HB_ECANCELED);
	assert_int_equal(hb_cancel_reason(&a.cancel), 2);
	assert_int_equal(b.rc, HB_EBUSY);
	assert_int_equal(hb_cancel_reason(&b.cancel), 0);
	close(fd);
}

static void test_cancelled_before_it_starts(void **state)
{
	struct hb_cancel c = { 0 };
	int port, fd = mute_listener(&port);
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	hb_cancel_request(&c, 0);       /* no reason given: still cancelled */
	assert_int_equal(hb_cancel_reason(&c), -1);
	assert_int_equal(ready_wait(url, "key", 60000, NULL, NULL, &c), HB_ECANCELED);
	close(fd);
}

static void test_no_token_waits_to_the_deadline(void **state)
{
	int port, fd = mute_listener(&port);
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	assert_int_equal(ready_wait(url, "key", 300, NULL, NULL, NULL), HB_EBUSY);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cancel_ends_only_its_own_wait),
		cmocka_unit_test(test_cancelled_before_it_starts),
		cmocka_unit_test(test_no_token_waits_to_the_deadline),
	};
	return cmocka_run_group_tests_name("ready_cancel", tests, NULL, NULL);
}
