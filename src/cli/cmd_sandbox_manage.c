/* cmd_sandbox_manage.c — `handbox sandbox ls|ports|rm|gc|inspect|logs`
 * and start/stop/pause/resume: everything that works on existing
 * sandboxes through the backend. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sandbox_cmds.h"
#include "cli/sandbox_json.h"
#include "common/ids.h"
#include "common/parse.h"

static const char ls_usage[] =
	"usage: handbox sandbox ls [--json]\n"
	"\n"
	"List every handbox sandbox of the backend (any owner): id, state, image,\n"
	"URL of its API, and whether its owner is gone (`sandbox gc` removes those).\n";
static const char ports_usage[] =
	"usage: handbox sandbox ports ID [--json]\n"
	"\n"
	"Where each container port of a sandbox is reachable from this host:\n"
	"8000 (its API), 8001 (VS Code), 8002 (VNC), 8011 and 8012 (your apps).\n"
	"Any other port is reachable through sandboxd's proxy:\n"
	"URL/api/handbox/ports/PORT/ (with the session key).\n";
static const char rm_usage[] =
	"usage: handbox sandbox rm ID...\n"
	"\n"
	"Stop and remove sandboxes (named volumes and your folders stay).\n";
static const char gc_usage[] =
	"usage: handbox sandbox gc [--dry-run] [--json]\n"
	"\n"
	"Remove the sandboxes whose owner is gone: their state directory was\n"
	"deleted or re-created, or the process they were created for (--owner-pid)\n"
	"has ended. Others' sandboxes and other containers are left alone.\n"
	"  --dry-run   only list what would be removed\n";
static const char inspect_usage[] =
	"usage: handbox sandbox inspect ID\n"
	"\n"
	"A sandbox's details as JSON, with its session key, state, and exit\n"
	"code and OOM flag when it has stopped.\n";
static const char logs_usage[] =
	"usage: handbox sandbox logs ID [--tail N]\n"
	"\n"
	"What the sandbox's sandboxd wrote (its start-up line, errors); the last\n"
	"N lines (default 100).\n";
static const char lifecycle_usage[] =
	"usage: handbox sandbox start|stop|pause|resume ID\n"
	"\n"
	"stop: SIGTERM to sandboxd, which ends its commands (SIGKILL after 10 s);\n"
	"start: start a stopped sandbox again (its host ports may change: see\n"
	"`sandbox ports`); pause/resume: freeze and thaw every process in it.\n"
	"A sandbox already in the state asked for is left as it is (exit 0).\n";

/* The flags a subcommand accepts, for parse_common(). */
enum { ARG_JSON = 1, ARG_DRY_RUN = 2, ARG_TAIL = 4 };

struct common_args {
	bool json, dry_run;
	int tail;
	int first, count;     /* positional arguments in argv */
};

/* Parses the allowed flags and finds the positional arguments; returns -1
 * when it printed usage (exit 0), 2 on a bad flag, else 0. */
static int parse_common(int argc, char **argv, const char *usage, int allow,
			struct common_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "dry-run", no_argument, NULL, 'n' },
		{ "tail", required_argument, NULL, 't' }, { NULL, 0, NULL, 0 },
	};
	char err[256];
	unsigned long n;
	int opt;

	memset(a, 0, sizeof(*a));
	a->tail = 100;
	if (cli_wants_help(argc, argv, usage))
		return -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'j' && (allow & ARG_JSON))
			a->json = true;
		else if (opt == 'n' && (allow & ARG_DRY_RUN))
			a->dry_run = true;
		else if (opt == 't' && (allow & ARG_TAIL)) {
			if (parse_uint("--tail", optarg, 1000000, &n, err, sizeof(err))) {
				cli_error("%s", err);
				return 2;
			}
			a->tail = (int)n;
		} else {
			if (opt != '?')
				cli_error("%s: option not accepted here", argv[optind - 1]);
			fputs(usage, stderr);
			return 2;
		}
	}
	a->first = optind;
	a->count = argc - optind;
	return 0;
}

enum ids { NO_IDS, ONE_ID, SOME_IDS };

/* What every command here starts with: its flags, its sandbox ids (none,
 * exactly one, at least one), then the runtime opened. false: return
 * *status (0 after --help, 2 on bad usage, 1 when the runtime could not
 * be opened); true: close c when done. */
