/* llm_wire.h — the JSON of /chat/completions, without I/O: the request
 * body, the answer read into a struct llm_response (streamed answers are
 * first assembled into the same shape by llm_sse.h), the server's error
 * message, and the model name as sent. Unit-testable. */
#ifndef HB_AGENT_LLM_WIRE_H
#define HB_AGENT_LLM_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "agent/llm.h"

/* The model name to send: a LiteLLM routing prefix ("openai/",
 * "litellm_proxy/", "hosted_vllm/", "lm_studio/", "ollama/",
 * "ollama_chat/", "openrouter/") removed, since reference configurations
 * carry them and the servers behind them do not know them. Points into
 * model. */
const char *llm_model_wire_name(const char *model);

/* The request body (a new reference): model, messages, and either tools
 * with tool_choice "auto" (native), or the messages rewritten for text
 * calls with stop ["</function"] and no tools (text). tools NULL or empty:
 * neither. stream adds stream_options.include_usage. NULL on ENOMEM. */
json_t *llm_request_body(const char *model, json_t *messages, json_t *tools, bool text,
			 bool stream);

/* A non-streamed answer body into out. Calls written as text in the
 * content are read as calls (when the answer has no native ones), and
 * <think> parts move to reasoning, in either mode. *next_id numbers the
 * calls that have no id. HB_EIO when body is not a chat completion
 * (err says what it lacks), HB_ENOMEM. */
int llm_response_read(json_t *body, unsigned long *next_id, struct llm_response *out,
		      char *err, size_t errlen);

/* The server's own words in an error body ({"error":{"message"}},
 * {"error":"…"}, {"detail"}, {"message"}, or the text itself), at most
 * max bytes, into out. */
void llm_error_message(const char *body, size_t len, char *out, size_t max);

/* The server says the prompt is too long for the model (a 400 or 413
 * whose message or code says so). */
bool llm_error_is_context(long status, const char *body, size_t len);

#endif
