/* ports.c — listening TCP sockets and the processes behind them; see ports.h.
 *
 * The listing runs on the event loop, so its work is bounded: at most
 * MAX_LISTENING sockets, MAX_PROCS processes and MAX_FD_LINKS descriptor
 * links per request. A socket whose process is not found within those
 * bounds (or not readable: another user's process when sandboxd is not
 * root) is listed with a null pid and command. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "net/http.h"
#include "sandboxd/ports.h"
#include "sandboxd/services.h"

#define MAX_LISTENING 1024
#define MAX_PROCS 8192
#define MAX_FD_LINKS 65536
#define TCP_LISTEN 0x0A

/* ------------------------------------------------------------ the parser */

/* One hex word of an address as the kernel prints it: the 32-bit value in
 * host order, whose bytes in memory are the address in network order. */
static int hex_word(const char *s, unsigned char *out)
{
	char word[9], *end;
	uint32_t v;

	memcpy(word, s, 8);
	word[8] = '\0';
	v = (uint32_t)strtoul(word, &end, 16);
	if (*end)
		return -1;
	memcpy(out, &v, 4);
	return 0;
}

int ports_parse_line(const char *line, int family, struct port_entry *e,
		     char *err, size_t errlen)
{
	unsigned char bytes[16];
	char addr[41];
	unsigned sl, port, state;
	unsigned long inode;
	size_t words, i;

	line += strspn(line, " \t");
	if (!strncmp(line, "sl", 2))
		return 0;
	if (sscanf(line, "%u: %40[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %*u %*u %lu",
		   &sl, addr, &port, &state, &inode) != 5)
		return hb_fail(err, errlen, HB_EINVAL,
			       "/proc/net/tcp%s line \"%.80s\": expected \"N: ADDR:PORT ADDR:PORT STATE ... UID TIMEOUT INODE\"",
			       family == AF_INET6 ? "6" : "", line);
	words = family == AF_INET6 ? 4 : 1;
	if (strlen(addr) != words * 8 || port > 65535)
		return hb_fail(err, errlen, HB_EINVAL,
			       "/proc/net/tcp%s line \"%.80s\": expected a %zu-digit hex address and a port up to FFFF",
			       family == AF_INET6 ? "6" : "", line, words * 8);
	if (state != TCP_LISTEN)
		return 0;
	for (i = 0; i < words; i++)
		if (hex_word(addr + 8 * i, bytes + 4 * i))
			return hb_fail(err, errlen, HB_EINVAL, "/proc/net/tcp line \"%.80s\": bad address", line);
	memset(e, 0, sizeof(*e));
	if (!inet_ntop(family, bytes, e->address, sizeof(e->address)))
		return hb_fail(err, errlen, HB_EINVAL, "/proc/net/tcp line \"%.80s\": bad address", line);
	e->port = (int)port;
	e->family = family;
	e->inode = inode;
	e->pid = -1;
	return 1;
}

/* ----------------------------------------------------------- the listing */

/* Appends the listening sockets of one table; a missing table (no IPv6)
 * is not an error. */
static int read_table(const char *path, int family, struct port_entry *v,
		      int *n, char *err, size_t errlen)
{
	char line[512];
	FILE *f = fopen(path, "r");

	if (!f) {
		if (errno == ENOENT && family == AF_INET6)
			return 0;
		return hb_fail(err, errlen, HB_EIO, "cannot read %s: %s", path, strerror(errno));
	}
	/* a line we cannot read is skipped: it must not hide the others */
	while (*n < MAX_LISTENING && fgets(line, sizeof(line), f))
		if (ports_parse_line(line, family, &v[*n], NULL, 0) == 1)
			(*n)++;
	fclose(f);
	return 0;
}

static void read_comm(int pid, char *out, size_t outlen)
{
	char path[64];
	size_t len;
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(out, (int)outlen, f)) {
		len = strcspn(out, "\n");
		out[len] = '\0';
	}
	fclose(f);
}

