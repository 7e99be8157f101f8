/* image_rootfs_busybox.c — finding Debian's static busybox (installed, or
 * in its .deb), asking it for its applets, and writing the busybox image's
 * rootfs as a tar stream with libarchive; see image_rootfs_busybox.h. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "common/fdio.h"
#include "common/hb_error.h"
#include "common/path_search.h"
#include "image/image_cache.h"
#include "image/image_child.h"
#include "image/image_rootfs_busybox.h"

#define SANDBOX_UID 1000
#define BUSYBOX_MAX (32u << 20)       /* the executable, read into memory */
#define SHORT_CHILD_MS (60 * 1000)    /* busybox --list-full and the like */
#define APT_DOWNLOAD_MS (5 * 60 * 1000)

void image_busybox_init(struct image_busybox *bb)
{
	memset(bb, 0, sizeof(*bb));
	bb->memfd = -1;
}

void image_busybox_free(struct image_busybox *bb)
{
	buf_free(&bb->bin);
	image_close_fd(&bb->memfd);
	strv_free(&bb->applets);
}

/* ------------------------------------------------ finding the executable */

/* 1 when data is a 64-bit ELF executable of this machine's byte order
 * with no program interpreter: a static executable that runs in any image
 * (Debian's plain busybox package installs a glibc-linked /bin/busybox). */
static int elf_is_static(const unsigned char *data, size_t len)
{
	const Elf64_Ehdr *eh = (const void *)data;
	const Elf64_Phdr *ph;
	size_t i;

	if (len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				     ? ELFDATA2LSB : ELFDATA2MSB) ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_phentsize != sizeof(*ph) ||
	    eh->e_phoff > len || eh->e_phnum > (len - eh->e_phoff) / sizeof(*ph))
		return 0;
	ph = (const void *)(data + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			return 0;
	return 1;
}

/* Reads libarchive's inner archive (data.tar.* of a .deb) from the outer
 * one's current entry. */
struct nested {
	struct archive *outer;
	char block[65536];
};

static la_ssize_t nested_read(struct archive *a, void *arg, const void **data)
{
	struct nested *n = arg;

	(void)a;
	*data = n->block;
	return archive_read_data(n->outer, n->block, sizeof(n->block));
}

/* ./bin/busybox of the .deb at path, into bb->bin. */
static int deb_busybox(const char *path, struct image_busybox *bb, char *err, size_t errlen)
{
	struct archive *outer = archive_read_new(), *inner = NULL;
	struct archive_entry *e;
	struct nested *nest = malloc(sizeof(*nest));
	char chunk[65536];
	la_ssize_t n;
	int rc = HB_ENOENT, found = 0;

	if (!outer || !nest) {
		rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		goto out;
	}
	archive_read_support_format_ar(outer);
	if (archive_read_open_filename(outer, path, 65536) != ARCHIVE_OK) {
		rc = hb_fail(err, errlen, HB_EIO, "%s: %s", path, archive_error_string(outer));
		goto out;
	}
	while (!found && archive_read_next_header(outer, &e) == ARCHIVE_OK) {
		if (strncmp(archive_entry_pathname(e), "data.tar", 8))
			continue;
		nest->outer = outer;
		inner = archive_read_new();
		if (!inner) {
			rc = hb_fail(err, errlen, HB_ENOMEM, "out of memory");
			goto out;
		}
		archive_read_support_filter_all(inner);
		archive_read_support_format_tar(inner);
		if (archive_read_open(inner, nest, NULL, nested_read, NULL) != ARCHIVE_OK)
			break;
		while (archive_read_next_header(inner, &e) == ARCHIVE_OK) {
			if (strcmp(archive_entry_pathname(e), "./bin/busybox"))
				continue;
			buf_init(&bb->bin, BUSYBOX_MAX);
			while ((n = archive_read_data(inner, chunk, sizeof(chunk))) > 0)
				if (buf_append(&bb->bin, chunk, (size_t)n) < 0)
					break;
			found = n == 0 && bb->bin.len > 0;
			break;
		}
	}
	if (found) {
		rc = 0;
	} else {
		buf_free(&bb->bin);
		rc = hb_fail(err, errlen, HB_EIO, "%s: no ./bin/busybox in it (%s)", path,
			     inner && archive_error_string(inner) ? archive_error_string(inner)
			     : "not a busybox-static package");
	}
out:
	if (inner)
		archive_read_free(inner);
	if (outer)
		archive_read_free(outer);
	free(nest);
	return rc;
}

