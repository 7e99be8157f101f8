/* config.c — command line and environment of sandboxd; see config.h. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "sandboxd/config.h"
#include "common/path_search.h"

static const char usage[] =
	"usage: handbox-sandboxd [--port N] [--host ADDR] [--workdir DIR]\n"
	"                        [--ready-fd FD] [--label KEY=VALUE]...\n"
	"\n"
	"The server inside a handbox sandbox: runs the agent's commands, serves\n"
	"files and git state, and proxies to ports inside the sandbox.\n"
	"\n"
	"  --port N        TCP port to listen on (default 8000; 0 = any free port)\n"
	"  --host ADDR     IPv4 address to bind (default 127.0.0.1; the runtime\n"
	"                  passes 0.0.0.0 inside a container: every address,\n"
	"                  IPv6 included)\n"
	"  --workdir DIR   default working directory of commands (default\n"
	"                  /workspace when it exists, else the user's home)\n"
	"  --ready-fd FD   once listening, write the port and a newline to this\n"
	"                  inherited descriptor (a pipe) and close it: with\n"
	"                  --port 0 that is how the runtime learns the port\n"
	"  --label KEY=VALUE\n"
	"                  ignored; marks the process for the runtime that\n"
	"                  started it (visible in ps and /proc/PID/cmdline)\n"
	"  --help, --version\n"
	"\n"
	"Environment:\n"
	"  OH_SESSION_API_KEYS_0, _1, …, SESSION_API_KEY\n"
	"                  session keys; when set, /api/* and WebSockets need one\n"
	"  SANDBOX_USER_ID uid commands run as when sandboxd is root (default 1000;\n"
	"                  0 runs them as root)\n";

int config_parse_uid(const char *name, const char *value, unsigned *uid, char *err,
	      size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	/* a digit first: strtoul alone takes " 1", "+1" and "-1" (wrapped) */
	if (!isdigit((unsigned char)*value) || *end || errno || v > 2147483647UL)
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: \"%s\": expected a user id, a whole number from 0 to 2147483647",
			       name, value);
	*uid = (unsigned)v;
	return 0;
}

/* A decimal number lo…hi, digits only: strtol alone takes " 80", "+80"
 * and "-0". */
static int parse_range(const char *value, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (!isdigit((unsigned char)*value) || *end || errno || v < lo || v > hi)
		return HB_EINVAL;
	*out = v;
	return 0;
}

static int parse_port(const char *value, int *port, char *err, size_t errlen)
{
	long v;

	if (parse_range(value, 0, 65535, &v))
		return hb_fail(err, errlen, HB_EINVAL,
			       "--port: \"%s\": expected a TCP port from 0 (any free port) to 65535",
			       value);
	*port = (int)v;
	return 0;
}

/* A descriptor we inherited open for writing; 0-2 are ours to keep. */
static int parse_ready_fd(const char *value, int *fd, char *err, size_t errlen)
{
	long v;
	int fl;

	if (parse_range(value, 3, 1048576, &v))
		return hb_fail(err, errlen, HB_EINVAL,
			       "--ready-fd: \"%s\": expected a file descriptor number from 3", value);
	fl = fcntl((int)v, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY)
		return hb_fail(err, errlen, HB_EINVAL,
			       "--ready-fd: %ld: not a descriptor open for writing", v);
	*fd = (int)v;
	return 0;
}

