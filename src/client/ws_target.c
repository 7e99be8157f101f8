/* ws_target.c — see ws_target.h. libcurl's URL parser does the parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "client/ws_target.h"
#include "common/hb_error.h"

void ws_target_free(struct ws_target *t)
{
	free(t->host);
	free(t->path);
	free(t->host_header);
	memset(t, 0, sizeof(*t));
}

int ws_target_parse(const char *url, const char *route, const char *what,
		    struct ws_target *t, char *err, size_t errlen)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	CURLU *u = curl_url();
	int rc = HB_EINVAL;
	size_t hl, pl, rl = strlen(route);

	memset(t, 0, sizeof(*t));
	if (!u)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0)) {
		hb_fail(err, errlen, rc, "%s \"%s\": expected http://HOST:PORT", what, url);
		goto out;
	}
	if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
		hb_fail(err, errlen, rc, "%s \"%s\": expected an http:// or https:// URL", what,
			url);
		goto out;
	}
	t->tls = !strcmp(scheme, "https");
	t->port = atoi(port);
	hl = strlen(host);
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']')
		t->host = strndup(host + 1, hl - 2);
	else
		t->host = strdup(host);
	pl = strlen(path);
	while (pl && path[pl - 1] == '/')
		pl--;
	t->path = malloc(pl + rl + 1);
	t->host_header = malloc(hl + 8);
	if (!t->host || !t->path || !t->host_header) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		ws_target_free(t);
		goto out;
	}
	memcpy(t->path, path, pl);
	memcpy(t->path + pl, route, rl + 1);
	snprintf(t->host_header, hl + 8, "%s:%d", host, t->port);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}
