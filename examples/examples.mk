# examples/examples.mk — the SDK examples, built the way a user builds
# them: against an installed handbox (make install into $(BUILD)/stage),
# found with pkg-config, linked with the shared library. Included by the
# Makefile; `make example` builds and runs hello_workspace, which needs
# a Docker engine and the default image (handbox image build).

STAGE       := $(abspath $(BUILD)/stage)
EXAMPLE_BIN := $(BUILD)/examples/hello_workspace

$(EXAMPLE_BIN): examples/hello_workspace.c $(LIBSO) $(LIBA) $(HANDBOX) $(SANDBOXD)
	$(MAKE) --no-print-directory install PREFIX=$(STAGE) >/dev/null
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -o $@ $< \
		$$(PKG_CONFIG_PATH=$(STAGE)/lib/pkgconfig pkg-config --cflags --libs handbox)

# The program must print what the sandbox said, and leave no sandbox.
example: $(EXAMPLE_BIN)
	LD_LIBRARY_PATH=$(STAGE)/lib tests/examples/run-hello $(EXAMPLE_BIN) $(STAGE)