/* Gives pid to every unowned entry whose socket pid holds. */
static void scan_process(int pid, struct port_entry *v, int n, int *left,
			 int *links)
{
	char path[64], link[64];
	struct dirent *d;
	unsigned long inode;
	ssize_t len;
	DIR *dir;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return;
	while (*left > 0 && *links < MAX_FD_LINKS && (d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		(*links)++;
		snprintf(path, sizeof(path), "/proc/%d/fd/%.16s", pid, d->d_name);
		len = readlink(path, link, sizeof(link) - 1);
		if (len <= 8)
			continue;
		link[len] = '\0';
		if (strncmp(link, "socket:[", 8))
			continue;
		inode = strtoul(link + 8, NULL, 10);
		for (i = 0; i < n; i++) {
			if (v[i].pid != -1 || v[i].inode != inode)
				continue;
			v[i].pid = pid;
			read_comm(pid, v[i].command, sizeof(v[i].command));
			(*left)--;
		}
	}
	closedir(dir);
}

/* sandboxd itself is scanned first so that its own sockets are known as
 * its own even when a child holds a copy. */
static void find_owners(struct port_entry *v, int n)
{
	int self = (int)getpid(), left = n, procs = 0, links = 0, pid;
	struct dirent *d;
	char *end;
	DIR *proc;

	scan_process(self, v, n, &left, &links);
	proc = opendir("/proc");
	if (!proc)
		return;
	while (left > 0 && procs < MAX_PROCS && links < MAX_FD_LINKS &&
	       (d = readdir(proc))) {
		pid = (int)strtol(d->d_name, &end, 10);
		if (*end || pid <= 0 || pid == self)
			continue;
		procs++;
		scan_process(pid, v, n, &left, &links);
	}
	closedir(proc);
}

static int address_cmp(const struct port_entry *x, const struct port_entry *y)
{
	if (x->port != y->port)
		return x->port - y->port;
	if (x->family != y->family)
		return x->family == AF_INET ? -1 : 1;
	return strcmp(x->address, y->address);
}

/* by address, then sockets with a known process first */
static int entry_cmp(const void *a, const void *b)
{
	const struct port_entry *x = a, *y = b;
	int d = address_cmp(x, y);

	if (d)
		return d;
	return (x->pid == -1) - (y->pid == -1);
}

static json_t *entry_json(const struct port_entry *e)
{
	return json_pack("{s:i, s:s, s:s, s:o, s:o}",
			 "port", e->port,
			 "address", e->address,
			 "family", e->family == AF_INET ? "ipv4" : "ipv6",
			 "pid", e->pid >= 0 ? json_integer(e->pid) : json_null(),
			 "command", e->pid >= 0 && e->command[0] ?
				json_string(e->command) : json_null());
}

int ports_list_route(struct http_conn *c, json_t *body)
{
	struct port_entry *v, *prev = NULL;
	json_t *list = json_array();
	char err[256];
	int n = 0, i, self = (int)getpid();

	v = calloc(MAX_LISTENING, sizeof(*v));
	if (!v || !list) {
		free(v);
		json_decref(list);
		return http_reply_error(c, 500, "out of memory");
	}
	if (read_table("/proc/net/tcp", AF_INET, v, &n, err, sizeof(err)) ||
	    read_table("/proc/net/tcp6", AF_INET6, v, &n, err, sizeof(err))) {
		free(v);
		json_decref(list);
		return http_reply_error(c, 500, "%s", err);
	}
	if (n)
		find_owners(v, n);
	qsort(v, (size_t)n, sizeof(*v), entry_cmp);
	for (i = 0; i < n; i++) {
		/* sandboxd's own sockets, and VS Code's and the desktop's behind
		 * its gate on 8001/8002 (those are published, not listed) */
		if (v[i].pid == self ||
		    (!strcmp(v[i].address, "127.0.0.1") && services_own_port(v[i].port)))
			continue;
		/* SO_REUSEPORT servers hold one socket per worker: list the
		 * address once */
		if (prev && !address_cmp(prev, &v[i]))
			continue;
		json_array_append_new(list, entry_json(&v[i]));
		prev = &v[i];
	}
	free(v);
	return http_reply_json(c, 200, json_pack("{s:o}", "ports", list));
}
