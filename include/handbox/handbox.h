/* handbox/handbox.h — the handbox C API (libhandbox; pkg-config handbox).
 *
 * Sandboxes for AI coding agents: one container per session running
 * handbox-sandboxd, its ports reachable from the host, your code mounted
 * in. Conventions, as in every header here: names start with hb_;
 * functions return 0 or a negative HB_E… code (<handbox/error.h>) and then
 * write one sentence into the err buffer you pass (HB_ERR_MAX bytes hold
 * any); what a function allocates has a matching _free or _close, and each
 * comment says who owns what.
 *
 *   <handbox/workspace.h>  one sandbox for this program: exec, upload,
 *                          download (start here)
 *   <handbox/sandbox.h>    sandboxes in general: settings, create, list,
 *                          lifecycle, gc, streaming exec, copies
 *   <handbox/image.h>      sandbox images from Debian packages
 *   <handbox/cancel.h>     cancelling a long call
 *
 * A program linked against an installed libhandbox finds sandboxd at
 * $PREFIX/libexec/handbox/handbox-sandboxd (HANDBOX_SANDBOXD overrides). */
#ifndef HB_HANDBOX_HANDBOX_H
#define HB_HANDBOX_HANDBOX_H

#include <handbox/cancel.h>
#include <handbox/error.h>
#include <handbox/image.h>
#include <handbox/sandbox.h>
#include <handbox/workspace.h>
#include <handbox/conversation.h>
#include <handbox/server.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HB_VERSION "0.1.0"

/* The library's version, HB_VERSION when headers and library agree. */
const char *hb_version(void);

#ifdef __cplusplus
}
#endif

#endif
