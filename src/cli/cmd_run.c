/* cmd_run.c — `handbox run`: one conversation of an agent in a sandbox,
 * its events printed as they come (run_render) or as JSON lines, Ctrl-C
 * to pause it, --resume to go on with a stored one. Uses only the public
 * API (<handbox/handbox.h>). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/run_args.h"
#include "cli/run_format.h"
#include "cli/run_render.h"
#include "cli/run_ticker.h"
#include "cli/sandbox_cmds.h"
#include "common/clock.h"
#include "common/parse.h"

/* handbox itself failed (no sandbox, the store): as `sandbox exec` */
#define EXIT_HANDBOX_ERROR 125

static const char run_usage[] =
	"usage: handbox run \"TASK\" [OPTIONS]\n"
	"       handbox run --resume ID [\"MESSAGE\"] [OPTIONS]\n"
	"\n"
	"Give TASK to an AI agent working in a new sandbox, and print what it\n"
	"does (its thoughts, commands, their output, file edits as diffs) until\n"
	"it finishes. The LLM is any OpenAI-compatible server (LM Studio, Ollama,\n"
	"llama.cpp, vLLM, a hosted API); its key never enters the sandbox.\n"
	"\n"
	"  --model M            LLM model (LLM_MODEL)\n"
	"  --base-url URL       its server, e.g. http://localhost:1234/v1 (LLM_BASE_URL);\n"
	"                       the key comes from LLM_API_KEY\n"
	"  --image IMG          sandbox image (SANDBOX_RUNTIME_CONTAINER_IMAGE)\n"
	"  --volume SPEC        HOST:CONTAINER[:ro|rw], repeatable; the first is the\n"
	"                       workspace; replaces SANDBOX_VOLUMES\n"
	"  --max-iterations N   stop after N steps (default 500)\n"
	"  --json               print every event as one JSON line (API.md § 2)\n"
	"  --keep               leave the sandbox when done (default: removed)\n"
	"  --resume ID          go on with stored conversation ID (`handbox\n"
	"                       conversations ls`); a MESSAGE is sent to it first\n"
	"  --secret NAME        hide the value of environment variable NAME in every\n"
	"                       event and observation (repeatable); it is never sent\n"
	"                       to the sandbox\n"
	"\n"
	"Ctrl-C pauses the agent between two steps and keeps its sandbox: `handbox\n"
	"run --resume ID` continues. Ctrl-C again interrupts the step in flight.\n"
	"Other settings (RUNTIME, SANDBOX_*, LLM_NATIVE_TOOL_CALLING, LLM_TIMEOUT)\n"
	"come from the environment; docs/run.md lists them.\n"
	"\n"
	"Exit status: 0 finished; 1 error, stuck or the step limit; 2 bad usage;\n"
	"125 handbox failed (no sandbox, the state directory); 128+N after signal N.\n"
	"\n"
	"example:\n"
	"  LLM_BASE_URL=http://localhost:11434/v1 LLM_MODEL=qwen2.5-coder:7b \\\n"
	"    handbox run --volume \"$PWD:/workspace\" \"make the tests pass\"\n";

struct run_ui {
	bool json;
	struct run_render render;
	struct run_ticker ticker;
};

