# web/web.mk — the web UI compiled into handbox (docs/web-ui.md).
# tools/embed-assets turns every file under web/ into $(BUILD)/gen/web_assets.c
# (the table of src/server/web_assets.h); $(WEB_ASSETS_OBJ) is what the
# handbox link takes. The list of files is kept in $(WEB_ASSETS_LIST),
# rewritten only when a file is added or removed, so both changes and
# removals regenerate the C file. Included by the Makefile, which names
# its default goal.

WEB_ASSETS_C    := $(BUILD)/gen/web_assets.c
WEB_ASSETS_OBJ  := $(BUILD)/obj/gen/web_assets.o
WEB_ASSETS_LIST := $(BUILD)/gen/web_assets.list
WEB_FILES       := $(shell tools/embed-assets --list web 2>/dev/null)

# Not at parse time of `make clean`: it would only be removed again.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(shell mkdir -p $(BUILD)/gen && { printf '%s\n' $(WEB_FILES) | cmp -s - $(WEB_ASSETS_LIST) || \
	printf '%s\n' $(WEB_FILES) >$(WEB_ASSETS_LIST); })
endif

$(WEB_ASSETS_C): $(WEB_FILES) $(WEB_ASSETS_LIST) tools/embed-assets
	@tools/embed-assets -o $@ web
	@touch $@

$(WEB_ASSETS_OBJ): $(WEB_ASSETS_C) src/server/web_assets.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(PIC) $(WARN) -c $< -o $@

all: $(WEB_ASSETS_OBJ)

# The generator against a made-up tree, compiled and read back in C.
.PHONY: web-check
web-check:
	python3 tests/web/test_embed_assets.py

test: web-check
