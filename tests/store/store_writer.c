/* store_writer.c — a process that writes to handbox.db the way the agent
 * does, for tests/integration/test_store_durability.py to kill with
 * SIGKILL at random moments.
 *
 *   store_writer DIR append CONV_ID [COUNT]
 *       marks conversation CONV_ID "running", owned by this process, then
 *       appends COUNT events (0 or none: until killed), one transaction
 *       each, and prints "SEQ EVENT_ID" on stdout (flushed) after each
 *       store_event_append has returned: every line printed is an event
 *       the store acknowledged.
 *   store_writer DIR recover
 *       runs store_recover_orphans and prints how many it paused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hb_error.h"
#include "common/ids.h"
#include "store/store.h"

static int own(struct store *s, const char *conv, char *err, size_t errlen)
{
	struct store_conversation c = {
		.id = (char *)conv, .title = "store_writer", .status = "running",
		.owner_pid = (long)getpid(),
	};
	char start[32];
	int rc = store_owner_start(c.owner_pid, start, sizeof(start), err, errlen);

	c.owner_start = start;
	return rc ? rc : store_conversation_put(s, &c, err, errlen);
}

static int append_loop(struct store *s, const char *conv, long count, char *err, size_t errlen)
{
	char id[UUID_STR_LEN], ts[ISOTIME_STR_LEN];
	json_t *event;
	int64_t seq;
	long i;
	int rc;

	for (i = 0; count == 0 || i < count; i++) {
		uuid4_str(id);
		isotime_format_event(now_us(), ts);
		event = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:[{s:s, s:s}]}}", "id", id,
				  "timestamp", ts, "source", "agent", "kind", "MessageEvent",
				  "llm_message", "role", "assistant", "content", "type", "text",
				  "text", "a line the store must keep");
		if (!event)
			return hb_fail(err, errlen, HB_ENOMEM, "out of memory");
		rc = store_event_append(s, conv, event, &seq, err, errlen);
		json_decref(event);
		if (rc)
			return rc;
		printf("%lld %s\n", (long long)seq, id);
		fflush(stdout);
	}
	return 0;
}

int main(int argc, char **argv)
{
	char err[HB_ERR_MAX] = "";
	struct store *s = NULL;
	int rc, n = 0;

	if (argc < 3 || (strcmp(argv[2], "append") && strcmp(argv[2], "recover")) ||
	    (!strcmp(argv[2], "append") && argc < 4)) {
		fprintf(stderr, "usage: store_writer DIR append CONV_ID [COUNT] | DIR recover\n");
		return 2;
	}
	rc = store_open(&s, argv[1], err, sizeof(err));
	if (!rc && !strcmp(argv[2], "recover")) {
		rc = store_recover_orphans(s, &n, err, sizeof(err));
		if (!rc)
			printf("%d\n", n);
	} else if (!rc) {
		rc = own(s, argv[3], err, sizeof(err));
		if (!rc)
			rc = append_loop(s, argv[3], argc > 4 ? atol(argv[4]) : 0, err, sizeof(err));
	}
	store_close(s);
	if (rc)
		fprintf(stderr, "store_writer: %s\n", err);
	return rc ? 1 : 0;
}
