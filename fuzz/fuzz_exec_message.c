/* fuzz_exec_message.c — libFuzzer target for the messages a client sends on
 * WS /api/handbox/exec (src/sandboxd/exec_ws.c): the "start" message (argv
 * or command, cwd, env, user, pty, stdin, timeout), the messages to a
 * running command (stdin, eof, resize, signal) and signal names.
 *
 * The first byte of an input picks the target; the rest is its data:
 *   0  a text message, decoded as run_message() decodes it; a "start" goes
 *      through exec_ws_start_parse(), any other type but "auth" through
 *      exec_ws_control_parse() (stdin, eof, resize, signal)
 *   1  a signal name alone
 * Checked besides "no crash, no leak": an accepted start gives a non-empty
 * NULL-terminated argv taken from the message, an absolute cwd, an
 * environment of NAME=value strings holding the client's variables, terminal
 * sizes and a timeout in range; a refused one says why. Other messages
 * give their kind, stdin's bytes as sent, sizes in 1…65535; a refused one
 * names its type. A parsed signal is in 1…64, and its printed name parses
 * back to it. A failed check aborts.
 * See docs/testing.md. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "fuzz_util.h"
#include "common/env_name.h"
#include "common/sandboxd_wire.h"
#include "sandboxd/env.h"
#include "sandboxd/exec_ws.h"
#include "sandboxd/sandboxd.h"
#include "sandboxd/config.h"


enum target { T_MESSAGE, T_SIGNAL, T_COUNT };

/* ---------------------------------------------------------------- signal */

static void check_signal(const char *name)
{
	char printed[16];
	int sig = exec_ws_signal_parse(name);

	CHECK(sig >= 0 && sig <= EXEC_WS_SIGNAL_MAX);
	if (!sig)
		return;
	exec_ws_signal_name(sig, printed);
	CHECK(!strncmp(printed, "SIG", 3));
	CHECK(exec_ws_signal_parse(printed) == sig);
	CHECK(exec_ws_signal_parse(printed + 3) == sig);
}

static void fuzz_signal(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	CHECK(s);
	memcpy(s, data, n);
	s[n] = '\0';
	check_signal(s);
	free(s);
}

/* ----------------------------------------------------------------- start */

static void check_env(json_t *m, const struct exec_ws_start *r)
{
	json_t *env = json_object_get(m, "env"), *val;
	const char *name, *got;
	char *const *e;

	CHECK(r->env.v);
	for (e = r->env.v; *e; e++) {
		const char *eq = strchr(*e, '=');
		char nm[256];

		CHECK(eq && eq > *e);
		if ((size_t)(eq - *e) < sizeof(nm)) {
			memcpy(nm, *e, (size_t)(eq - *e));
			nm[eq - *e] = '\0';
			CHECK(env_name_valid(nm));
		}
	}
	/* the client's variables win over the sandbox's and the user's */
	json_object_foreach(env, name, val) {
		got = env_get(&r->env, name);
		if (json_is_null(val))
			CHECK(!got);
		else
			CHECK(got && !strcmp(got, json_string_value(val)));
	}
	if (r->pty && !json_object_get(env, "TERM"))
		CHECK(env_get(&r->env, "TERM"));
}

static void check_start(json_t *m, const struct exec_ws_start *r)
{
	json_t *argv = json_object_get(m, "argv"), *cmd = json_object_get(m, "command");
	json_t *v;
	size_t i;

	CHECK(r->argv && r->argv[0] && r->argv[0][0]);
	if (cmd) {
		CHECK(!argv && !strcmp(r->argv[0], "/bin/sh") && !strcmp(r->argv[1], "-c"));
		CHECK(r->argv[2] == json_string_value(cmd) && !r->argv[3]);
	} else {
		CHECK(json_array_size(argv) > 0);
		for (i = 0; i < json_array_size(argv); i++)
			CHECK(r->argv[i] == json_string_value(json_array_get(argv, i)));
		CHECK(!r->argv[i]);
	}
	CHECK(r->cwd && r->cwd[0] == '/');
	check_env(m, r);
	if (r->pty)
		CHECK(r->rows >= 1 && r->cols >= 1);
	else
		CHECK(!r->rows && !r->cols);
	v = json_object_get(m, "stdin");
	CHECK(r->want_stdin == (!json_is_boolean(v) || json_is_true(v)));
	CHECK(r->timeout == 0 || (r->timeout > 0 && isfinite(r->timeout) &&
				  r->timeout <= SANDBOXD_TIMEOUT_MAX_S));
	CHECK(r->user.home[0] && r->user.name[0]);
}

