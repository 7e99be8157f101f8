/* test_image_features.c — image/image_features and the rootfs cache's
 * pruning: --with's parser, the names, tags, packages and hooks of the
 * features, the default image's mmdebstrap line left as it was, and a
 * prune that keeps each image's tarballs apart. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "image/image_cache.h"
#include "image/image_features.h"
#include "image/image_rootfs_debian.h"

static char err[1024];

static void test_parse(void **state)
{
	unsigned f = 99;

	assert_int_equal(image_features_parse("vscode", &f, err, sizeof(err)), 0);
	assert_int_equal(f, HB_IMAGE_VSCODE);
	assert_int_equal(image_features_parse("desktop,vscode", &f, err, sizeof(err)), 0);
	assert_int_equal(f, HB_IMAGE_VSCODE | HB_IMAGE_DESKTOP);
	assert_int_equal(image_features_parse("vscode,vnc", &f, err, sizeof(err)), HB_EINVAL);
	assert_string_equal(err, "--with: \"vscode,vnc\": unknown feature \"vnc\"; expected a "
			    "comma-separated list of vscode and desktop, each once");
	assert_int_equal(image_features_parse("vscode,vscode", &f, err, sizeof(err)), HB_EINVAL);
	assert_non_null(strstr(err, "repeated feature \"vscode\""));
	assert_int_equal(image_features_parse("vscodedesktop", &f, err, sizeof(err)), HB_EINVAL);
	assert_int_equal(image_features_parse(",", &f, err, sizeof(err)), HB_EINVAL);
}

static void test_names_and_tags(void **state)
{
	char s[64];

	image_features_name(HB_IMAGE_DESKTOP | HB_IMAGE_VSCODE, ' ', s, sizeof(s));
	assert_string_equal(s, "vscode desktop");
	image_features_name(HB_IMAGE_DESKTOP, ',', s, sizeof(s));
	assert_string_equal(s, "desktop");
	image_features_name(0, ',', s, sizeof(s));
	assert_string_equal(s, "");
	assert_string_equal(image_default_tag(HB_IMAGE_BOOKWORM, 0), "handbox/sandbox:latest");
	assert_string_equal(image_default_tag(HB_IMAGE_BOOKWORM, HB_IMAGE_VSCODE | HB_IMAGE_DESKTOP),
			    "handbox/sandbox:desktop");
	assert_string_equal(image_default_tag(HB_IMAGE_BOOKWORM, HB_IMAGE_VSCODE),
			    "handbox/sandbox:vscode");
	assert_string_equal(image_default_tag(HB_IMAGE_BOOKWORM, HB_IMAGE_DESKTOP),
			    "handbox/sandbox:desktop-only");
	assert_string_equal(image_default_tag(HB_IMAGE_BUSYBOX, 0), "handbox/busybox:latest");
}

/* The default image's line must not move: its cached rootfs and its
 * recipe are keyed by it. */
static void test_default_argv_unchanged(void **state)
{
	static const char *const want[] = {
		"mmdebstrap", "--variant=apt", "--format=tar", "--include=" BOOKWORM_PACKAGES,
		"--dpkgopt=path-exclude=/usr/share/man/*",
		"--dpkgopt=path-exclude=/usr/share/info/*",
		"--dpkgopt=path-exclude=/usr/share/doc/*",
		"--dpkgopt=path-include=/usr/share/doc/*/copyright",
		"--dpkgopt=path-exclude=/usr/share/locale/*",
		"--dpkgopt=path-include=/usr/share/locale/locale.alias",
		"--dpkgopt=force-unsafe-io",
		"--customize-hook=chroot \"$1\" useradd --create-home --uid 1000 "
		"--user-group --shell /bin/bash user",
		"--customize-hook=install -d -m 0755 -o 1000 -g 1000 \"$1/workspace\"",
		"--customize-hook=rm -f \"$1/etc/hostname\" \"$1/etc/resolv.conf\"",
		"bookworm", "-", "deb http://x/debian bookworm main",
	};
	struct strv sources = { 0 }, argv = { 0 };
	size_t i;

	assert_int_equal(strv_add(&sources, "deb http://x/debian bookworm main"), 0);
	assert_int_equal(image_debian_argv(&sources, 0, NULL, &argv), 0);
	assert_int_equal(argv.n, sizeof(want) / sizeof(*want));
	for (i = 0; i < argv.n; i++)
		assert_string_equal(argv.v[i], want[i]);
	strv_free(&argv);
	assert_int_equal(image_debian_argv(&sources, HB_IMAGE_VSCODE | HB_IMAGE_DESKTOP,
					   "code-server/cs.tar", &argv), 0);
	assert_true(strv_has(&argv, "--include=ripgrep,tigervnc-standalone-server,"
			     "matchbox-window-manager,novnc,python3-websockify,chromium,"
			     "fonts-liberation"));
	assert_true(strv_has(&argv, "--customize-hook=tar-in code-server/cs.tar /usr"));
	assert_true(strv_has(&argv, "--customize-hook=mkdir -p \"$1/etc/handbox\" && "
			     "echo 'vscode desktop' >\"$1/etc/handbox/features\""));
	strv_free(&argv);
	strv_free(&sources);
}

static void touch(const char *dir, const char *name, time_t mtime)
{
	char path[PATH_MAX];
	struct timeval tv[2] = { { mtime, 0 }, { mtime, 0 } };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(utimes(path, tv), 0);
}

static int exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* Four tarballs of the default image and one of the desktop image: a
 * prune after the desktop build keeps all four, one after the default
 * build drops its oldest only. */
static void test_prune_keeps_each_image_apart(void **state)
{
	char dir[] = "/tmp/hb-prune-XXXXXX", path[PATH_MAX];
	const char *plain[] = { "bookworm-000000000000000a.tar", "bookworm-000000000000000b.tar",
				"bookworm-000000000000000c.tar", "bookworm-000000000000000d.tar" };
	const char *desk = "bookworm+vscode+desktop-00000000000000ff.tar";
	int i;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 4; i++)
		touch(dir, plain[i], 1000000 + i);
	touch(dir, desk, 2000000);
	touch(dir, "bookworm-notakey.tar", 1);
	snprintf(path, sizeof(path), "%s/%s", dir, desk);
	image_cache_prune(path);
	for (i = 0; i < 4; i++)
		assert_true(exists(dir, plain[i]));
	snprintf(path, sizeof(path), "%s/%s", dir, plain[3]);
	image_cache_prune(path);
	assert_false(exists(dir, plain[0]));
	for (i = 1; i < 4; i++)
		assert_true(exists(dir, plain[i]));
	assert_true(exists(dir, desk));
	assert_true(exists(dir, "bookworm-notakey.tar"));
	for (i = 1; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, plain[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, desk);
	unlink(path);
	snprintf(path, sizeof(path), "%s/bookworm-notakey.tar", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_names_and_tags),
		cmocka_unit_test(test_default_argv_unchanged),
		cmocka_unit_test(test_prune_keeps_each_image_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
