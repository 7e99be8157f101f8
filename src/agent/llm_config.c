/* llm_config.c — the LLM's settings from the environment
 * (llm_config_from_env), with the reference system's variable names. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/llm.h"
#include "common/hb_error.h"
#include "common/parse.h"

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static int tool_mode(const char *v, enum llm_tool_mode *out, char *err, size_t errlen)
{
	static const char *const natives[] = { "true", "1", "yes", "on", NULL };
	static const char *const texts[] = { "false", "0", "no", "off", NULL };
	size_t i;

	if (!strcasecmp(v, "auto")) {
		*out = LLM_TOOLS_AUTO;
		return 0;
	}
	for (i = 0; natives[i]; i++)
		if (!strcasecmp(v, natives[i])) {
			*out = LLM_TOOLS_NATIVE;
			return 0;
		}
	for (i = 0; texts[i]; i++)
		if (!strcasecmp(v, texts[i])) {
			*out = LLM_TOOLS_TEXT;
			return 0;
		}
	return hb_fail(err, errlen, HB_EINVAL, "LLM_NATIVE_TOOL_CALLING: \"%s\": expected auto, "
		       "true (native function calling only) or false (tool calls written as text)", v);
}

/* Seconds into *s when the variable is set and *s is still 0. */
static int seconds(const char *name, double *s, char *err, size_t errlen)
{
	const char *v = env(name);
	int ms, rc;

	if (!v || *s)
		return 0;
	if ((rc = parse_seconds_ms(name, v, &ms, err, errlen)))
		return rc;
	*s = ms / 1000.0;
	return 0;
}

static int cost(const char *name, double *out, char *err, size_t errlen)
{
	const char *v = env(name);
	char *end;
	double d;

	if (!v) {
		*out = -1;
		return 0;
	}
	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end || errno || d < 0 || d > 1)
		return hb_fail(err, errlen, HB_EINVAL, "%s: \"%s\": expected US dollars per token, "
			       "e.g. 0.0000025 for $2.50 per million tokens", name, v);
	*out = d;
	return 0;
}

static int retries(struct llm_config *c, char *err, size_t errlen)
{
	const char *v = env("LLM_NUM_RETRIES");
	unsigned long n;
	int rc;

	if (!v || c->max_retries)
		return 0;
	if ((rc = parse_uint("LLM_NUM_RETRIES", v, 100, &n, err, errlen)))
		return rc;
	c->max_retries = n ? (int)n : -1;      /* 0 in the struct means "the default" */
	return 0;
}

int llm_config_from_env(struct llm_config *c, char *err, size_t errlen)
{
	const char *v;
	int rc;

	if (!c->model)
		c->model = env("LLM_MODEL");
	if (!c->base_url)
		c->base_url = env("LLM_BASE_URL");
	if (!c->api_key)
		c->api_key = env("LLM_API_KEY");
	if (c->tool_mode == LLM_TOOLS_AUTO && (v = env("LLM_NATIVE_TOOL_CALLING")) &&
	    (rc = tool_mode(v, &c->tool_mode, err, errlen)))
		return rc;
	if (!c->stream && (v = env("LLM_STREAM")) &&
	    (rc = parse_bool("LLM_STREAM", v, &c->stream, err, errlen)))
		return rc;
	if ((rc = seconds("LLM_TIMEOUT", &c->timeout_s, err, errlen)) ||
	    (rc = seconds("LLM_RETRY_MIN_WAIT", &c->retry_min_s, err, errlen)) ||
	    (rc = seconds("LLM_RETRY_MAX_WAIT", &c->retry_max_s, err, errlen)) ||
	    (rc = retries(c, err, errlen)))
		return rc;
	if (c->input_cost_per_token == 0 && c->output_cost_per_token == 0 &&
	    ((rc = cost("LLM_INPUT_COST_PER_TOKEN", &c->input_cost_per_token, err, errlen)) ||
	     (rc = cost("LLM_OUTPUT_COST_PER_TOKEN", &c->output_cost_per_token, err, errlen))))
		return rc;
	return 0;
}
