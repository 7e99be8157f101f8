/* docker_hostfw.c — the host firewall in front of sandboxes: traffic that
 * a sandbox sends to this host itself (host.docker.internal, the bridge's
 * gateway, any address of the host) goes through the INPUT chain, which
 * the engine leaves open; a service listening on 0.0.0.0 (a database, an
 * LLM server, dockerd's metrics) would be reachable from every sandbox.
 *
 * handbox keeps one chain, HANDBOX-INPUT, jumped to from INPUT for the
 * bridges of its two networks (docker.h): replies to connections the host
 * opened pass, ports a sandbox was allowed (--allow-host-port) pass from
 * that sandbox's address only, everything else is refused (a TCP reset,
 * so a client fails at once rather than after a timeout). Sandboxes still
 * reach the outside through FORWARD, which this chain does not touch.
 *
 * The rules are iptables' (iptables-nft on Debian 12), run as a child:
 * the engine's own rules are made the same way. Without root or iptables
 * nothing is installed and the caller is told, in one sentence. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "common/path_search.h"
#include "runtime/docker/docker.h"

#define CHAIN "HANDBOX-INPUT"
/* held while the chain is checked and completed: twenty creates at once
 * would otherwise all see it missing and add it twenty times */
#define LOCK_FILE "/run/lock/handbox-hostfw.lock"
#define LISTING_MAX (4u << 20)     /* iptables -S of a busy host */

extern char **environ;

/* Runs iptables with args (and -w: wait for the xtables lock, which the
 * engine holds while it adds a container's rules); its stdout into out
 * when out is not NULL. Returns its exit status, or -1 when it could not
 * be run. */
static int iptables(const char *exe, const char *const *args, struct buf *out)
{
	char *argv[32];
	posix_spawn_file_actions_t fa;
	int pipefd[2] = { -1, -1 }, status = -1, n = 0, nul;
	char chunk[8192];
	ssize_t got;
	pid_t pid;

	argv[n++] = (char *)"iptables";
	argv[n++] = (char *)"-w";
	while (*args && n < (int)(sizeof(argv) / sizeof(argv[0])) - 1)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	posix_spawn_file_actions_adddup2(&fa, nul, 0);
	posix_spawn_file_actions_adddup2(&fa, out ? pipefd[1] : nul, 1);
	posix_spawn_file_actions_adddup2(&fa, nul, 2);
	if (nul < 0 || posix_spawn(&pid, exe, &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
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

/* The chain's fixed rules and the jumps to it, each added when missing:
 * one listing of the filter table when all is in place. */
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
		return hb_fail(err, errlen, HB_EIO, "iptables -S failed");
	}
	if (!has_rule(&listing, "-N " CHAIN) &&
	    (RUN(exe, "-N", CHAIN) != 0 ||
	     RUN(exe, "-A", CHAIN, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED",
		 "-j", "RETURN") != 0 ||
	     RUN(exe, "-A", CHAIN, "-p", "tcp", "-j", "REJECT", "--reject-with",
		 "tcp-reset") != 0 ||
	     RUN(exe, "-A", CHAIN, "-j", "REJECT") != 0))
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

int docker_hostfw_prepare(char *exe, size_t exelen, char *err, size_t errlen)
{
	if (geteuid() != 0)
		return hb_fail(err, errlen, HB_EPERM,
			       "not root: host services listening on all addresses are "
			       "reachable from sandboxes (run handbox as root to have them "
			       "shut off, see docs/security.md)");
	int lock, rc;

	/* a non-login root shell may lack the sbin folders in PATH */
	if (path_search_exec("iptables", exe, exelen) < 0 &&
	    (snprintf(exe, exelen, "/usr/sbin/iptables"), access(exe, X_OK) != 0))
		return hb_fail(err, errlen, HB_ENOENT,
			       "no iptables: host services listening on all addresses are "
			       "reachable from sandboxes (apt-get install iptables)");
	lock = open(LOCK_FILE, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock >= 0)
		while (flock(lock, LOCK_EX) < 0 && errno == EINTR)
			;
	rc = install(exe, err, errlen);
	if (lock >= 0)
		close(lock);     /* and with it the lock */
	return rc;
}

void docker_hostfw_forget(const char *exe, const char *ip)
{
	struct buf listing;
	char match[96], *line, *save = NULL, *word, *wsave, *args[24];
	int n;

	snprintf(match, sizeof(match), "-s %s/32 ", ip);
	buf_init(&listing, LISTING_MAX);
	if (iptables(exe, (const char *const[]){ "-S", CHAIN, NULL }, &listing) == 0 &&
	    listing.data) {
		for (line = strtok_r(listing.data, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (strncmp(line, "-A ", 3) || !strstr(line, match))
				continue;
			/* "-A CHAIN …" read back as "-D CHAIN …": same words */
			line[1] = 'D';
			n = 0;
			for (word = strtok_r(line, " ", &wsave); word && n < 23;
			     word = strtok_r(NULL, " ", &wsave))
				args[n++] = word;
			args[n] = NULL;
			iptables(exe, (const char *const *)args, NULL);
		}
	}
	buf_free(&listing);
}

int docker_hostfw_allow(const char *exe, const char *ip, const int *ports, int nports,
			char *err, size_t errlen)
{
	char port[16], src[80];
	int i;

	docker_hostfw_forget(exe, ip);
	snprintf(src, sizeof(src), "%s/32", ip);
	for (i = 0; i < nports; i++) {
		snprintf(port, sizeof(port), "%d", ports[i]);
		if (RUN(exe, "-I", CHAIN, "1", "-s", src, "-p", "tcp", "--dport", port,
			"-j", "RETURN") != 0)
			return hb_fail(err, errlen, HB_EIO,
				       "cannot allow host port %d to sandbox address %s", ports[i], ip);
	}
	return 0;
}