/* The newest busybox-static_*.deb in dir, into path; 0 when there is one. */
static int newest_deb(const char *dir, char *path, size_t pathlen)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char p[PATH_MAX];
	time_t best = -1;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "busybox-static_", 15) ||
		    !image_ends_with(de->d_name, ".deb") ||
		    snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p) ||
		    stat(p, &st) || st.st_mtime <= best)
			continue;
		best = st.st_mtime;
		snprintf(path, pathlen, "%s", p);
	}
	closedir(d);
	return best < 0 ? -1 : 0;
}

/* /bin/busybox when static, else the .deb's; see image_busybox_find(). */
static int busybox_executable(struct image_busybox *bb, const char *cache,
			      const struct image_job *pr, char *err, size_t errlen)
{
	char dir[PATH_MAX], deb[PATH_MAX], apt[PATH_MAX], tail[2048];
	char *argv[] = { "apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
			 "busybox-static", NULL };
	struct buf out, errout;
	int rc, status;

	if (image_file_read("/bin/busybox", &bb->bin, BUSYBOX_MAX) == 0 &&
	    elf_is_static((const unsigned char *)bb->bin.data, bb->bin.len)) {
		snprintf(bb->origin, sizeof(bb->origin), "/bin/busybox (package busybox-static)");
		return 0;
	}
	buf_free(&bb->bin);
	if (snprintf(dir, sizeof(dir), "%s/debs", cache) >= (int)sizeof(dir))
		return hb_fail(err, errlen, HB_EINVAL, "cache directory path too long");
	if (newest_deb(dir, deb, sizeof(deb)) < 0) {
		image_say(pr, "no static /bin/busybox (package busybox-static is not installed): "
			  "fetching busybox-static with apt-get download");
		if (image_mkdir_p(dir) < 0)
			return hb_fail(err, errlen, HB_EIO, "cannot create %s: %s", dir,
				       strerror(errno));
		if (path_search_exec("apt-get", apt, sizeof(apt)) < 0)
			return hb_fail(err, errlen, HB_ENOENT,
				       "no static busybox: apt-get install busybox-static");
		rc = image_child_run(apt, -1, argv, dir, APT_DOWNLOAD_MS, pr->cancel, &out,
				     &errout, &status, err, errlen);
		if (rc == 0 && (status != 0 || newest_deb(dir, deb, sizeof(deb)) < 0)) {
			image_text_tail(errout.data ? errout.data : "", errout.len, 5, tail,
					sizeof(tail));
			rc = hb_fail(err, errlen, HB_EIO,
				     "apt-get download busybox-static failed (apt-get update first, "
				     "or apt-get install busybox-static):%s", tail);
		}
		buf_free(&out);
		buf_free(&errout);
		if (rc < 0)
			return rc;
	}
	if ((rc = deb_busybox(deb, bb, err, errlen)) < 0)
		return rc;
	if (!elf_is_static((const unsigned char *)bb->bin.data, bb->bin.len)) {
		buf_free(&bb->bin);
		return hb_fail(err, errlen, HB_EINVAL, "%s: its busybox is not a static executable",
			       deb);
	}
	snprintf(bb->origin, sizeof(bb->origin), "%s", deb);
	return 0;
}

