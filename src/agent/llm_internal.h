/* llm_internal.h — the struct llm shared by llm.c (open, close, totals,
 * the retry loop) and llm_attempt.c (one request and what its answer
 * means). Not for other modules: they use llm.h. */
#ifndef HB_AGENT_LLM_INTERNAL_H
#define HB_AGENT_LLM_INTERNAL_H

#include "agent/llm.h"
#include "agent/llm_http.h"

struct llm {
	struct llm_config c;       /* its strings are the copies below */
	char *model, *base_url, *api_key;
	char *url;                 /* base_url + "/chat/completions" */
	bool docker_host;          /* base_url names host.docker.internal */
	struct llm_http http;
	bool text_calls;           /* send text calls (configured, or switched) */
	bool switch_untold;        /* switched; llm_take_mode_switch not yet asked */
	double in_cost, out_cost;  /* USD per token; < 0 unknown */
	struct llm_totals totals;
	unsigned long next_call_id;
	unsigned int seed;         /* of the backoff's jitter */
};

/* What llm_attempt found. */
enum llm_verdict {
	LLM_DONE,       /* *out filled, or the call failed for good (rc) */
	LLM_RETRY,      /* 429, 5xx, a broken answer: back off and ask again */
	LLM_RETRY_CONNECT, /* the server could not be reached */
	LLM_SWITCHED,   /* tools refused: now in text calls, ask again at once */
};

/* One request for messages and tools. Returns 0 with *out filled, or a
 * negative HB_E… with err written; *verdict says whether to ask again and
 * *retry_after_s the server's Retry-After (< 0 none). */
int llm_attempt(struct llm *l, json_t *messages, json_t *tools, const struct hb_cancel *cancel,
		struct llm_response *out, enum llm_verdict *verdict, double *retry_after_s,
		char *err, size_t errlen);

#endif