static bool begin(int argc, char **argv, const char *usage, int allow, enum ids ids,
		  struct common_args *a, struct cli_runtime *c, int *status)
{
	int rc = parse_common(argc, argv, usage, allow, a);

	*status = rc < 0 ? 0 : rc;
	if (rc)
		return false;
	*status = 2;
	if (ids == NO_IDS && a->count) {
		cli_error("sandbox %s: unexpected argument \"%s\" (see --help)", argv[0],
			  argv[a->first]);
		return false;
	}
	if ((ids == ONE_ID && a->count != 1) || (ids == SOME_IDS && a->count == 0)) {
		cli_error("sandbox %s: expected %s sandbox id (see --help)", argv[0],
			  ids == ONE_ID ? "one" : "at least one");
		return false;
	}
	*status = 1;
	return cli_runtime_open(c) == 0;
}

/* Every sandbox of the backend through fn; false after saying why not. */
static bool list_all(struct cli_runtime *c, int (*fn)(const struct hb_sandbox *sb, void *arg),
		     void *arg)
{
	char err[HB_ERR_MAX];

	if (hb_sandbox_list(c->rt, fn, arg, err, sizeof(err))) {
		cli_error("%s", err);
		return false;
	}
	return true;
}

struct ls_state {
	json_t *list;
	int n;
};

static int ls_one(const struct hb_sandbox *sb, void *arg)
{
	struct ls_state *st = arg;
	char url[160], why[512], created[ISOTIME_STR_LEN];
	bool orphan = hb_sandbox_orphan(sb, why, sizeof(why));

	hb_sandbox_port_url(sb, 0, url, sizeof(url));

	if (st->list) {
		json_t *o = sandbox_to_json(sb, false);
		json_object_set_new(o, "orphan", json_boolean(orphan));
		json_array_append_new(st->list, o);
		return 0;
	}
	if (st->n++ == 0)
		printf("%-12s  %-8s  %-28s  %-24s  %-20s  %s\n", "ID", "STATE", "IMAGE", "URL",
		       "CREATED", "OWNER");
	isotime_format(sb->created_us, created);
	created[19] = '\0';
	printf("%-12s  %-8s  %-28.28s  %-24s  %-20s  %s\n", sb->id, hb_sandbox_state_name(sb->state),
	       sb->image, url[0] ? url : "-", created,
	       orphan ? "gone (gc removes it)" : "present");
	return 0;
}

int sandbox_ls_main(int argc, char **argv)
{
	struct common_args a;
	struct cli_runtime c;
	struct ls_state st = { NULL, 0 };
	int status;

	if (!begin(argc, argv, ls_usage, ARG_JSON, NO_IDS, &a, &c, &status))
		return status;
	if (a.json)
		st.list = json_array();
	status = list_all(&c, ls_one, &st) ? 0 : 1;
	if (status == 0 && a.json)
		cli_print_json(st.list), st.list = NULL;
	else if (status == 0 && st.n == 0)
		printf("no sandboxes\n");
	json_decref(st.list);
	cli_runtime_close(&c);
	return status;
}

/* The shape of every command on one sandbox: flags, exactly one id, the
 * runtime opened, the sandbox found, then fn. */
static int on_one_sandbox(int argc, char **argv, const char *usage, int allow,
			  int (*fn)(struct cli_runtime *c, const struct hb_sandbox *sb,
				    const struct common_args *a, const char *cmd))
{
	struct common_args a;
	struct cli_runtime c;
	struct hb_sandbox sb;
	int rc;

	if (!begin(argc, argv, usage, allow, ONE_ID, &a, &c, &rc))
		return rc;
	rc = cli_find(&c, argv[a.first], &sb);
	if (rc == 0)
		rc = fn(&c, &sb, &a, argv[0]);
	cli_runtime_close(&c);
	return rc;
}

static int print_ports(struct cli_runtime *c, const struct hb_sandbox *sb,
		       const struct common_args *a, const char *cmd)
{
	char url[160];
	int i;

	if (a->json) {
		json_t *o = sandbox_to_json(sb, false);
		cli_print_json(json_incref(json_object_get(o, "ports")));
		json_decref(o);
		return 0;
	}
	for (i = 0; i < HB_SANDBOX_PORTS; i++) {
		hb_sandbox_port_url(sb, i, url, sizeof(url));
		if (url[0])
			printf("%d %s\n", hb_sandbox_ports[i], url);
	}
	return 0;
}

