/* cmd_sandbox.c — `handbox sandbox`: dispatch, the settings and runtime
 * every subcommand opens, and `sandbox create`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sandbox_cmds.h"
#include "cli/sandbox_json.h"
#include "common/clock.h"

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
	"                      handbox/sandbox:latest); any image works\n"
	"  --volume SPEC       HOST:CONTAINER[:ro|rw], repeatable; the first is the\n"
	"                      workspace; replaces SANDBOX_VOLUMES\n"
	"  --user-id N         uid that runs commands (SANDBOX_USER_ID; default 1000)\n"
	"  --bind ADDR         host address of published ports\n"
	"                      (SANDBOX_RUNTIME_BINDING_ADDRESS; default 127.0.0.1)\n"
	"  --network NET       engine network; `isolated` = no outside access;\n"
	"                      default handbox-sandboxes (no traffic between sandboxes)\n"
	"  --allow-host-port P a TCP port of this host the sandbox may reach\n"
	"                      (host.docker.internal:P), repeatable; others are refused\n"
	"  --memory SIZE       memory limit, e.g. 512m, 2g; 0 = none\n"
	"                      (HANDBOX_SANDBOX_MEMORY; default half the host's RAM)\n"
	"  --cpus N            CPU limit, e.g. 1.5; 0 = none (default)\n"
	"  --pids N            process limit; 0 = none (default 4096)\n"
	"  --disk SIZE         quota on the sandbox's own files, e.g. 10g (needs\n"
	"                      the engine's overlay2 on xfs with pquota)\n"
	"  --env K=V           environment for commands, repeatable\n"
	"  --ready-timeout S   wait at most S seconds for it to answer\n"
	"                      (HANDBOX_READY_TIMEOUT; default 120)\n"
	"  --owner-pid PID     the sandbox belongs to process PID: once PID ends,\n"
	"                      `sandbox gc` removes it (unless\n"
	"                      SANDBOX_KEEP_RUNTIME_ALIVE=true)\n"
	"  --json              print one JSON object\n"
	"\n"
	"Ctrl-C while it waits removes the half-made sandbox (exit 128+signal).\n";

int cli_settings_read(struct cli_runtime *c)
{
	char err[HB_ERR_MAX];

	c->rt = NULL;
	if (hb_settings_from_env(&c->settings, err, sizeof(err))) {
		cli_error("%s", err);
		return 1;
	}
	return 0;
}

void cli_settings_warn(const struct hb_settings *s)
{
	const char *warning;
	int i;

	for (i = 0; (warning = hb_settings_warning(s, i)); i++)
		cli_error("warning: %s", warning);
	if (!strcmp(hb_settings_backend(s), "process"))
		cli_error("warning: RUNTIME=process: the sandbox is a plain process on this "
			  "machine with NO isolation; its commands can read and change "
			  "everything your user can");
}

static void print_warning(void *arg, const char *message)
{
	cli_error("warning: %s", message);
}

int cli_runtime_start(struct cli_runtime *c)
{
	char err[HB_ERR_MAX];

	if (hb_runtime_open(&c->rt, c->settings, err, sizeof(err))) {
		cli_error("%s", err);
		hb_settings_free(c->settings);
		return 1;
	}
	hb_runtime_on_warning(c->rt, print_warning, NULL);
	return 0;
}

int cli_runtime_open(struct cli_runtime *c)
{
	return cli_settings_read(c) || cli_runtime_start(c);
}

void cli_runtime_close(struct cli_runtime *c)
{
	hb_runtime_close(c->rt);
	hb_settings_free(c->settings);
}

int cli_find(struct cli_runtime *c, const char *ref, struct hb_sandbox *sb)
{
	char err[HB_ERR_MAX];

	if (hb_sandbox_find(c->rt, ref, sb, err, sizeof(err))) {
		cli_error("%s", err);
		return 1;
	}
	return 0;
}

static void print_created(const struct hb_sandbox *sb, double seconds)
{
	char url[160];
	int i;

	hb_sandbox_port_url(sb, 0, url, sizeof(url));
	printf("sandbox %s ready in %.2f s (%s %s, image %s)\n", sb->id, seconds,
	       strcmp(sb->backend, "docker") ? "process" : "container", sb->name, sb->image);
	printf("  url              %s\n", url);
	printf("  session_api_key  %s\n", sb->session_api_key);
	for (i = 1; i < HB_SANDBOX_PORTS; i++)
		if (sb->host_ports[i]) {
			hb_sandbox_port_url(sb, i, url, sizeof(url));
			printf("  port %-5d       %s\n", hb_sandbox_ports[i], url);
		}
}

enum { OPT_JSON = 1000 };

/* Each flag of create is a setting: its value goes through the parser
 * every program uses (hb_settings_set), which names the flag in errors. */
