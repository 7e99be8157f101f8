/* test_image_sources.c — runtime/image_sources: apt's sources (one-line
 * and deb822) reduced to the bookworm "deb URI SUITE COMPONENT..." entries
 * mmdebstrap gets, the mirror override, and the directory walk. */
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

#include "common/hb_error.h"
#include "image/image_sources.h"

static char err[1024];
static char joined[8192];

/* The entries, one a line, for one assert_string_equal per case. */
static const char *join(const struct strv *s)
{
	size_t i, used = 0;

	joined[0] = '\0';
	for (i = 0; i < s->n; i++)
		used += (size_t)snprintf(joined + used, sizeof(joined) - used, "%s\n", s->v[i]);
	return joined;
}

/* Runs parser on a copy of text; returns the entries, joined. */
static const char *parse(int (*parser)(char *, struct strv *), const char *text)
{
	struct strv out = { 0 };
	char *copy = strdup(text);

	assert_non_null(copy);
	assert_int_equal(parser(copy, &out), 0);
	join(&out);
	strv_free(&out);
	free(copy);
	return joined;
}

static const char *parse_lines(const char *text)
{
	return parse(image_sources_parse_lines, text);
}

static const char *parse_deb822(const char *text)
{
	return parse(image_sources_parse_deb822, text);
}

/* ------------------------------------------------------ one-line format */

static void test_lines_debian_default(void **state)
{
	assert_string_equal(parse_lines(
		"deb http://deb.debian.org/debian bookworm main\n"
		"deb http://deb.debian.org/debian bookworm-updates main\n"
		"deb http://security.debian.org/debian-security bookworm-security main\n"),
		"deb http://deb.debian.org/debian bookworm main\n"
		"deb http://deb.debian.org/debian bookworm-updates main\n"
		"deb http://security.debian.org/debian-security bookworm-security main\n");
}

static void test_lines_comments_and_blanks(void **state)
{
	assert_string_equal(parse_lines(
		"# deb http://commented.example/debian bookworm main\n"
		"\n"
		"   \t\n"
		"#deb http://also.example/debian bookworm main\n"
		"deb http://deb.debian.org/debian bookworm main # the main archive\n"
		"deb http://deb.debian.org/debian bookworm-updates main#no blank before\n"),
		"deb http://deb.debian.org/debian bookworm main\n"
		"deb http://deb.debian.org/debian bookworm-updates main\n");
}

static void test_lines_keep_only_bookworm_suites(void **state)
{
	assert_string_equal(parse_lines(
		"deb http://m/debian bullseye main\n"
		"deb http://m/debian bookworm main\n"
		"deb http://m/debian trixie main\n"
		"deb http://m/debian sid main\n"
		"deb http://m/debian bookworm-backports main\n"
		"deb http://m/debian stable main\n"
		"deb http://m/debian-security bookworm/updates main\n"
		"deb http://m/debian bookworm-updates main\n"
		"deb http://m/debian-security bookworm-security main\n"),
		"deb http://m/debian bookworm main\n"
		"deb http://m/debian-security bookworm/updates main\n"
		"deb http://m/debian bookworm-updates main\n"
		"deb http://m/debian-security bookworm-security main\n");
}

static void test_lines_components_kept_in_order(void **state)
{
	assert_string_equal(parse_lines(
		"deb http://m/debian bookworm main contrib non-free non-free-firmware\n"
		"deb\thttp://m/debian\t\tbookworm-updates   main  contrib\r\n"),
		"deb http://m/debian bookworm main contrib non-free non-free-firmware\n"
		"deb http://m/debian bookworm-updates main contrib\n");
}

static void test_lines_options_in_brackets_dropped(void **state)
{
	assert_string_equal(parse_lines(
		"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
		"http://a/debian bookworm main\n"
		"deb [arch=amd64 signed-by=/etc/apt/keyrings/k.asc] http://b/debian bookworm main\n"
		"deb [ arch=amd64,arm64 trusted=yes ] http://c/debian bookworm-updates main\n"),
		"deb http://a/debian bookworm main\n"
		"deb http://b/debian bookworm main\n"
		"deb http://c/debian bookworm-updates main\n");
}

