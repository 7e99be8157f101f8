/* cmd_sandbox.c — `handbox sandbox`: dispatch, what the subcommands share,
 * and `sandbox create`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sandbox_cmds.h"
#include "common/hb_error.h"
#include "common/ids.h"
#include "common/parse.h"
#include "runtime/sandbox_json.h"

static const char sandbox_usage[] =
	"usage: handbox sandbox COMMAND [ARGS]\n"
	"\n"
	"  create     make a sandbox and wait until it answers\n"
	"  ls         list sandboxes\n"
	"  exec       run a command in a sandbox, streaming its output\n"
	"  ports      where a sandbox's ports are reachable\n"
	"  cp         copy files and folders in and out\n"
	"  rm         remove sandboxes\n"
	"  gc         remove sandboxes whose owner is gone\n"
	"  inspect    a sandbox's details as JSON (with its session key)\n"
	"  logs       a sandbox's own output (sandboxd's log)\n"
	"  start, stop, pause, resume\n"
	"\n"
	"`handbox sandbox COMMAND --help` describes each. The backend is chosen\n"
	"with RUNTIME=docker (default) or RUNTIME=process; docs/runtime.md lists\n"
	"every setting.\n";

static const char create_usage[] =
	"usage: handbox sandbox create [OPTIONS]\n"
	"\n"
	"Make a sandbox (a container running handbox-sandboxd) and wait until it\n"
	"answers. Prints its id, URL, session key and ports.\n"
	"\n"
	"  --image IMG         image (SANDBOX_RUNTIME_CONTAINER_IMAGE; default\n"
	"                      " DEFAULT_SANDBOX_IMAGE "); any image works\n"
	"  --volume SPEC       HOST:CONTAINER[:ro|rw], repeatable; the first is the\n"
	"                      workspace; replaces SANDBOX_VOLUMES\n"
	"  --user-id N         uid that runs commands (SANDBOX_USER_ID; default 1000)\n"
	"  --bind ADDR         host address of published ports\n"
	"                      (SANDBOX_RUNTIME_BINDING_ADDRESS; default 127.0.0.1)\n"
	"  --network NET       engine network; `isolated` = no outside access\n"
	"  --memory SIZE       memory limit, e.g. 512m, 2g; 0 = none\n"
	"                      (HANDBOX_SANDBOX_MEMORY; default half the host's RAM)\n"
	"  --cpus N            CPU limit, e.g. 1.5; 0 = none (default)\n"
	"  --pids N            process limit; 0 = none (default 4096)\n"
	"  --env K=V           environment for commands, repeatable\n"
	"  --ready-timeout S   wait at most S seconds for it to answer\n"
	"                      (HANDBOX_READY_TIMEOUT; default 120)\n"
	"  --owner-pid PID     the sandbox belongs to process PID: once PID ends,\n"
	"                      `sandbox gc` removes it (unless\n"
	"                      SANDBOX_KEEP_RUNTIME_ALIVE=true)\n"
	"  --json              print one JSON object\n"
	"\n"
	"Ctrl-C while it waits removes the half-made sandbox (exit 128+signal).\n";

int cli_wants_help(int argc, char **argv, const char *usage)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return 1;
		}
	return 0;
}

void cli_print_json(json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (s)
		puts(s);
	free(s);
	json_decref(v);
}

int cli_settings_read(struct cli_runtime *c)
{
	char err[1024];

	memset(&c->rt, 0, sizeof(c->rt));
	if (settings_from_env(&c->settings, err, sizeof(err))) {
		cli_error("%s", err);
		settings_free(&c->settings);
		return 1;
	}
	return 0;
}

int cli_runtime_start(struct cli_runtime *c)
{
	struct runtime_options opt;
	char err[1024];
	static bool warned;

	if (settings_owner(&c->settings, err, sizeof(err))) {
		cli_error("%s", err);
		settings_free(&c->settings);
		return 1;
	}
	if (c->settings.warned_legacy && !warned) {
		warned = true;
		cli_error("warning: WORKSPACE_BASE and WORKSPACE_MOUNT_PATH are deprecated; "
			  "use SANDBOX_VOLUMES=HOST:/workspace");
	}
	settings_options(&c->settings, &opt);
	if (runtime_open(&c->rt, &opt, err, sizeof(err))) {
		cli_error("%s", err);
		settings_free(&c->settings);
		return 1;
	}
	return 0;
}

int cli_runtime_open(struct cli_runtime *c)
{
	return cli_settings_read(c) || cli_runtime_start(c);
}

void cli_runtime_close(struct cli_runtime *c)
{
	runtime_close(&c->rt);
	settings_free(&c->settings);
}

int cli_find(struct cli_runtime *c, const char *ref, struct hb_sandbox *sb)
{
	char err[1024];

	if (runtime_find(&c->rt, ref, sb, err, sizeof(err))) {
		cli_error("%s", err);
		return 1;
	}
	return 0;
}

bool cli_valid_env(const char *kv)
{
	const char *eq = strchr(kv, '=');
	const char *p;

	if (!eq || eq == kv || (kv[0] >= '0' && kv[0] <= '9'))
		return 0;
	for (p = kv; p < eq; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

static void print_created(const struct hb_sandbox *sb, double seconds)
{
	char url[160];
	int i;

	sandbox_url(sb, url, sizeof(url));
	printf("sandbox %s ready in %.2f s (%s %s, image %s)\n", sb->id, seconds,
	       strcmp(sb->backend, "docker") ? "process" : "container", sb->name, sb->image);
	printf("  url              %s\n", url);
	printf("  session_api_key  %s\n", sb->session_api_key);
	for (i = 1; i < HB_SANDBOX_PORTS; i++)
		if (sb->host_ports[i]) {
			sandbox_port_url(sb, i, url, sizeof(url));
			printf("  port %-5d       %s\n", hb_sandbox_ports[i], url);
		}
}

enum { OPT_IMAGE = 256, OPT_VOLUME, OPT_USER_ID, OPT_BIND, OPT_NETWORK, OPT_MEMORY,
       OPT_CPUS, OPT_PIDS, OPT_ENV, OPT_READY, OPT_OWNER_PID, OPT_JSON };

static const struct option create_options[] = {
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "volume", required_argument, NULL, OPT_VOLUME },
	{ "user-id", required_argument, NULL, OPT_USER_ID },
	{ "bind", required_argument, NULL, OPT_BIND },
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "pids", required_argument, NULL, OPT_PIDS },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "ready-timeout", required_argument, NULL, OPT_READY },
	{ "owner-pid", required_argument, NULL, OPT_OWNER_PID },
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

/* Applies one flag to s/spec; returns 0, or 2 after printing the error. */
static int create_flag(int opt, const char *arg, struct runtime_settings *s,
		       const char **env, int *nenv, bool *volumes_reset,
		       char *lease, bool *json)
{
	char err[1024], cwd[4096];
	unsigned long n = 0;
	int rc = 0;

	switch (opt) {
	case OPT_IMAGE:
		rc = parse_string("--image", arg, s->image, sizeof(s->image), err, sizeof(err));
		break;
	case OPT_VOLUME:
		if (!*volumes_reset) {
			volumes_free(&s->volumes);
			*volumes_reset = true;
		}
		if (!getcwd(cwd, sizeof(cwd)))
			cwd[0] = '\0';
		rc = volumes_parse(&s->volumes, "--volume", arg, cwd, getenv("HOME"),
				   err, sizeof(err));
		break;
	case OPT_USER_ID:
		if ((rc = parse_uint("--user-id", arg, 2147483647UL, &n, err, sizeof(err))) == 0)
			s->user_id = (unsigned)n;
		break;
	case OPT_BIND:
		rc = parse_bind_address("--bind", arg, s->bind_address, sizeof(s->bind_address),
					err, sizeof(err));
		break;
	case OPT_NETWORK:
		s->isolated = !strcmp(arg, "isolated");
		rc = parse_string("--network", s->isolated ? "" : arg, s->network,
				  sizeof(s->network), err, sizeof(err));
		break;
	case OPT_MEMORY:
		rc = parse_size("--memory", arg, &s->memory_bytes, err, sizeof(err));
		break;
	case OPT_CPUS:
		rc = parse_cpus("--cpus", arg, &s->nano_cpus, err, sizeof(err));
		break;
	case OPT_PIDS:
		if ((rc = parse_uint("--pids", arg, 4194304UL, &n, err, sizeof(err))) == 0)
			s->pids_limit = (int64_t)n;
		break;
	case OPT_ENV:
		if (!cli_valid_env(arg))
			rc = hb_fail(err, sizeof(err), HB_EINVAL,
				     "--env: \"%s\": expected NAME=VALUE (NAME: letters, digits, _)", arg);
		else if (*nenv >= SANDBOX_ENV_MAX - 1)
			rc = hb_fail(err, sizeof(err), HB_EINVAL, "--env: more than %d variables",
				     SANDBOX_ENV_MAX - 1);
		else
			env[(*nenv)++] = arg;
		break;
	case OPT_READY:
		rc = parse_seconds_ms("--ready-timeout", arg, &s->ready_timeout_ms, err, sizeof(err));
		break;
	case OPT_OWNER_PID:
		rc = parse_uint("--owner-pid", arg, 4194304UL, &n, err, sizeof(err));
		if (rc == 0)
			rc = owner_lease_of((pid_t)n, lease, err, sizeof(err));
		break;
	case OPT_JSON:
		*json = true;
		break;
	default:
		fputs("see handbox sandbox create --help\n", stderr);
		return 2;
	}
	if (rc) {
		cli_error("%s", err);
		return 2;
	}
	return 0;
}

