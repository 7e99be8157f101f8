/* run_ticker.h — the live "⠋ thinking… 12.3s" line of `handbox run` on
 * stderr while the agent waits for the LLM, redrawn every 100 ms by a
 * thread of its own. Whoever prints an event holds the ticker first, so
 * the line is erased before the event and never drawn through it. */
#ifndef HB_CLI_RUN_TICKER_H
#define HB_CLI_RUN_TICKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct run_ticker {
	FILE *out;
	bool enabled;        /* out is a terminal: else nothing is drawn, no thread */
	bool thread_started, quit;
	bool showing, drawn;
	int64_t since_us;    /* CLOCK_MONOTONIC, when showing began */
	unsigned frame;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
};

/* Starts the thread when enabled (out is normally stderr, and enabled
 * isatty of it). The thread blocks SIGINT, SIGTERM and SIGHUP so that
 * they reach the command's own threads. */
int run_ticker_init(struct run_ticker *t, FILE *out, bool enabled);
/* Stops the thread and erases the line. */
void run_ticker_destroy(struct run_ticker *t);

/* Holds the ticker (the line erased) for printing; release() lets it go,
 * and start (show from now) or stop showing the line: run_render's tick. */
void run_ticker_hold(struct run_ticker *t);
void run_ticker_release(struct run_ticker *t, int tick);
/* As hold + release(t, tick) with nothing printed between. */
void run_ticker_set(struct run_ticker *t, int tick);

/* The line for frame n after seconds: "⠋ thinking… 12.3s". */
void run_ticker_format(char *out, size_t outlen, unsigned n, double seconds);

#endif
