# web/web.mk — the web UI compiled into handbox (docs/web-ui.md).
# tools/embed-assets turns every file under web/ into $(BUILD)/gen/web_assets.c
# (the table of src/server/web_assets.h); $(WEB_ASSETS_OBJ) is what the
# handbox link takes. The list of files is kept in $(WEB_ASSETS_LIST),
# rewritten only when a file is added or removed, so both changes and
# removals regenerate the C file. Included by the Makefile, which names
# its default goal.
#
# Libraries from npm (web/package.json, exact versions in
# web/package-lock.json: xterm.js for the terminal tab) are installed by
# `npm ci` into $(BUILD)/web-npm (never into the tree), and the few files
# the UI loads are copied to $(WEB_VENDOR), embedded as /assets/vendor/….
# npm's cache makes a rebuild work offline.

WEB_ASSETS_C    := $(BUILD)/gen/web_assets.c
WEB_ASSETS_OBJ  := $(BUILD)/obj/gen/web_assets.o
WEB_ASSETS_LIST := $(BUILD)/gen/web_assets.list
WEB_FILES       := $(shell tools/embed-assets --list web 2>/dev/null)
WEB_NPM         := $(BUILD)/web-npm
WEB_VENDOR      := $(BUILD)/web-vendor
# node_modules path -> name under /assets/vendor/
WEB_VENDOR_MAP  := @xterm/xterm/lib/xterm.mjs:xterm.mjs \
		   @xterm/xterm/css/xterm.css:xterm.css \
		   @xterm/addon-fit/lib/addon-fit.mjs:addon-fit.mjs \
		   @xterm/xterm/LICENSE:xterm-LICENSE.txt
WEB_VENDOR_STAMP := $(WEB_VENDOR)/.stamp

# Not at parse time of `make clean`: it would only be removed again.
ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(shell mkdir -p $(BUILD)/gen && { printf '%s\n' $(WEB_FILES) | cmp -s - $(WEB_ASSETS_LIST) || \
	printf '%s\n' $(WEB_FILES) >$(WEB_ASSETS_LIST); })
endif

$(WEB_VENDOR_STAMP): web/package.json web/package-lock.json web/web.mk
	@command -v npm >/dev/null 2>&1 || { echo "web/web.mk: npm is missing: the web UI's" \
		"terminal (xterm.js) comes from npm at build time; install Node.js with npm" \
		"(.ci/setup.sh does, or apt-get install npm)" >&2; exit 1; }
	@rm -rf $(WEB_NPM) $(WEB_VENDOR) && mkdir -p $(WEB_NPM) $(WEB_VENDOR)
	@cp web/package.json web/package-lock.json $(WEB_NPM)/
	npm ci --prefix $(WEB_NPM) --prefer-offline --no-audit --no-fund --loglevel=error || \
		{ echo "web/web.mk: npm ci in $(WEB_NPM) failed (is the npm registry reachable," \
		"or its cache filled?)" >&2; exit 1; }
	@for m in $(WEB_VENDOR_MAP); do \
		cp $(WEB_NPM)/node_modules/$${m%%:*} $(WEB_VENDOR)/$${m#*:} || exit 1; done
	@touch $@

$(WEB_ASSETS_C): $(WEB_FILES) $(WEB_ASSETS_LIST) $(WEB_VENDOR_STAMP) tools/embed-assets
	@tools/embed-assets -o $@ web /assets/vendor=$(WEB_VENDOR)
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
