/* routes_llm.c — the settings page's two helpers: GET
 * /api/settings/llm-presets (the LLM servers answering on this host, with
 * their models) and POST /api/settings/llm-test (one real call with the
 * settings being edited). Both block on the network, so they run as jobs
 * (server_jobs.c). */
#include <stdlib.h>
#include <string.h>

#include "common/hb_error.h"
#include "server/llm_presets.h"
#include "server/routes.h"
#include "server/server.h"

static int presets_job(json_t *arg, json_t **reply, char *err, size_t errlen)
{
	return llm_presets_find(reply, err, errlen);
}

int route_llm_presets(struct http_conn *c, json_t *body)
{
	return srv_job_start(c, presets_job, NULL, 200);
}

/* The LLM's refusal or silence is the answer the user asked for: it comes
 * as {"ok": false, "detail": …}, not as an HTTP error of handbox's. */
static int test_job(json_t *arg, json_t **reply, char *err, size_t errlen)
{
	const char *ntc = json_string_value(json_object_get(arg, "native_tool_calling"));
	struct llm_config c = {
		.model = json_string_value(json_object_get(arg, "model")),
		.base_url = json_string_value(json_object_get(arg, "base_url")),
		.api_key = json_string_value(json_object_get(arg, "api_key")),
		.tool_mode = ntc && !strcmp(ntc, "false") ? LLM_TOOLS_TEXT : LLM_TOOLS_AUTO,
		.input_cost_per_token = -1, .output_cost_per_token = -1,
	};
	char msg[HB_ERR_MAX], *text = NULL;

	if (llm_presets_test(&c, &text, msg, sizeof(msg)))
		*reply = json_pack("{s:b, s:s}", "ok", 0, "detail", msg);
	else
		*reply = json_pack("{s:b, s:s}", "ok", 1, "reply", text);
	free(text);
	return *reply ? 0 : hb_fail(err, errlen, HB_ENOMEM, "out of memory");
}

/* body's fields over the settings in force; a masked key ("****…") or
 * none means the stored one. NULL with err when a field is not text. */
static json_t *test_settings(json_t *body, char *err, size_t errlen)
{
	json_t *all = srv_settings_effective(), *llm, *v;
	const char *f;

	llm = json_deep_copy(json_object_get(all, "llm"));
	json_decref(all);
	if (!llm) {
		hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		return NULL;
	}
	json_object_foreach(body, f, v) {
		if (json_is_boolean(v)) {
			json_object_set_new(llm, f, json_string(json_is_true(v) ? "true" : "false"));
		} else if (!json_is_string(v)) {
			hb_fail(err, errlen, HB_EINVAL, "%s: expected a string", f);
			json_decref(llm);
			return NULL;
		} else if (strcmp(f, "api_key") || strncmp(json_string_value(v), "****", 4)) {
			json_object_set(llm, f, v);
		}
	}
	return llm;
}

int route_llm_test(struct http_conn *c, json_t *body)
{
	char err[HB_ERR_MAX];
	json_t *llm;

	if (body && !json_is_object(body))
		return http_reply_error(c, 422, "expected a JSON object {\"llm\": {model, base_url, "
					"api_key}}");
	/* {"llm": {…}} as the settings are posted, or the fields alone */
	if (json_is_object(json_object_get(body, "llm")))
		body = json_object_get(body, "llm");
	if (!(llm = test_settings(body, err, sizeof(err))))
		return srv_reply_fail(c, HB_EINVAL, err);
	if (!json_string_value(json_object_get(llm, "model")) ||
	    !json_string_value(json_object_get(llm, "base_url"))) {
		json_decref(llm);
		return http_reply_error(c, 422, "model and base_url are needed to test the LLM");
	}
	return srv_job_start(c, test_job, llm, 200);
}
