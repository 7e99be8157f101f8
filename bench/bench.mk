# bench/bench.mk — the benchmark tools, included by the Makefile.
#
# `make bench-tools` builds $(BUILD)/bench/exec_ws_bench, the libwebsockets
# client of the exec WebSocket that bench/exec_roundtrip.py and
# bench/stream_throughput.py drive (bench/run builds it first). It runs on
# the host, not in sandboxes, so it links the shared libraries.

EXEC_WS_BENCH := $(BUILD)/bench/exec_ws_bench
BENCH_LIBS    := -lwebsockets -ljansson

.PHONY: bench-tools
bench-tools: $(EXEC_WS_BENCH)

$(EXEC_WS_BENCH): bench/exec_ws_bench.c bench/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(BENCH_LIBS)
