# examples/examples.mk — the SDK examples, built the way a user builds
# them: against an installed handbox (make install into $(BUILD)/stage),
# found with pkg-config, linked with the shared library. Included by the
# Makefile.
#   make examples          builds every examples/*.c into $(BUILD)/examples/
#   make example           builds and runs hello_workspace (a Docker engine
#                          and the default image: handbox image build)
#   make example-conversation
#                          builds and runs docker_workspace against the
#                          scripted LLM of tests/lib/fake_llm.py
#   make example-extra-ports
#                          the same for vscode_workspace and
#                          browser_workspace (seed 004's extra_ports)
# remote_conversation runs in tests/integration/test_sdk_remote.py, against
# a handbox serve the test starts (it is one of the Makefile's PROBES).

STAGE        := $(abspath $(BUILD)/stage)
# One install for all the examples (several installs into one stage at
# once, under make -j, would trip over each other).
STAGE_STAMP  := $(BUILD)/stage/.installed
EXAMPLE_SRC  := $(wildcard examples/*.c)
EXAMPLES     := $(patsubst examples/%.c,$(BUILD)/examples/%,$(EXAMPLE_SRC))
EXAMPLE_BIN  := $(BUILD)/examples/hello_workspace
EXAMPLE_CONV := $(BUILD)/examples/docker_workspace
EXAMPLE_REMOTE := $(BUILD)/examples/remote_conversation
EXAMPLE_PORTS := $(BUILD)/examples/vscode_workspace $(BUILD)/examples/browser_workspace

.PHONY: examples example example-conversation example-extra-ports

$(STAGE_STAMP): $(LIBSO) $(LIBA) $(HANDBOX) $(SANDBOXD) include/handbox/*.h src/lib/handbox.pc.in
	$(MAKE) --no-print-directory install PREFIX=$(STAGE) >/dev/null
	@touch $@

$(BUILD)/examples/%: examples/%.c $(STAGE_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< \
		$$(PKG_CONFIG_PATH=$(STAGE)/lib/pkgconfig pkg-config --cflags --libs handbox)

examples: $(EXAMPLES)

# The program must print what the sandbox said, and leave no sandbox.
example: $(EXAMPLE_BIN)
	LD_LIBRARY_PATH=$(STAGE)/lib tests/examples/run-hello $(EXAMPLE_BIN) $(STAGE)

# Two tasks for the agent, a file made and deleted in a mounted folder,
# and no sandbox left.
example-conversation: $(EXAMPLE_CONV)
	LD_LIBRARY_PATH=$(STAGE)/lib tests/examples/run-docker-workspace $(EXAMPLE_CONV) $(STAGE)

# A task for the agent in a sandbox published on HOST_PORT, + 1, + 2, the
# VS Code or VNC URL (or the note that the image has none), and no
# sandbox left.
example-extra-ports: $(EXAMPLE_PORTS)
	for x in $(EXAMPLE_PORTS); do \
		LD_LIBRARY_PATH=$(STAGE)/lib tests/examples/run-extra-ports $$x $(STAGE) || exit 1; \
	done