static const struct option create_options[] = {
	{ "image", required_argument, NULL, HB_SET_IMAGE },
	{ "volume", required_argument, NULL, HB_SET_VOLUME },
	{ "user-id", required_argument, NULL, HB_SET_USER_ID },
	{ "bind", required_argument, NULL, HB_SET_BIND },
	{ "network", required_argument, NULL, HB_SET_NETWORK },
	{ "memory", required_argument, NULL, HB_SET_MEMORY },
	{ "cpus", required_argument, NULL, HB_SET_CPUS },
	{ "pids", required_argument, NULL, HB_SET_PIDS },
	{ "disk", required_argument, NULL, HB_SET_DISK },
	{ "env", required_argument, NULL, HB_SET_ENV },
	{ "ready-timeout", required_argument, NULL, HB_SET_READY_TIMEOUT },
	{ "owner-pid", required_argument, NULL, HB_SET_OWNER_PID },
	{ "allow-host-port", required_argument, NULL, HB_SET_ALLOW_HOST_PORT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ NULL, 0, NULL, 0 },
};

/* "--memory" for HB_SET_MEMORY: how errors name the flag. */
static const char *flag_name(int opt, char *out, size_t outlen)
{
	const struct option *o;

	for (o = create_options; o->name; o++)
		if (o->val == opt) {
			snprintf(out, outlen, "--%s", o->name);
			return out;
		}
	return "?";
}

/* Ctrl-C while a sandbox starts: the wait gives up and the backend
 * removes the half-made sandbox, which nobody would be left to stop. */
static struct hb_cancel create_cancel;

static void cancel_create(int sig)
{
	hb_cancel_request(&create_cancel, sig);
}

int sandbox_create_main(int argc, char **argv)
{
	struct cli_runtime c;
	struct hb_sandbox sb;
	char err[HB_ERR_MAX], name[32];
	bool json = false;
	int opt, rc = 0;
	int64_t t0;

	if (cli_wants_help(argc, argv, create_usage))
		return 0;
	if (cli_settings_read(&c))
		return 1;
	/* flags first: a usage error touches neither the state directory
	 * nor the engine */
	optind = 1;
	while (rc == 0 && (opt = getopt_long(argc, argv, "", create_options, NULL)) != -1) {
		if (opt == OPT_JSON) {
			json = true;
		} else if (opt == '?') {
			fputs("see handbox sandbox create --help\n", stderr);
			rc = 2;
		} else if (hb_settings_set(c.settings, opt, optarg,
					   flag_name(opt, name, sizeof(name)), err, sizeof(err))) {
			cli_error("%s", err);
			rc = 2;
		}
	}
	if (rc == 0 && optind < argc) {
		cli_error("sandbox create: unexpected argument \"%s\" (see --help)", argv[optind]);
		rc = 2;
	}
	if (rc) {
		hb_settings_free(c.settings);
		return rc;
	}
	cli_settings_warn(c.settings);
	if (cli_runtime_start(&c))
		return 1;
	cli_catch_signals(cancel_create);
	t0 = clock_mono_us();
	if (hb_sandbox_create(c.rt, c.settings, &create_cancel, &sb, err, sizeof(err))) {
		cli_error("%s", err);
		rc = cli_caught_signal() ? 128 + cli_caught_signal() : 1;
	} else if (json) {
		cli_print_json(sandbox_to_json(&sb, true));
	} else {
		print_created(&sb, (double)(clock_mono_us() - t0) / 1e6);
	}
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