static void test_lines_skip_deb_src_and_malformed(void **state)
{
	assert_string_equal(parse_lines(
		"deb-src http://m/debian bookworm main\n"
		"deb\n"
		"deb http://m/debian\n"
		"deb http://m/debian bookworm\n"
		"deb [arch=amd64] http://m/debian bookworm\n"
		"deb [arch=amd64 http://m/debian bookworm main\n"
		"deb [arch=amd64]\n"
		"deb []\n"
		"DEB http://m/debian bookworm main\n"
		"rpm http://m/debian bookworm main\n"
		"this is not a sources line at all\n"
		"deb http://ok/debian bookworm main\n"),
		"deb http://ok/debian bookworm main\n");
}

static void test_lines_empty_text(void **state)
{
	assert_string_equal(parse_lines(""), "");
	assert_string_equal(parse_lines("\n\n# only a comment\n"), "");
}

/* -------------------------------------------------------- deb822 format */

static void test_deb822_debian_default(void **state)
{
	/* /etc/apt/sources.list.d/debian.sources as Debian 12's installer
	 * and its container images write it */
	assert_string_equal(parse_deb822(
		"Types: deb\n"
		"# http://snapshot.debian.org/archive/debian/20240101T000000Z\n"
		"URIs: http://deb.debian.org/debian\n"
		"Suites: bookworm bookworm-updates\n"
		"Components: main\n"
		"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
		"\n"
		"Types: deb\n"
		"URIs: http://deb.debian.org/debian-security\n"
		"Suites: bookworm-security\n"
		"Components: main\n"
		"Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"),
		"deb http://deb.debian.org/debian bookworm main\n"
		"deb http://deb.debian.org/debian bookworm-updates main\n"
		"deb http://deb.debian.org/debian-security bookworm-security main\n");
}

static void test_deb822_uris_times_suites_and_components(void **state)
{
	assert_string_equal(parse_deb822(
		"Types: deb deb-src\n"
		"URIs: http://a/debian http://b/debian\n"
		"Suites: bookworm trixie bookworm-updates\n"
		"Components: main contrib non-free-firmware\n"),
		"deb http://a/debian bookworm main contrib non-free-firmware\n"
		"deb http://a/debian bookworm-updates main contrib non-free-firmware\n"
		"deb http://b/debian bookworm main contrib non-free-firmware\n"
		"deb http://b/debian bookworm-updates main contrib non-free-firmware\n");
}

static void test_deb822_inline_signed_by_and_continuations(void **state)
{
	/* An inline key: its continuation lines (and their "." lines) belong
	 * to Signed-By and must not leak into another field; Suites goes on
	 * over a continuation line of its own. */
	assert_string_equal(parse_deb822(
		"Types: deb\n"
		"URIs: http://m/debian\n"
		"Signed-By:\n"
		" -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
		" .\n"
		" mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPR8lsD3K87ZM18gzyQZJD+w\n"
		" Suites: trixie\n"
		" -----END PGP PUBLIC KEY BLOCK-----\n"
		"Suites: bookworm\n"
		"  bookworm-updates\n"
		"Components: main\n"),
		"deb http://m/debian bookworm main\n"
		"deb http://m/debian bookworm-updates main\n");
	/* A comment line does not end the field it interrupts; a " ." line
	 * is deb822's empty line, not a word of the value. */
	assert_string_equal(parse_deb822(
		"Types: deb\n"
		"URIs: http://m/debian\n"
		"Suites: bookworm\n"
		"# the updates too\n"
		" bookworm-updates\n"
		"Components: main\n"
		" .\n"
		" contrib\n"),
		"deb http://m/debian bookworm main contrib\n"
		"deb http://m/debian bookworm-updates main contrib\n");
}

static void test_deb822_skips_what_apt_skips(void **state)
{
	assert_string_equal(parse_deb822(
		/* disabled */
		"Types: deb\nURIs: http://off/debian\nSuites: bookworm\nComponents: main\n"
		"Enabled: no\n"
		"\n"
		/* sources only */
		"Types: deb-src\nURIs: http://src/debian\nSuites: bookworm\nComponents: main\n"
		"\n"
		/* no Components */
		"Types: deb\nURIs: http://nocomp/debian\nSuites: bookworm\n"
		"\n"
		/* no URIs */
		"Types: deb\nSuites: bookworm\nComponents: main\n"
		"\n"
		/* no Types */
		"URIs: http://notypes/debian\nSuites: bookworm\nComponents: main\n"
		"\n"
		/* only other suites */
		"Types: deb\nURIs: http://other/debian\nSuites: bullseye sid\nComponents: main\n"
		"\n"
		/* a "debian" type is not "deb" */
		"Types: debian\nURIs: http://word/debian\nSuites: bookworm\nComponents: main\n"
		"\n"
		/* lines that are no field, a commented-out stanza */
		"this line has no colon\n"
		"#Types: deb\n#URIs: http://commented/debian\n#Suites: bookworm\n"
		"#Components: main\n"
		"\n"
		"Types: deb\nURIs: http://on/debian\nSuites: bookworm\nComponents: main\n"
		"Enabled: yes\n"),
		"deb http://on/debian bookworm main\n");
}

