/* store_append.c — how fast src/store appends events, one transaction per
 * event as the agent does, with each `synchronous` setting
 * (HANDBOX_STORE_SYNC=normal|full), and how many bytes an event takes in
 * handbox.db. Prints the median rate of a few runs; each run starts from
 * an empty file in a fresh folder.
 *
 *   make BUILD=build bench-tools && build/bench/store_append [--runs 5]
 *       [--seconds 2] [--dir /var/tmp]   (the folder's file system matters
 *       for fsync: measure where the state directory lives) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hb_error.h"
#include "common/ids.h"
#include "store/store.h"

#define CONV "0b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b"
#define MAX_RUNS 31

struct run {
	double rate;          /* events/s */
	double bytes;         /* handbox.db bytes per event after the final checkpoint */
};

/* An ObservationEvent of a typical size (about 700 bytes of JSON). */
static json_t *sample_event(void)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s, s:[{s:s, s:s}], "
			 "s:b, s:s, s:i, s:{s:i, s:s}}}",
			 "id", "", "timestamp", "", "source", "environment",
			 "kind", "ObservationEvent", "tool_name", "terminal",
			 "tool_call_id", "call_9f8e7d6c5b4a39281706f5e4",
			 "action_id", "5d41402a-bc4b-4a76-b971-9d911017c592",
			 "observation", "kind", "TerminalObservation", "content", "type", "text",
			 "text", "total 48\ndrwxr-xr-x 5 user user 4096 Jun 16 05:39 .\n"
			 "drwxr-xr-x 3 root root 4096 Jun 16 05:30 ..\n-rw-r--r-- 1 user user "
			 "220 Jun 16 05:30 .bash_logout\n-rw-r--r-- 1 user user 3526 Jun 16 05:30 "
			 ".bashrc\ndrwxr-xr-x 8 user user 4096 Jun 16 05:39 .git\n-rw-r--r-- 1 "
			 "user user 1067 Jun 16 05:39 Makefile\ndrwxr-xr-x 2 user user 4096 Jun "
			 "16 05:39 src\n",
			 "is_error", 0, "command", "ls -la", "exit_code", 0, "metadata",
			 "exit_code", 0, "working_dir", "/workspace");
}

static int one_run(const char *base, const char *sync, double seconds, struct run *out,
		   size_t *event_len)
{
	char dir[4096], path[4200], err[HB_ERR_MAX], id[UUID_STR_LEN], ts[ISOTIME_STR_LEN];
	struct store_conversation c = { .id = CONV, .status = "running" };
	json_t *event = sample_event();
	struct store *s = NULL;
	int64_t n = 0, start, end;
	struct stat st;
	char *text;
	int rc;

	snprintf(dir, sizeof(dir), "%s/store_append.XXXXXX", base);
	if (!event || !mkdtemp(dir)) {
		fprintf(stderr, "store_append: cannot make a folder under %s\n", base);
		return 1;
	}
	setenv("HANDBOX_STORE_SYNC", sync, 1);
	rc = store_open(&s, dir, err, sizeof(err));
	if (!rc)
		rc = store_conversation_put(s, &c, err, sizeof(err));
	start = clock_mono_us();
	end = start + (int64_t)(seconds * 1e6);
	while (!rc && clock_mono_us() < end) {
		uuid4_str(id);
		isotime_format_event(now_us(), ts);
		json_object_set_new(event, "id", json_string(id));
		json_object_set_new(event, "timestamp", json_string(ts));
		rc = store_event_append(s, CONV, event, NULL, err, sizeof(err));
		n++;
	}
	out->rate = (double)n / ((double)(clock_mono_us() - start) / 1e6);
	text = json_dumps(event, JSON_COMPACT);
	*event_len = text ? strlen(text) : 0;
	free(text);
	json_decref(event);
	snprintf(path, sizeof(path), "%s", s ? store_path(s) : "");
	store_close(s);   /* checkpoints the WAL into the file */
	out->bytes = stat(path, &st) == 0 && n ? (double)st.st_size / (double)n : 0;
	unlink(path);
	rmdir(dir);
	if (rc)
		fprintf(stderr, "store_append: %s\n", err);
	return rc != 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int measure(const char *base, const char *sync, int runs, double seconds)
{
	double rates[MAX_RUNS], bytes[MAX_RUNS];
	struct run r;
	size_t len = 0;
	int i;

	for (i = 0; i < runs; i++) {
		if (one_run(base, sync, seconds, &r, &len))
			return 1;
		rates[i] = r.rate;
		bytes[i] = r.bytes;
	}
	qsort(rates, (size_t)runs, sizeof(double), cmp_double);
	qsort(bytes, (size_t)runs, sizeof(double), cmp_double);
	printf("synchronous=%-6s  median %8.0f events/s  (min %.0f, max %.0f, %d runs of %.1f s)"
	       "  %.0f bytes/event in handbox.db (event JSON %zu bytes)\n",
	       sync, rates[runs / 2], rates[0], rates[runs - 1], runs, seconds,
	       bytes[runs / 2], len);
	return 0;
}

int main(int argc, char **argv)
{
	const char *base = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	double seconds = 2;
	int runs = 5, i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--runs"))
			runs = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--dir"))
			base = argv[i + 1];
		else
			break;
	}
	if (i < argc || runs < 1 || runs > MAX_RUNS || seconds <= 0) {
		fprintf(stderr, "usage: store_append [--runs 1-%d] [--seconds S] [--dir DIR]\n",
			MAX_RUNS);
		return 2;
	}
	printf("store_append: one transaction per event, %s\n", base);
	return measure(base, "normal", runs, seconds) || measure(base, "full", runs, seconds);
}
