/* image_features.c — the optional features of a bookworm image (VS Code
 * for the browser, the desktop): their names and tags, their packages and
 * hooks, and their check; see image_features.h. */
#include <stdio.h>
#include <string.h>

#include "common/hb_error.h"
#include "image/image_code_server.h"
#include "image/image_features.h"

static const struct {
	const char *name;
	unsigned bit;
	const char *packages;
} features[] = {
	/* code-server's search runs Debian's rg (image_code_server.c). */
	{ "vscode", HB_IMAGE_VSCODE, "ripgrep" },
	/* Xtigervnc is the X server and the VNC server in one, and accepts
	 * noVNC's resize=remote; matchbox is the lightest window manager that
	 * maximises Chromium; fonts-liberation gives pages Arial's and Times'
	 * metrics. */
	{ "desktop", HB_IMAGE_DESKTOP,
	  "tigervnc-standalone-server,matchbox-window-manager,novnc,python3-websockify,"
	  "chromium,fonts-liberation" },
};
#define NFEATURES (sizeof(features) / sizeof(*features))

int image_features_parse(const char *s, unsigned *out, char *err, size_t errlen)
{
	const char *p = s, *end;
	size_t i, len;

	*out = 0;
	do {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		for (i = 0; i < NFEATURES; i++)
			if (strlen(features[i].name) == len && !strncmp(p, features[i].name, len))
				break;
		if (i == NFEATURES || (*out & features[i].bit))
			return hb_fail(err, errlen, HB_EINVAL,
				       "--with: \"%s\": %s \"%.*s\"; expected a comma-separated list "
				       "of vscode and desktop, each once", s,
				       i == NFEATURES ? "unknown feature" : "repeated feature",
				       (int)len, p);
		*out |= features[i].bit;
		p = end + 1;
	} while (end);
	return 0;
}

void image_features_name(unsigned set, char sep, char *out, size_t outlen)
{
	size_t i, n = 0;

	*out = '\0';
	for (i = 0; i < NFEATURES && n + 1 < outlen; i++) {
		if (!(set & features[i].bit))
			continue;
		if (n)
			out[n++] = sep;
		n += (size_t)snprintf(out + n, outlen - n, "%s", features[i].name);
	}
}

const char *image_default_tag(enum hb_image_base base, unsigned set)
{
	if (base == HB_IMAGE_BUSYBOX)
		return "handbox/busybox:latest";
	switch (set & (HB_IMAGE_VSCODE | HB_IMAGE_DESKTOP)) {
	case HB_IMAGE_VSCODE | HB_IMAGE_DESKTOP:
		return "handbox/sandbox:desktop";
	case HB_IMAGE_VSCODE:
		return "handbox/sandbox:vscode";
	case HB_IMAGE_DESKTOP:
		return "handbox/sandbox:desktop-only";
	default:
		return "handbox/sandbox:latest";
	}
}

int image_features_packages(unsigned set, struct strv *argv)
{
	struct buf b;
	size_t i;
	int rc = 0;

	if (!set)
		return 0;
	buf_init(&b, 0);
	for (i = 0; i < NFEATURES && rc == 0; i++)
		if (set & features[i].bit)
			rc = buf_printf(&b, "%s%s", b.len ? "," : "--include=", features[i].packages);
	if (rc == 0)
		rc = strv_add(argv, b.data);
	buf_free(&b);
	return rc;
}

int image_features_hooks(unsigned set, const char *cs_tarball, struct strv *argv)
{
	char names[64];
	int rc;

	if (!set)
		return 0;
	/* The tarball holds local/ (tar-out packs a directory under its own
	 * name): code-server's directory and the /usr/local/bin/code-server
	 * link to its entry point. */
	if ((set & HB_IMAGE_VSCODE) &&
	    (rc = strv_addf(argv, "--customize-hook=tar-in %s /usr", cs_tarball)) < 0)
		return rc;
	image_features_name(set, ' ', names, sizeof(names));
	return strv_addf(argv, "--customize-hook=mkdir -p \"$1/etc/handbox\" && "
			 "echo '%s' >\"$1" IMAGE_FEATURES_FILE "\"", names);
}

int image_features_check(unsigned set, struct buf *cmd, struct buf *want)
{
	char names[64];
	int rc;

	if (!set)
		return 0;
	/* code-server's first run says it wrote its config file, before the
	 * version. Loading every native module compiled in the build root
	 * proves they were built for this image's Node (the cached
	 * code-server may be older than it); the prebuilt ones (other
	 * systems, musl), js-debug's Windows one and the two Windows modules
	 * (empty on Linux: they register nothing) are not for it. */
	if ((set & HB_IMAGE_VSCODE) &&
	    ((rc = buf_printf(cmd, " && code-server --version | tail -n1 | cut -d' ' -f1 && "
			      "find " CODE_SERVER_DIR " -name '*.node' ! -path '*/prebuilds/*' "
			      "! -path '*/extensions/*' ! -path '*/windows-*' -exec node -e "
			      "'for (const f of process.argv.slice(1)) "
			      "process.dlopen({ exports: new Object() }, f)' {} + && "
			      "rg --version >/dev/null")) < 0 ||
	     (rc = buf_printf(want, "%s\n", CODE_SERVER_VERSION)) < 0))
		return rc;
	if ((set & HB_IMAGE_DESKTOP) &&
	    ((rc = buf_printf(cmd, " && chromium --version | cut -d' ' -f1 && "
			      "test -x /usr/bin/Xtigervnc && "
			      "test -x /usr/bin/matchbox-window-manager && "
			      "websockify --help >/dev/null && test -f /usr/share/novnc/vnc.html")) < 0 ||
	     (rc = buf_printf(want, "Chromium\n")) < 0))
		return rc;
	image_features_name(set, ' ', names, sizeof(names));
	if ((rc = buf_printf(cmd, " && cat " IMAGE_FEATURES_FILE)) < 0)
		return rc;
	return buf_printf(want, "%s\n", names);
}
