/* state_dir.h — where handbox keeps its state on this machine: the folder
 * of the server id, the process backend's records and the store's
 * handbox.db. One function so every part agrees on the place. */
#ifndef HB_COMMON_STATE_DIR_H
#define HB_COMMON_STATE_DIR_H

#include <stddef.h>

/* $HANDBOX_STATE_DIR (an absolute path), else $HOME/.handbox, into out.
 * HB_EINVAL naming the variable when it is relative or HOME is unset,
 * HB_ETOOBIG when out is too small. Nothing is created. */
int state_dir_path(char *out, size_t outlen, char *err, size_t errlen);

#endif
