# fuzz/fuzz.mk — the libFuzzer target, included by the Makefile.
#
# `make fuzz` builds $(BUILD)/fuzz_request with clang (libFuzzer, ASan and
# UBSan; every sandboxd object rebuilt under $(BUILD)/fuzz/).
# `make fuzz-smoke` runs it for FUZZ_TIME seconds (default 30) from the seed
# inputs in fuzz/corpus/; what it learns goes to $(BUILD)/fuzz/corpus/, so
# the committed seeds stay small. `make test` does not fuzz.
# See docs/testing.md.

FUZZ_CC    ?= clang
FUZZ_TIME  ?= 30
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SAN   := address,undefined

fuzz_obj = $(patsubst src/%.c,$(BUILD)/fuzz/obj/%.o,$(1))

$(BUILD)/fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
		$(WARN) $(DEPFLAGS) -c $< -o $@

$(BUILD)/fuzz/libsandboxd.a: $(call fuzz_obj,$(SANDBOXD_LIB) $(COMMON_SRC))
	@rm -f $@
	@ar rcs $@ $^
	@echo "AR $@"

$(BUILD)/fuzz/fuzz_request.o: fuzz/fuzz_request.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
		$(WARN) $(DEPFLAGS) -c $< -o $@

$(BUILD)/fuzz_request: $(BUILD)/fuzz/fuzz_request.o $(BUILD)/fuzz/libsandboxd.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $^ \
		-lwebsockets -ljansson

.PHONY: fuzz-smoke
fuzz: $(BUILD)/fuzz_request

fuzz-smoke: $(BUILD)/fuzz_request
	@mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz_request -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
		$(BUILD)/fuzz/corpus fuzz/corpus

-include $(shell find $(BUILD)/fuzz -name '*.d' 2>/dev/null)
