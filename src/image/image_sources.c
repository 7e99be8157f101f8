/* image_sources.c — apt's sources, one-line and deb822, reduced to the
 * bookworm "deb URI SUITE COMPONENT..." entries mmdebstrap takes; see
 * image_sources.h. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "image/image_sources.h"

#define SOURCES_FILE_MAX (1u << 20)   /* one apt sources file */

static int suite_wanted(const char *suite)
{
	return !strcmp(suite, "bookworm") || !strcmp(suite, "bookworm-updates") ||
	       !strcmp(suite, "bookworm-security") || !strcmp(suite, "bookworm/updates");
}

/* ------------------------------------------------------ one-line format */

int image_sources_parse_lines(char *text, struct strv *out)
{
	char *save = NULL, *line, *tok[64], *tsave, *hash;
	struct buf entry;
	int n, i, k, rc;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		n = 0;
		for (tok[n] = strtok_r(line, " \t\r", &tsave); tok[n] && n < 63;
		     tok[++n] = strtok_r(NULL, " \t\r", &tsave))
			;
		if (n < 4 || strcmp(tok[0], "deb"))
			continue;
		i = 1;
		if (tok[1][0] == '[') {
			while (i < n && tok[i][strlen(tok[i]) - 1] != ']')
				i++;
			i++;
		}
		if (i + 2 >= n || !suite_wanted(tok[i + 1]))
			continue;
		buf_init(&entry, 4096);
		rc = buf_printf(&entry, "deb %s %s", tok[i], tok[i + 1]);
		for (k = i + 2; rc == 0 && k < n; k++)
			rc = buf_printf(&entry, " %s", tok[k]);
		if (rc == 0)
			rc = strv_add(out, entry.data);
		buf_free(&entry);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* -------------------------------------------------------- deb822 format */

struct stanza {
	char types[256], uris[2048], suites[512], comps[256], enabled[16];
	char *field;     /* the value continuation lines extend, or NULL */
	size_t fieldlen;
};

static int word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
			return 1;
		p += n;
	}
	return 0;
}

static int stanza_flush(struct stanza *st, struct strv *out)
{
	char uris[sizeof(st->uris)], suites[sizeof(st->suites)];
	char *us = NULL, *ss = NULL, *u, *s;
	int rc = 0;

	if (word_in(st->types, "deb") && *st->uris && *st->suites && *st->comps &&
	    strcasecmp(st->enabled, "no")) {
		memcpy(uris, st->uris, sizeof(uris));
		for (u = strtok_r(uris, " \t", &us); u && !rc; u = strtok_r(NULL, " \t", &us)) {
			memcpy(suites, st->suites, sizeof(suites));
			for (s = strtok_r(suites, " \t", &ss); s && !rc; s = strtok_r(NULL, " \t", &ss))
				if (suite_wanted(s))
					rc = strv_addf(out, "deb %s %s %s", u, s, st->comps);
		}
	}
	memset(st, 0, sizeof(*st));
	return rc;
}

static void field_set(struct stanza *st, char *dst, size_t dstlen, const char *value)
{
	snprintf(dst, dstlen, "%s", value);
	st->field = dst;
	st->fieldlen = dstlen;
}

int image_sources_parse_deb822(char *text, struct strv *out)
{
	struct stanza st;
	char *line, *next, *colon, *v, *e;
	size_t used;
	int rc;

	memset(&st, 0, sizeof(st));
	for (line = text; line; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if ((e = strchr(line, '\r')))
			*e = '\0';
		for (v = line; *v == ' ' || *v == '\t'; v++)
			;
		if (!*v) {
			if ((rc = stanza_flush(&st, out)) < 0)
				return rc;
			continue;
		}
		if (*line == '#')
			continue;
		if (v != line) {
			if (st.field && *v != '.' && (used = strlen(st.field)) + 1 < st.fieldlen)
				snprintf(st.field + used, st.fieldlen - used, " %s", v);
			continue;
		}
		st.field = NULL;
		if (!(colon = strchr(line, ':')))
			continue;
		*colon = '\0';
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		e = v + strlen(v);
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!strcasecmp(line, "Types"))
			field_set(&st, st.types, sizeof(st.types), v);
		else if (!strcasecmp(line, "URIs"))
			field_set(&st, st.uris, sizeof(st.uris), v);
		else if (!strcasecmp(line, "Suites"))
			field_set(&st, st.suites, sizeof(st.suites), v);
		else if (!strcasecmp(line, "Components"))
			field_set(&st, st.comps, sizeof(st.comps), v);
		else if (!strcasecmp(line, "Enabled"))
			field_set(&st, st.enabled, sizeof(st.enabled), v);
	}
	return stanza_flush(&st, out);
}

/* ------------------------------------------------------------ the files */

static int sources_file(const char *path, int deb822, struct strv *out)
{
	struct buf b;
	int rc;

	if (image_file_read(path, &b, SOURCES_FILE_MAX) < 0)
		return 0;  /* unreadable or gone: apt would not use it either */
	if (!b.data) {
		buf_free(&b);
		return 0;
	}
	rc = deb822 ? image_sources_parse_deb822(b.data, out)
		    : image_sources_parse_lines(b.data, out);
	buf_free(&b);
	return rc;
}

int image_sources_from(const char *apt_dir, const char *mirror, const char *security,
		       struct strv *out, char *err, size_t errlen)
{
	struct dirent **names = NULL;
	char dir[PATH_MAX], path[PATH_MAX];
	int i, n, rc = 0;

	if (mirror && *mirror) {
		if ((rc = strv_addf(out, "deb %s bookworm main", mirror)) < 0 ||
		    (rc = strv_addf(out, "deb %s bookworm-updates main", mirror)) < 0)
			return rc;
		if (security && *security &&
		    (rc = strv_addf(out, "deb %s bookworm-security main", security)) < 0)
			return rc;
		return 0;
	}
	if (snprintf(path, sizeof(path), "%s/sources.list", apt_dir) >= (int)sizeof(path) ||
	    snprintf(dir, sizeof(dir), "%s/sources.list.d", apt_dir) >= (int)sizeof(dir))
		return hb_fail(err, errlen, HB_EINVAL, "%s: path too long", apt_dir);
	if ((rc = sources_file(path, 0, out)) < 0)
		return rc;
	n = scandir(dir, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		int deb822 = image_ends_with(name, ".sources");

		if (!rc && (deb822 || image_ends_with(name, ".list")) &&
		    snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path))
			rc = sources_file(path, deb822, out);
		free(names[i]);
	}
	free(names);
	if (rc < 0)
		return rc;
	strv_sort_unique(out);
	if (!out->n)
		return hb_fail(err, errlen, HB_ENOENT,
			       "no Debian bookworm archive in %s/sources.list(.d): "
			       "set HANDBOX_DEBIAN_MIRROR=http://deb.debian.org/debian", apt_dir);
	return 0;
}

int image_sources(struct strv *out, char *err, size_t errlen)
{
	return image_sources_from("/etc/apt", getenv("HANDBOX_DEBIAN_MIRROR"),
				  getenv("HANDBOX_DEBIAN_SECURITY_MIRROR"), out, err, errlen);
}
