/* reaper.h — PID 1 duties: every child and every orphan re-parented to us
 * is reaped (no zombies); SIGTERM, SIGINT and SIGHUP become an orderly
 * shutdown, except, as PID 1, when sent from inside the sandbox.
 * Signals arrive through a signalfd served by the event loop. */
#ifndef HB_SANDBOXD_REAPER_H
#define HB_SANDBOXD_REAPER_H

#include <sys/types.h>

/* Called once when a watched child ends; status is waitpid()'s. */
typedef void (*reaper_exit_fn)(void *arg, pid_t pid, int status);

/* Blocks the handled signals, makes us a subreaper when we are not PID 1
 * and starts serving the signalfd. on_terminate is called on SIGTERM,
 * SIGINT or SIGHUP (as PID 1: only those sent from outside our pid
 * namespace). Returns 0 or HB_EIO. */
int reaper_init(void (*on_terminate)(int sig));
/* Registers interest in pid's exit. Returns 0 or HB_ENOMEM. */
int reaper_watch(pid_t pid, reaper_exit_fn fn, void *arg);
/* Drops interest (the child will still be reaped). */
void reaper_unwatch(pid_t pid);
/* Sends sig to the process group of every watched child; as PID 1, to
 * every process in the container. */
void reaper_signal_all(int sig);
/* Watched children still running. */
unsigned reaper_watched_count(void);
/* Reaps whatever has exited; the signalfd calls this, and so may tests. */
void reaper_collect(void);

#endif
