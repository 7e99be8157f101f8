/* users.c — passwd look-ups without NSS; see users.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandboxd/users.h"

static void copy_field(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int users_passwd_line_parse(const char *line, uid_t uid, struct sandbox_user *u)
{
	const char *f[7];
	size_t flen[7];
	const char *p = line;
	char num[24], *end;
	unsigned long v;
	int i;

	for (i = 0; i < 7; i++) {
		f[i] = p;
		flen[i] = strcspn(p, i < 6 ? ":" : "\n");
		p += flen[i];
		if (i < 6) {
			if (*p != ':')
				return 0;
			p++;
		}
	}
	if (!flen[0] || flen[2] >= sizeof(num) || flen[3] >= sizeof(num))
		return 0;
	copy_field(num, sizeof(num), f[2], flen[2]);
	v = strtoul(num, &end, 10);
	if (*end || !*num || v != (unsigned long)uid)
		return 0;
	copy_field(num, sizeof(num), f[3], flen[3]);
	v = strtoul(num, &end, 10);
	if (*end || !*num)
		return 0;
	u->uid = uid;
	u->gid = (gid_t)v;
	copy_field(u->name, sizeof(u->name), f[0], flen[0]);
	copy_field(u->home, sizeof(u->home), f[5], flen[5]);
	copy_field(u->shell, sizeof(u->shell), f[6], flen[6]);
	if (!u->home[0])
		strcpy(u->home, "/");
	if (!u->shell[0])
		strcpy(u->shell, "/bin/sh");
	u->in_passwd = 1;
	return 1;
}

void users_lookup(const char *passwd_path, uid_t uid,
			 struct sandbox_user *u)
{
	char line[1024];
	FILE *f;

	memset(u, 0, sizeof(*u));
	f = fopen(passwd_path, "re");
	if (f) {
		while (fgets(line, sizeof(line), f))
			if (users_passwd_line_parse(line, uid, u))
				break;
		fclose(f);
	}
	if (u->in_passwd)
		return;
	u->uid = uid;
	u->gid = (gid_t)uid;
	strcpy(u->name, uid == 0 ? "root" : "user");
	strcpy(u->home, uid == 0 ? "/root" : "/tmp");
	strcpy(u->shell, "/bin/sh");
}
