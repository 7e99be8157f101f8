# bench/bench.mk — the benchmark tools, included by the Makefile.
#
# `make bench-tools` builds $(BUILD)/bench/exec_ws_bench, the client of the
# exec WebSocket that bench/exec_roundtrip.py drives (bench/run builds it
# first), and $(BUILD)/bench/store_append, the event store's append rate
# (docs/performance.md). It runs src/client's sandbox_exec(), taken from the static
# libhandbox.a (the archive gives only the objects it needs), on the host,
# with the shared libraries.

EXEC_WS_BENCH := $(BUILD)/bench/exec_ws_bench
BENCH_LIBS    := -lcurl -lwebsockets -ljansson -lpthread -lm

STORE_APPEND  := $(BUILD)/bench/store_append

.PHONY: bench-tools
bench-tools: $(EXEC_WS_BENCH) $(STORE_APPEND)

$(EXEC_WS_BENCH): bench/exec_ws_bench.c $(LIBALL) bench/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIBALL) $(BENCH_LIBS)

$(STORE_APPEND): bench/store_append.c $(LIBALL) bench/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIBALL) $(HOST_LIBS)
