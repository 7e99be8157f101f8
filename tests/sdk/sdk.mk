# tests/sdk/sdk.mk — the SDK probe of tests/integration/test_sdk.py,
# compiled as a user's program is: with only include/ on its include path
# (so it can use nothing but <handbox/…>), linked with libhandbox.a.

SDK_PROBE := $(BUILD)/sdk_probe

$(SDK_PROBE): tests/sdk/sdk_probe.c $(LIBA) include/handbox/*.h
	$(CC) $(CFLAGS) $(WARN) -Iinclude -o $@ $< $(LIBA) $(HOST_LIBS)
