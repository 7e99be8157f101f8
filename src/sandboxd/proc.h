/* proc.h — starting the agent's commands: own session and process group
 * (so a timeout or a signal reaches every descendant), the sandbox user,
 * a prepared environment, pipes or a PTY. */
#ifndef HB_SANDBOXD_PROC_H
#define HB_SANDBOXD_PROC_H

#include <sys/types.h>

struct proc_spec {
	const char *const *argv;  /* argv[0] without '/' is searched in PATH */
	const char *cwd;
	char *const *envp;
	uid_t uid;
	gid_t gid;
	int switch_user;          /* setgid/setuid to uid/gid before exec */
	int pty;                  /* one PTY for stdin/stdout/stderr */
	unsigned short rows, cols;
	int want_stdin;           /* a pipe for stdin; else /dev/null */
	/* with pty: no echo of typed input and no "\n" → "\r\n" on output, as
	 * a program driving the terminal wants, in force before the command's
	 * first instruction (a shell saves the settings it starts with) */
	int pty_noecho;
	/* descriptors handed to the command as 3, 4, … (the caller keeps its
	 * own copies); at most PROC_MAX_EXTRA_FDS */
	const int *extra_fds;
	int n_extra_fds;
};

#define PROC_MAX_EXTRA_FDS 4

struct proc_io {
	int in;   /* write end for stdin, or -1 */
	int out;  /* read end for stdout (the PTY master with pty) */
	int err;  /* read end for stderr, or -1 with pty */
};

/* Starts the command. On success *pid and io are set and the caller owns
 * the descriptors. A failure to chdir or exec is reported here (not as an
 * exit code) with a message naming what failed. */
int proc_spawn(const struct proc_spec *spec, pid_t *pid, struct proc_io *io,
	       char *err, size_t errlen);

/* Sends sig to the process group led by pid; ignores a group already gone. */
void proc_signal_group(pid_t pid, int sig);

#endif
