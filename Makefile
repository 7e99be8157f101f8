# handbox build. `make` builds every binary into $(BUILD)/; `make test` runs
# the unit tests (plain and sanitized) and the integration tests.
# BUILD may be overridden so several builds can share one tree.

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter
CPPFLAGS := -D_GNU_SOURCE -Isrc -Iinclude
DEPFLAGS  = -MMD -MP

COMMON_SRC   := $(wildcard src/common/*.c)
NET_SRC      := $(wildcard src/net/*.c)
SANDBOXD_SRC := $(wildcard src/sandboxd/*.c) $(NET_SRC)
# main.c is the only file that is not also linked into unit tests and fuzzers.
SANDBOXD_LIB := $(filter-out src/sandboxd/main.c,$(SANDBOXD_SRC))
# The host side: runtime backends, the sandbox client and the CLI. Its
# library (all but src/cli/main.c) is also linked into unit tests.
HOST_SRC     := $(wildcard src/engine/*.c src/image/*.c src/runtime/*.c \
		  src/runtime/docker/*.c src/runtime/process/*.c src/client/*.c src/lib/*.c \
		  src/cli/*.c)
HOST_LIB     := $(filter-out src/cli/main.c,$(HOST_SRC))
HOST_LIBS    := -lcurl -larchive -lwebsockets -ljansson -lpthread -lm

# sandboxd is bind-mounted into arbitrary images (glibc, musl, scratch):
# it must be static and must not use NSS.
SANDBOXD_LIBS := -static -lwebsockets -ljansson -lssl -lcrypto -lz -lcap -lpthread -ldl

obj = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(1))

SANDBOXD := $(BUILD)/handbox-sandboxd
HANDBOX  := $(BUILD)/handbox

.PHONY: all test unit integration fuzz bench clean
all: $(SANDBOXD) $(HANDBOX)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(DEPFLAGS) -c $< -o $@

# The static link warns that NSS-using functions (getpwnam, getaddrinfo…)
# need glibc's shared modules at run time; sandboxd never calls them, so the
# warnings are filtered to keep the build output readable.
$(SANDBOXD): $(call obj,$(SANDBOXD_SRC) $(COMMON_SRC))
	@$(CC) $(CFLAGS) -o $@ $^ $(SANDBOXD_LIBS) 2>$@.log; st=$$?; \
	grep -v -e 'statically linked applications requires' -e ': in function' $@.log >&2; \
	rm -f $@.log; exit $$st
	@echo "LINK $@ (static)"

$(HANDBOX): $(call obj,$(HOST_SRC) $(COMMON_SRC))
	$(CC) $(CFLAGS) -o $@ $^ $(HOST_LIBS)

include tests/unit/unit.mk
include fuzz/fuzz.mk
include bench/bench.mk

test: all unit
	SANDBOXD=$(SANDBOXD) HANDBOX=$(HANDBOX) tests/integration/run

integration: all
	SANDBOXD=$(SANDBOXD) HANDBOX=$(HANDBOX) tests/integration/run

bench: all bench-tools
	bench/run

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