int sandbox_ports_main(int argc, char **argv)
{
	return on_one_sandbox(argc, argv, ports_usage, ARG_JSON, print_ports);
}

int sandbox_rm_main(int argc, char **argv)
{
	struct common_args a;
	struct cli_runtime c;
	struct hb_sandbox sb;
	char err[HB_ERR_MAX];
	int status, i, failed = 0;

	if (!begin(argc, argv, rm_usage, 0, SOME_IDS, &a, &c, &status))
		return status;
	for (i = a.first; i < argc; i++) {
		if (cli_find(&c, argv[i], &sb)) {
			failed = 1;
			continue;
		}
		if (hb_sandbox_remove(c.rt, sb.id, err, sizeof(err))) {
			cli_error("%s", err);
			failed = 1;
			continue;
		}
		printf("removed %s\n", sb.id);
	}
	cli_runtime_close(&c);
	return failed;
}

struct gc_state {
	bool dry_run;
	json_t *removed;
	int failed;
};

static void gc_report(const struct hb_sandbox *sb, const char *why, int rc, const char *err,
		      void *arg)
{
	struct gc_state *st = arg;

	if (rc) {
		cli_error("%s", err);
		st->failed = 1;
	} else if (st->removed) {
		json_array_append_new(st->removed, json_pack("{s:s, s:s}", "id", sb->id,
							     "reason", why));
	} else {
		printf("%s %s: %s\n", st->dry_run ? "would remove" : "removed", sb->id, why);
	}
}

int sandbox_gc_main(int argc, char **argv)
{
	struct common_args a;
	struct cli_runtime c;
	struct gc_state st = { 0 };
	char err[HB_ERR_MAX];
	int status;

	if (!begin(argc, argv, gc_usage, ARG_JSON | ARG_DRY_RUN, NO_IDS, &a, &c, &status))
		return status;
	st.dry_run = a.dry_run;
	if (a.json)
		st.removed = json_array();
	if (hb_sandbox_gc(c.rt, a.dry_run, gc_report, &st, err, sizeof(err))) {
		cli_error("%s", err);
		status = 1;
	} else {
		status = st.failed;
	}
	if (status != 1 && a.json)
		cli_print_json(json_pack("{s:o, s:b}", "removed", st.removed, "dry_run",
					 a.dry_run)), st.removed = NULL;
	json_decref(st.removed);
	cli_runtime_close(&c);
	return status;
}

static int print_inspect(struct cli_runtime *c, const struct hb_sandbox *sb,
			 const struct common_args *a, const char *cmd)
{
	cli_print_json(sandbox_to_json(sb, true));
	return 0;
}

int sandbox_inspect_main(int argc, char **argv)
{
	return on_one_sandbox(argc, argv, inspect_usage, 0, print_inspect);
}

static int print_logs(struct cli_runtime *c, const struct hb_sandbox *sb,
		      const struct common_args *a, const char *cmd)
{
	char err[HB_ERR_MAX], *logs = NULL;

	if (hb_sandbox_logs(c->rt, sb->id, a->tail, &logs, err, sizeof(err))) {
		cli_error("%s", err);
		return 1;
	}
	fputs(logs, stdout);
	free(logs);
	return 0;
}

int sandbox_logs_main(int argc, char **argv)
{
	return on_one_sandbox(argc, argv, logs_usage, ARG_TAIL, print_logs);
}

static int change_state(struct cli_runtime *c, const struct hb_sandbox *sb,
			const struct common_args *a, const char *cmd)
{
	int (*op)(struct hb_runtime *, const char *, char *, size_t) =
		!strcmp(cmd, "stop") ? hb_sandbox_stop : !strcmp(cmd, "pause") ? hb_sandbox_pause
		: hb_sandbox_resume;
	char err[HB_ERR_MAX];

	if (!strcmp(cmd, "start") ? hb_sandbox_start(c->rt, sb->id, NULL, err, sizeof(err))
				  : op(c->rt, sb->id, err, sizeof(err))) {
		cli_error("%s", err);
		return 1;
	}
	printf("%s: %s\n", cmd, sb->id);
	return 0;
}

int sandbox_lifecycle_main(int argc, char **argv)
{
	return on_one_sandbox(argc, argv, lifecycle_usage, 0, change_state);
}
