/* env.c — editing environments by name; see env.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "sandboxd/env.h"

static int name_matches(const char *kv, const char *name, size_t len, int prefix)
{
	if (strncmp(kv, name, len))
		return 0;
	return prefix || kv[len] == '=';
}

void env_unset(struct strv *e, const char *name)
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

const char *env_get(const struct strv *e, const char *name)
{
	return env_lookup(e->v, name);
}

int env_set(struct strv *e, const char *name, const char *value)
{
	size_t len = strlen(name) + strlen(value) + 2;
	char *kv = malloc(len);

	if (!kv)
		return HB_ENOMEM;
	snprintf(kv, len, "%s=%s", name, value);
	env_unset(e, name);
	if (strv_take(e, kv)) {
		free(kv);
		return HB_ENOMEM;
	}
	return 0;
}
