/* llm_request.c — what handbox sends to /chat/completions and how it
 * reads the server's error bodies (llm_wire.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "agent/llm_textcall.h"
#include "agent/llm_wire.h"

const char *llm_model_wire_name(const char *model)
{
	static const char *const prefixes[] = {
		"openai/", "litellm_proxy/", "hosted_vllm/", "lm_studio/", "ollama/",
		"ollama_chat/", "openrouter/", NULL,
	};
	size_t i;

	for (i = 0; model && prefixes[i]; i++)
		if (!strncmp(model, prefixes[i], strlen(prefixes[i])) && model[strlen(prefixes[i])])
			return model + strlen(prefixes[i]);
	return model ? model : "";
}

json_t *llm_request_body(const char *model, json_t *messages, json_t *tools, bool text,
			 bool stream)
{
	bool with_tools = json_array_size(tools) > 0;
	json_t *body = json_pack("{s:s}", "model", llm_model_wire_name(model));
	json_t *msgs = with_tools && text ? llm_textcall_messages(messages, tools)
					  : json_incref(messages);
	int rc = !body || !msgs;

	if (!rc)
		rc |= json_object_set_new(body, "messages", msgs);
	else
		json_decref(msgs);
	if (!rc && with_tools && !text) {
		rc |= json_object_set(body, "tools", tools);
		rc |= json_object_set_new(body, "tool_choice", json_string("auto"));
	}
	if (!rc && with_tools && text)
		rc |= json_object_set_new(body, "stop", json_pack("[s]", LLM_TEXTCALL_STOP));
	if (!rc && stream) {
		rc |= json_object_set_new(body, "stream", json_true());
		rc |= json_object_set_new(body, "stream_options",
					  json_pack("{s:b}", "include_usage", 1));
	}
	if (rc) {
		json_decref(body);
		return NULL;
	}
	return body;
}

static const char *message_of(json_t *j)
{
	json_t *e = json_object_get(j, "error");
	const char *m;

	if ((m = json_string_value(json_object_get(e, "message"))) || (m = json_string_value(e)))
		return m;
	if ((m = json_string_value(json_object_get(j, "detail"))))
		return m;
	return json_string_value(json_object_get(j, "message"));
}

void llm_error_message(const char *body, size_t len, char *out, size_t max)
{
	json_t *j = json_loadb(body ? body : "", len, 0, NULL);
	const char *m = message_of(j);
	size_t i, n;

	if (m)
		snprintf(out, max, "%s", m);
	else
		snprintf(out, max, "%.*s", (int)(len < 300 ? len : 300), body ? body : "");
	json_decref(j);
	/* one line in a message: newlines of an HTML page or a trace go */
	for (i = 0, n = strlen(out); i < n; i++)
		if (out[i] == '\n' || out[i] == '\r' || out[i] == '\t')
			out[i] = ' ';
	while (n && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
}

bool llm_error_is_context(long status, const char *body, size_t len)
{
	static const char *const phrases[] = {
		"context length", "context_length", "maximum context", "too many tokens",
		"context window", "prompt is too long", "input is too long",
		"exceeds the context", NULL,
	};
	json_t *j = json_loadb(body ? body : "", len, 0, NULL);
	const char *code = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
	char msg[2048];
	bool yes = code && !strcmp(code, "context_length_exceeded");
	size_t i;

	json_decref(j);
	if (status != 400 && status != 413)
		return false;
	llm_error_message(body, len, msg, sizeof(msg));
	for (i = 0; !yes && phrases[i]; i++)
		yes = strcasestr(msg, phrases[i]) != NULL;
	return yes;
}
