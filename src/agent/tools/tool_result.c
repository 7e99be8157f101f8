/* tool_result.c — filling and clearing a struct tool_result: what every
 * tool's execute function hands back. */
#include <stdlib.h>
#include <string.h>

#include "agent/tools/tool_text.h"
#include "agent/tools/tools_internal.h"
#include "common/hb_error.h"

void tool_result_clear(struct tool_result *r)
{
	json_decref(r->observation);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

json_t *tool_text_content(const char *text)
{
	return json_pack("[{s:s, s:s}]", "type", "text", "text", text ? text : "");
}

int tool_result_set(struct tool_result *out, json_t *observation, const char *text,
		    bool is_error, char *err, size_t errlen)
{
	size_t hl = is_error ? strlen(TOOL_ERROR_HEADER) : 0, tl = strlen(text);

	memset(out, 0, sizeof(*out));
	out->text = malloc(hl + tl + 1);
	if (!observation || !out->text) {
		json_decref(observation);
		free(out->text);
		out->text = NULL;
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	}
	memcpy(out->text, TOOL_ERROR_HEADER, hl);
	memcpy(out->text + hl, text, tl + 1);
	out->observation = observation;
	out->is_error = is_error;
	return 0;
}
