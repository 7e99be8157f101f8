/* cmd_conversations.c — `handbox conversations ls|show|events`: what the
 * state directory holds (also while `serve` or a `run` writes to it),
 * through the public store API of <handbox/conversation.h>. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <handbox/handbox.h>

#include "cli/cli.h"
#include "cli/run_format.h"
#include "cli/run_render.h"
#include "common/clock.h"

/* how often --follow asks the store for new events */
#define FOLLOW_POLL_US 200000
#define TITLE_COLUMNS 32
#define STATUS_MAX 32

static const char conversations_usage[] =
	"usage: handbox conversations COMMAND [ARGS]\n"
	"\n"
	"  ls [--json]                    stored conversations, newest first\n"
	"  show ID [--json]               one conversation's details\n"
	"  events ID [--follow] [--json]  its events, as `handbox run` prints them\n"
	"\n"
	"They live in the state directory ($HANDBOX_STATE_DIR, default ~/.handbox).\n"
	"`handbox run --resume ID` continues one. Each command has --help.\n";
static const char ls_usage[] =
	"usage: handbox conversations ls [--json]\n"
	"\n"
	"Stored conversations, newest first: id, status, title, steps, cost and\n"
	"when it last changed. One that was running in a process that has gone\n"
	"is shown paused. --json: one object per line.\n";
static const char show_usage[] =
	"usage: handbox conversations show ID [--json]\n"
	"\n"
	"One conversation: status, title, model, sandbox, times, steps, tokens\n"
	"and cost. Exit 1 when there is no conversation ID.\n";
static const char events_usage[] =
	"usage: handbox conversations events ID [--follow] [--json]\n"
	"\n"
	"A conversation's events, as `handbox run` prints them; with --json\n"
	"exactly as stored (API.md § 2), one per line.\n"
	"  --follow   keep printing new events while it runs (Ctrl-C stops)\n";

struct conv_args {
	bool json, follow;
	const char *id;
};

/* Flags and the id. -1 after --help (exit 0), 2 bad usage, else 0. */
static int parse_args(int argc, char **argv, const char *usage, bool follow_ok, bool id_wanted,
		      struct conv_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(a, 0, sizeof(*a));
	if (cli_wants_help(argc, argv, usage))
		return -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'j') {
			a->json = true;
		} else if (opt == 'f' && follow_ok) {
			a->follow = true;
		} else {
			if (opt != '?')
				cli_error("%s: option not accepted here", argv[optind - 1]);
			fputs(usage, stderr);
			return 2;
		}
	}
	if (argc - optind != (id_wanted ? 1 : 0)) {
		if (id_wanted && optind == argc)
			cli_error("conversations %s: expected a conversation ID (see --help)", argv[0]);
		else
			cli_error("conversations %s: unexpected argument \"%s\" (see --help)",
				  argv[0], argv[optind + id_wanted]);
		return 2;
	}
	a->id = id_wanted ? argv[optind] : NULL;
	return 0;
}

static json_t *info_to_json(const struct hb_conversation_info *i)
{
	char created[40], updated[40];

	fmt_iso_utc(created, sizeof(created), i->created_us);
	fmt_iso_utc(updated, sizeof(updated), i->updated_us);
	/* an unknown cost is null, not a negative amount */
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:o}}",
			 "id", i->id, "title", i->title ?: "", "status", i->status,
			 "sandbox_id", i->sandbox_id && *i->sandbox_id ? i->sandbox_id : NULL,
			 "model", i->model ?: "", "created_at", created, "updated_at", updated,
			 "events", (json_int_t)i->events, "stats",
			 "steps", (json_int_t)i->stats.steps,
			 "llm_calls", (json_int_t)i->stats.llm_calls,
			 "prompt_tokens", (json_int_t)i->stats.prompt_tokens,
			 "completion_tokens", (json_int_t)i->stats.completion_tokens,
			 "cost", i->stats.cost < 0 ? json_null() : json_real(i->stats.cost));
}

/* One compact line: what `--json` means in these commands. */
static void print_json_line(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_COMPACT) : NULL;

	if (s)
		puts(s);
	free(s);
	json_decref(v);
}

/* ------------------------------------------------------------------ ls */

struct ls_state {
	bool json, header_done;
	int64_t now_us;
};

static int ls_one(const struct hb_conversation_info *i, void *arg)
{
	struct ls_state *st = arg;
	char title[4 * TITLE_COLUMNS + 1], cost[32], ago[32];

	if (st->json) {
		print_json_line(info_to_json(i));
		return 0;
	}
	if (!st->header_done) {
		printf("%-36s  %-9s  %-*s  %5s  %8s  %s\n", "ID", "STATUS", TITLE_COLUMNS, "TITLE",
		       "STEPS", "COST", "UPDATED");
		st->header_done = true;
	}
	fmt_fit(title, sizeof(title), i->title && *i->title ? i->title : "-", TITLE_COLUMNS);
	fmt_cost(cost, sizeof(cost), i->stats.cost);
	fmt_ago(ago, sizeof(ago), st->now_us, i->updated_us);
	printf("%-36s  %-9s  %s  %5lld  %8s  %s\n", i->id, i->status, title,
	       (long long)i->stats.steps, cost, ago);
	return 0;
}

