/* cmd_sandbox_cp.c — `handbox sandbox cp`: files and folders into and out
 * of a sandbox, as cp -r would copy them. */
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
	"Files copied in belong to the sandbox user.\n";

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

int sandbox_cp_main(int argc, char **argv)
{
	struct cli_runtime c;
	struct hb_sandbox sb;
	char src_id[160], dst_id[160], err[HB_ERR_MAX];
	const char *src_path, *dst_path;
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
		rc = src_path ? hb_sandbox_copy_out(&sb, src_path, argv[2], err, sizeof(err))
			      : hb_sandbox_copy_in(&sb, argv[1], dst_path, err, sizeof(err));
		if (rc) {
			cli_error("%s", err);
			rc = 1;
		}
	}
	cli_runtime_close(&c);
	return rc;
}
