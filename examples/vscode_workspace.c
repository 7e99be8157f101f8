/* vscode_workspace.c — VS Code in the browser on the agent's workspace:
 * the C form of the reference SDK's "VS Code in Docker Sandbox" example.
 * The workspace publishes sandboxd on HOST_PORT and, with extra_ports, VS
 * Code on HOST_PORT + 1 and the desktop's VNC on HOST_PORT + 2; the agent
 * writes a script, then the program prints the VS Code URL (with its
 * token, the workspace folder open) and waits until you are done with it.
 *
 *   cc vscode_workspace.c $(pkg-config --cflags --libs handbox)
 *   LLM_MODEL=… LLM_BASE_URL=… LLM_API_KEY=… ./a.out [HOST_PORT]   (18010)
 *
 * VS Code is in images built with `handbox image build --with
 * vscode,desktop` (SANDBOX_RUNTIME_CONTAINER_IMAGE=handbox/sandbox:desktop);
 * in others the program says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <handbox/handbox.h>

/* Each event as the store has it, one JSON object a line. */
static void on_event(const char *event, void *arg)
{
	(void)arg;
	printf("event: %s\n", event);
	fflush(stdout);
}

/* Shows what to open and waits until the user answers y (or stdin ends). */
static void wait_for_y(const char *what, const char *url)
{
	char line[64];

	do {
		printf("\n%s\n\n%s\n\nPress 'y' and Enter to exit and remove the workspace.\n>> ",
		       what, url);
		fflush(stdout);
	} while (fgets(line, sizeof(line), stdin) && strcmp(line, "y\n") != 0);
	printf("\n");
}

int main(int argc, char **argv)
{
	struct hb_workspace_options wopt = {
		.host_port = argc > 1 ? atoi(argv[1]) : 18010,
		.extra_ports = true,            /* VS Code on host_port + 1, VNC on + 2 */
	};
	struct hb_conversation_options copt = { .on_event = on_event };  /* llm: LLM_* */
	struct hb_workspace *ws = NULL;
	struct hb_conversation *conv = NULL;
	char err[HB_ERR_MAX] = "", *url = NULL;
	int status = 1;

	if (hb_workspace_open(&ws, &wopt, err, sizeof(err)) != 0 ||
	    hb_conversation_open(&conv, ws, &copt, err, sizeof(err)) != 0)
		goto out;
	printf("Sandbox: %s\n", hb_workspace_id(ws));
	printf("Conversation ID: %s\n", hb_conversation_id(conv));
	if (hb_conversation_send(conv, "Create a simple Python script that prints Hello World",
				 err, sizeof(err)) != 0 ||
	    hb_conversation_run(conv, err, sizeof(err)) != 0)
		goto out;
	printf("Agent status: %s\n", hb_conversation_status(conv));

	/* the token is sandboxd's: it writes the URL, for VS Code's host port */
	if (hb_workspace_vscode_url(ws, &url, err, sizeof(err)) != 0)
		goto out;
	if (url)
		wait_for_y("Because extra_ports is set, you can open VS Code in the browser "
			   "to see the workspace:", url);
	else
		printf("This image has no VS Code: build one with `handbox image build --with "
		       "vscode,desktop` and run again with SANDBOX_RUNTIME_CONTAINER_IMAGE set "
		       "to it.\n");
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "vscode_workspace: %s\n", err);
	free(url);
	hb_conversation_close(conv);
	hb_workspace_close(ws);                     /* removes the sandbox */
	return status;
}