static int conversations_ls(int argc, char **argv)
{
	struct conv_args a;
	struct ls_state st = { 0 };
	struct timespec now;
	char err[HB_ERR_MAX];
	int rc = parse_args(argc, argv, ls_usage, false, false, &a);

	if (rc)
		return rc < 0 ? 0 : rc;
	clock_gettime(CLOCK_REALTIME, &now);
	st.json = a.json;
	st.now_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	if (hb_conversations_list(ls_one, &st, err, sizeof(err))) {
		cli_error("%s", err);
		return 1;
	}
	if (!st.json && !st.header_done)
		puts("no conversations yet (`handbox run \"TASK\"` starts one)");
	return 0;
}

/* ---------------------------------------------------------------- show */

static int show_one(const struct hb_conversation_info *i, void *arg)
{
	char created[40], updated[40], prompt[32], completion[32], cost[32];

	if (*(bool *)arg) {
		print_json_line(info_to_json(i));
		return 0;
	}
	fmt_iso_utc(created, sizeof(created), i->created_us);
	fmt_iso_utc(updated, sizeof(updated), i->updated_us);
	fmt_thousands(prompt, sizeof(prompt), i->stats.prompt_tokens);
	fmt_thousands(completion, sizeof(completion), i->stats.completion_tokens);
	fmt_cost(cost, sizeof(cost), i->stats.cost);
	printf("id:         %s\n", i->id);
	fputs("title:      ", stdout);
	text_write_visible(stdout, i->title ?: "", strlen(i->title ?: ""));
	printf("\nstatus:     %s\n", i->status);
	printf("model:      %s\n", i->model && *i->model ? i->model : "-");
	printf("sandbox:    %s\n", i->sandbox_id && *i->sandbox_id ? i->sandbox_id : "-");
	printf("created:    %s UTC\n", created);
	printf("updated:    %s UTC\n", updated);
	printf("events:     %lld\n", (long long)i->events);
	printf("steps:      %lld\n", (long long)i->stats.steps);
	printf("llm calls:  %lld\n", (long long)i->stats.llm_calls);
	printf("tokens:     %s ↑ %s ↓\n", prompt, completion);
	printf("cost:       %s\n", cost);
	return 0;
}

/* hb_conversation_info() with the messages of these commands: 1 when
 * unknown or unreadable (said on stderr), else 0. */
static int info(const char *id, hb_conversation_info_fn fn, void *arg)
{
	char err[HB_ERR_MAX];
	int rc = hb_conversation_info(id, fn, arg, err, sizeof(err));

	if (rc == HB_ENOENT)
		cli_error("conversation \"%s\" not found (see handbox conversations ls)", id);
	else if (rc)
		cli_error("%s", err);
	return rc ? 1 : 0;
}

static int conversations_show(int argc, char **argv)
{
	struct conv_args a;
	int rc = parse_args(argc, argv, show_usage, false, true, &a);

	if (rc)
		return rc < 0 ? 0 : rc;
	return info(a.id, show_one, &a.json);
}

/* -------------------------------------------------------------- events */

struct events_state {
	bool json;
	struct run_render render;
};

static void print_event(const char *event_json, void *arg)
{
	struct events_state *st = arg;

	if (st->json)
		puts(event_json);
	else
		run_render_event(&st->render, event_json);
}

static int copy_status(const struct hb_conversation_info *i, void *arg)
{
	snprintf(arg, STATUS_MAX, "%s", i->status);
	return 0;
}

/* Prints the events after *seen, then counts them in. */
static int events_since(const char *id, struct events_state *st, int64_t *seen)
{
	char err[HB_ERR_MAX];
	int64_t n = 0;

	if (hb_conversation_events(id, *seen, print_event, st, &n, err, sizeof(err))) {
		cli_error("%s", err);
		return 1;
	}
	*seen += n;
	fflush(stdout);
	return 0;
}

static int conversations_events(int argc, char **argv)
{
	struct conv_args a;
	struct events_state st = { 0 };
	char status[STATUS_MAX];
	int64_t seen = 0;
	int rc = parse_args(argc, argv, events_usage, true, true, &a);

	if (rc)
		return rc < 0 ? 0 : rc;
	st.json = a.json;
	run_render_init(&st.render, stdout, !a.json && color_wanted(stdout));
	if (a.follow)
		cli_catch_signals(NULL);
	for (;;) {
		/* the status before the events: when it says the run is over,
		 * the events fetched next include its last ones */
		if ((rc = info(a.id, copy_status, status)) || (rc = events_since(a.id, &st, &seen)))
			return rc;
		if (!a.follow || strcmp(status, "running"))
			return 0;
		clock_sleep_us(FOLLOW_POLL_US);
		if (cli_caught_signal())
			return 128 + cli_caught_signal();
	}
}

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
} commands[] = {
	{ "ls", conversations_ls },
	{ "show", conversations_show },
	{ "events", conversations_events },
};

int cmd_conversations(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		fputs(conversations_usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(conversations_usage, stdout);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].main(argc - 1, argv + 1);
	cli_error("conversations: unknown command \"%s\" (see handbox conversations --help)",
		  argv[1]);
	return 2;
}
