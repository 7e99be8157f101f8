/* docker_hostfw.c — the host firewall in front of sandboxes: traffic that
 * a sandbox sends to this host itself (host.docker.internal, the bridge's
 * gateway, any address of the host) goes through the INPUT chain, which
 * the engine leaves open; a service listening on 0.0.0.0 (a database, an
 * LLM server, dockerd's metrics) would be reachable from every sandbox.
 *
 * handbox keeps one chain, HANDBOX-INPUT, jumped to from INPUT for the
 * bridges of its two networks (docker.h). Its last three rules are fixed:
 * replies to connections the host opened pass, everything else is refused
 * (a TCP reset, so a client fails at once rather than after a timeout).
 * Above them, one rule per port a sandbox was allowed (--allow-host-port),
 * for that sandbox's address only, marked with its id, so that its stop
 * and removal take them away and a later sandbox given the same address
 * inherits nothing. Sandboxes reach the outside through FORWARD, which
 * this chain does not touch; IPv6 is off in their containers.
 *
 * The rules are iptables' (iptables-nft on Debian 12), run as a child, as
 * the engine makes its own. Without root or iptables nothing is installed
 * and the caller is told, in one sentence. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/hb_error.h"
#include "common/path_search.h"
#include "runtime/docker/docker.h"

#define CHAIN "HANDBOX-INPUT"
#define LISTING_MAX (4u << 20)     /* iptables -S of a busy host */
#define XTABLES_WAIT "5"           /* seconds iptables waits for the xtables lock */
/* Held while the chain is checked and completed: twenty creates at once
 * would otherwise all see it incomplete and complete it twenty times. In
 * a folder only root may write: a lock file in a world-writable one could
 * be taken, or planted as a link, by any local user. */
#define LOCK_DIR "/run/handbox"
#define LOCK_FILE LOCK_DIR "/hostfw.lock"
#define LOCK_WAIT_US (10 * 1000000LL)
#define ARGS_MAX 32

/* The fixed end of the chain, as `iptables -S` prints it back, and as
 * arguments to append it. */
static const char *const fixed_lines[] = {
	"-A " CHAIN " -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN",
	"-A " CHAIN " -p tcp -j REJECT --reject-with tcp-reset",
	"-A " CHAIN " -j REJECT --reject-with icmp-port-unreachable",
};

extern char **environ;

/* Runs iptables with args (after -w: the engine holds the xtables lock
 * while it adds a container's rules); its stdout into out when out is not
 * NULL, capped. Returns its exit status, or -1 when it could not be run. */