static int applet_path_ok(const char *p)
{
	if (!*p || *p == '/' || strstr(p, "..") || !strchr(p, '/'))
		return 0;
	for (; *p; p++)
		if (!(*p == '/' || *p == '.' || *p == '_' || *p == '-' || *p == '[' ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9')))
			return 0;
	return 1;
}

/* Runs the busybox found (from memory) for its applet list and version. */
static int busybox_inspect(struct image_busybox *bb, const struct image_job *pr,
			   char *err, size_t errlen)
{
	char *list_argv[] = { "busybox", "--list-full", NULL };
	char *help_argv[] = { "busybox", "--help", NULL };
	struct buf out, errout;
	char *line, *save = NULL, *v, *end;
	int rc, status;

	bb->memfd = memfd_create("busybox", MFD_CLOEXEC);
	if (bb->memfd < 0 || fd_write_all(bb->memfd, bb->bin.data, bb->bin.len) < 0)
		return hb_fail(err, errlen, HB_EIO, "memfd for busybox: %s", strerror(errno));
	rc = image_child_run(NULL, bb->memfd, list_argv, NULL, SHORT_CHILD_MS, pr->cancel, &out,
			     &errout, &status, err, errlen);
	if (rc < 0)
		return rc;
	for (line = out.data ? strtok_r(out.data, "\n", &save) : NULL; line && rc == 0;
	     line = strtok_r(NULL, "\n", &save))
		if (applet_path_ok(line) && strcmp(line, "bin/busybox"))
			rc = strv_add(&bb->applets, line);
	buf_free(&out);
	buf_free(&errout);
	if (rc < 0)
		return rc;
	if (status != 0 || !strv_has(&bb->applets, "bin/sh"))
		return hb_fail(err, errlen, HB_EINVAL,
			       "%s: `busybox --list-full` names no bin/sh applet (%zu applets)",
			       bb->origin, bb->applets.n);
	rc = image_child_run(NULL, bb->memfd, help_argv, NULL, SHORT_CHILD_MS, pr->cancel, &out,
			     &errout, &status, err, errlen);
	if (rc < 0)
		return rc;
	/* "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary." */
	v = out.data ? out.data : "";
	if (!strncmp(v, "BusyBox ", 8))
		v += 8;
	end = strstr(v, " multi-call");
	if (!end)
		end = v + strcspn(v, "\n");
	snprintf(bb->version, sizeof(bb->version), "%.*s", (int)(end - v), v);
	for (v = bb->version; *v; v++)
		if (*v == '"' || *v == '\\' || (unsigned char)*v < ' ')
			*v = '_';
	buf_free(&out);
	buf_free(&errout);
	return 0;
}

int image_busybox_find(struct image_busybox *bb, const char *cache,
		       const struct image_job *pr, char *err, size_t errlen)
{
	int rc;

	if ((rc = busybox_executable(bb, cache, pr, err, errlen)) < 0)
		return rc;
	return busybox_inspect(bb, pr, err, errlen);
}

/* ------------------------------------------------------------ the rootfs */

struct tar_dir {
	const char *path;
	unsigned mode;
	unsigned owner;
};

/* The busybox image's directories and files besides busybox itself. */
static const struct tar_dir busybox_dirs[] = {
	{ "bin", 0755, 0 }, { "dev", 0755, 0 }, { "etc", 0755, 0 },
	{ "home", 0755, 0 }, { "home/user", 0755, SANDBOX_UID }, { "proc", 0755, 0 },
	{ "root", 0700, 0 }, { "sbin", 0755, 0 }, { "sys", 0755, 0 },
	{ "tmp", 01777, 0 }, { "usr", 0755, 0 }, { "usr/bin", 0755, 0 },
	{ "usr/sbin", 0755, 0 }, { "workspace", 0755, SANDBOX_UID },
};
static const char busybox_passwd[] =
	"root:x:0:0:root:/root:/bin/sh\n"
	"user:x:1000:1000:user:/home/user:/bin/sh\n";
static const char busybox_group[] =
	"root:x:0:\n"
	"user:x:1000:\n";

static int tar_add(struct archive *a, const char *path, unsigned type, unsigned mode,
		   unsigned owner, const char *link, const void *data, size_t len,
		   time_t mtime, char *err, size_t errlen)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	if (!e)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, mode);
	archive_entry_set_uid(e, owner);
	archive_entry_set_gid(e, owner);
	archive_entry_set_mtime(e, mtime, 0);
	if (link)
		archive_entry_set_symlink(e, link);
	archive_entry_set_size(e, type == AE_IFREG ? (la_int64_t)len : 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (len && archive_write_data(a, data, len) != (la_ssize_t)len))
		rc = hb_fail(err, errlen, HB_EIO, "tar entry %s: %s", path,
			     archive_error_string(a));
	archive_entry_free(e);
	return rc;
}

