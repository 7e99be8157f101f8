# handbox build. `make` builds every binary and the library into $(BUILD)/;
# `make test` checks the include layers and runs the unit tests (plain and
# sanitized), the integration tests, the web UI's browser tests (`make
# e2e`) and the SDK examples against an installed copy (`make examples`
# only builds them); `make install PREFIX=…` installs.
# BUILD may be overridden so several builds can share one tree.

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
# Every object may end up in libhandbox.so.
PIC      := -fPIC
PREFIX   ?= /usr/local
DESTDIR  ?=
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CPPFLAGS := -D_GNU_SOURCE -Isrc -Iinclude
DEPFLAGS  = -MMD -MP

COMMON_SRC   := $(wildcard src/common/*.c)
NET_SRC      := $(wildcard src/net/*.c)
SANDBOXD_SRC := $(wildcard src/sandboxd/*.c) $(NET_SRC)
# main.c is the only file that is not also linked into unit tests and fuzzers.
SANDBOXD_LIB := $(filter-out src/sandboxd/main.c,$(SANDBOXD_SRC))
# libhandbox: the public API (src/lib) and what it stands on. The CLI
# links it statically and uses only include/handbox and src/common.
LIB_SRC      := $(wildcard src/lib/*.c src/engine/*.c src/image/*.c src/runtime/*.c \
		  src/runtime/docker/*.c src/runtime/process/*.c src/client/*.c \
		  src/agent/*.c src/agent/tools/*.c src/store/*.c src/server/*.c) \
		$(NET_SRC) $(COMMON_SRC)
CLI_SRC      := $(wildcard src/cli/*.c)
# What unit tests link besides sandboxd's modules: everything of the host
# side but common (in libsandboxd.a) and the CLI's main.
HOST_LIB     := $(filter-out $(COMMON_SRC) $(NET_SRC) src/cli/main.c,$(LIB_SRC) $(CLI_SRC))
HOST_LIBS    := -lcurl -larchive -lwebsockets -ljansson -lsqlite3 -lpthread -lm

# sandboxd is bind-mounted into arbitrary images (glibc, musl, scratch):
# it must be static and must not use NSS.
SANDBOXD_LIBS := -static -lwebsockets -ljansson -lssl -lcrypto -lz -lcap -lpthread -ldl

obj = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(1))

# The web UI (web/), compiled in (web/web.mk): $(WEB_ASSETS_OBJ) is linked
# into the library. Its rules come before `all:`, so the goal is named.
.DEFAULT_GOAL := all
include web/web.mk

SANDBOXD := $(BUILD)/handbox-sandboxd
HANDBOX  := $(BUILD)/handbox
LIBA     := $(BUILD)/libhandbox.a
# Every global of the library, for the CLI and the benchmark (which use
# common/ and client/ as well); never installed.
LIBALL   := $(BUILD)/obj/libhandbox-all.a
SOVER    := 0
LIBSO    := $(BUILD)/libhandbox.so.$(SOVER)
VERSION  := $(shell sed -n 's/^\#define HB_VERSION "\(.*\)"/\1/p' include/handbox/handbox.h)

.PHONY: all test unit integration e2e e2e-desktop fuzz bench clean layers install example
all: $(SANDBOXD) $(HANDBOX) $(LIBA) $(LIBSO)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PIC) $(WARN) $(DEPFLAGS) -c $< -o $@

# The static link warns that NSS-using functions (getpwnam, getaddrinfo…)
# need glibc's shared modules at run time; sandboxd never calls them, so the
# warnings are filtered to keep the build output readable.
$(SANDBOXD): $(call obj,$(SANDBOXD_SRC) $(COMMON_SRC))
	@$(CC) $(CFLAGS) -o $@ $^ $(SANDBOXD_LIBS) 2>$@.log; st=$$?; \
	grep -v -e 'statically linked applications requires' -e ': in function' $@.log >&2; \
	rm -f $@.log; exit $$st
	@echo "LINK $@ (static)"

$(LIBALL): $(call obj,$(LIB_SRC)) $(WEB_ASSETS_OBJ)
	@rm -f $@
	@ar rcs $@ $^
	@echo "AR $@"

# The archive programs link: one object whose only globals are hb_… (as the
# shared library's), so a program may have its own parse_uint or buf_init.
$(LIBA): $(call obj,$(LIB_SRC)) $(WEB_ASSETS_OBJ) src/lib/libhandbox.map
	@rm -f $@ $@.o $@.syms
	ld -r -o $@.o $(call obj,$(LIB_SRC)) $(WEB_ASSETS_OBJ)
	nm -g --defined-only $@.o | awk '$$3 ~ /^hb_/ && $$3 != "hb_fail" { print $$3 }' >$@.syms
	objcopy --keep-global-symbols=$@.syms $@.o
	@ar rcs $@ $@.o
	@rm -f $@.o $@.syms
	@echo "AR $@ (hb_ only)"

# Only hb_… is exported (src/lib/libhandbox.map): the internals can change
# without breaking programs linked against the shared library.
$(LIBSO): $(call obj,$(LIB_SRC)) $(WEB_ASSETS_OBJ) src/lib/libhandbox.map
	$(CC) $(CFLAGS) -shared -Wl,-soname,libhandbox.so.$(SOVER) \
		-Wl,--version-script=src/lib/libhandbox.map -o $@ \
		$(call obj,$(LIB_SRC)) $(WEB_ASSETS_OBJ) $(HOST_LIBS)
	@ln -sf libhandbox.so.$(SOVER) $(BUILD)/libhandbox.so

$(HANDBOX): $(call obj,$(CLI_SRC)) $(LIBALL)
	$(CC) $(CFLAGS) -o $@ $^ $(HOST_LIBS)

# The include-layer rule (tools/layers.rules, docs/layers.md).
layers:
	tools/check-layers
	python3 tests/layers/test_check_layers.py

# Headers, both libraries, handbox.pc, the CLI, and sandboxd where the
# library looks for it (PREFIX/libexec/handbox). The .pc file names the
# PREFIX it is installed under.
install: all
	@test -n "$(PREFIX)" || { echo "install: PREFIX is empty" >&2; exit 2; }
	install -d $(DESTDIR)$(PREFIX)/include/handbox $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/handbox
	install -m 0644 include/handbox/*.h $(DESTDIR)$(PREFIX)/include/handbox/
	install -m 0644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libhandbox.so.$(SOVER) $(DESTDIR)$(PREFIX)/lib/libhandbox.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		src/lib/handbox.pc.in >$(DESTDIR)$(PREFIX)/lib/pkgconfig/handbox.pc
	install -m 0755 $(HANDBOX) $(DESTDIR)$(PREFIX)/bin/handbox
	install -m 0755 $(SANDBOXD) $(DESTDIR)$(PREFIX)/libexec/handbox/handbox-sandboxd

include tests/unit/unit.mk
include fuzz/fuzz.mk
include bench/bench.mk

include examples/examples.mk
include tests/sdk/sdk.mk
include tests/agent/agent.mk
include tests/agent/tools.mk
include tests/store/store.mk

# The programs the integration tests drive, and where they find them.
PROBES    := $(SDK_PROBE) $(REMOTE_PROBE) $(EXAMPLE_REMOTE) $(LLM_PROBE) $(TOOL_PROBE) \
	     $(STORE_WRITER)
PROBE_ENV  = SANDBOXD=$(SANDBOXD) HANDBOX=$(HANDBOX) SDK_PROBE=$(SDK_PROBE) \
	     REMOTE_PROBE=$(REMOTE_PROBE) EXAMPLE_REMOTE=$(EXAMPLE_REMOTE) \
	     LLM_PROBE=$(LLM_PROBE) TOOL_PROBE=$(TOOL_PROBE) STORE_WRITER=$(STORE_WRITER)

# A short run of every fuzz target: a target that no longer starts (a
# setting of the HTTP layer it does not give) fails here, not months later.
test: all layers unit example example-conversation example-extra-ports $(PROBES) e2e e2e-desktop
	$(MAKE) --no-print-directory fuzz-smoke FUZZ_TIME=10
	$(PROBE_ENV) tests/integration/run

# The web UI in headless Chromium against build/handbox serve, Docker and
# the scripted LLM, also behind nginx over HTTPS (tests/e2e/README.md;
# screenshots in $(BUILD)/test-artifacts/). Fails, never skips, when
# node, chromium, nginx or Docker is missing.
e2e: all
	HANDBOX=$(HANDBOX) SANDBOXD=$(SANDBOXD) E2E_ARTIFACTS=$(BUILD)/test-artifacts tests/e2e/run

# The VS Code and Desktop tabs with an image that has them (not in `make
# test`, whose image is the default one; fails when the image is missing).
e2e-desktop: all
	HANDBOX=$(HANDBOX) SANDBOXD=$(SANDBOXD) E2E_ARTIFACTS=$(BUILD)/test-artifacts \
		E2E_IMAGE=$${E2E_IMAGE:-handbox/sandbox:desktop} tests/e2e/run tests/e2e/desktop.e2e.mjs

integration: all $(PROBES)
	$(PROBE_ENV) tests/integration/run

bench: all bench-tools
	bench/run

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
