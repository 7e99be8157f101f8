/* cmd_sandbox_cp.c — `handbox sandbox cp`: files and folders into and out
 * of a sandbox, as cp -r would copy them. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sandbox_cmds.h"

static const char cp_usage[] =
	"usage: handbox sandbox cp SRC DST\n"
	"\n"
	"Copy a file or folder into or out of a sandbox; one side is ID:/path\n"
	"(an absolute path in the sandbox). Like cp -r: a folder is copied into\n"
	"DST when DST is an existing folder. DST - writes a single file to stdout.\n"
	"Files copied in belong to the sandbox user.\n"
	"\n"
	"Inside a copied folder, symlinks and special files are skipped, and so\n"
	"is an entry that cannot be copied; the rest is copied. Each skip is a\n"
	"line on stderr, with a count at the end; the exit status is 1 when an\n"
	"entry could not be copied.\n";

/* "ID:/path" → the id part (in buf) and the path; NULL when spec is a
 * local path (absolute, ./relative, or without a colon). */
static const char *remote_part(const char *spec, char *id, size_t idlen)
{
	const char *colon = strchr(spec, ':');

	if (!colon || spec[0] == '/' || spec[0] == '.' || colon == spec ||
	    (size_t)(colon - spec) >= idlen)
		return NULL;
	memcpy(id, spec, (size_t)(colon - spec));
	id[colon - spec] = '\0';
	return colon + 1;
}

struct skips {
	unsigned by_design, failed;
};

/* s with control characters shown as '?': one skip, one line, whatever
 * the names hold. */
static const char *one_line(const char *s, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < outlen; i++)
		out[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	out[i] = '\0';
	return out;
}

static void report_skip(void *arg, const char *path, const char *why, bool error)
{
	char p[PATH_MAX], w[HB_ERR_MAX];
	struct skips *n = arg;

	if (error)
		n->failed++;
	else
		n->by_design++;
	cli_error("skipped %s: %s", one_line(path, p, sizeof(p)), one_line(why, w, sizeof(w)));
}

int sandbox_cp_main(int argc, char **argv)
{
	struct skips skips = { 0, 0 };
	struct cli_runtime c;
	struct hb_sandbox sb;
	char src_id[160], dst_id[160], err[HB_ERR_MAX];
	const char *src_path, *dst_path;
	bool stopped;
	int rc;

	if (cli_wants_help(argc, argv, cp_usage))
		return 0;
	if (argc != 3) {
		cli_error("sandbox cp: expected SRC and DST (see --help)");
		return 2;
	}
	src_path = remote_part(argv[1], src_id, sizeof(src_id));
	dst_path = remote_part(argv[2], dst_id, sizeof(dst_id));
	if (!!src_path == !!dst_path) {
		cli_error("sandbox cp: exactly one of SRC and DST must be ID:/path "
			  "(write ./NAME for a local path with a colon)");
		return 2;
	}
	if ((src_path ? src_path : dst_path)[0] != '/') {
		cli_error("sandbox cp: \"%s\": the sandbox path must be absolute",
			  src_path ? argv[1] : argv[2]);
		return 2;
	}
	if (cli_runtime_open(&c))
		return 1;
	rc = cli_find(&c, src_path ? src_id : dst_id, &sb);
	if (rc == 0) {
		rc = src_path ? hb_sandbox_copy_out(&sb, src_path, argv[2], report_skip, &skips,
						    err, sizeof(err))
			      : hb_sandbox_copy_in(&sb, argv[1], dst_path, report_skip, &skips,
						   err, sizeof(err));
		stopped = rc && !(skips.failed && (rc == HB_EPERM || rc == HB_ENOENT ||
						   rc == HB_EINVAL || rc == HB_ETOOBIG));
		if (skips.by_design + skips.failed)
			cli_error("skipped %u entr%s (%u could not be copied)%s",
				  skips.by_design + skips.failed,
				  skips.by_design + skips.failed == 1 ? "y" : "ies", skips.failed,
				  stopped ? "" : "; copied the rest");
		/* what stopped the copy, whatever was skipped before it */
		if (stopped)
			cli_error("%s", err);
		rc = rc ? 1 : 0;
	}
	cli_runtime_close(&c);
	return rc;
}
