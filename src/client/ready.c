/* ready.c — polling a sandbox's /health until it answers.
 *
 * The published port accepts connections as soon as the engine's port
 * proxy runs, before sandboxd listens: such a connection is reset or gets
 * an empty reply, so only a 200 counts. Polls are 5 ms apart for the first
 * 200 ms (a sandbox is usually ready by then), then 50 ms. */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "client/ready.h"
#include "common/clock.h"
#include "common/hb_error.h"
#include "common/sandboxd_wire.h"

#define FAST_POLL_US 5000
#define SLOW_POLL_US 50000
#define FAST_PHASE_US 200000
/* How often the backend is asked whether the sandbox died meanwhile. */
#define GONE_CHECK_US 250000
/* One /health request at most; never past the deadline. */
#define ATTEMPT_MS 2000

static size_t discard(char *d, size_t s, size_t n, void *a)
{
	return s * n;
}

/* Ends an attempt under way as soon as the wait is cancelled: a port that
 * accepts and never answers would otherwise hold it for ATTEMPT_MS. */
static int cancelled(void *cancel, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		     curl_off_t un)
{
	return hb_cancel_reason(cancel) != 0;
}

int ready_wait(const char *url, const char *key, int timeout_ms,
	       int (*gone)(void *arg), void *arg, struct hb_cancel *cancel)
{
	char health[1024], header[256];
	struct curl_slist *h = NULL;
	int64_t start = clock_mono_us(), deadline = start + (int64_t)timeout_ms * 1000;
	int64_t next_check = start + GONE_CHECK_US;
	long status;
	int64_t left_ms;
	int rc = HB_EBUSY;
	CURL *c = curl_easy_init();

	if (!c)
		return HB_ENOMEM;
	if ((size_t)snprintf(health, sizeof(health), "%s" SANDBOXD_ROUTE_HEALTH, url) >= sizeof(health)) {
		curl_easy_cleanup(c);
		return HB_ETOOBIG;
	}
	snprintf(header, sizeof(header), SANDBOXD_KEY_HEADER ": %s", key ? key : "");
	if (!(h = curl_slist_append(h, header))) {
		curl_easy_cleanup(c);
		return HB_ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_URL, health);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, cancelled);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, cancel);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, cancel ? 0L : 1L);
	for (;;) {
		if (hb_cancel_reason(cancel)) {
			rc = HB_ECANCELED;
			break;
		}
		status = 0;
		left_ms = (deadline - clock_mono_us()) / 1000;
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
				 (long)(left_ms < 1 ? 1 : left_ms < ATTEMPT_MS ? left_ms : ATTEMPT_MS));
		if (curl_easy_perform(c) == CURLE_OK &&
		    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
		    status == 200) {
			rc = 0;
			break;
		}
		if (clock_mono_us() >= next_check) {
			next_check = clock_mono_us() + GONE_CHECK_US;
			if (gone && gone(arg)) {
				rc = HB_EIO;
				break;
			}
		}
		if (clock_mono_us() >= deadline)
			break;
		clock_sleep_us(clock_mono_us() - start < FAST_PHASE_US ? FAST_POLL_US : SLOW_POLL_US);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return rc;
}
