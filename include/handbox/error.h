/* handbox/error.h — the result codes of every handbox function.
 *
 * A function returns 0 or one of these negative codes; when there is more
 * to say it also writes one sentence into an error buffer the caller
 * provides (char *err, size_t errlen), naming the input, the value and
 * what was expected. HB_ERR_MAX bytes hold any message in full. */
#ifndef HB_HANDBOX_ERROR_H
#define HB_HANDBOX_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

enum hb_result {
	HB_OK = 0,
	HB_ENOMEM = -1,    /* allocation failed */
	HB_EINVAL = -2,    /* malformed or out-of-range input */
	HB_ETOOBIG = -3,   /* input larger than its cap */
	HB_ENOENT = -4,    /* no such thing */
	HB_EIO = -5,       /* a system call, the engine or a sandbox failed */
	HB_EPERM = -6,     /* not allowed */
	HB_ECANCELED = -7, /* the caller's struct hb_cancel asked to stop */
	HB_EBUSY = -8,     /* temporarily unable (or timed out); try later */
};

#define HB_ERR_MAX 8192

/* A short name of code ("invalid input"…), for when no message was given. */
const char *hb_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