static void on_event(const char *event_json, void *arg)
{
	struct run_ui *ui = arg;
	enum run_tick tick;

	if (ui->json) {
		/* as stored, one line: a reader may parse each as it comes */
		fputs(event_json, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		return;
	}
	run_ticker_hold(&ui->ticker);
	tick = run_render_event(&ui->render, event_json);
	fflush(stdout);
	run_ticker_release(&ui->ticker, tick);
}

/* ------------------------------------------------------------ Ctrl-C */

/* The conversation the signal handler pauses. Set once it exists, cleared
 * before it is closed. */
static struct hb_conversation *volatile signal_conv;
static volatile sig_atomic_t stderr_is_tty;

static void say(const char *msg)
{
	ssize_t n;

	/* write(2): the only way to print that is safe in a handler. The
	 * "thinking…" line is erased first. */
	if (stderr_is_tty)
		n = write(STDERR_FILENO, "\r\033[K", 4);
	n = write(STDERR_FILENO, msg, strlen(msg));
	(void)n;
}

static void pause_on_signal(int sig)
{
	struct hb_conversation *c = signal_conv;

	if (c) {
		say("handbox: pausing… (Ctrl-C again to quit)\n");
		hb_conversation_pause(c);
	} else {
		say("handbox: stopping once the sandbox is ready… (Ctrl-C again to quit now)\n");
	}
}

static void interrupt_on_signal(int sig)
{
	struct hb_conversation *c = signal_conv;

	if (c) {
		say("handbox: interrupting…\n");
		hb_conversation_interrupt(c);
	} else {
		/* nothing to interrupt yet: quit now, as asked */
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

/* --------------------------------------------------------- the sandbox */

/* Whether SANDBOX_KEEP_RUNTIME_ALIVE asks to keep every sandbox (a bad
 * value is reported by the workspace when it reads it). */
static bool keep_by_env(void)
{
	const char *v = getenv("SANDBOX_KEEP_RUNTIME_ALIVE");
	char err[256];
	bool keep = false;

	return v && parse_bool("SANDBOX_KEEP_RUNTIME_ALIVE", v, &keep, err, sizeof(err)) == 0 &&
	       keep;
}

/* Whether the sandbox stays is known only at the end (a paused
 * conversation keeps it for --resume). It is made without a lease, so
 * `sandbox gc` never takes one the user was told is kept; a run killed
 * outright leaves it to its conversation (`--resume` re-attaches). */
static void workspace_end(struct hb_workspace *ws, bool keep)
{
	hb_workspace_keep_alive(ws, keep);
	hb_workspace_close(ws);
}

/* What `sandbox create` warns of (no isolation with RUNTIME=process…),
 * before a sandbox is made for the agent; 2 when the settings are bad. */
static int warn_settings(void)
{
	struct cli_runtime c;

	if (cli_settings_read(&c))
		return 2;
	cli_settings_warn(c.settings);
	hb_settings_free(c.settings);
	return 0;
}

static int ignore_info(const struct hb_conversation_info *info, void *arg)
{
	return 0;
}

/* A new sandbox and a new conversation in it; *ws NULL when resumed.
 * Returns 0 or the exit status. */
static int run_open(const struct run_args *a, const struct hb_conversation_options *opt,
		    struct hb_workspace **ws, struct hb_conversation **conv)
{
	struct hb_workspace_options wo = { .image = a->image, .volumes = a->volumes,
					   .keep_alive = true };
	char err[HB_ERR_MAX], why[HB_ERR_MAX];
	int rc;

	*ws = NULL;
	if (a->resume) {
		rc = hb_conversation_resume(conv, a->resume, opt, err, sizeof(err));
		/* HB_ENOENT may also be the image of a sandbox made anew */
		if (rc == HB_ENOENT && hb_conversation_info(a->resume, ignore_info, NULL, why,
							    sizeof(why)) == HB_ENOENT) {
			cli_error("conversation \"%s\" not found (see handbox conversations ls)",
				  a->resume);
			return 1;
		}
	} else if ((rc = warn_settings()) != 0) {
		return rc;
	} else if ((rc = hb_workspace_open(ws, &wo, err, sizeof(err))) == 0) {
		if (cli_caught_signal()) {
			workspace_end(*ws, false);
			return 128 + cli_caught_signal();
		}
		rc = hb_conversation_open(conv, *ws, opt, err, sizeof(err));
		if (rc)
			workspace_end(*ws, false);
	}
	if (rc) {
		cli_error("%s", err);
		/* a bad LLM_* setting is the user's to fix, not handbox failing */
		return rc == HB_EINVAL ? 2 : cli_caught_signal() ? 128 + cli_caught_signal()
				       : EXIT_HANDBOX_ERROR;
	}
	return 0;
}

/* Sends the task and runs until the agent stops; 0 or the exit status. */
static int run_conversation(struct hb_conversation *conv, const struct run_args *a,
			    struct run_ui *ui)
{
	char err[HB_ERR_MAX];

	fprintf(stderr, "handbox: conversation %s in sandbox %s\n", hb_conversation_id(conv),
		hb_workspace_id(hb_conversation_workspace(conv)));
	signal_conv = conv;
	if (cli_caught_signal())
		return 0;
	for (size_t i = 0; a->secrets && a->secrets[i]; i++)
		if (hb_conversation_add_secret(conv, a->secrets[i], getenv(a->secrets[i]), err,
					       sizeof(err))) {
			cli_error("%s", err);
			return EXIT_HANDBOX_ERROR;
		}
	if (a->task && hb_conversation_send(conv, a->task, err, sizeof(err))) {
		cli_error("%s", err);
		return EXIT_HANDBOX_ERROR;
	}
	run_ticker_set(&ui->ticker, RUN_TICK_START);
	if (hb_conversation_run(conv, err, sizeof(err))) {
		run_ticker_set(&ui->ticker, RUN_TICK_STOP);
		cli_error("%s", err);
		return EXIT_HANDBOX_ERROR;
	}
	run_ticker_set(&ui->ticker, RUN_TICK_STOP);
	return 0;
}

/* The summary, how to go on, the sandbox kept or removed; the exit status. */
static int run_end(struct hb_conversation *conv, struct hb_workspace *ws,
		   const struct run_args *a, const struct run_ui *ui, double elapsed, int rc)
{
	struct hb_conversation_stats st;
	char id[64], status[32], sandbox[64];
	bool paused, keep;

	/* copied: they are the conversation's, freed by close */
	snprintf(status, sizeof(status), "%s", hb_conversation_status(conv));
	snprintf(id, sizeof(id), "%s", hb_conversation_id(conv));
	snprintf(sandbox, sizeof(sandbox), "%s", hb_workspace_id(hb_conversation_workspace(conv)));
	paused = !strcmp(status, "paused");
	/* a Ctrl-C before the run began leaves the conversation idle: it is
	 * kept for --resume as a paused one is */
	keep = a->keep || paused || cli_caught_signal() || keep_by_env();
	hb_conversation_stats(conv, &st);
	signal_conv = NULL;
	run_render_summary(a->json ? stderr : stdout, !a->json && ui->render.color, status, &st,
			   elapsed);
	fflush(stdout);
	if (paused)
		fprintf(stderr, "handbox: paused; continue with: handbox run --resume %s\n", id);
	else
		fprintf(stderr, "handbox: to go on: handbox run --resume %s \"MESSAGE\"\n", id);
	if (!ws)
		hb_conversation_keep_sandbox(conv, keep);
	hb_conversation_close(conv);
	if (ws)
		workspace_end(ws, keep);
	if (keep)
		fprintf(stderr, "handbox: sandbox %s is kept (`handbox sandbox rm %s` removes it)\n",
			sandbox, sandbox);
	if (rc)
		return rc;
	if (!strcmp(status, "finished"))
		return 0;
	return cli_caught_signal() ? 128 + cli_caught_signal() : 1;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct run_ui ui = { 0 };
	struct hb_conversation_options opt = { 0 };
	struct hb_workspace *ws;
	struct hb_conversation *conv;
	char err[HB_ERR_MAX];
	double t0;
	int rc;

	rc = run_args_parse(&a, argc, argv, err, sizeof(err));
	if (rc == 0 && a.help) {
		fputs(run_usage, stdout);
		run_args_free(&a);
		return 0;
	}
	/* usage first: a mistake costs neither a sandbox nor the store */
	if (rc || (rc = run_args_check_llm(&a, getenv("LLM_MODEL"), getenv("LLM_BASE_URL"),
					   err, sizeof(err)))) {
		cli_error("%s", err);
		run_args_free(&a);
		return rc;
	}
	for (size_t i = 0; a.secrets && a.secrets[i]; i++)
		if (!getenv(a.secrets[i]) || strlen(getenv(a.secrets[i])) < 4) {
			cli_error("--secret %s: expected an environment variable %s holding the "
				  "secret (4 characters or more)", a.secrets[i], a.secrets[i]);
			run_args_free(&a);
			return 2;
		}
	ui.json = a.json;
	run_render_init(&ui.render, stdout, !a.json && color_wanted(stdout));
	stderr_is_tty = isatty(STDERR_FILENO);
	run_ticker_init(&ui.ticker, stderr, !a.json && stderr_is_tty);
	opt = (struct hb_conversation_options){ .llm = { a.model, a.base_url, NULL },
		.on_event = on_event, .arg = &ui, .max_iterations = a.max_iterations };
	cli_catch_signals_again(pause_on_signal, interrupt_on_signal);
	t0 = clock_mono_s();
	rc = run_open(&a, &opt, &ws, &conv);
	if (rc == 0) {
		rc = run_conversation(conv, &a, &ui);
		rc = run_end(conv, ws, &a, &ui, clock_mono_s() - t0, rc);
	}
	run_ticker_destroy(&ui.ticker);
	run_args_free(&a);
	return rc;
}
