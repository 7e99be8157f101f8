/* browser_workspace.c — an agent that browses, watched over VNC: the C
 * form of the reference SDK's "Browser in Docker Sandbox" example. With
 * extra_ports, VS Code is on HOST_PORT + 1 and the desktop's noVNC on
 * HOST_PORT + 2; the desktop's Chromium is the browser the agent's
 * browser tools drive, so the link shows it at work. With CI set the
 * program does not wait for you at the end.
 *
 *   cc browser_workspace.c $(pkg-config --cflags --libs handbox)
 *   LLM_MODEL=… LLM_BASE_URL=… LLM_API_KEY=… ./a.out [HOST_PORT]   (8011)
 *
 * The desktop is in images built with `handbox image build --with
 * vscode,desktop` (give it in SANDBOX_RUNTIME_CONTAINER_IMAGE); in others
 * the program says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <handbox/handbox.h>

#define TASK "Could you go to https://openhands.dev/ blog page and summarize main " \
	"points of the latest blog?"

/* Each event as the store has it, one JSON object a line. */
static void on_event(const char *event, void *arg)
{
	(void)arg;
	printf("event: %s\n", event);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct hb_workspace_options wopt = {
		.host_port = argc > 1 ? atoi(argv[1]) : 8011,
		.extra_ports = true,            /* VS Code on host_port + 1, VNC on + 2 */
	};
	struct hb_conversation_options copt = { .on_event = on_event };  /* llm: LLM_* */
	struct hb_workspace *ws = NULL;
	struct hb_conversation *conv = NULL;
	char err[HB_ERR_MAX] = "", *url = NULL, line[64];
	double cost;
	int status = 1;

	if (hb_workspace_open(&ws, &wopt, err, sizeof(err)) != 0 ||
	    hb_conversation_open(&conv, ws, &copt, err, sizeof(err)) != 0)
		goto out;
	printf("Sandbox: %s\n", hb_workspace_id(ws));
	printf("Conversation ID: %s\n", hb_conversation_id(conv));
	/* asked before the run, so the link can be opened to watch it */
	if (hb_workspace_desktop_url(ws, &url, err, sizeof(err)) != 0)
		goto out;
	if (url)
		printf("Watch the agent's browser: %s\n", url);
	else
		printf("This image has no desktop, so nothing to watch: build one with `handbox "
		       "image build --with vscode,desktop` and run again with "
		       "SANDBOX_RUNTIME_CONTAINER_IMAGE set to it.\n");
	if (hb_conversation_send(conv, TASK, err, sizeof(err)) != 0 ||
	    hb_conversation_run(conv, err, sizeof(err)) != 0)
		goto out;
	printf("Agent status: %s\n", hb_conversation_status(conv));
	cost = hb_conversation_cost(conv);          /* < 0: the model's price is unknown */
	if (cost >= 0)
		printf("EXAMPLE_COST: %g\n", cost);
	else
		printf("EXAMPLE_COST: n/a\n");

	if (url && !getenv("CI")) {
		do {
			printf("\nBecause extra_ports is set, you can see the *actual* browser "
			       "the agent used, over VNC:\n\n%s\n\nPress 'y' and Enter to exit "
			       "and remove the workspace.\n>> ", url);
			fflush(stdout);
		} while (fgets(line, sizeof(line), stdin) && strcmp(line, "y\n") != 0);
	}
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "browser_workspace: %s\n", err);
	free(url);
	hb_conversation_close(conv);
	hb_workspace_close(ws);                     /* removes the sandbox */
	return status;
}
