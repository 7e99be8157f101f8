# tests/sdk/sdk.mk — the SDK probes of tests/integration/test_sdk.py and
# test_sdk_remote.py, compiled as a user's program is: with only include/
# on its include path (so it can use nothing but <handbox/…>), linked with
# libhandbox.a.

SDK_PROBE := $(BUILD)/sdk_probe

$(SDK_PROBE): tests/sdk/sdk_probe.c $(LIBA) include/handbox/*.h
	$(CC) $(CFLAGS) $(WARN) -Iinclude -o $@ $< $(LIBA) $(HOST_LIBS)

# The same for a conversation on handbox serve (test_sdk_remote.py).
REMOTE_PROBE := $(BUILD)/remote_probe

$(REMOTE_PROBE): tests/sdk/remote_probe.c $(LIBA) include/handbox/*.h
	$(CC) $(CFLAGS) $(WARN) -Iinclude -o $@ $< $(LIBA) $(HOST_LIBS)
