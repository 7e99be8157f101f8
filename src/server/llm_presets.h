/* llm_presets.h — the OpenAI-compatible servers answering on this host
 * (LM Studio, Ollama, llama.cpp, vLLM at their usual ports, and the extra
 * ones HANDBOX_LLM_PRESETS names) with their models, so a local setup in
 * the UI is two clicks; and the settings' "Test" button: one real call.
 * Blocking: call them from a worker thread. */
#ifndef HB_SERVER_LLM_PRESETS_H
#define HB_SERVER_LLM_PRESETS_H

#include <stddef.h>

#include <jansson.h>

#include "agent/llm.h"

/* The servers that answered, a new array of {"name", "base_url",
 * "models": [ids]}; those that did not are left out. HANDBOX_LLM_PRESETS
 * ("Name=http://host:port/v1,…") adds candidates; a bad entry fails naming
 * it (HB_EINVAL). */
int llm_presets_find(json_t **out, char *err, size_t errlen);

/* One short completion with settings c (no tools, no retries): *reply gets
 * the model's answer (free() it), or the LLM client's error in err. */
int llm_presets_test(const struct llm_config *c, char **reply, char *err, size_t errlen);

#endif
