/* image_sources.h — the Debian bookworm archive the image is built from:
 * HANDBOX_DEBIAN_MIRROR, or the bookworm entries of apt's sources, in the
 * one-line format (sources.list, *.list) or deb822 (*.sources).
 *
 * Every entry comes out as one string "deb URI SUITE COMPONENT...", the
 * form mmdebstrap takes as an argument: options such as [signed-by=…] are
 * dropped, and only the suites bookworm, bookworm-updates,
 * bookworm-security and bookworm/updates are kept. The parsers are pure
 * (text in, strings out) so the unit tests can feed them anything. */
#ifndef HB_IMAGE_IMAGE_SOURCES_H
#define HB_IMAGE_IMAGE_SOURCES_H

#include <stddef.h>

#include "image/image_util.h"

/* The bookworm "deb" entries of text in the one-line format, appended to
 * out. text is NUL-terminated and is overwritten. Lines that are not a
 * complete "deb [options] URI SUITE COMPONENT..." entry are skipped, as
 * are deb-src lines and what follows a '#'. 0 or HB_ENOMEM. */
int image_sources_parse_lines(char *text, struct strv *out);

/* The same for the deb822 format: stanzas of "Key: value" lines separated
 * by blank lines, a line starting with a blank continuing the field above,
 * "#" comments; a stanza needs Types including deb, URIs, Suites and
 * Components, and is skipped when Enabled is no. */
int image_sources_parse_deb822(char *text, struct strv *out);

/* The archive's entries into out: when mirror is set (not NULL or ""),
 * "deb MIRROR bookworm main", "deb MIRROR bookworm-updates main" and, when
 * security is set too, "deb SECURITY bookworm-security main"; otherwise
 * the entries of APT_DIR/sources.list and APT_DIR/sources.list.d/ (*.list
 * and *.sources), sorted, each once. A file that cannot be read is
 * skipped, as apt would. HB_ENOENT with a sentence when there is no
 * bookworm entry. The caller frees out with strv_free() in any case. */
int image_sources_from(const char *apt_dir, const char *mirror, const char *security,
		       struct strv *out, char *err, size_t errlen);

/* image_sources_from("/etc/apt", $HANDBOX_DEBIAN_MIRROR,
 * $HANDBOX_DEBIAN_SECURITY_MIRROR, …). */
int image_sources(struct strv *out, char *err, size_t errlen);

#endif
