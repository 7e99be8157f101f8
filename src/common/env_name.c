/* env_name.c — variable-name checks; see env_name.h. ASCII tests, not
 * <ctype.h>: the answer must not depend on the locale. */
#include <string.h>

#include "common/env_name.h"

static bool name_char(char c, bool first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9');
}

static bool name_valid_n(const char *name, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!name_char(name[i], i == 0))
			return false;
	return true;
}

bool env_name_valid(const char *name)
{
	return name_valid_n(name, strlen(name));
}

bool env_assignment_valid(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq && name_valid_n(kv, (size_t)(eq - kv));
}
