# tests/agent/tools.mk — the agent tools' probe of
# tests/integration/test_agent_tools.py: a program that runs tool calls
# read on stdin against a sandboxd and prints what the model would read.

TOOL_PROBE := $(BUILD)/tool_probe

$(TOOL_PROBE): tests/agent/tool_probe.c $(LIBALL)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIBALL) $(HOST_LIBS)

.PHONY: tool-probe
tool-probe: $(TOOL_PROBE)
