/* terminal.c — the terminal tool: one persistent bash session of sandboxd
 * per struct tools (session_client.h), made on first use in the working
 * directory.
 *
 * sandboxd's run and output routes wait for a command to end or for the
 * wait to pass, whatever is printed meanwhile. The tool's soft timeout is
 * about silence instead (no new output for soft_timeout_s), so it waits in
 * short steps, gathering output and restarting the quiet clock whenever
 * some arrives. A timeout of the model's (`timeout`) replaces the soft one,
 * as in the reference: the tool waits that long in all, whatever is
 * printed. Either way the command is left running, and the model is told
 * how to read more, answer it or stop it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/tools/terminal_text.h"
#include "agent/tools/tool_text.h"
#include "agent/tools/tools_internal.h"
#include "common/clock.h"
#include "common/hb_error.h"

#define STEP_S 0.5                 /* one wait of sandboxd, at most */
#define INTERRUPT_WAIT_S 2.0       /* how long the C-c after a cancel waits */

/* How a call's wait ended. */
enum term_end { END_COMPLETED, END_EXITED, END_SOFT, END_HARD };

/* Everything an answer is made of. */
struct term_parts {
	const char *command;
	const char *content;       /* what the observation holds (clipped output) */
	size_t content_len;
	bool has_exit;             /* exit_code, else null */
	int exit_code;
	int meta_exit;             /* metadata.exit_code: -1 while running */
	bool timeout;
	const char *working_dir;   /* metadata; NULL: null */
	bool show_cwd;             /* the model reads the cwd line */
	const char *prefix, *suffix;
	bool is_error;
};

