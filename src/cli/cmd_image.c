/* cmd_image.c — `handbox image build` and `handbox image import`: sandbox
 * images from Debian packages, no registry. The work is done by
 * hb_image_build() (<handbox/image.h>); this file parses flags, prints
 * progress with timings on stderr and the result on stdout. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <handbox/handbox.h>

#include "cli/cli.h"
#include "common/clock.h"

static const char image_usage[] =
	"usage: handbox image build [--base bookworm|busybox] [--with vscode,desktop] [--tag TAG]\n"
	"                           [--force] [--no-cache]\n"
	"       handbox image import --tag TAG [--change INSTRUCTION]... FILE|-\n"
	"\n"
	"`handbox image build --help` and `handbox image import --help` say more.\n";

static const char build_usage[] =
	"usage: handbox image build [--base bookworm|busybox] [--with vscode,desktop] [--tag TAG]\n"
	"                           [--force] [--no-cache]\n"
	"\n"
	"Build a sandbox image from Debian packages, with no registry, and import it\n"
	"into the Docker engine (DOCKER_HOST=unix:///path, default /var/run/docker.sock).\n"
	"\n"
	"  bookworm  (the default) Debian 12 made by mmdebstrap: bash, coreutils, python3,\n"
	"            nodejs, npm, git, curl, ca-certificates, procps, passwd; user `user`\n"
	"            (uid/gid 1000, home /home/user), /workspace owned by 1000; no docs,\n"
	"            man pages or translations. Default tag handbox/sandbox:latest.\n"
	"  busybox   a scratch image with Debian's static busybox and its applet links,\n"
	"            users root and user (1000), /tmp, /root, /workspace owned by 1000.\n"
	"            Default tag handbox/busybox:latest.\n"
	"\n"
	"  --base BASE   bookworm or busybox\n"
	"  --with LIST   bookworm only, a comma-separated list of:\n"
	"                  vscode   VS Code for the browser: code-server 4.89.1 from npm\n"
	"                           (built once in a throwaway root and cached), ripgrep\n"
	"                  desktop  Xtigervnc, matchbox, noVNC + websockify, Chromium\n"
	"                the image lists them in /etc/handbox/features. Default tags:\n"
	"                handbox/sandbox:desktop (both), handbox/sandbox:vscode,\n"
	"                handbox/sandbox:desktop-only\n"
	"  --tag TAG     the image's name (default: above)\n"
	"  --force       rebuild even when TAG is up to date (the cached rootfs is reused)\n"
	"  --no-cache    run mmdebstrap again instead of using the cached rootfs\n"
	"  -h, --help    show this help\n"
	"\n"
	"An image is up to date when its label handbox.recipe equals the hash of what\n"
	"would be built now; then nothing is done. The Debian archive is the bookworm\n"
	"mirror of /etc/apt/sources.list(.d), or HANDBOX_DEBIAN_MIRROR (and\n"
	"HANDBOX_DEBIAN_SECURITY_MIRROR). The bookworm rootfs tarball is cached in\n"
	"${HANDBOX_CACHE:-~/.cache/handbox}/debian. mmdebstrap needs root (or user\n"
	"namespaces); busybox comes from the busybox-static package, or its .deb.\n"
	"Progress goes to stderr; the last line, on stdout, is: TAG ID SIZE.\n"
	"Exit status: 0 built or up to date, 1 failed, 2 bad usage.\n";

static const char import_usage[] =
	"usage: handbox image import --tag TAG [--change INSTRUCTION]... FILE|-\n"
	"\n"
	"Import a tar archive of a root filesystem (FILE, or - for stdin) into the\n"
	"Docker engine as image TAG, with no docker CLI. Each --change is a Dockerfile\n"
	"instruction applied to the image (ENV, WORKDIR, CMD, ENTRYPOINT, USER, LABEL…).\n"
	"The image TAG named before is removed unless something still uses it.\n"
	"The last line, on stdout, is: TAG ID SIZE.\n";

static int64_t start_us;

/* "handbox: [  12.3 s] LINE": the time since the command started. */
static void print_progress(void *arg, const char *line)
{
	fprintf(stderr, "handbox: [%6.1f s] %s\n", (clock_mono_us() - start_us) / 1e6, line);
}

/* Ctrl-C stops the build (and the child it runs); it cleans up. */
static struct hb_cancel image_cancel;

static void cancel_image(int sig)
{
	hb_cancel_request(&image_cancel, sig);
}

static void print_result(const char *tag, const struct hb_image *res)
{
	printf("%s %s %.1f MB\n", tag, res->id, res->size / 1e6);
	fflush(stdout);
}

enum { OPT_BASE = 256, OPT_WITH, OPT_TAG, OPT_FORCE, OPT_NO_CACHE, OPT_CHANGE };

