# tests/unit/unit.mk — cmocka unit tests, included by the Makefile.
#
# Each tests/unit/test_*.c is one program. It links against an archive of
# sandboxd's modules (all but main.c), so a test pulls in only the modules
# it uses, and against the shared libwebsockets, jansson and cmocka.
#
# `make unit` builds and runs every test twice: with the flags of the real
# binary, then with AddressSanitizer and UndefinedBehaviorSanitizer (every
# object rebuilt under $(BUILD)/asan/). A sanitizer report fails the run.

UNIT_SRC      := $(wildcard tests/unit/test_*.c)
UNIT_LIBS     := -lcurl -larchive -lwebsockets -ljansson -lsqlite3 -lcmocka -lpthread -lm
SANITIZE      := -fsanitize=address,undefined -fno-sanitize-recover=all \
		 -fno-omit-frame-pointer
# abort_on_error=0: a report ends the test with a failing status, which
# the loop below turns into a failed `make unit`
SANITIZER_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

UNIT_BINS      := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))
UNIT_ASAN_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/unit/%,$(UNIT_SRC))

asan_obj = $(patsubst src/%.c,$(BUILD)/asan/obj/%.o,$(1))
unit_obj = $(patsubst tests/unit/%.c,$(BUILD)/$(2)unit/obj/%.o,$(1))

# -------------------------------------------------------------- libraries

$(BUILD)/libsandboxd.a: $(call obj,$(SANDBOXD_LIB) $(COMMON_SRC))
	@rm -f $@
	@ar rcs $@ $^
	@echo "AR $@"

$(BUILD)/libhost.a: $(call obj,$(HOST_LIB))
	@rm -f $@
	@ar rcs $@ $^
	@echo "AR $@"

$(BUILD)/asan/libhost.a: $(call asan_obj,$(HOST_LIB))
	@rm -f $@
	@ar rcs $@ $^
	@echo "AR $@"

$(BUILD)/asan/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANITIZE) $(WARN) $(DEPFLAGS) -c $< -o $@

$(BUILD)/asan/libsandboxd.a: $(call asan_obj,$(SANDBOXD_LIB) $(COMMON_SRC))
	@rm -f $@
	@ar rcs $@ $^
	@echo "AR $@"

# ------------------------------------------------------------------ tests

$(BUILD)/unit/obj/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(DEPFLAGS) -c $< -o $@

$(BUILD)/asan/unit/obj/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SANITIZE) $(WARN) $(DEPFLAGS) -c $< -o $@

$(UNIT_BINS): $(BUILD)/unit/%: $(BUILD)/unit/obj/%.o $(BUILD)/libhost.a $(BUILD)/libsandboxd.a
	$(CC) $(CFLAGS) -o $@ $^ $(UNIT_LIBS)

$(UNIT_ASAN_BINS): $(BUILD)/asan/unit/%: $(BUILD)/asan/unit/obj/%.o $(BUILD)/asan/libhost.a $(BUILD)/asan/libsandboxd.a
	$(CC) $(CFLAGS) $(SANITIZE) -o $@ $^ $(UNIT_LIBS)

# The server itself with the same sanitizers (linked dynamically), for the
# integration tests: SANDBOXD=$(BUILD)/asan/handbox-sandboxd
# tests/integration/run. A memory error aborts it; a leak makes its exit
# status on SIGTERM non-zero, which the tests' fixture reports.
$(BUILD)/asan/handbox-sandboxd: $(call asan_obj,src/sandboxd/main.c) $(BUILD)/asan/libsandboxd.a
	$(CC) $(CFLAGS) $(SANITIZE) -o $@ $^ -lwebsockets -ljansson

.PHONY: sandboxd-asan
sandboxd-asan: $(BUILD)/asan/handbox-sandboxd

unit: $(UNIT_BINS) $(UNIT_ASAN_BINS)
	@fail=0; \
	for t in $(UNIT_BINS); do \
		echo "== $$t"; $$t || fail=1; \
	done; \
	for t in $(UNIT_ASAN_BINS); do \
		echo "== $$t (address,undefined)"; $(SANITIZER_ENV) $$t || fail=1; \
	done; \
	if [ $$fail = 0 ]; then echo "unit: all tests passed"; \
	else echo "unit: FAILED (see above)"; fi; \
	exit $$fail

-include $(shell find $(BUILD)/unit $(BUILD)/asan -name '*.d' 2>/dev/null)