static void test_deb822_keys_any_case_crlf_blank_stanza_breaks(void **state)
{
	assert_string_equal(parse_deb822(
		"\n\n"
		"types: deb\r\n"
		"URIS:   http://m/debian   \r\n"
		"suites:\tbookworm\r\n"
		"COMPONENTS: main\r\n"
		"   \r\n"
		"Types: deb\n"
		"URIs: http://n/debian\n"
		"Suites: bookworm-security\n"
		"Components: main"),   /* no newline at the end */
		"deb http://m/debian bookworm main\n"
		"deb http://n/debian bookworm-security main\n");
}

/* ---------------------------------------------------- mirror and files */

/* A scratch apt directory: DIR/sources.list and DIR/sources.list.d/. */
static int apt_dir_setup(void **state)
{
	char *dir = strdup("/tmp/hb-unit-apt-XXXXXX"), sub[PATH_MAX];

	if (!dir || !mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	snprintf(sub, sizeof(sub), "%s/sources.list.d", dir);
	if (mkdir(sub, 0755) < 0) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int apt_dir_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	assert_int_equal(system(cmd), 0);
	free(*state);
	return 0;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_mirror_overrides_the_files(void **state)
{
	const char *dir = *state;
	struct strv out = { 0 };

	write_file(dir, "sources.list", "deb http://from-file/debian bookworm main\n");
	assert_int_equal(image_sources_from(dir, "http://mirror/debian", NULL, &out,
					    err, sizeof(err)), 0);
	assert_string_equal(join(&out),
			    "deb http://mirror/debian bookworm main\n"
			    "deb http://mirror/debian bookworm-updates main\n");
	strv_free(&out);

	assert_int_equal(image_sources_from(dir, "http://mirror/debian",
					    "http://mirror/debian-security", &out,
					    err, sizeof(err)), 0);
	assert_string_equal(join(&out),
			    "deb http://mirror/debian bookworm main\n"
			    "deb http://mirror/debian bookworm-updates main\n"
			    "deb http://mirror/debian-security bookworm-security main\n");
	strv_free(&out);

	/* a security mirror alone changes nothing; an empty mirror is unset */
	assert_int_equal(image_sources_from(dir, "", "http://sec/debian-security", &out,
					    err, sizeof(err)), 0);
	assert_string_equal(join(&out), "deb http://from-file/debian bookworm main\n");
	strv_free(&out);
}

static void test_mirror_from_the_environment(void **state)
{
	struct strv out = { 0 };

	setenv("HANDBOX_DEBIAN_MIRROR", "http://env/debian", 1);
	setenv("HANDBOX_DEBIAN_SECURITY_MIRROR", "http://env/debian-security", 1);
	assert_int_equal(image_sources(&out, err, sizeof(err)), 0);
	assert_string_equal(join(&out),
			    "deb http://env/debian bookworm main\n"
			    "deb http://env/debian bookworm-updates main\n"
			    "deb http://env/debian-security bookworm-security main\n");
	strv_free(&out);
	unsetenv("HANDBOX_DEBIAN_MIRROR");
	unsetenv("HANDBOX_DEBIAN_SECURITY_MIRROR");
}

static void test_files_both_formats_sorted_once(void **state)
{
	const char *dir = *state;
	struct strv out = { 0 };

	write_file(dir, "sources.list",
		   "deb http://z/debian bookworm main\n"
		   "deb http://a/debian bookworm main\n");
	write_file(dir, "sources.list.d/extra.list",
		   "deb [signed-by=/k.gpg] http://a/debian bookworm main\n"
		   "deb http://m/debian bookworm-updates main\n");
	write_file(dir, "sources.list.d/debian.sources",
		   "Types: deb\nURIs: http://s/debian-security\n"
		   "Suites: bookworm-security\nComponents: main\n");
	/* neither .list nor .sources: apt ignores them, so do we */
	write_file(dir, "sources.list.d/old.list.save", "deb http://saved/debian bookworm main\n");
	write_file(dir, "sources.list.d/notes.txt", "deb http://txt/debian bookworm main\n");
	/* one-line text in a .sources file is read as deb822: no entry */
	write_file(dir, "sources.list.d/wrong.sources", "deb http://wrong/debian bookworm main\n");
	write_file(dir, "sources.list.d/empty.list", "");
	assert_int_equal(image_sources_from(dir, NULL, NULL, &out, err, sizeof(err)), 0);
	assert_string_equal(join(&out),
			    "deb http://a/debian bookworm main\n"
			    "deb http://m/debian bookworm-updates main\n"
			    "deb http://s/debian-security bookworm-security main\n"
			    "deb http://z/debian bookworm main\n");
	strv_free(&out);
}

static void test_only_sources_list_d(void **state)
{
	const char *dir = *state;
	struct strv out = { 0 };

	/* no sources.list at all, as in Debian's container images */
	write_file(dir, "sources.list.d/debian.sources",
		   "Types: deb\nURIs: http://deb.debian.org/debian\n"
		   "Suites: bookworm\nComponents: main\n");
	assert_int_equal(image_sources_from(dir, NULL, NULL, &out, err, sizeof(err)), 0);
	assert_string_equal(join(&out), "deb http://deb.debian.org/debian bookworm main\n");
	strv_free(&out);
}

static void test_nothing_for_bookworm_is_an_error(void **state)
{
	const char *dir = *state;
	struct strv out = { 0 };
	char want[PATH_MAX + 64];

	write_file(dir, "sources.list",
		   "# deb http://deb.debian.org/debian bookworm main\n"
		   "deb http://deb.debian.org/debian bullseye main\n"
		   "deb-src http://deb.debian.org/debian bookworm main\n");
	write_file(dir, "sources.list.d/trixie.sources",
		   "Types: deb\nURIs: http://deb.debian.org/debian\n"
		   "Suites: trixie\nComponents: main\n");
	err[0] = '\0';
	assert_int_equal(image_sources_from(dir, NULL, NULL, &out, err, sizeof(err)), HB_ENOENT);
	assert_int_equal(out.n, 0);
	snprintf(want, sizeof(want), "no Debian bookworm archive in %s/sources.list(.d)", dir);
	if (!strstr(err, want) || !strstr(err, "HANDBOX_DEBIAN_MIRROR="))
		fail_msg("message \"%s\" lacks \"%s\" or the mirror hint", err, want);
	strv_free(&out);
}

static void test_no_files_at_all_is_an_error(void **state)
{
	struct strv out = { 0 };

	err[0] = '\0';
	assert_int_equal(image_sources_from("/nonexistent/hb-unit-apt", NULL, NULL, &out,
					    err, sizeof(err)), HB_ENOENT);
	assert_non_null(strstr(err, "/nonexistent/hb-unit-apt/sources.list(.d)"));
	strv_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_debian_default),
		cmocka_unit_test(test_lines_comments_and_blanks),
		cmocka_unit_test(test_lines_keep_only_bookworm_suites),
		cmocka_unit_test(test_lines_components_kept_in_order),
		cmocka_unit_test(test_lines_options_in_brackets_dropped),
		cmocka_unit_test(test_lines_skip_deb_src_and_malformed),
		cmocka_unit_test(test_lines_empty_text),
		cmocka_unit_test(test_deb822_debian_default),
		cmocka_unit_test(test_deb822_uris_times_suites_and_components),
		cmocka_unit_test(test_deb822_inline_signed_by_and_continuations),
		cmocka_unit_test(test_deb822_skips_what_apt_skips),
		cmocka_unit_test(test_deb822_keys_any_case_crlf_blank_stanza_breaks),
		cmocka_unit_test_setup_teardown(test_mirror_overrides_the_files,
						apt_dir_setup, apt_dir_teardown),
		cmocka_unit_test(test_mirror_from_the_environment),
		cmocka_unit_test_setup_teardown(test_files_both_formats_sorted_once,
						apt_dir_setup, apt_dir_teardown),
		cmocka_unit_test_setup_teardown(test_only_sources_list_d,
						apt_dir_setup, apt_dir_teardown),
		cmocka_unit_test_setup_teardown(test_nothing_for_bookworm_is_an_error,
						apt_dir_setup, apt_dir_teardown),
		cmocka_unit_test(test_no_files_at_all_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
