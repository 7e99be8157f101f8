/* docker_workspace.c — an agent at work in a sandbox: the C form of the
 * reference SDK's first DockerWorkspace example. A workspace (one
 * container), a command in it, then a conversation with two tasks.
 *
 *   cc docker_workspace.c $(pkg-config --cflags --libs handbox)
 *   LLM_MODEL=… LLM_BASE_URL=… LLM_API_KEY=… ./a.out
 *
 * SANDBOX_RUNTIME_CONTAINER_IMAGE picks the image and SANDBOX_VOLUMES what
 * is mounted as /workspace (e.g. SANDBOX_VOLUMES=$PWD:/workspace:rw). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <handbox/handbox.h>

/* The value of the event's first "key" when it is a string, its escapes
 * undone (a newline shown as a space), cut to n - 1 bytes; else "". A real
 * program would use a JSON parser; this one stays small. */
static const char *field(const char *json, const char *key, char *buf, size_t n)
{
	char pat[64];
	const char *v;
	size_t len = 0;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	if ((v = strstr(json, pat))) {
		for (v += strlen(pat); *v == ' '; v++)
			;
		if (*v == '"')
			for (v++; *v && *v != '"' && len + 1 < n; v++) {
				char ch = *v;

				if (ch == '\\' && v[1])       /* \" \\ as is, \n \t \r as a space */
					ch = strchr("ntr", *++v) ? ' ' : *v;
				buf[len++] = ch;
			}
	}
	buf[len] = '\0';
	return buf;
}

/* One line per event: its kind and a short text. */
static void on_event(const char *event, void *arg)
{
	char kind[64], tool[64], text[100], value[32] = "";

	(void)arg;                                      /* copt.arg: unused here */

	field(event, "kind", kind, sizeof(kind));       /* the event's own comes first */
	field(event, "tool_name", tool, sizeof(tool));
	if (!strcmp(kind, "ActionEvent"))
		field(event, "arguments", text, sizeof(text));
	else if (!strcmp(kind, "ObservationEvent") || !strcmp(kind, "MessageEvent"))
		field(event, "text", text, sizeof(text));
	else if (!strcmp(kind, "AgentErrorEvent"))
		field(event, "error", text, sizeof(text));
	else if (!strcmp(kind, "ConversationErrorEvent"))
		field(event, "detail", text, sizeof(text));
	else if (!strcmp(kind, "ConversationStateUpdateEvent")) {
		field(event, "key", text, sizeof(text));        /* "execution_status", "stats"… */
		field(event, "value", value, sizeof(value));    /* "" when not a string */
	} else
		text[0] = '\0';
	printf("event %s: %s%s%s%s%s\n", kind, tool, *tool ? " " : "", text,
	       *value ? " " : "", value);
	fflush(stdout);
}

/* Sends text and runs the agent until it is done with it. */
static int task(struct hb_conversation *conv, const char *text, char *err, size_t errlen)
{
	printf("Sending: %s\n", text);
	err[0] = '\0';
	if (hb_conversation_send(conv, text, err, errlen) != 0 ||
	    hb_conversation_run(conv, err, errlen) != 0)
		return -1;
	printf("Agent status: %s\n", hb_conversation_status(conv));
	if (strcmp(hb_conversation_status(conv), "finished") != 0) {
		if (!err[0])
			snprintf(err, errlen, "the agent stopped with status %s",
				 hb_conversation_status(conv));
		return -1;
	}
	return 0;
}

int main(void)
{
	const char *model = getenv("LLM_MODEL"), *base_url = getenv("LLM_BASE_URL");
	struct hb_workspace_options wopt = { .host_port = 0 };  /* image: the environment's */
	struct hb_conversation_options copt = { .on_event = on_event };  /* llm: LLM_* */
	struct hb_workspace *ws = NULL;
	struct hb_conversation *conv = NULL;
	struct hb_exec_result *r = NULL;
	char err[HB_ERR_MAX] = "";
	double cost;
	int status = 1;

	/* 1) The LLM comes from the environment (any OpenAI-compatible server). */
	if (!model || !*model || !base_url || !*base_url) {
		fprintf(stderr, "docker_workspace: set LLM_MODEL and LLM_BASE_URL, and LLM_API_KEY "
			"unless the server needs none (e.g. LLM_MODEL=gpt-4o "
			"LLM_BASE_URL=https://api.openai.com/v1 LLM_API_KEY=sk-…)\n");
		return 1;
	}

	/* 2) The workspace: a sandbox for this program, removed at close. */
	if (hb_workspace_open(&ws, &wopt, err, sizeof(err)) != 0)
		goto out;
	printf("Sandbox: %s\n", hb_workspace_id(ws));

	/* 3) A command in it. */
	if (hb_workspace_exec(ws, "echo 'Hello from sandboxed environment!' && pwd", NULL, 0,
			      &r, err, sizeof(err)) != 0)
		goto out;
	printf("Command '%s' completed with exit code %d\n", r->command, r->exit_code);
	printf("Output: %s", r->stdout_text);

	/* 4) The agent: its loop runs here, its commands in the sandbox. */
	if (hb_conversation_open(&conv, ws, &copt, err, sizeof(err)) != 0)
		goto out;
	printf("Conversation ID: %s\n", hb_conversation_id(conv));
	if (task(conv, "Read the current repo and write 3 facts about the project into FACTS.txt.",
		 err, sizeof(err)) != 0 ||
	    task(conv, "Great! Now delete that file.", err, sizeof(err)) != 0)
		goto out;

	cost = hb_conversation_cost(conv);          /* < 0: the model's price is unknown */
	if (cost >= 0)
		printf("EXAMPLE_COST: %g\n", cost);
	else
		printf("EXAMPLE_COST: n/a\n");
	status = 0;
out:
	if (status != 0)
		fprintf(stderr, "docker_workspace: %s\n", err);
	printf("Cleaning up\n");
	hb_exec_result_free(r);
	hb_conversation_close(conv);
	hb_workspace_close(ws);                     /* removes the sandbox */
	return status;
}
