/* main.c — `handbox`: the command line. Dispatches to the subcommands. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define HANDBOX_VERSION "0.1.0"

static const char usage[] =
	"usage: handbox COMMAND [ARGS]\n"
	"\n"
	"A self-hostable sandbox runtime for AI coding agents.\n"
	"\n"
	"commands:\n"
	"  sandbox COMMAND   manage sandboxes: create, ls, exec, ports, cp, rm, gc,\n"
	"                    inspect, logs, start, stop, pause, resume\n"
	"  image build       build a sandbox image\n"
	"  run \"TASK\"        give TASK to an AI agent in a new sandbox and watch it\n"
	"                    work (--resume ID continues a stored conversation)\n"
	"  conversations     stored conversations: ls, show, events\n"
	"  serve             the web UI and the conversation API (default\n"
	"                    http://127.0.0.1:3000/)\n"
	"\n"
	"`handbox COMMAND --help` describes each command.\n";

/* A closed fd 0, 1 or 2 (`handbox … <&-`) would be the next descriptor we
 * open (libwebsockets' /dev/urandom, curl's socket…): `exec -i` would then
 * feed the command that file, and output meant for stdout would go into a
 * socket. They are /dev/null instead. */
static void std_fds_open(void)
{
	int fd, got;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (got >= 0 && got != fd)
			close(got);
	}
}

int main(int argc, char **argv)
{
	std_fds_open();
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("handbox %s\n", HANDBOX_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "sandbox"))
		return cmd_sandbox(argc - 1, argv + 1);
	if (!strcmp(argv[1], "image"))
		return cmd_image(argc - 1, argv + 1);
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "serve"))
		return cmd_serve(argc - 1, argv + 1);
	if (!strcmp(argv[1], "conversations"))
		return cmd_conversations(argc - 1, argv + 1);
	cli_error("unknown command \"%s\" (see handbox --help)", argv[1]);
	return 2;
}
