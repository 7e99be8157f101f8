/* env.c — editable environment vectors; see env.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "sandboxd/env.h"

static int envv_push(struct envv *e, char *kv)
{
	char **nv;
	size_t ncap;

	if (e->n + 2 > e->cap) {
		ncap = e->cap ? e->cap * 2 : 32;
		nv = realloc(e->v, ncap * sizeof(*nv));
		if (!nv)
			return HB_ENOMEM;
		e->v = nv;
		e->cap = ncap;
	}
	e->v[e->n++] = kv;
	e->v[e->n] = NULL;
	return 0;
}

int envv_copy(struct envv *dst, char *const *src)
{
	char *kv;

	memset(dst, 0, sizeof(*dst));
	if (envv_push(dst, NULL) == 0)
		dst->n = 0;
	else
		return HB_ENOMEM;
	for (; src && *src; src++) {
		kv = strdup(*src);
		if (!kv || envv_push(dst, kv)) {
			free(kv);
			envv_free(dst);
			return HB_ENOMEM;
		}
	}
	return 0;
}

static int name_matches(const char *kv, const char *name, size_t len, int prefix)
{
	if (strncmp(kv, name, len))
		return 0;
	return prefix || kv[len] == '=';
}

void envv_unset(struct envv *e, const char *name)
{
	size_t len = strlen(name), i, j;
	int prefix = len && name[len - 1] == '*';

	if (prefix)
		len--;
	for (i = j = 0; i < e->n; i++) {
		if (name_matches(e->v[i], name, len, prefix))
			free(e->v[i]);
		else
			e->v[j++] = e->v[i];
	}
	e->n = j;
	if (e->v)
		e->v[j] = NULL;
}

const char *env_lookup(char *const *envp, const char *name)
{
	size_t len = strlen(name);

	for (; envp && *envp; envp++)
		if (name_matches(*envp, name, len, 0))
			return *envp + len + 1;
	return NULL;
}

const char *envv_get(const struct envv *e, const char *name)
{
	return env_lookup(e->v, name);
}

int envv_set(struct envv *e, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *kv = malloc(len);

	if (!kv)
		return HB_ENOMEM;
	snprintf(kv, len, "%s=%s", name, value);
	envv_unset(e, name);
	if (envv_push(e, kv)) {
		free(kv);
		return HB_ENOMEM;
	}
	return 0;
}

void envv_free(struct envv *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

int env_name_valid(const char *name)
{
	if (!*name || isdigit((unsigned char)*name))
		return 0;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && *name != '_')
			return 0;
	return 1;
}
