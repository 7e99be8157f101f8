/* remote_conversation.c — an agent at work on a running `handbox serve`:
 * the C form of the reference SDK's RemoteConversation. The server makes
 * the sandbox and runs the agent; this program sends a task, runs it and
 * prints each event as the server stores it.
 *
 *   cc remote_conversation.c $(pkg-config --cflags --libs handbox)
 *   handbox serve --api-key K &               # on this or another host
 *   HANDBOX_API_KEY=K ./a.out [http://127.0.0.1:3000] ["a task"]
 *
 * LLM_MODEL, LLM_BASE_URL and LLM_API_KEY, when set, say which LLM the
 * server is to use for it; otherwise the server's settings do. */
#include <stdio.h>
#include <string.h>

#include <handbox/handbox.h>

/* One line per event: its kind, and the status when it announces one. A
 * real program would parse the JSON (jansson…); this one stays small. */
static void on_event(const char *event, void *arg)
{
	const char *kind = strstr(event, "\"kind\":\"");
	const char *status = strstr(event, "\"key\":\"execution_status\",\"value\":\"");

	(void)arg;
	kind = kind ? kind + 8 : "?\"";
	printf("event %.*s", (int)strcspn(kind, "\""), kind);
	if (status) {
		status += strlen("\"key\":\"execution_status\",\"value\":\"");
		printf(" %.*s", (int)strcspn(status, "\""), status);
	}
	printf("\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *url = argc > 1 ? argv[1] : "http://127.0.0.1:3000";
	const char *text = argc > 2 ? argv[2] : "Write 3 facts about this sandbox into FACTS.txt.";
	struct hb_conversation_options opt = { .on_event = on_event };  /* llm: LLM_* */
	struct hb_conversation *conv = NULL;
	char err[HB_ERR_MAX] = "";
	double cost;
	int status = 1;

	/* the key: NULL reads HANDBOX_API_KEY */
	if (hb_conversation_open_remote(&conv, url, NULL, &opt, err, sizeof(err)) != 0)
		goto out;
	printf("Conversation ID: %s (open %s/conversations/%s)\n", hb_conversation_id(conv),
	       url, hb_conversation_id(conv));
	if (hb_conversation_send(conv, text, err, sizeof(err)) != 0 ||
	    hb_conversation_run(conv, err, sizeof(err)) != 0)     /* until finished, error… */
		goto out;
	printf("Agent status: %s%s%s\n", hb_conversation_status(conv), err[0] ? ": " : "", err);
	cost = hb_conversation_cost(conv);                        /* < 0: price unknown */
	if (cost >= 0)
		printf("EXAMPLE_COST: %g\n", cost);
	else
		printf("EXAMPLE_COST: n/a\n");
	status = strcmp(hb_conversation_status(conv), "finished") != 0;
out:
	if (err[0] && status)
		fprintf(stderr, "remote_conversation: %s\n", err);
	hb_conversation_close(conv);             /* the conversation stays on the server */
	return status;
}