static struct hb_cancel create_cancel;

static void cli_cancel_create(int sig)
{
	hb_cancel_request(&create_cancel, sig);
}

int sandbox_create_main(int argc, char **argv)
{
	struct cli_runtime c;
	struct sandbox_spec spec;
	struct hb_sandbox sb;
	char err[4096], lease[OWNER_LEASE_MAX] = "";
	bool json = false, volumes_reset = false;
	const char **envs;
	int opt, nenv = 0, rc, i;
	int64_t t0;

	if (cli_wants_help(argc, argv, create_usage))
		return 0;
	envs = calloc(SANDBOX_ENV_MAX, sizeof(*envs));
	if (!envs || cli_settings_read(&c)) {
		free(envs);
		return 1;
	}
	/* flags first: a usage error touches neither the state directory
	 * nor the engine */
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", create_options, NULL)) != -1)
		if ((rc = create_flag(opt, optarg, &c.settings, envs, &nenv, &volumes_reset,
				      lease, &json)))
			goto out;
	if (optind < argc) {
		cli_error("sandbox create: unexpected argument \"%s\" (see --help)", argv[optind]);
		rc = 2;
		goto out;
	}
	if (cli_runtime_start(&c)) {
		free(envs);
		return 1;
	}
	settings_spec(&c.settings, &spec);
	for (i = 0; i < nenv; i++)
		spec.env[i] = envs[i];
	if (lease[0] && !spec.keep_alive)
		spec.lease = lease;
	if (!strcmp(runtime_backend_name(&c.rt), "process"))
		cli_error("warning: RUNTIME=process: the sandbox is a plain process on this "
			  "machine with NO isolation; its commands can read and change "
			  "everything your user can");
	/* Ctrl-C stops the wait; the backend then removes the half-made
	 * sandbox, which nobody would be left to stop */
	cli_catch_signals(cli_cancel_create);
	t0 = now_us();
	if (runtime_create(&c.rt, &spec, &create_cancel, &sb, err, sizeof(err))) {
		cli_error("%s", err);
		rc = cli_caught_signal() ? 128 + cli_caught_signal() : 1;
		goto out;
	}
	if (json)
		cli_print_json(sandbox_to_json(&sb, 1));
	else
		print_created(&sb, (double)(now_us() - t0) / 1e6);
	rc = 0;
out:
	free(envs);
	cli_runtime_close(&c);
	return rc;
}

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
} commands[] = {
	{ "create", sandbox_create_main },  { "ls", sandbox_ls_main },
	{ "exec", sandbox_exec_main },      { "ports", sandbox_ports_main },
	{ "cp", sandbox_cp_main },          { "rm", sandbox_rm_main },
	{ "gc", sandbox_gc_main },          { "inspect", sandbox_inspect_main },
	{ "logs", sandbox_logs_main },      { "start", sandbox_lifecycle_main },
	{ "stop", sandbox_lifecycle_main }, { "pause", sandbox_lifecycle_main },
	{ "resume", sandbox_lifecycle_main },
};

int cmd_sandbox(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fputs(sandbox_usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(sandbox_usage, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	cli_error("sandbox: unknown command \"%s\" (see handbox sandbox --help)", argv[1]);
	return 2;
}