static const struct option build_options[] = {
	{ "base", required_argument, NULL, OPT_BASE },
	{ "with", required_argument, NULL, OPT_WITH },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const struct option import_options[] = {
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "change", required_argument, NULL, OPT_CHANGE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* getopt_long's answer for a bad option, said our way; returns 2. */
static int bad_option(const char *cmd, int opt, char **argv)
{
	if (opt == ':')
		cli_error("image %s: %s needs a value", cmd, argv[optind - 1]);
	else
		cli_error("image %s: unknown option \"%s\" (see handbox image %s --help)", cmd,
			  argv[optind - 1], cmd);
	return 2;
}

/* The exit status: 128 + the first signal when one came (it stopped the
 * build, which cleaned up after itself), else 0 or 1. */
static int exit_status(int rc)
{
	if (cli_caught_signal())
		return 128 + cli_caught_signal();
	return rc < 0 ? 1 : 0;
}

static int image_build_cmd(int argc, char **argv)
{
	struct hb_image_build_options o = { .base = HB_IMAGE_BOOKWORM };
	struct hb_image res;
	const char *base = NULL, *with = NULL;
	char err[HB_ERR_MAX];
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", build_options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(build_usage, stdout);
			return 0;
		case OPT_BASE:
			base = optarg;
			break;
		case OPT_WITH:
			with = optarg;
			break;
		case OPT_TAG:
			o.tag = optarg;
			break;
		case OPT_FORCE:
			o.force = true;
			break;
		case OPT_NO_CACHE:
			o.no_cache = true;
			break;
		default:
			return bad_option("build", opt, argv);
		}
	}
	if (optind < argc) {
		cli_error("image build: unexpected argument \"%s\" (see handbox image build --help)",
			  argv[optind]);
		return 2;
	}
	if ((base && hb_image_base_parse(base, &o.base, err, sizeof(err)) < 0) ||
	    (with && hb_image_features_parse(with, &o.features, err, sizeof(err)) < 0) ||
	    (o.tag && hb_image_tag_check(o.tag, err, sizeof(err)) < 0)) {
		cli_error("image build: %s", err);
		return 2;
	}
	if (with && o.base != HB_IMAGE_BOOKWORM) {
		cli_error("image build: --with %s: the %s base has no features; they need --base "
			  "bookworm", with, hb_image_base_name(o.base));
		return 2;
	}
	if (!o.tag)
		o.tag = hb_image_default_tag(o.base, o.features);
	o.progress = print_progress;
	o.cancel = &image_cancel;
	cli_catch_signals(cancel_image);
	rc = hb_image_build(&o, &res, err, sizeof(err));
	if (rc < 0) {
		cli_error("image build: %s", err);
		return exit_status(rc);
	}
	if (!res.up_to_date)
		print_progress(NULL, "built");
	print_result(o.tag, &res);
	return exit_status(0);
}

static int image_import_cmd(int argc, char **argv)
{
	const char *tag = NULL, *file;
	const char **changes = calloc((size_t)argc, sizeof(*changes));
	struct hb_image_build_options o = { .progress = print_progress,
					    .cancel = &image_cancel };
	struct hb_image res;
	size_t nchanges = 0;
	char err[HB_ERR_MAX];
	int opt, fd = -1, rc = 2;

	if (!changes) {
		cli_error("image import: out of memory");
		return 1;
	}
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", import_options, NULL)) != -1) {
		switch (opt) {
		case 'h':
			fputs(import_usage, stdout);
			rc = 0;
			goto out;
		case OPT_TAG:
			tag = optarg;
			break;
		case OPT_CHANGE:
			changes[nchanges++] = optarg;
			break;
		default:
			rc = bad_option("import", opt, argv);
			goto out;
		}
	}
	if (!tag || argc - optind != 1) {
		cli_error("image import: needs --tag TAG and one FILE (see handbox image import "
			  "--help)");
		goto out;
	}
	file = argv[optind];
	if (hb_image_tag_check(tag, err, sizeof(err)) < 0) {
		cli_error("image import: %s", err);
		goto out;
	}
	fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		cli_error("image import: %s: %s", file, strerror(errno));
		rc = 1;
		goto out;
	}
	cli_catch_signals(cancel_image);
	rc = hb_image_import(&o, tag, fd, changes, nchanges, &res, err, sizeof(err));
	if (rc < 0)
		cli_error("image import: %s", err);
	else
		print_result(tag, &res);
	rc = exit_status(rc);
out:
	if (fd > 0)
		close(fd);
	free(changes);
	return rc;
}

int cmd_image(int argc, char **argv)
{
	start_us = clock_mono_us();
	if (argc < 2) {
		fputs(image_usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		fputs(image_usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "build"))
		return image_build_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "import"))
		return image_import_cmd(argc - 1, argv + 1);
	cli_error("image: unknown command \"%s\" (expected build or import)", argv[1]);
	return 2;
}
