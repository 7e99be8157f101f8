/* cmd_image.c — `handbox image build` (being written). */
#include "cli/cli.h"

int cmd_image(int argc, char **argv)
{
	cli_error("image build: not built yet");
	return 1;
}
