/* hello_workspace.c — the smallest handbox program: a sandbox, one
 * command in it, and the sandbox gone again.
 *   cc hello_workspace.c $(pkg-config --cflags --libs handbox) */
#include <stdio.h>

#include <handbox/handbox.h>

int main(void)
{
	struct hb_workspace *ws;
	struct hb_exec_result *r;
	char err[HB_ERR_MAX];
	int status = 1;

	if (hb_workspace_open(&ws, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "hello_workspace: %s\n", err);
		return 1;
	}
	if (hb_workspace_exec(ws, "echo hi", NULL, 0, &r, err, sizeof(err)) == 0) {
		printf("sandbox %s, in %s: %s", hb_workspace_id(ws),
		       hb_workspace_working_dir(ws), r->stdout_text);
		status = r->exit_code == 0 ? 0 : 1;
		hb_exec_result_free(r);
	} else {
		fprintf(stderr, "hello_workspace: %s\n", err);
	}
	hb_workspace_close(ws);
	return status;
}