static int term_result(const struct term_parts *p, struct tool_result *out, char *err,
		       size_t errlen)
{
	struct term_view v = { false, p->prefix, p->content, p->content_len,
			       p->show_cwd ? p->working_dir : NULL, p->suffix };
	json_t *obs, *content;
	struct buf text;
	int rc;

	content = json_stringn(p->content ? p->content : "", p->content ? p->content_len : 0);
	obs = json_pack("{s:s, s:[{s:s, s:o}], s:b, s:s, s:o, s:b, s:{s:i, s:i, s:n, s:n, s:o,"
			" s:n, s:s, s:s}, s:n}", "kind", "TerminalObservation", "content", "type",
			"text", "text", content, "is_error", p->is_error, "command", p->command,
			"exit_code", p->has_exit ? json_integer(p->exit_code) : json_null(),
			"timeout", p->timeout, "metadata", "exit_code", p->meta_exit, "pid", -1,
			"username", "hostname", "working_dir", p->working_dir ?
			json_string(p->working_dir) : json_null(), "py_interpreter_path",
			"prefix", p->prefix ? p->prefix : "", "suffix", p->suffix ? p->suffix : "",
			"full_output_save_dir");
	buf_init(&text, 0);
	rc = term_model_text(&v, &text);
	if (rc) {
		json_decref(obs);
		buf_free(&text);
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	rc = tool_result_set(out, obs, text.data ? text.data : "", p->is_error, err, errlen);
	buf_free(&text);
	return rc;
}

/* An answer that is only a message (nothing was run). */
static int term_message(const char *command, const char *msg, bool is_error,
			struct tool_result *out, char *err, size_t errlen)
{
	struct term_parts p = { command, msg, strlen(msg), false, 0, -1, false, NULL, false,
				"", "", is_error };

	return term_result(&p, out, err, errlen);
}

/* ---------------------------------------------------------------- session */

static int ensure_session(struct tools *t, char *err, size_t errlen)
{
	int rc;

	if (!t->sc_open) {
		if ((rc = session_client_open(&t->sc, &t->env.conn, err, errlen))) {
			session_client_close(&t->sc);
			return rc;
		}
		t->sc_open = true;
	}
	if (t->session_id)
		return 0;
	t->running = false;
	return session_create(&t->sc, t->env.working_dir, NULL, 0, 0, &t->session_id, err,
			      errlen);
}

/* Deletes the session (best effort: it may be gone already). */
static void drop_session(struct tools *t)
{
	char ignored[256];

	if (t->sc_open && t->session_id)
		session_delete(&t->sc, t->session_id, ignored, sizeof(ignored));
	free(t->session_id);
	t->session_id = NULL;
	t->running = false;
}

void terminal_close(struct tools *t)
{
	drop_session(t);
	if (t->sc_open)
		session_client_close(&t->sc);
	t->sc_open = false;
}

/* sandboxd refused what the tool sent (409: e.g. the session's state is
 * not what we thought) or the session is gone (404): the model reads
 * why; a gone session is made anew next time. */
static bool tool_level(int rc)
{
	return rc == HB_EINVAL || rc == HB_ENOENT || rc == HB_EBUSY || rc == HB_ETOOBIG;
}

/* ------------------------------------------------------------------- wait */

struct term_wait {
	struct term_output out;
	enum term_end end;
	bool has_exit;
	int exit_code;
	char *cwd;                 /* the last one sandboxd reported */
};

static void wait_free(struct term_wait *w)
{
	term_output_free(&w->out);
	free(w->cwd);
}

static int take_answer(struct term_wait *w, struct session_answer *a)
{
	int rc = term_output_append(&w->out, a->output, a->output_len);

	w->out.dropped |= a->truncated;
	if (a->cwd && a->cwd[0]) {
		free(w->cwd);
		w->cwd = a->cwd;
		a->cwd = NULL;
	}
	w->has_exit = a->has_exit_code;
	w->exit_code = a->exit_code;
	return rc;
}

/* Sends command (unless empty) and waits as the header says: hard_s > 0
 * is the model's timeout, else the soft one applies. */
static int wait_command(struct tools *t, const char *command, bool is_input, double hard_s,
			const struct hb_cancel *cancel, struct term_wait *w, char *err,
			size_t errlen)
{
	double start = clock_mono_s(), quiet_since = start, now, step, left;
	bool sent = !command[0];
	struct session_answer a;
	int rc;

	for (;;) {
		if (hb_cancel_reason(cancel))
			return hb_fail(err, errlen, HB_ECANCELED, "terminal: cancelled");
		now = clock_mono_s();
		left = hard_s > 0 ? hard_s - (now - start) :
			t->env.soft_timeout_s - (now - quiet_since);
		step = left < STEP_S ? (left > 0 ? left : 0) : STEP_S;
		rc = sent ? session_output(&t->sc, t->session_id, step, cancel, &a, err, errlen) :
			session_run(&t->sc, t->session_id, command, step, is_input, cancel, &a,
				    err, errlen);
		if (rc)
			return rc;
		sent = true;
		now = clock_mono_s();
		if (a.output_len)
			quiet_since = now;
		rc = take_answer(w, &a);
		w->end = a.status == SESSION_COMPLETED ? END_COMPLETED :
			a.status == SESSION_EXITED ? END_EXITED : END_SOFT;
		session_answer_clear(&a);
		if (rc)
			return hb_fail(err, errlen, rc, "terminal: out of memory");
		if (w->end != END_SOFT)
			return 0;
		if (hard_s > 0 && now - start >= hard_s) {
			w->end = END_HARD;
			return 0;
		}
		if (hard_s <= 0 && now - quiet_since >= t->env.soft_timeout_s)
			return 0;
	}
}

/* After a cancel: C-c to the running command, so it does not go on. */
static void interrupt(struct tools *t)
{
	struct session_answer a;
	char ignored[256];

	if (session_run(&t->sc, t->session_id, "C-c", INTERRUPT_WAIT_S, true, NULL, &a,
			ignored, sizeof(ignored)))
		return;
	t->running = a.status == SESSION_RUNNING;
	if (a.status == SESSION_EXITED)
		drop_session(t);
	session_answer_clear(&a);
}

/* ---------------------------------------------------------------- answers */

/* The answer for a wait that ended as w says; continued: this call only
 * read on (or typed into) a command started before. */
static int wait_result(struct tools *t, const char *command, bool key, bool continued,
		       double hard_s, struct term_wait *w, struct tool_result *out,
		       char *err, size_t errlen)
{
	struct term_parts p = { command, NULL, 0, true, -1, -1, false, w->cwd, false, "", "",
				false };
	char suffix[1024];
	struct buf clipped;
	int rc;

	buf_init(&clipped, 0);
	if ((rc = term_clip_output(&w->out, &clipped)))
		return hb_fail(err, errlen, rc, "terminal: out of memory");
	p.content = clipped.data ? clipped.data : "";
	p.content_len = clipped.len;
	t->running = w->end == END_SOFT || w->end == END_HARD;
	if (w->end == END_COMPLETED || w->end == END_EXITED) {
		p.exit_code = p.meta_exit = w->has_exit ? w->exit_code : -1;
		p.show_cwd = w->end == END_COMPLETED;
	}
	if (w->end == END_COMPLETED && key)
		snprintf(suffix, sizeof(suffix), "\n[The command completed with exit code %d. "
			 "CTRL+%c was sent.]", p.exit_code, command[2] >= 'a' && command[2] <= 'z' ?
			 command[2] - 'a' + 'A' : command[2]);
	else if (w->end == END_COMPLETED)
		snprintf(suffix, sizeof(suffix), "\n[The command completed with exit code %d.]",
			 p.exit_code);
	else if (w->end == END_EXITED)
		snprintf(suffix, sizeof(suffix), "\n[The shell exited (exit code %d). The next "
			 "command starts a new shell.]", p.exit_code);
	else
		snprintf(suffix, sizeof(suffix), w->end == END_SOFT ?
			 "\n[The command has no new output after %g seconds. %s]" :
			 "\n[The command timed out after %g seconds. %s]",
			 w->end == END_SOFT ? t->env.soft_timeout_s : hard_s, TERM_TIMEOUT_ADVICE);
	p.timeout = t->running;
	p.suffix = suffix;
	p.prefix = continued && t->running ? TERM_CONTINUE_PREFIX : "";
	if (w->end == END_EXITED)
		drop_session(t);
	rc = term_result(&p, out, err, errlen);
	buf_free(&clipped);
	return rc;
}

/* A new command while one runs: not sent; the model sees the output so
 * far and how to deal with the running one. */
static int refuse_busy(struct tools *t, const char *command, struct tool_result *out,
		       char *err, size_t errlen)
{
	struct term_parts p = { command, NULL, 0, true, -1, -1, false, NULL, false,
				TERM_CONTINUE_PREFIX, NULL, true };
	struct session_answer a;
	struct buf suffix, clipped;
	struct term_output o;
	int rc;

	if ((rc = session_output(&t->sc, t->session_id, 0, NULL, &a, err, errlen)))
		return rc;
	term_output_init(&o);
	buf_init(&suffix, 0);
	buf_init(&clipped, 0);
	rc = term_output_append(&o, a.output, a.output_len);
	if (!rc)
		rc = term_clip_output(&o, &clipped);
	if (!rc)
		rc = buf_printf(&suffix, "\n[Your command \"%s\" is NOT executed. The previous "
				"command is still running - You CANNOT send new commands until the "
				"previous command is completed. By setting `is_input` to `true`, you "
				"can interact with the current process: %s]", command,
				TERM_TIMEOUT_ADVICE);
	t->running = a.status == SESSION_RUNNING;
	p.content = clipped.data ? clipped.data : "";
	p.content_len = clipped.len;
	p.suffix = suffix.data;
	rc = rc ? hb_fail(err, errlen, rc, "terminal: out of memory") :
		term_result(&p, out, err, errlen);
	session_answer_clear(&a);
	term_output_free(&o);
	buf_free(&suffix);
	buf_free(&clipped);
	return rc;
}

/* ---------------------------------------------------------------- execute */

#define RESET_TEXT "Terminal session has been reset. All previous environment variables " \
	"and session state have been cleared."

/* Runs (or continues) command in the session; the answer into out. */
static int run(struct tools *t, const char *command, bool is_input, double hard_s,
	       const struct hb_cancel *cancel, struct tool_result *out, char *err,
	       size_t errlen)
{
	bool key = term_is_key(command), continued = t->running;
	struct term_wait w;
	int rc;

	if (!t->running && !command[0])
		return term_message(command, "No previous running command to retrieve logs "
				    "from.", true, out, err, errlen);
	if (!t->running && (is_input || key))
		return term_message(command, "No previous running command to interact with.",
				    true, out, err, errlen);
	if (t->running && command[0] && !is_input && !key)
		return refuse_busy(t, command, out, err, errlen);
	memset(&w, 0, sizeof(w));
	term_output_init(&w.out);
	rc = wait_command(t, command, is_input || key, hard_s, cancel, &w, err, errlen);
	if (!rc)
		rc = wait_result(t, command, key, continued, hard_s, &w, out, err, errlen);
	else if (rc == HB_ECANCELED)
		interrupt(t);
	wait_free(&w);
	return rc;
}

/* reset: a new shell, then the command if one is given. */
static int reset(struct tools *t, const char *command, double hard_s,
		 const struct hb_cancel *cancel, struct tool_result *out, char *err,
		 size_t errlen)
{
	struct buf label, text;
	json_t *obs;
	int rc;

	drop_session(t);
	if ((rc = ensure_session(t, err, errlen)))
		return rc;
	if (!command[0]) {
		struct term_parts p = { "[RESET]", RESET_TEXT, strlen(RESET_TEXT), true, 0, 0,
					false, NULL, false, "", "", false };

		return term_result(&p, out, err, errlen);
	}
	if ((rc = run(t, command, false, hard_s, cancel, out, err, errlen)))
		return rc;
	/* as the reference: the reset's text before the command's */
	obs = out->observation;
	buf_init(&label, 0);
	buf_init(&text, 0);
	rc = buf_printf(&label, "[RESET] %s", command);
	if (!rc)
		rc = buf_printf(&text, RESET_TEXT "\n\n%s", json_string_value(json_object_get(
			json_array_get(json_object_get(obs, "content"), 0), "text")));
	if (!rc) {
		json_object_set_new(obs, "command", json_string(label.data));
		json_object_set_new(obs, "content", tool_text_content(text.data));
		buf_reset(&text);
		rc = buf_printf(&text, RESET_TEXT "\n\n%s", out->text);
	}
	if (!rc) {
		free(out->text);
		out->text = buf_steal(&text, NULL);
	}
	buf_free(&label);
	buf_free(&text);
	return rc ? hb_fail(err, errlen, rc, "terminal: out of memory") : 0;
}

int terminal_execute(struct tools *t, json_t *action, const struct hb_cancel *cancel,
		     struct tool_result *out, char *err, size_t errlen)
{
	const char *raw = json_string_value(json_object_get(action, "command"));
	json_t *timeout = json_object_get(action, "timeout");
	double hard_s = json_is_number(timeout) ? json_number_value(timeout) : 0;
	char *command;
	size_t n;
	int rc;

	raw = raw ? raw : "";
	raw += strspn(raw, " \t\r\n\v\f");
	n = text_rstrip_len(raw, strlen(raw));
	if (!(command = strndup(raw, n)))
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	/* a timeout of 0 would return at once, before any output */
	if (json_is_number(timeout) && hard_s <= 0)
		hard_s = 0.001;
	if (json_is_true(json_object_get(action, "reset")))
		rc = reset(t, command, hard_s, cancel, out, err, errlen);
	else if (!(rc = ensure_session(t, err, errlen)))
		rc = run(t, command, json_is_true(json_object_get(action, "is_input")), hard_s,
			 cancel, out, err, errlen);
	if (rc && tool_level(rc)) {
		char msg[HB_ERR_MAX + 128];

		if (rc == HB_ENOENT)
			drop_session(t);
		snprintf(msg, sizeof(msg), "The terminal could not run this: %s", err);
		rc = term_message(command, msg, true, out, err, errlen);
	}
	free(command);
	return rc;
}
