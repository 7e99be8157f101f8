/* server_sbx_view.c — a sandbox as the API shows it (API.md § 2): its
 * ports, the URLs that reach each (direct, through the path proxy, through
 * the sub-domain proxy) and the ports listening inside, which its sandboxd
 * lists (GET /api/handbox/ports, docs/port-proxy.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <libwebsockets.h>

#include "client/client_conn.h"
#include "common/hb_error.h"
#include "server/server.h"

#define LISTENING_TIMEOUT_MS 3000L
#define LISTENING_BODY_MAX (1u << 20)   /* 1024 sockets' worth and more */

/* A header's first value (before any ","), trimmed, into out; -1 when
 * absent or empty. */
static int header_first(struct http_conn *c, const char *name, char *out, size_t outlen)
{
	size_t n;

	if (http_header(c, name, out, outlen) <= 0)
		return -1;
	out[strcspn(out, ",")] = '\0';
	while ((n = strlen(out)) && out[n - 1] == ' ')
		out[n - 1] = '\0';
	return *out ? 0 : -1;
}

void srv_sub_base(struct http_conn *c, char *scheme, size_t slen, char *suffix, size_t sfxlen)
{
	char host[256], proto[16];
	const char *port;
	size_t name;

	if (header_first(c, "x-forwarded-host:", host, sizeof(host)) &&
	    lws_hdr_copy(c->wsi, host, sizeof(host), WSI_TOKEN_HOST) <= 0)
		snprintf(host, sizeof(host), "localhost:%d", srv.opt.port);
	if (header_first(c, "x-forwarded-proto:", proto, sizeof(proto)) ||
	    (strcasecmp(proto, "https") && strcasecmp(proto, "http")))
		snprintf(proto, sizeof(proto), "%s", srv.tls ? "https" : "http");
	snprintf(scheme, slen, "%s", proto);
	/* an address (127.0.0.1, [::1]) has no sub-domains: browsers resolve
	 * every *.localhost to loopback instead */
	port = host[0] == '[' ? strstr(host, "]:") : strchr(host, ':');
	port = port ? strchr(port, ':') : NULL;
	name = port ? (size_t)(port - host) : strlen(host);
	if (host[0] == '[' || strspn(host, "0123456789.") == name)
		snprintf(suffix, sfxlen, "localhost%s", port ? port : "");
	else
		snprintf(suffix, sfxlen, "%s", host);
}

/* {"direct": …, "proxy": …, "subdomain": …} for one port inside; host_port
 * 0: not published (no direct URL). */
static json_t *port_urls(const struct hb_sandbox *sb, int port, int host_port,
			 const char *scheme, const char *suffix)
{
	char direct[128] = "", proxy[512], sub[512];
	int i;

	for (i = 0; host_port && i < HB_SANDBOX_PORTS; i++)
		if (hb_sandbox_ports[i] == port)
			hb_sandbox_port_url(sb, i, direct, sizeof(direct));
	snprintf(proxy, sizeof(proxy), "%s/api/sandboxes/%s/ports/%d/", srv.base_path, sb->id,
		 port);
	snprintf(sub, sizeof(sub), "%s://%d-%s.%s/", scheme, port, sb->id, suffix);
	return json_pack("{s:s?, s:s, s:s}", "direct", *direct ? direct : NULL, "proxy", proxy,
			 "subdomain", sub);
}

static json_t *iso(int64_t us)
{
	char t[ISOTIME_STR_LEN];

	isotime_format(us, t);
	return json_string(t);
}

json_t *srv_sbx_view(const struct srv_sbx *e, json_t *listening, const char *scheme,
		     const char *suffix)
{
	const struct hb_sandbox *sb = &e->sb;
	json_t *ports = json_object(), *urls = json_object(), *l;
	char key[16];
	size_t i;

	for (i = 0; ports && urls && i < HB_SANDBOX_PORTS; i++) {
		if (!sb->host_ports[i])
			continue;
		snprintf(key, sizeof(key), "%d", hb_sandbox_ports[i]);
		json_object_set_new(ports, key, json_integer(sb->host_ports[i]));
		/* 8000 is sandboxd itself: its routes need the sandbox's key */
		if (i)
			json_object_set_new(urls, key, port_urls(sb, hb_sandbox_ports[i],
								 sb->host_ports[i], scheme, suffix));
	}
	json_array_foreach(listening, i, l) {
		int port = (int)json_integer_value(json_object_get(l, "port"));

		snprintf(key, sizeof(key), "%d", port);
		if (port > 0 && !json_object_get(urls, key))
			json_object_set_new(urls, key, port_urls(sb, port, 0, scheme, suffix));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:o, s:o, s:O, s:o}", "id", sb->id,
			 "status", hb_sandbox_state_name(sb->state), "image", sb->image,
			 "container", sb->name, "conversation_id", *e->conv_id ? e->conv_id : NULL,
			 "ports", ports, "urls", urls,
			 "listening", listening ? listening : json_array(),
			 "created_at", iso(sb->created_us));
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	return buf_append(arg, data, size * n) ? 0 : size * n;
}

/* One listening socket per port (IPv4 and IPv6 sockets of one server are
 * one port to a user; sandboxd lists them by port), with what holds it. */
static json_t *by_port(json_t *sockets)
{
	json_t *out = json_array(), *s;
	json_int_t last = -1;
	size_t i;

	json_array_foreach(sockets, i, s) {
		json_int_t port = json_integer_value(json_object_get(s, "port"));
		const char *addr = json_string_value(json_object_get(s, "address"));

		/* Docker's own DNS server of a user network listens in every
		 * container on 127.0.0.11, on a random port: no app of the user */
		if (!out || port == last || port <= 0 || (addr && !strcmp(addr, "127.0.0.11")))
			continue;
		last = port;
		json_array_append_new(out, json_pack("{s:I, s:O?, s:O?}", "port", port,
						     "address", json_object_get(s, "address"),
						     "command", json_object_get(s, "command")));
	}
	return out;
}

json_t *srv_sbx_listening(const struct hb_sandbox *sb, char *err, size_t errlen)
{
	char base[128], url[256], curl_err[CURL_ERROR_SIZE] = "";
	struct sandbox_conn conn = { base, sb->session_api_key };
	struct curl_slist *headers = NULL;
	json_t *j = NULL, *out = NULL;
	CURL *curl = NULL;
	long status = 0;
	struct buf body;
	CURLcode cc;

	hb_sandbox_port_url(sb, 0, base, sizeof(base));
	snprintf(url, sizeof(url), "%s/api/handbox/ports", base);
	buf_init(&body, LISTENING_BODY_MAX);
	if (client_conn_curl(&conn, &curl, &headers, curl_err, err, errlen))
		goto out;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, LISTENING_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK || status != 200) {
		hb_fail(err, errlen, HB_EIO, "sandbox %s: its sandboxd did not list the ports "
			"(%s): %s", sb->id, url, cc != CURLE_OK ? (*curl_err ? curl_err :
			curl_easy_strerror(cc)) : "an HTTP error");
		goto out;
	}
	j = json_loadb(body.data ? body.data : "", body.len, 0, NULL);
	if (!json_is_array(json_object_get(j, "ports")))
		hb_fail(err, errlen, HB_EIO, "sandbox %s: its sandboxd answered %s with no "
			"\"ports\" list", sb->id, url);
	else if (!(out = by_port(json_object_get(j, "ports"))))
		hb_fail(err, errlen, HB_ENOMEM, "out of memory");
out:
	json_decref(j);
	buf_free(&body);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	return out;
}
