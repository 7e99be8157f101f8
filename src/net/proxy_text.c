/* proxy_text.c — the proxy's pure text helpers (see proxy.h): ports, URL
 * encoding, the sub-domain Host, WebSocket handshake values. No socket and
 * no connection here, so tests/unit/test_ports_proxy.c covers them all. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libwebsockets.h>

#include "common/hb_error.h"
#include "net/proxy.h"

int proxy_parse_port(const char *s, int *port, char *err, size_t errlen)
{
	size_t n = strspn(s, "0123456789");
	long v;

	v = (n && n <= 5 && !s[n]) ? strtol(s, NULL, 10) : 0;
	if (v < 1 || v > 65535)
		return hb_fail(err, errlen, HB_EINVAL,
			       "port \"%.32s\": expected an integer from 1 to 65535", s);
	*port = (int)v;
	return 0;
}

static int keep_char(unsigned char ch, int query)
{
	if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'))
		return 1;
	if (!ch)
		return 0;
	return strchr(query ? "-._~!$'()*,/:@?" : "-._~!$&'()*+,;=:@/", ch) != NULL;
}

int proxy_append_encoded(struct buf *b, const char *s, int query)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;
	char esc[3];
	size_t run;
	int rc;

	while (*p) {
		for (run = 0; keep_char(p[run], query); run++)
			;
		if (run) {
			rc = buf_append(b, p, run);
			p += run;
		} else {
			esc[0] = '%';
			esc[1] = hex[*p >> 4];
			esc[2] = hex[*p & 15];
			rc = buf_append(b, esc, 3);
			p++;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int proxy_parse_sub_host(const char *host, const char *suffix, int *port,
			 char *id, size_t idlen, char *err, size_t errlen)
{
	size_t n, slen = strlen(suffix), label, dash, i;
	const char *colon;
	char portstr[8];

	/* the name without ":port" (a bracketed IPv6 literal is no
	 * sub-domain) and without a final dot */
	if (host[0] == '[')
		return 0;
	colon = strchr(host, ':');
	n = colon ? (size_t)(colon - host) : strlen(host);
	if (n && host[n - 1] == '.')
		n--;
	if (n < slen + 2 || host[n - slen - 1] != '.' ||
	    strncasecmp(host + n - slen, suffix, slen))
		return 0;
	label = n - slen - 1;
	if (memchr(host, '.', label))
		return 0; /* a deeper name: not ours */
	dash = strcspn(host, "-");
	if (dash >= label)
		return 0; /* "localhost" itself, or "app.localhost" */
	if (dash >= sizeof(portstr))
		return hb_fail(err, errlen, HB_EINVAL,
			       "host \"%.80s\": the port before \"-\" is not an integer from 1 to 65535", host);
	memcpy(portstr, host, dash);
	portstr[dash] = '\0';
	if (proxy_parse_port(portstr, port, NULL, 0))
		return hb_fail(err, errlen, HB_EINVAL,
			       "host \"%.80s\": the port before \"-\" is not an integer from 1 to 65535", host);
	n = label - dash - 1;
	for (i = 0; i < n; i++) {
		char ch = host[dash + 1 + i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			n = 0;
	}
	if (!n || n >= idlen)
		return hb_fail(err, errlen, HB_EINVAL,
			       "host \"%.80s\": expected a sandbox id of 1 to %zu letters, digits, \"-\" or \"_\" after the port",
			       host, idlen - 1);
	memcpy(id, host + dash + 1, n);
	id[n] = '\0';
	return 1;
}

int proxy_append_cookies(struct buf *b, const char *cookies, const char *name)
{
	size_t nlen = strlen(name), len;
	const char *p = cookies;
	int rc = 0, first = 1;

	while (!rc && *p) {
		p += strspn(p, " \t;");
		len = strcspn(p, ";");
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len && !(len > nlen && !strncmp(p, name, nlen) && p[nlen] == '=')) {
			rc = buf_append(b, "; ", first ? 0 : 2);
			if (!rc)
				rc = buf_append(b, p, len);
			first = 0;
		}
		p += strcspn(p, ";");
	}
	return rc;
}

/* RFC 7230 token characters */
static int tchar(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

int proxy_first_protocol(const char *offer, char *out, size_t outlen)
{
	size_t n;

	offer += strspn(offer, " \t,");
	for (n = 0; tchar((unsigned char)offer[n]); n++)
		;
	if (!n) {
		if (*offer)
			return -1;
		out[0] = '\0';
		return 0;
	}
	if (!strchr(" \t,", offer[n]) || n >= outlen)
		return -1;
	memcpy(out, offer, n);
	out[n] = '\0';
	return (int)n;
}

int proxy_ws_accept(const char *key, char *out, size_t outlen)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char digest[20];
	char joined[128];
	size_t n = strlen(key);

	if (!n || n + sizeof(guid) > sizeof(joined) || outlen < 29)
		return -1;
	memcpy(joined, key, n);
	memcpy(joined + n, guid, sizeof(guid));
	lws_SHA1((unsigned char *)joined, n + sizeof(guid) - 1, digest);
	return lws_b64_encode_string((char *)digest, 20, out, (int)outlen) < 0 ? -1 : 0;
}
