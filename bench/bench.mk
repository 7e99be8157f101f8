# bench/bench.mk — the benchmark tools, included by the Makefile.
#
# `make bench-tools` builds $(BUILD)/bench/exec_ws_bench, the client of the
# exec WebSocket that bench/exec_roundtrip.py drives (bench/run builds it
# first), $(BUILD)/bench/store_append, the event store's append rate
# (docs/performance.md), and $(BUILD)/bench/conversation_memory, the memory
# of idle conversations (bench/agent.py). It runs src/client's sandbox_exec(), taken from the static
# libhandbox.a (the archive gives only the objects it needs), on the host,
# with the shared libraries.

EXEC_WS_BENCH := $(BUILD)/bench/exec_ws_bench
BENCH_LIBS    := -lcurl -lwebsockets -ljansson -lpthread -lm

STORE_APPEND  := $(BUILD)/bench/store_append
CONV_MEMORY   := $(BUILD)/bench/conversation_memory

.PHONY: bench-tools
bench-tools: $(EXEC_WS_BENCH) $(STORE_APPEND) $(CONV_MEMORY)

$(EXEC_WS_BENCH): bench/exec_ws_bench.c $(LIBALL) bench/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIBALL) $(BENCH_LIBS)

$(STORE_APPEND): bench/store_append.c $(LIBALL) bench/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIBALL) $(HOST_LIBS)

# a program of the SDK: only include/, the archive of hb_ names
$(CONV_MEMORY): bench/conversation_memory.c $(LIBA) bench/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -Iinclude -o $@ $< $(LIBA) $(HOST_LIBS)
