/* conversation_memory.c — what an idle conversation costs the process that
 * holds it (as `handbox serve` will hold many): one workspace, then COUNT
 * conversations opened on it one after another, each run to its end with
 * the LLM at LLM_BASE_URL (bench/agent.py starts an instant scripted one)
 * and kept open, idle. Prints the resident memory after each as JSON
 * lines, and the median growth per conversation. Public API only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <handbox/handbox.h>

static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int by_value(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 20, i, rc = 1;
	struct hb_conversation **convs = calloc((size_t)count, sizeof(*convs));
	long *growth = calloc((size_t)count, sizeof(*growth)), before;
	struct hb_workspace *ws = NULL;
	char err[HB_ERR_MAX];

	if (!convs || !growth || count < 1 || count > 30) {
		fprintf(stderr, "usage: conversation_memory [COUNT 1..30]\n");
		return 2;
	}
	if (hb_workspace_open(&ws, NULL, err, sizeof(err)))
		goto fail;
	printf("{\"conversations\": 0, \"rss_kb\": %ld}\n", rss_kb());
	for (i = 0; i < count; i++) {
		before = rss_kb();
		if (hb_conversation_open(&convs[i], ws, NULL, err, sizeof(err)) ||
		    hb_conversation_send(convs[i], "run true a few times", err, sizeof(err)) ||
		    hb_conversation_run(convs[i], err, sizeof(err)))
			goto fail;
		growth[i] = rss_kb() - before;
		printf("{\"conversations\": %d, \"rss_kb\": %ld, \"status\": \"%s\"}\n", i + 1,
		       rss_kb(), hb_conversation_status(convs[i]));
	}
	/* the first pays for the library's one-time set-up (curl, SQLite) */
	qsort(growth + 1, (size_t)count - 1, sizeof(*growth), by_value);
	printf("{\"median_kb_per_idle_conversation\": %ld, \"first_kb\": %ld}\n",
	       count > 1 ? growth[1 + (count - 1) / 2] : growth[0], growth[0]);
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "conversation_memory: %s\n", err);
out:
	for (i = 0; i < count; i++)
		hb_conversation_close(convs[i]);
	hb_workspace_close(ws);
	free(convs);
	free(growth);
	return rc;
}
