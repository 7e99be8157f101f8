/* ports.h — the TCP sockets listening inside the sandbox, for
 * GET /api/handbox/ports: read from /proc/net/tcp and /proc/net/tcp6 (the
 * sandbox's own network namespace), each matched to the process holding it
 * by walking /proc/PID/fd. sandboxd's own listening sockets are left out. */
#ifndef HB_SANDBOXD_PORTS_H
#define HB_SANDBOXD_PORTS_H

#include <stddef.h>
#include <jansson.h>

struct http_conn;

struct port_entry {
	int port;
	int family;             /* AF_INET or AF_INET6 */
	char address[46];       /* numeric, as inet_ntop writes it */
	unsigned long inode;    /* the socket's inode, to find its process */
	int pid;                /* -1 when no readable process holds it */
	char command[32];       /* /proc/PID/comm; empty when pid is -1 */
};

/* Parses one line of /proc/net/tcp (family AF_INET) or /proc/net/tcp6
 * (AF_INET6). Returns 1 and fills *e (pid -1, no command) for a socket in
 * the LISTEN state, 0 for the header line or a socket in any other state,
 * HB_EINVAL with a message naming the line when it cannot be read. */
int ports_parse_line(const char *line, int family, struct port_entry *e,
		     char *err, size_t errlen);

/* GET /api/handbox/ports →
 * {"ports":[{"port","address","family":"ipv4"|"ipv6","pid"|null,
 *            "command"|null}, ...]} sorted by port. */
int ports_list_route(struct http_conn *c, json_t *body);

#endif
