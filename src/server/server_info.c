/* server_info.c — the JSON views of a conversation (ConversationInfo of
 * API.md § 2) and the small readers the routes share: a key shown
 * masked, the text of a user message. */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "server/server.h"

json_t *srv_mask_key(const char *key)
{
	char masked[16];
	size_t n;

	if (!key || !*key)
		return json_null();
	n = strlen(key);
	/* a short key shows nothing of itself */
	snprintf(masked, sizeof(masked), "****%s", n >= 12 ? key + n - 4 : "");
	return json_string(masked);
}

static const char *sandbox_status(enum srv_sandbox s)
{
	switch (s) {
	case SRV_SB_STARTING: return "starting";
	case SRV_SB_READY: return "running";
	case SRV_SB_FAILED: return "error";
	default: return "none";
	}
}

static json_t *iso(int64_t us)
{
	char t[ISOTIME_STR_LEN];

	isotime_format(us, t);
	return json_string(t);
}

/* The agent as the reference shows it, from the stored config; the key
 * masked. */
static json_t *agent_view(const struct store_conversation *row, const char *key)
{
	json_t *llm = json_object_get(row->config, "llm");

	return json_pack("{s:s, s:{s:s, s:s, s:o, s:s, s:O?}}", "kind", "Agent", "llm",
			 "model", json_string_value(json_object_get(llm, "model")) ?: "",
			 "base_url", json_string_value(json_object_get(llm, "base_url")) ?: "",
			 "api_key", srv_mask_key(key), "usage_id", "agent",
			 "native_tool_calling", json_object_get(llm, "native_tool_calling"));
}

json_t *srv_conv_info(struct srv_conv *cv, const struct store_conversation *row)
{
	json_t *stats = json_object_size(row->stats) ? json_incref(row->stats) :
			json_pack("{s:{}}", "usage_to_metrics");
	json_t *metrics = json_object_get(json_object_get(stats, "usage_to_metrics"), "agent");
	json_t *max = json_object_get(row->config, "max_iterations");
	const char *status = row->status;
	char error[sizeof(cv->sandbox_error)];
	const char *paused_by = NULL;
	enum srv_sandbox sb;
	char said[sizeof(cv->said_status)];
	bool busy, idle;

	pthread_mutex_lock(&cv->lock);
	busy = cv->run_asked || cv->running;
	memcpy(said, cv->said_status, sizeof(said));
	sb = cv->sandbox;
	idle = cv->sandbox_idle || cv->sleeping;   /* or being paused for it */
	snprintf(error, sizeof(error), "%s", cv->sandbox_error);
	pthread_mutex_unlock(&cv->lock);
	/* paused by the idle rule or by POST /api/sandboxes/{id}/pause */
	if (sb != SRV_SB_STARTING && sb != SRV_SB_FAILED && srv_sbx_conv_paused(cv->id))
		paused_by = idle ? "idle" : "asked";
	/* asked to run but the agent has not said so yet (its sandbox is
	 * starting): a client waiting for the run's end must not see "idle";
	 * what it said since is what its events said, whether or not the
	 * row has followed yet */
	if (busy)
		status = *said ? said : "running";
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:O?, s:s?, s:s, s:s?, s:s?, s:o}",
			 "id", cv->id, "title", row->title ?: "", "execution_status", status,
			 "created_at", iso(row->created_us), "updated_at", iso(row->updated_us),
			 "max_iterations", (json_int_t)(json_is_integer(max) ? json_integer_value(max) : 500),
			 "stats", stats, "metrics", metrics,
			 "sandbox_id", row->sandbox_id && *row->sandbox_id ? row->sandbox_id : NULL,
			 "sandbox_status", paused_by ? "paused" : sandbox_status(sb),
			 "sandbox_paused", paused_by,
			 "sandbox_error", *error ? error : NULL,
			 "agent", agent_view(row, cv->llm_key));
}

int srv_conv_info_load(struct srv_conv *cv, json_t **out, char *err, size_t errlen)
{
	struct store_conversation row = { 0 };
	int rc = store_conversation_get(srv.store, cv->id, &row, err, errlen);

	*out = NULL;
	if (rc == 0 && !(*out = srv_conv_info(cv, &row)))
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	store_conversation_clear(&row);
	return rc;
}

char *srv_message_text(json_t *msg, char *err, size_t errlen)
{
	json_t *content = json_object_get(msg, "content"), *part;
	const char *role = json_string_value(json_object_get(msg, "role"));
	struct buf b;
	size_t i;

	if (!json_is_object(msg) || (role && strcmp(role, "user"))) {
		hb_fail(err, errlen, HB_EINVAL, "message: expected {\"role\":\"user\",\"content\":"
			"[{\"type\":\"text\",\"text\":\"...\"}]}");
		return NULL;
	}
	if (json_is_string(content))
		return strdup(json_string_value(content));
	buf_init(&b, SERVER_MESSAGE_MAX);
	json_array_foreach(content, i, part) {
		const char *text = json_string_value(json_object_get(part, "text"));

		if (!text)
			continue;
		if ((b.len && buf_append(&b, "\n", 1)) || buf_append(&b, text, strlen(text))) {
			buf_free(&b);
			hb_fail(err, errlen, HB_ETOOBIG, "message: over %u bytes of text",
				SERVER_MESSAGE_MAX);
			return NULL;
		}
	}
	if (!b.len) {
		buf_free(&b);
		hb_fail(err, errlen, HB_EINVAL, "message: \"content\" holds no text; expected "
			"[{\"type\":\"text\",\"text\":\"...\"}]");
		return NULL;
	}
	if (buf_append(&b, "", 1)) {
		buf_free(&b);
		hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		return NULL;
	}
	return b.data;
}
