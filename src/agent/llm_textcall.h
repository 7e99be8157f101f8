/* llm_textcall.h — tool calls written as text (API.md § 3), for models or
 * servers without native function calling:
 *
 *     <function=terminal>
 *     <parameter=command>ls -la /workspace</parameter>
 *     </function>
 *
 * One side rewrites a native request (tools as specs, assistant
 * "tool_calls", role "tool" results) into plain chat messages; the other
 * reads such calls back out of a reply, tolerantly, since small models
 * write them loosely. Pure functions: no I/O, unit-tested. */
#ifndef HB_AGENT_LLM_TEXTCALL_H
#define HB_AGENT_LLM_TEXTCALL_H

#include <stddef.h>

#include <jansson.h>

#include "agent/llm.h"

/* The stop sequence a text-call request carries: the reply ends before the
 * call's closing tag, so the model cannot go on to invent its result. */
#define LLM_TEXTCALL_STOP "</function"

/* The description of tools (an array of function specs) and of the call
 * format, as appended to the system message. malloc'd; NULL on ENOMEM. */
char *llm_textcall_describe(json_t *tools);

/* A new array: messages rewritten for a server that gets no "tools" — the
 * description appended to the system message (one is added first when
 * there is none), assistant tool_calls turned into <function=…> text,
 * role "tool" results into user messages starting
 * "EXECUTION RESULT of [NAME]:". messages is borrowed; NULL on ENOMEM or
 * when messages is not an array. */
json_t *llm_textcall_messages(json_t *messages, json_t *tools);

/* What a reply holds once its calls are read out. */
struct llm_textcall_reply {
	char *content;                  /* text before the first call, <think> parts removed */
	char *reasoning;                /* <think>…</think> text, or all before a lone </think>; NULL when none */
	struct llm_tool_call *calls;
	size_t ncalls;
};

/* Reads text: <think>…</think> (or a lone </think>) into reasoning,
 * <tool_call> wrappers dropped, every <function=NAME>…</function> (the
 * closing tag may be missing) into a call whose arguments are a JSON object
 * of the parameters as strings (the tools coerce types). A call that cannot
 * be read has arguments NULL and parse_error saying how to write it. Call
 * ids are "call_<n>" from *next_id on (advanced). Text after the last call
 * is dropped (models go on to imagine the result). Returns 0 or HB_ENOMEM;
 * clear *out with llm_textcall_reply_clear. */
int llm_textcall_parse(const char *text, unsigned long *next_id,
		       struct llm_textcall_reply *out);
void llm_textcall_reply_clear(struct llm_textcall_reply *r);

/* Frees the strings of one call (not c itself). */
void llm_tool_call_clear(struct llm_tool_call *c);

#endif
