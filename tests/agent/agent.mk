# tests/agent/agent.mk — programs that drive the agent library for the
# integration tests, included by the Makefile. They use the library's
# internals (src/agent/…), so they link the archive of every global
# ($(LIBALL)), as the CLI does.

LLM_PROBE := $(BUILD)/llm_probe

$(LLM_PROBE): tests/agent/llm_probe.c $(LIBALL)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIBALL) $(HOST_LIBS)
