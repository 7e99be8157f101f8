/* server_llm_note.c — the line `handbox serve` prints at start after its
 * URL: which LLM new conversations will use. The configured one (the
 * settings, else LLM_MODEL and LLM_BASE_URL) at once; without one, the
 * OpenAI-compatible servers answering on this host, found by
 * llm_presets_find() on a thread of its own, so the listen never waits
 * for the probes. The thread touches nothing of the server's state: it
 * may outlive a short run of hb_server_run(). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "server/llm_presets.h"
#include "server/server.h"

#define PREFIX "handbox serve: LLM: "

/* The line for the servers found: "LM Studio at URL (3 models), Ollama at
 * URL (1 model) — choose one in Settings (URL)"; a new string. */
static char *found_line(json_t *found, const char *settings_url)
{
	struct buf b;
	json_t *p;
	size_t i, n;
	char *line;

	buf_init(&b, 0);
	if (!json_array_size(found)) {
		buf_printf(&b, "none found (LM Studio :1234, Ollama :11434, llama.cpp :8080, "
			    "vLLM :8000 on this host); open Settings: %s", settings_url);
	} else {
		json_array_foreach(found, i, p) {
			n = json_array_size(json_object_get(p, "models"));
			buf_printf(&b, "%s%s at %s (%zu model%s)", i ? ", " : "",
				    json_string_value(json_object_get(p, "name")),
				    json_string_value(json_object_get(p, "base_url")), n,
				    n == 1 ? "" : "s");
		}
		buf_printf(&b, " \u2014 choose one in Settings: %s", settings_url);
	}
	line = buf_steal(&b, NULL);
	return line;
}

static void *find_thread(void *arg)
{
	char *settings_url = arg, err[HB_ERR_MAX], *line;
	json_t *found = NULL;

	if (llm_presets_find(&found, err, sizeof(err))) {
		fprintf(stderr, PREFIX "none set, and looking for local servers failed: %s; open "
			"Settings: %s\n", err, settings_url);
	} else if ((line = found_line(found, settings_url))) {
		fprintf(stderr, PREFIX "%s\n", line);
		free(line);
	}
	json_decref(found);
	free(settings_url);
	return NULL;
}

void srv_llm_announce(const char *url)
{
	json_t *s = srv_settings_effective();
	json_t *llm = json_object_get(s, "llm");
	const char *model = json_string_value(json_object_get(llm, "model"));
	const char *base = json_string_value(json_object_get(llm, "base_url"));
	char *settings_url = NULL;
	pthread_attr_t attr;
	pthread_t t;

	if (model && *model && base && *base) {
		fprintf(stderr, PREFIX "%s at %s (change it in Settings: %ssettings)\n", model, base,
			url);
		json_decref(s);
		return;
	}
	json_decref(s);
	if (asprintf(&settings_url, "%ssettings", url) < 0)
		return;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, find_thread, settings_url)) {
		fprintf(stderr, PREFIX "none set; open Settings: %s\n", settings_url);
		free(settings_url);
	}
	pthread_attr_destroy(&attr);
}
