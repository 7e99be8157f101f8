/* run_ticker.c — the "thinking…" line (run_ticker.h). One mutex guards
 * the line and stderr's cursor: the thread draws under it, and printers
 * hold it while they write. */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "cli/run_render.h"
#include "cli/run_ticker.h"
#include "common/clock.h"

#define TICK_NS 100000000L
/* the braille spinner: one cell wide on every terminal font we know */
static const char *const frames[] = { "⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏" };
#define NFRAMES (sizeof(frames) / sizeof(frames[0]))

void run_ticker_format(char *out, size_t outlen, unsigned n, double seconds)
{
	snprintf(out, outlen, "%s thinking… %.1fs", frames[n % NFRAMES], seconds);
}

/* Under the lock. */
static void erase(struct run_ticker *t)
{
	if (!t->drawn)
		return;
	/* carriage return, then clear to the end of the line */
	fputs("\r\033[K", t->out);
	fflush(t->out);
	t->drawn = false;
}

static void draw(struct run_ticker *t)
{
	char line[64];

	run_ticker_format(line, sizeof(line), t->frame++,
			  (double)(clock_mono_us() - t->since_us) / 1e6);
	fprintf(t->out, "\r\033[K%s", line);
	fflush(t->out);
	t->drawn = true;
}

static void *ticker_main(void *arg)
{
	struct run_ticker *t = arg;
	struct timespec until;

	pthread_mutex_lock(&t->lock);
	while (!t->quit) {
		if (t->showing)
			draw(t);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += TICK_NS;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&t->wake, &t->lock, &until);
	}
	erase(t);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int run_ticker_init(struct run_ticker *t, FILE *out, bool enabled)
{
	pthread_condattr_t ca;
	sigset_t block, old;
	int rc;

	memset(t, 0, sizeof(*t));
	t->out = out;
	t->enabled = enabled;
	pthread_mutex_init(&t->lock, NULL);
	pthread_condattr_init(&ca);
	/* waits measured on the monotonic clock: a clock change does not
	 * freeze the spinner */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (!enabled)
		return 0;
	/* the new thread inherits this mask: Ctrl-C is for the command's
	 * handler on the thread that runs the conversation */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rc = pthread_create(&t->thread, NULL, ticker_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* no thread, no line: the run goes on without it */
	t->thread_started = rc == 0;
	return rc ? -1 : 0;
}

void run_ticker_destroy(struct run_ticker *t)
{
	if (t->thread_started) {
		pthread_mutex_lock(&t->lock);
		t->quit = true;
		pthread_cond_signal(&t->wake);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->thread, NULL);
	}
	pthread_cond_destroy(&t->wake);
	pthread_mutex_destroy(&t->lock);
}

void run_ticker_hold(struct run_ticker *t)
{
	pthread_mutex_lock(&t->lock);
	erase(t);
}

void run_ticker_release(struct run_ticker *t, int tick)
{
	if (tick == RUN_TICK_START) {
		t->showing = t->thread_started;
		t->since_us = clock_mono_us();
		/* drawn at once, not 100 ms late */
		pthread_cond_signal(&t->wake);
	} else if (tick == RUN_TICK_STOP) {
		t->showing = false;
	} else if (t->showing) {
		/* drawn again at once where the printer erased it */
		pthread_cond_signal(&t->wake);
	}
	pthread_mutex_unlock(&t->lock);
}

void run_ticker_set(struct run_ticker *t, int tick)
{
	run_ticker_hold(t);
	run_ticker_release(t, tick);
}
