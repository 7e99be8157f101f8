/* proc_stat.c — reading /proc/PID/stat (see proc_stat.h). */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/proc_stat.h"

/* Fields 3 to 6 and 22. The command name (field 2) may hold spaces and
 * parentheses, so parsing starts after the last ')'. */
int proc_stat_parse(const char *text, pid_t pid, struct proc_stat *out)
{
	const char *p = strrchr(text, ')');

	out->pid = pid;
	if (!p || sscanf(p + 1, " %c %d %d %d %*d %*d %*u %*u %*u %*u %*u %*u %*u"
			 " %*d %*d %*d %*d %*d %*d %llu", &out->state, &out->ppid,
			 &out->pgid, &out->sid, &out->start) != 5)
		return HB_EINVAL;
	return 0;
}

int proc_stat_read(pid_t pid, struct proc_stat *out)
{
	char path[64], buf[1024];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return HB_ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return HB_ENOENT;
	buf[n] = '\0';
	return proc_stat_parse(buf, pid, out);
}

int proc_stat_scan(struct proc_stat **out, size_t *n)
{
	struct proc_stat st, *v = NULL, *nv;
	size_t cap = 0;
	struct dirent *e;
	DIR *d = opendir("/proc");

	*out = NULL;
	*n = 0;
	if (!d)
		return HB_EIO;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) ||
		    proc_stat_read((pid_t)atoi(e->d_name), &st))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 512;
			if (!(nv = realloc(v, cap * sizeof(*nv)))) {
				free(v);
				closedir(d);
				*n = 0;
				return HB_ENOMEM;
			}
			v = nv;
		}
		v[(*n)++] = st;
	}
	closedir(d);
	*out = v;
	return 0;
}

bool proc_stat_alive(const struct proc_stat *st)
{
	return st->state != 'Z' && st->state != 'X';
}

bool proc_stat_stopped(const struct proc_stat *st)
{
	return st->state == 'T' || st->state == 't';
}

/* /proc/PID/stat counts from boot; /proc/stat's btime says when that was. */
int64_t proc_stat_start_us(const struct proc_stat *st)
{
	char line[256];
	long long btime = 0;
	long hz = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &btime) == 1)
			break;
	fclose(f);
	if (hz <= 0)
		return 0;
	return btime * 1000000LL +
	       (int64_t)(st->start * 1000000ULL / (unsigned long long)hz);
}
