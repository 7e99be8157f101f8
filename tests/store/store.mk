# tests/store/store.mk — the writer process of
# tests/integration/test_store_durability.py, which kills it with SIGKILL
# mid-append. Linked as the CLI is: the library's every global, shared
# libraries.

STORE_WRITER := $(BUILD)/store_writer

$(STORE_WRITER): tests/store/store_writer.c $(LIBALL) tests/store/store.mk
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIBALL) $(HOST_LIBS)
