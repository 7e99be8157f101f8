/* llm_sse.h — the streamed answer of /chat/completions (server-sent
 * events): `data: {chunk}` lines whose deltas add up to one message, tool
 * calls assembled by their "index", "usage" in the last chunk, then
 * `data: [DONE]`.
 *
 * Pure: bytes in, one JSON body out, shaped as the non-streamed answer
 * ({"id","choices":[{"message","finish_reason"}],"usage"}) so both go
 * through the same reader. Bytes may be split anywhere. Every buffer has a
 * cap. Each data line is one chunk (as every OpenAI-compatible server
 * writes them); lines that are not (comments, "event:", garbage) are
 * counted and skipped. */
#ifndef HB_AGENT_LLM_SSE_H
#define HB_AGENT_LLM_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

#define LLM_SSE_MAX_CALLS 128

struct llm_sse_call {
	struct buf id, name, args;
};

struct llm_sse {
	struct buf line;             /* the line being read */
	struct buf content, reasoning;
	struct llm_sse_call calls[LLM_SSE_MAX_CALLS];
	size_t ncalls;
	char *id, *finish_reason;    /* first id, last finish_reason */
	json_t *usage;               /* the last non-null "usage" */
	char *error;                 /* the message of a streamed {"error":…} */
	bool done;                   /* data: [DONE] seen */
	size_t chunks;               /* chunks read */
	size_t skipped;              /* lines that were not chunks */
	size_t cap;
};

/* cap bounds one line and each accumulated text (bytes). */
void llm_sse_init(struct llm_sse *p, size_t cap);
/* Reads len more bytes. HB_ETOOBIG when a line or a text passes the cap,
 * HB_ENOMEM; err says which. After an error the parser is only freed. */
int llm_sse_feed(struct llm_sse *p, const char *data, size_t len, char *err, size_t errlen);
/* The answer so far as a non-streamed body (a new reference); a last line
 * without its newline is read first. NULL on ENOMEM. */
json_t *llm_sse_body(struct llm_sse *p);
void llm_sse_free(struct llm_sse *p);

#endif