/* stdin, eof, resize, signal and unknown types: what run_message() hands
 * exec_ws_control_parse() once the command runs */
static void check_control(json_t *m, const char *type)
{
	static const char *const kinds[] = { "stdin", "eof", "resize", "signal" };
	struct exec_ws_control ctl;
	char err[1024];
	json_t *v;
	int rc;

	err[0] = '\0';
	rc = exec_ws_control_parse(m, type, &ctl, err, sizeof(err));
	if (rc) {
		CHECK(rc < 0 && err[0] && strlen(err) < sizeof(err));
		CHECK(!strncmp(err, type, strlen(type)) || !strncmp(err, "type: ", 6));
		return;
	}
	CHECK(!strcmp(kinds[ctl.kind], type));
	switch (ctl.kind) {
	case EXEC_WS_STDIN:
		v = json_object_get(m, "data");
		CHECK(ctl.data == json_string_value(v) && ctl.len == json_string_length(v));
		break;
	case EXEC_WS_EOF:
		break;
	case EXEC_WS_RESIZE:
		CHECK(ctl.rows >= 1 && ctl.cols >= 1);
		CHECK(ctl.rows == json_integer_value(json_object_get(m, "rows")));
		CHECK(ctl.cols == json_integer_value(json_object_get(m, "cols")));
		break;
	case EXEC_WS_SIGNAL:
		v = json_object_get(m, "signal");
		CHECK(ctl.signal >= 1 && ctl.signal <= EXEC_WS_SIGNAL_MAX);
		if (json_is_string(v)) {
			CHECK(ctl.signal == exec_ws_signal_parse(json_string_value(v)));
			check_signal(json_string_value(v));
		} else {
			CHECK(ctl.signal == json_integer_value(v));
		}
		break;
	}
}

static void fuzz_message(const uint8_t *data, size_t n)
{
	struct exec_ws_start r;
	const char *type;
	char err[1024];
	json_t *m;
	int rc;

	/* as run_message() decodes a text message */
	m = json_loadb((const char *)data, n, 0, NULL);
	if (!m)
		return;
	type = json_string_value(json_object_get(m, "type"));
	if (json_is_object(m) && type && !strcmp(type, "start")) {
		err[0] = '\0';
		rc = exec_ws_start_parse(m, &r, err, sizeof(err));
		if (rc)
			CHECK(rc < 0 && err[0] && strlen(err) < sizeof(err));
		else
			check_start(m, &r);
		exec_ws_start_free(&r);
	} else if (json_is_object(m) && type && strcmp(type, "auth")) {
		check_control(m, type);
	}
	json_decref(m);
}

/* ------------------------------------------------------------- libFuzzer */

static char passwd[] = "/tmp/fuzz_exec_message-passwd-XXXXXX";

static void remove_passwd(void)
{
	unlink(passwd);
}

/* The configuration a sandbox gives sandboxd: commands run as uid 1000 in
 * /workspace with a small base environment; other users come from a passwd
 * file of our own. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char lines[] =
		"root:x:0:0:root:/root:/bin/bash\n"
		"user:x:1000:1000:user:/home/user:/bin/bash\n"
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
	int fd = mkstemp(passwd);

	CHECK(fd >= 0 && write(fd, lines, sizeof(lines) - 1) == sizeof(lines) - 1);
	close(fd);
	atexit(remove_passwd);
	sandboxd_cfg.passwd_path = passwd;
	snprintf(sandboxd_cfg.workdir, sizeof(sandboxd_cfg.workdir), "/workspace");
	users_lookup(passwd, 1000, &sandboxd_cfg.user);
	sandboxd_cfg.switch_user = geteuid() == 0;
	CHECK(strv_add(&sandboxd_cfg.child_env, "PATH=/usr/bin:/bin") == 0 &&
	      strv_add(&sandboxd_cfg.child_env, "HOME=/home/user") == 0 &&
	      strv_add(&sandboxd_cfg.child_env, "LANG=C.UTF-8") == 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	switch (data[0] % T_COUNT) {
	case T_MESSAGE: fuzz_message(data + 1, size - 1); break;
	case T_SIGNAL: fuzz_signal(data + 1, size - 1); break;
	}
	return 0;
}
