/* llm.h — the OpenAI-compatible chat client of the agent: POST
 * {base_url}/chat/completions with function calling, streamed (SSE) or not,
 * with retries, a per-call timeout, cancellation, token counts and cost.
 *
 * The caller always speaks the native format: messages as the OpenAI API
 * takes them (role system/user/assistant/tool, assistant "tool_calls", tool
 * "tool_call_id") and tools as function specs. When the server has no
 * native function calling (LLM_NATIVE_TOOL_CALLING=false, or in auto mode
 * a 400 answer to a request carrying tools), this module rewrites the
 * request into text calls (API.md § 3) and parses the answer back into
 * tool calls, so the loop never knows. Used by one thread at a time;
 * llm_cancel-style interruption goes through the struct hb_cancel given to
 * llm_complete(). */
#ifndef HB_AGENT_LLM_H
#define HB_AGENT_LLM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "handbox/cancel.h"

enum llm_tool_mode {
	LLM_TOOLS_AUTO = 0,  /* native; text calls once the server refuses tools */
	LLM_TOOLS_NATIVE,    /* native only */
	LLM_TOOLS_TEXT,      /* text calls only */
};

struct llm_config {
	const char *model;          /* "gpt-4o", "qwen2.5-coder:7b"; an "openai/"-style
				       provider prefix is removed before sending */
	const char *base_url;       /* "http://localhost:1234/v1" (no trailing /chat/completions) */
	const char *api_key;        /* NULL or "": no Authorization header */
	enum llm_tool_mode tool_mode;
	bool stream;                /* ask for SSE (usage via stream_options) */
	double timeout_s;           /* per call, whole answer; 0: 300 */
	int max_retries;            /* on 429/5xx/connection errors; <0: 0; 0 default: 5 */
	double retry_min_s;         /* first backoff; 0: 1 s (tests use small values) */
	double retry_max_s;         /* cap of one backoff; 0: 60 s */
	double input_cost_per_token;   /* USD; < 0, or both 0: not given (the price table) */
	double output_cost_per_token;
};

/* Reads LLM_MODEL, LLM_BASE_URL, LLM_API_KEY, LLM_NATIVE_TOOL_CALLING
 * (auto|true|false), LLM_TIMEOUT (seconds), LLM_STREAM (bool, default
 * false), LLM_NUM_RETRIES, LLM_RETRY_MIN_WAIT, LLM_RETRY_MAX_WAIT (seconds)
 * and LLM_INPUT_COST_PER_TOKEN, LLM_OUTPUT_COST_PER_TOKEN (USD) into c
 * (strings point into the environment); fields the caller already set
 * (non-NULL, non-zero) are kept. A bad value fails naming the variable,
 * the value and what is expected. Costs not given are set to -1 (unknown:
 * the price table decides). */
int llm_config_from_env(struct llm_config *c, char *err, size_t errlen);

struct llm_usage {
	int64_t prompt_tokens;
	int64_t completion_tokens;
	int64_t cache_read_tokens;
	int64_t reasoning_tokens;
};

struct llm_tool_call {
	char *id;                   /* the server's, or "call_<n>" made up for text calls */
	char *name;                 /* as the model wrote it (aliases are the tools' business) */
	char *arguments;            /* JSON object text; for a malformed text call, NULL */
	char *parse_error;          /* why a text call could not be read, for the model; else NULL */
};

struct llm_response {
	char *id;                   /* the server's response id, "" when none */
	char *content;              /* text outside tool calls ("" when none), <think> parts removed */
	char *reasoning;            /* reasoning_content / <think> text, NULL when none */
	struct llm_tool_call *calls;
	size_t ncalls;
	char *finish_reason;        /* "stop", "tool_calls", "length"…, "" when none */
	struct llm_usage usage;     /* this call's */
	bool usage_known;           /* the server reported usage */
	double cost;                /* USD of this call; < 0 unknown (no price, or no usage) */
	double latency_s;
};
void llm_response_clear(struct llm_response *r);

struct llm;

/* Copies c (strings included). */
int llm_open(struct llm **out, const struct llm_config *c, char *err, size_t errlen);
void llm_close(struct llm *l);

/* One completion for messages (a JSON array, borrowed) offering tools (a
 * JSON array of {"type":"function","function":{name,description,parameters}},
 * may be NULL). Retries 429, 5xx and connection errors with exponential
 * backoff and jitter (Retry-After honoured), never 400/401/403/404.
 * Returns 0, or:
 *   HB_EPERM      401/403: "the LLM at URL refused the API key (401)"
 *   HB_ETOOBIG    the server says the context is too long (condense and retry)
 *   HB_ECANCELED  cancel asked to stop (checked while waiting and between retries)
 *   HB_EIO        unreachable (the message names the URL; for host.docker.internal
 *                 it says handbox runs on the host and localhost works too),
 *                 retries exhausted, a timeout, an answer that is not the API's
 *   HB_EINVAL     any other 4xx, with the server's message
 * host.docker.internal is resolved to 127.0.0.1, for settings copied from
 * the reference. */
int llm_complete(struct llm *l, json_t *messages, json_t *tools, const struct hb_cancel *cancel,
		 struct llm_response *out, char *err, size_t errlen);

/* The models the server offers (GET {base_url}/models, OpenAI's list):
 * a new array of their ids. Errors as llm_complete()'s (no retries),
 * waiting at most timeout_s. */
int llm_list_models(struct llm *l, double timeout_s, const struct hb_cancel *cancel,
		    json_t **ids, char *err, size_t errlen);

/* true once this llm switched to text calls after a refusal of tools (auto
 * mode); llm_take_mode_switch() returns true exactly once after the switch,
 * so the caller can say so in the events once. */
bool llm_uses_text_calls(const struct llm *l);
bool llm_take_mode_switch(struct llm *l);

/* Accumulated over every call of l. cost is USD, or < 0 when unknown (no
 * price given and the model not in the table): shown as "n/a", never 0. */
struct llm_totals {
	struct llm_usage usage;
	double cost;
	int64_t calls;
};
void llm_totals(const struct llm *l, struct llm_totals *out);
/* Start the totals from stored figures (a resumed conversation). */
void llm_totals_restore(struct llm *l, const struct llm_totals *t);

/* USD per token for model from the built-in table (well-known hosted
 * models); false when unknown. */
bool llm_price_lookup(const char *model, double *input, double *output);

#endif
