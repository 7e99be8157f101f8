# fuzz/fuzz.mk — the libFuzzer targets, included by the Makefile.
#
# One target per fuzz/fuzz_<name>.c, each its own program:
#   request       request handling that needs no socket (JSON bodies,
#                 times, routes, UTF-8 repair, passwd lines, event search)
#   bash_session  the shell protocol of persistent sessions
#   exec_message  the messages a client sends on WS /api/handbox/exec
#   multipart     POST /api/file/upload, through lws and the real handler
#   llm           the agent's readers of an LLM server's output: text calls,
#                 SSE streams, chat completion bodies, tool arguments, and
#                 event lists through history, stuck and condense
#
# `make fuzz` builds $(BUILD)/fuzz_<name> for each with clang (libFuzzer,
# ASan and UBSan; every sandboxd object rebuilt under $(BUILD)/fuzz/, and
# for the host-side targets (FUZZ_HOST) every object of unit.mk's HOST_LIB
# into $(BUILD)/fuzz/libhost.a).
# `make fuzz-smoke` runs each for FUZZ_TIME seconds (default 30) from its
# seed inputs in fuzz/corpus-<name>/ (fuzz/corpus/ for request); what it
# learns goes to $(BUILD)/fuzz/corpus-<name>/, so the committed seeds stay
# small; fuzz/<name>.dict, when there is one, is its dictionary.
# `make fuzz-smoke-<name>` runs one. `make test` runs each for 10 s.
# See docs/testing.md.

FUZZ_CC      ?= clang
FUZZ_TIME    ?= 30
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SAN     := address,undefined
FUZZ_TARGETS := request bash_session exec_message multipart llm
# the targets of host-side code: they link libhost.a and HOST_LIBS too
FUZZ_HOST    := llm
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz_%,$(FUZZ_TARGETS))

.PRECIOUS: $(BUILD)/fuzz/fuzz_%.o

fuzz_obj = $(patsubst src/%.c,$(BUILD)/fuzz/obj/%.o,$(1))
# the committed seeds of a target
fuzz_seeds = $(if $(filter request,$(1)),fuzz/corpus,fuzz/corpus-$(1))

$(BUILD)/fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
		$(WARN) $(DEPFLAGS) -c $< -o $@

$(BUILD)/fuzz/libsandboxd.a: $(call fuzz_obj,$(SANDBOXD_LIB) $(COMMON_SRC))
	@rm -f $@
	@ar rcs $@ $^
	@echo "AR $@"

$(BUILD)/fuzz/libhost.a: $(call fuzz_obj,$(HOST_LIB))
	@rm -f $@
	@ar rcs $@ $^
	@echo "AR $@"

$(BUILD)/fuzz/fuzz_%.o: fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
		$(WARN) $(DEPFLAGS) -c $< -o $@

$(patsubst %,$(BUILD)/fuzz_%,$(filter-out $(FUZZ_HOST),$(FUZZ_TARGETS))): \
$(BUILD)/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/libsandboxd.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ \
		-lwebsockets -ljansson

# libhost.a before libsandboxd.a, which holds common/
$(patsubst %,$(BUILD)/fuzz_%,$(FUZZ_HOST)): \
$(BUILD)/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/libhost.a $(BUILD)/fuzz/libsandboxd.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ $(HOST_LIBS)

.PHONY: fuzz-smoke $(patsubst %,fuzz-smoke-%,$(FUZZ_TARGETS))
fuzz: $(FUZZ_BINS)

fuzz-smoke: $(patsubst %,fuzz-smoke-%,$(FUZZ_TARGETS))

$(patsubst %,fuzz-smoke-%,$(FUZZ_TARGETS)): fuzz-smoke-%: $(BUILD)/fuzz_%
	@mkdir -p $(BUILD)/fuzz/corpus-$*
	$(BUILD)/fuzz_$* -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
		$(if $(wildcard fuzz/$*.dict),-dict=fuzz/$*.dict) \
		$(BUILD)/fuzz/corpus-$* $(call fuzz_seeds,$*)

-include $(shell find $(BUILD)/fuzz -name '*.d' 2>/dev/null)
