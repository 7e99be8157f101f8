/* users.h — who commands run as. sandboxd is static and may run in images
 * with no NSS modules (or no /etc/passwd at all), so it reads the passwd
 * file itself instead of calling getpwuid(). */
#ifndef HB_SANDBOXD_USERS_H
#define HB_SANDBOXD_USERS_H

#include <sys/types.h>

struct sandbox_user {
	uid_t uid;
	gid_t gid;
	char name[64];
	char home[512];
	char shell[256];
	int in_passwd;    /* 1 when the image's passwd file lists the uid */
};

/* Fills u for uid from the passwd file at path (normally /etc/passwd).
 * A uid the file does not list still gets a usable identity: gid = uid,
 * name "root" or "user", home /root or /tmp, shell /bin/sh. */
void users_lookup(const char *passwd_path, uid_t uid,
			 struct sandbox_user *u);
/* Parses one passwd line; returns 1 when it is for uid and fills u. */
int users_passwd_line_parse(const char *line, uid_t uid, struct sandbox_user *u);

#endif
