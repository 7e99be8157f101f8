/* cli_signals.c — Ctrl-C (and TERM, HUP) for the commands that must clean
 * up before they end: the first signal asks the work in progress to stop,
 * a second one ends the program at once (or, for a command that has a
 * second stage, asks harder, and a third one ends it). See cli.h. */
#include <signal.h>
#include <string.h>

#include "cli/cli.h"

static volatile sig_atomic_t caught, count;
static void (*volatile stop_work)(int sig);
static void (*volatile stop_again)(int sig);

static void on_signal(int sig)
{
	void (*stop)(int) = count == 0 ? stop_work : stop_again;

	if (count >= 2 || (count == 1 && !stop)) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	if (!count)
		caught = sig;
	count++;
	if (stop)
		stop(sig);
}

void cli_catch_signals(void (*stop)(int sig))
{
	cli_catch_signals_again(stop, NULL);
}

void cli_catch_signals_again(void (*stop)(int sig), void (*again)(int sig))
{
	struct sigaction sa;

	stop_work = stop;
	stop_again = again;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int cli_caught_signal(void)
{
	return caught;
}
