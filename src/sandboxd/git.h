/* git.h — the OpenHands git routes: GET /api/git/changes (what changed in a
 * repository and in the repositories directly below it) and GET
 * /api/git/diff (one file's original and current text). Both run the `git`
 * binary as the sandbox user, one command at a time on the event loop, and
 * answer when the last one is done. Wire formats: docs/files-and-git.md. */
#ifndef HB_SANDBOXD_GIT_H
#define HB_SANDBOXD_GIT_H

#include <jansson.h>

struct http_conn;

int git_changes_route(struct http_conn *c, json_t *body);
int git_diff_route(struct http_conn *c, json_t *body);

#endif