static int parse_host(const char *value, char *host, size_t cap, char *err,
		      size_t errlen)
{
	unsigned a, b, c, d;
	char tail;

	/* digits and dots only: sscanf's %u would also take spaces and signs */
	if (strlen(value) >= cap || value[strspn(value, "0123456789.")] ||
	    sscanf(value, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 ||
	    a > 255 || b > 255 || c > 255 || d > 255)
		return hb_fail(err, errlen, HB_EINVAL,
			       "--host: \"%s\": expected an IPv4 address such as 127.0.0.1 or 0.0.0.0",
			       value);
	strcpy(host, value);
	return 0;
}

/* OH_SESSION_API_KEYS_0, _1, … (stopping at the first gap) and
 * SESSION_API_KEY; empty values are ignored. */
static int load_keys(struct sandboxd_config *cfg, char *const *envp)
{
	char name[64];
	const char *v;
	size_t n = 0;
	int i;

	cfg->api_keys = calloc(66, sizeof(char *));
	if (!cfg->api_keys)
		return HB_ENOMEM;
	for (i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "OH_SESSION_API_KEYS_%d", i);
		v = env_lookup(envp, name);
		if (!v)
			break;
		if (*v && !(cfg->api_keys[n++] = strdup(v)))
			return HB_ENOMEM;
	}
	v = env_lookup(envp, "SESSION_API_KEY");
	if (v && *v && !(cfg->api_keys[n++] = strdup(v)))
		return HB_ENOMEM;
	return 0;
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The environment every command starts from: ours without the session
 * keys (a command must never read the key that guards its own sandbox),
 * plus the user's HOME, USER and LOGNAME and a PATH. */
static int build_child_env(struct sandboxd_config *cfg, char *const *envp)
{
	struct strv *e = &cfg->child_env;
	int rc = strv_copy(e, envp);

	if (rc)
		return rc;
	env_unset(e, "OH_SESSION_API_KEYS_*");
	env_unset(e, "SESSION_API_KEY");
	if (!env_get(e, "PATH"))
		rc |= env_set(e, "PATH", PATH_SEARCH_DEFAULT);
	if (cfg->switch_user || !env_get(e, "HOME"))
		rc |= env_set(e, "HOME", cfg->user.home);
	if (cfg->switch_user || !env_get(e, "USER")) {
		rc |= env_set(e, "USER", cfg->user.name);
		rc |= env_set(e, "LOGNAME", cfg->user.name);
	}
	return rc ? HB_ENOMEM : 0;
}

int config_load(struct sandboxd_config *cfg, int argc, char **argv,
		char *const *envp, char *err, size_t errlen)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "host", required_argument, NULL, 'H' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *v, *workdir = NULL;
	unsigned uid = 1000;
	int c, rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->port = 8000;
	cfg->ready_fd = -1;
	strcpy(cfg->host, "127.0.0.1");
	cfg->passwd_path = "/etc/passwd";
	/* 0, not 1: glibc and musl then also forget a half-read "-xyz" left
	 * by an earlier call */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if ((rc = parse_port(optarg, &cfg->port, err, errlen)))
				return rc;
			break;
		case 'H':
			if ((rc = parse_host(optarg, cfg->host, sizeof(cfg->host), err, errlen)))
				return rc;
			break;
		case 'w':
			workdir = optarg;
			break;
		case 'r':
			if ((rc = parse_ready_fd(optarg, &cfg->ready_fd, err, errlen)))
				return rc;
			break;
		case 'l':
			if (optarg[0] == '=' || !strchr(optarg, '='))
				return hb_fail(err, errlen, HB_EINVAL,
					       "--label: \"%s\": expected KEY=VALUE", optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case 'V':
			printf("handbox-sandboxd %s\n", SANDBOXD_VERSION);
			return 1;
		case ':':
			return hb_fail(err, errlen, HB_EINVAL, "%s: needs a value (see --help)",
				       argv[optind - 1]);
		default:
			/* optopt names an unknown short option; optind may still
			 * point at its bundle ("-xyz") */
			if (optopt)
				return hb_fail(err, errlen, HB_EINVAL,
					       "-%c: unknown option (see --help)", optopt);
			return hb_fail(err, errlen, HB_EINVAL, "%s: unknown option (see --help)",
				       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return hb_fail(err, errlen, HB_EINVAL, "\"%s\": unexpected argument (see --help)",
			       argv[optind]);

	v = env_lookup(envp, "SANDBOX_USER_ID");
	if (v && (rc = config_parse_uid("SANDBOX_USER_ID", v, &uid, err, errlen)))
		return rc;
	/* Only root can become another user; otherwise commands run as us. */
	if (geteuid() != 0)
		uid = geteuid();
	users_lookup(cfg->passwd_path, uid, &cfg->user);
	cfg->switch_user = geteuid() == 0 && uid != 0;

	if (workdir) {
		if (workdir[0] != '/' || !is_dir(workdir))
			return hb_fail(err, errlen, HB_EINVAL,
				       "--workdir: \"%s\": expected an absolute path to an existing directory",
				       workdir);
	} else {
		workdir = is_dir("/workspace") ? "/workspace" :
			  is_dir(cfg->user.home) ? cfg->user.home : "/";
	}
	if (strlen(workdir) >= sizeof(cfg->workdir))
		return hb_fail(err, errlen, HB_EINVAL, "--workdir: path too long");
	strcpy(cfg->workdir, workdir);

	if (load_keys(cfg, envp) || build_child_env(cfg, envp))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	return 0;
}

void config_free(struct sandboxd_config *cfg)
{
	char **k;

	for (k = cfg->api_keys; k && *k; k++)
		free(*k);
	free(cfg->api_keys);
	strv_free(&cfg->child_env);
	memset(cfg, 0, sizeof(*cfg));
}
