/* sdk_probe.c — a program written against <handbox/handbox.h> only, for
 * tests/integration/test_sdk.py: it does what its arguments say with one
 * workspace and prints one JSON object of what it saw.
 *
 *   sdk_probe [--image I] [--volume V]... [--host-port N] [--extra-ports]
 *             [--keep-alive] [--platform P] [--urls] [STEP]...
 *
 * STEP: exec CMD | exec-at CMD CWD TIMEOUT | upload LOCAL REMOTE |
 *       download REMOTE LOCAL; the steps run in order in one workspace,
 *       the last exec's result is reported. --urls reports VS Code's and
 *       the desktop's URLs (null where the image has none).
 *
 * It exits 0 when every call returned 0, 3 when one failed (the JSON has
 * "error" and "code"), 2 on bad usage. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <handbox/handbox.h>

#define MAX_VOLUMES 8

static int report(json_t *o, int rc, const char *err)
{
	if (rc) {
		json_object_set_new(o, "code", json_integer(rc));
		json_object_set_new(o, "error", json_string(err));
	}
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	json_decref(o);
	return rc ? 3 : 0;
}

static int exec_step(struct hb_workspace *ws, const char *cmd, const char *cwd,
		     int timeout_s, json_t *o, char *err, size_t errlen)
{
	struct hb_exec_result *r;
	int rc = hb_workspace_exec(ws, cmd, cwd, timeout_s, &r, err, errlen);

	if (rc == 0) {
		json_object_set_new(o, "command", json_string(r->command));
		json_object_set_new(o, "exit_code", json_integer(r->exit_code));
		json_object_set_new(o, "stdout", json_string(r->stdout_text));
		json_object_set_new(o, "stderr", json_string(r->stderr_text));
		json_object_set_new(o, "timed_out", json_boolean(r->timed_out));
		hb_exec_result_free(r);
	}
	return rc;
}

/* VS Code's and the desktop's URLs as "vscode_url", "desktop_url". */
static int urls(struct hb_workspace *ws, json_t *o, char *err, size_t errlen)
{
	char *vscode = NULL, *desktop = NULL;
	int rc;

	if ((rc = hb_workspace_vscode_url(ws, &vscode, err, errlen)) ||
	    (rc = hb_workspace_desktop_url(ws, &desktop, err, errlen))) {
		free(vscode);
		return rc;
	}
	json_object_set_new(o, "vscode_url", vscode ? json_string(vscode) : json_null());
	json_object_set_new(o, "desktop_url", desktop ? json_string(desktop) : json_null());
	free(vscode);
	free(desktop);
	return 0;
}

/* Runs the steps in argv; the first failure ends them. */
static int run(struct hb_workspace *ws, int argc, char **argv, json_t *o, char *err,
	       size_t errlen)
{
	int i = 0, rc = 0;

	while (i < argc && rc == 0) {
		if (!strcmp(argv[i], "exec") && i + 1 < argc) {
			rc = exec_step(ws, argv[i + 1], NULL, 0, o, err, errlen);
			i += 2;
		} else if (!strcmp(argv[i], "exec-at") && i + 3 < argc) {
			rc = exec_step(ws, argv[i + 1], argv[i + 2], atoi(argv[i + 3]), o, err,
				       errlen);
			i += 4;
		} else if (!strcmp(argv[i], "upload") && i + 2 < argc) {
			rc = hb_workspace_upload(ws, argv[i + 1], argv[i + 2], err, errlen);
			i += 3;
		} else if (!strcmp(argv[i], "download") && i + 2 < argc) {
			rc = hb_workspace_download(ws, argv[i + 1], argv[i + 2], err, errlen);
			i += 3;
		} else {
			fprintf(stderr, "sdk_probe: bad step at \"%s\" (see sdk_probe.c)\n",
				argv[i]);
			exit(2);
		}
	}
	return rc;
}

int main(int argc, char **argv)
{
	const char *volumes[MAX_VOLUMES + 1] = { NULL };
	struct hb_workspace_options opt = { .volumes = volumes };
	struct hb_workspace *ws;
	char err[HB_ERR_MAX] = "";
	json_t *o = json_object();
	int i = 1, nvol = 0, rc;
	bool want_urls = false;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--extra-ports"))
			opt.extra_ports = true;
		else if (!strcmp(argv[i], "--urls"))
			want_urls = true;
		else if (!strcmp(argv[i], "--keep-alive"))
			opt.keep_alive = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--image"))
			opt.image = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--platform"))
			opt.platform = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--host-port"))
			opt.host_port = atoi(argv[++i]);
		else if (i + 1 < argc && nvol < MAX_VOLUMES && !strcmp(argv[i], "--volume"))
			volumes[nvol++] = argv[++i];
		else
			return fprintf(stderr, "sdk_probe: bad option %s\n", argv[i]), 2;
	}
	json_object_set_new(o, "version", json_string(hb_version()));
	if ((rc = hb_workspace_open(&ws, &opt, err, sizeof(err))))
		return report(o, rc, err);
	json_object_set_new(o, "id", json_string(hb_workspace_id(ws)));
	json_object_set_new(o, "url", json_string(hb_workspace_url(ws)));
	json_object_set_new(o, "key", json_string(hb_workspace_session_key(ws)));
	json_object_set_new(o, "working_dir", json_string(hb_workspace_working_dir(ws)));
	if (!(rc = want_urls ? urls(ws, o, err, sizeof(err)) : 0))
		rc = run(ws, argc - i, argv + i, o, err, sizeof(err));
	hb_workspace_close(ws);
	return report(o, rc, err);
}