static int iptables(const char *exe, const char *const *args, struct buf *out)
{
	char *argv[ARGS_MAX + 4], chunk[8192];
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 }, status = -1, n = 0, nul = -1, ok;
	ssize_t got;
	pid_t pid = -1;

	argv[n++] = (char *)"iptables";
	argv[n++] = (char *)"-w";
	argv[n++] = (char *)XTABLES_WAIT;
	while (*args && n < ARGS_MAX + 3)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	ok = nul >= 0 && posix_spawn_file_actions_init(&fa) == 0;
	if (ok) {
		ok = posix_spawn_file_actions_adddup2(&fa, nul, 0) == 0 &&
		     posix_spawn_file_actions_adddup2(&fa, out ? pipefd[1] : nul, 1) == 0 &&
		     posix_spawn_file_actions_adddup2(&fa, nul, 2) == 0 &&
		     posix_spawn(&pid, exe, &fa, NULL, argv, environ) == 0;
		posix_spawn_file_actions_destroy(&fa);
	}
	if (!ok)
		pid = -1;
	close(pipefd[1]);
	if (nul >= 0)
		close(nul);
	while (pid > 0 && (got = read(pipefd[0], chunk, sizeof(chunk))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		if (out)
			buf_append(out, chunk, (size_t)got);   /* past the cap: cut */
	}
	close(pipefd[0]);
	/* iptables ends by itself: -w bounds its only wait */
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

#define RUN(exe, ...) iptables(exe, (const char *const[]){ __VA_ARGS__, NULL }, NULL)

/* true when the listing (iptables -S) has this exact rule line. */
static bool has_rule(const struct buf *listing, const char *rule)
{
	const char *p = listing->data;
	size_t n = strlen(rule);

	while (p && (p = strstr(p, rule))) {
		if ((p == listing->data || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* A rule line of `iptables -S` turned into the arguments that delete it:
 * "-A CHAIN …" as "-D CHAIN …", the quotes iptables puts around a
 * comment taken off. line is cut up in place; false when it has more
 * words than fit. */
static bool delete_args(char *line, const char *args[ARGS_MAX + 1])
{
	char *word, *save = NULL;
	size_t len;
	int n = 0;

	line[1] = 'D';
	for (word = strtok_r(line, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
		if (n == ARGS_MAX)
			return false;
		len = strlen(word);
		if (len >= 2 && word[0] == '"' && word[len - 1] == '"') {
			word[len - 1] = '\0';
			word++;
		}
		args[n++] = word;
	}
	args[n] = NULL;
	return true;
}

/* Deletes every rule of the chain whose `iptables -S` line holds match. */
static void delete_matching(const char *exe, const char *match)
{
	const char *args[ARGS_MAX + 1];
	char *line, *save = NULL;
	struct buf listing;

	buf_init(&listing, LISTING_MAX);
	if (iptables(exe, (const char *const[]){ "-S", CHAIN, NULL }, &listing) == 0 &&
	    listing.data)
		for (line = strtok_r(listing.data, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (!strncmp(line, "-A ", 3) && strstr(line, match) &&
			    delete_args(line, args))
				iptables(exe, args, NULL);
	buf_free(&listing);
}

/* The fixed end of the chain, remade whole when any of it is missing (an
 * `iptables -F`, a half-finished earlier install): a rule appended alone
 * after the REJECTs would never be reached. */
static int complete_chain(const char *exe, const struct buf *listing)
{
	const char *args[ARGS_MAX + 1];
	char line[160];
	size_t i;

	for (i = 0; i < sizeof(fixed_lines) / sizeof(fixed_lines[0]); i++)
		if (!has_rule(listing, fixed_lines[i]))
			break;
	if (i == sizeof(fixed_lines) / sizeof(fixed_lines[0]))
		return 0;
	for (i = 0; i < sizeof(fixed_lines) / sizeof(fixed_lines[0]); i++) {
		snprintf(line, sizeof(line), "%s", fixed_lines[i]);
		if (has_rule(listing, fixed_lines[i]) && delete_args(line, args))
			iptables(exe, args, NULL);
	}
	for (i = 0; i < sizeof(fixed_lines) / sizeof(fixed_lines[0]); i++) {
		snprintf(line, sizeof(line), "%s", fixed_lines[i]);
		if (!delete_args(line, args))
			return -1;
		args[0] = "-A";
		if (iptables(exe, args, NULL) != 0)
			return -1;
	}
	return 0;
}

static int install(const char *exe, char *err, size_t errlen)
{
	static const char *const bridges[] = { SANDBOX_BRIDGE, ISOLATED_BRIDGE };
	char rule[128];
	struct buf listing;
	size_t i;
	int rc = 0;

	buf_init(&listing, LISTING_MAX);
	if (iptables(exe, (const char *const[]){ "-S", NULL }, &listing) != 0) {
		buf_free(&listing);
		return hb_fail(err, errlen, HB_EIO, "%s -S failed: the host firewall of sandboxes "
			       "is not in place", exe);
	}
	if ((!has_rule(&listing, "-N " CHAIN) && RUN(exe, "-N", CHAIN) != 0) ||
	    complete_chain(exe, &listing) != 0)
		rc = hb_fail(err, errlen, HB_EIO, "cannot make the iptables chain " CHAIN);
	for (i = 0; rc == 0 && i < sizeof(bridges) / sizeof(bridges[0]); i++) {
		snprintf(rule, sizeof(rule), "-A INPUT -i %s -j " CHAIN, bridges[i]);
		if (!has_rule(&listing, rule) &&
		    RUN(exe, "-I", "INPUT", "1", "-i", bridges[i], "-j", CHAIN) != 0)
			rc = hb_fail(err, errlen, HB_EIO, "cannot add the iptables rule %s", rule);
	}
	buf_free(&listing);
	return rc;
}

int docker_hostfw_find(char *exe, size_t exelen, char *err, size_t errlen)
{
	if (geteuid() != 0)
		return hb_fail(err, errlen, HB_EPERM,
			       "not root: host services listening on all addresses are "
			       "reachable from sandboxes (run handbox as root to have them "
			       "shut off, see docs/security.md)");
	/* a non-login root shell may lack the sbin folders in PATH */
	if (path_search_exec("iptables", exe, exelen) < 0 &&
	    (snprintf(exe, exelen, "/usr/sbin/iptables"), access(exe, X_OK) != 0))
		return hb_fail(err, errlen, HB_ENOENT,
			       "no iptables: host services listening on all addresses are "
			       "reachable from sandboxes (apt-get install iptables)");
	return 0;
}

/* The lock, or -1 after LOCK_WAIT_US (then the install goes on without
 * it: a duplicate jump rule is harmless, a create that hangs is not). */
static int lock_take(void)
{
	int64_t deadline = clock_mono_us() + LOCK_WAIT_US;
	int fd;

	if (mkdir(LOCK_DIR, 0700) < 0 && errno != EEXIST)
		return -1;
	fd = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if ((errno != EWOULDBLOCK && errno != EINTR) || clock_mono_us() > deadline) {
			close(fd);
			return -1;
		}
		clock_sleep_us(20000);
	}
	return fd;
}

int docker_hostfw_install(const char *exe, char *err, size_t errlen)
{
	int lock = lock_take(), rc = install(exe, err, errlen);

	if (lock >= 0)
		close(lock);     /* and with it the lock */
	return rc;
}

void docker_hostfw_forget(const char *exe, const char *id)
{
	char match[64];

	snprintf(match, sizeof(match), "--comment \"handbox:%s\" ", id);
	delete_matching(exe, match);
}

int docker_hostfw_allow(const char *exe, const char *id, const char *ip, const int *ports,
			int nports, char *err, size_t errlen)
{
	char port[16], src[80], tag[48];
	int i;

	/* its own rules of before (another address), and any a vanished
	 * sandbox left for this address */
	docker_hostfw_forget(exe, id);
	snprintf(src, sizeof(src), "-s %s/32 ", ip);
	delete_matching(exe, src);
	snprintf(src, sizeof(src), "%s/32", ip);
	snprintf(tag, sizeof(tag), "handbox:%s", id);
	for (i = 0; i < nports; i++) {
		snprintf(port, sizeof(port), "%d", ports[i]);
		if (RUN(exe, "-I", CHAIN, "1", "-s", src, "-p", "tcp", "--dport", port,
			"-m", "comment", "--comment", tag, "-j", "RETURN") != 0)
			return hb_fail(err, errlen, HB_EIO,
				       "cannot allow host port %d to sandbox %s", ports[i], id);
	}
	return 0;
}
