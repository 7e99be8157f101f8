/* config.h — sandboxd's settings, from the command line and environment. */
#ifndef HB_SANDBOXD_CONFIG_H
#define HB_SANDBOXD_CONFIG_H

#include <limits.h>
#include <stddef.h>

#include "sandboxd/env.h"
#include "sandboxd/users.h"

#define SANDBOXD_VERSION "0.1.0"

struct sandboxd_config {
	int port;                   /* 0 = any free port (see ready_fd) */
	char host[64];
	int ready_fd;               /* gets "PORT\n" once we listen; -1 = none */
	char workdir[PATH_MAX];     /* default cwd of commands */
	char **api_keys;            /* NULL-terminated, owned */
	struct sandbox_user user;   /* who commands run as */
	int switch_user;            /* we are root and the user is not */
	struct strv child_env;      /* base environment of every command */
	const char *passwd_path;
};

/* Fills cfg from argv and envp. Returns 0, 1 when --help or --version was
 * printed (exit 0), or HB_EINVAL with a message naming the bad input. */
int config_load(struct sandboxd_config *cfg, int argc, char **argv,
		char *const *envp, char *err, size_t errlen);
void config_free(struct sandboxd_config *cfg);

/* Parses SANDBOX_USER_ID-style values: a decimal uid 0…2^31-1. */
int config_parse_uid(const char *name, const char *value, unsigned *uid, char *err,
	      size_t errlen);

#endif