int image_busybox_tar(const struct image_busybox *bb, int fd, char *err, size_t errlen)
{
	struct archive *a = archive_write_new();
	struct strv dirs = { 0 };
	char dir[PATH_MAX], *slash;
	time_t now = time(NULL);
	size_t i;
	int rc = 0;

	if (!a)
		return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
	if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		rc = hb_fail(err, errlen, HB_EIO, "tar stream: %s", archive_error_string(a));
		goto out;
	}
	for (i = 0; !rc && i < sizeof(busybox_dirs) / sizeof(*busybox_dirs); i++) {
		rc = tar_add(a, busybox_dirs[i].path, AE_IFDIR, busybox_dirs[i].mode,
			     busybox_dirs[i].owner, NULL, NULL, 0, now, err, errlen);
		if (!rc)
			rc = strv_add(&dirs, busybox_dirs[i].path);
	}
	/* Any other directory an applet lives in (none with Debian's build). */
	for (i = 0; !rc && i < bb->applets.n; i++) {
		snprintf(dir, sizeof(dir), "%s", bb->applets.v[i]);
		for (slash = strchr(dir, '/'); !rc && slash; slash = strchr(slash + 1, '/')) {
			*slash = '\0';
			if (!strv_has(&dirs, dir) &&
			    !(rc = tar_add(a, dir, AE_IFDIR, 0755, 0, NULL, NULL, 0, now,
					   err, errlen)))
				rc = strv_add(&dirs, dir);
			*slash = '/';
		}
	}
	if (!rc)
		rc = tar_add(a, "bin/busybox", AE_IFREG, 0755, 0, NULL, bb->bin.data,
			     bb->bin.len, now, err, errlen);
	for (i = 0; !rc && i < bb->applets.n; i++)
		rc = tar_add(a, bb->applets.v[i], AE_IFLNK, 0777, 0, "/bin/busybox", NULL, 0,
			     now, err, errlen);
	if (!rc)
		rc = tar_add(a, "etc/passwd", AE_IFREG, 0644, 0, NULL, busybox_passwd,
			     strlen(busybox_passwd), now, err, errlen);
	if (!rc)
		rc = tar_add(a, "etc/group", AE_IFREG, 0644, 0, NULL, busybox_group,
			     strlen(busybox_group), now, err, errlen);
	if (!rc && archive_write_close(a) != ARCHIVE_OK)
		rc = hb_fail(err, errlen, HB_EIO, "tar stream: %s", archive_error_string(a));
out:
	archive_write_free(a);
	strv_free(&dirs);
	return rc;
}

int image_busybox_recipe_input(const struct image_busybox *bb, struct buf *b)
{
	char digest[HB_IMAGE_RECIPE_LEN + 1];
	size_t i;
	int rc;

	image_hash_hex(bb->bin.data, bb->bin.len, digest);
	rc = buf_printf(b, "busybox %s\n%s%s", digest, busybox_passwd, busybox_group);
	for (i = 0; !rc && i < sizeof(busybox_dirs) / sizeof(*busybox_dirs); i++)
		rc = buf_printf(b, "%s %o %u\n", busybox_dirs[i].path, busybox_dirs[i].mode,
				busybox_dirs[i].owner);
	return rc ? rc : strv_join(&bb->applets, b);
}
