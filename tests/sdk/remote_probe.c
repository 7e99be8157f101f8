/* remote_probe.c — a program written against <handbox/handbox.h> only, for
 * tests/integration/test_sdk_remote.py: a conversation on a running
 * `handbox serve` (hb_conversation_open_remote), driven by its arguments.
 *
 *   remote_probe URL [--key K] [--attach ID] [--max-iterations N]
 *                [--pause-on KIND | --interrupt-on KIND] [STEP]...
 *
 * STEP: send TEXT | run. Each event is printed as it comes, one line
 * {"event": …} (flushed, so a test can act mid-run); the last line is
 * {"result": {id, status, cost, stats, runs: [{rc, error, status}], code,
 * error}}. --pause-on asks another thread to pause (or interrupt) once an
 * event of that kind has come.
 *
 * It exits 0 when every call returned 0, 3 when one failed, 2 on bad
 * usage. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <handbox/handbox.h>

struct probe {
	struct hb_conversation *conv;
	const char *stop_kind;       /* --pause-on / --interrupt-on */
	bool interrupt;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop_now, quit;
};

static void on_event(const char *event_json, void *arg)
{
	struct probe *p = arg;
	json_t *ev = json_loads(event_json, 0, NULL);
	const char *kind = json_string_value(json_object_get(ev, "kind"));

	printf("{\"event\": %s}\n", event_json);
	fflush(stdout);
	if (p->stop_kind && kind && !strcmp(kind, p->stop_kind)) {
		pthread_mutex_lock(&p->lock);
		p->stop_now = true;
		pthread_cond_signal(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	json_decref(ev);
}

/* The other thread: pauses or interrupts once told to. */
static void *stopper(void *arg)
{
	struct probe *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->stop_now && !p->quit)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->stop_now && p->interrupt)
		hb_conversation_interrupt(p->conv);
	else if (p->stop_now)
		hb_conversation_pause(p->conv);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int report(json_t *o, struct hb_conversation *c, int rc, const char *err)
{
	struct hb_conversation_stats s;

	if (c) {
		hb_conversation_stats(c, &s);
		json_object_set_new(o, "id", json_string(hb_conversation_id(c)));
		json_object_set_new(o, "status", json_string(hb_conversation_status(c)));
		json_object_set_new(o, "cost", json_real(hb_conversation_cost(c)));
		json_object_set_new(o, "stats", json_pack("{s:I, s:I, s:I, s:I, s:f}",
			"steps", (json_int_t)s.steps, "llm_calls", (json_int_t)s.llm_calls,
			"prompt_tokens", (json_int_t)s.prompt_tokens,
			"completion_tokens", (json_int_t)s.completion_tokens, "cost", s.cost));
		json_object_set_new(o, "workspace_is_null",
				    json_boolean(hb_conversation_workspace(c) == NULL));
	}
	if (rc) {
		json_object_set_new(o, "code", json_integer(rc));
		json_object_set_new(o, "error", json_string(err));
	}
	printf("{\"result\": ");
	json_dumpf(o, stdout, JSON_COMPACT);
	printf("}\n");
	json_decref(o);
	return rc ? 3 : 0;
}

int main(int argc, char **argv)
{
	struct probe p = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	struct hb_conversation_options opt = { .on_event = on_event, .arg = &p };
	const char *url, *key = NULL, *attach = NULL;
	char err[HB_ERR_MAX] = "";
	json_t *o = json_object(), *runs = json_array();
	pthread_t thread;
	int i = 2, rc = 0;

	if (argc < 2)
		return fprintf(stderr, "usage: remote_probe URL [options] [STEP]...\n"), 2;
	url = argv[1];
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (i + 1 >= argc)
			return fprintf(stderr, "remote_probe: %s needs a value\n", argv[i]), 2;
		if (!strcmp(argv[i], "--key"))
			key = argv[++i];
		else if (!strcmp(argv[i], "--attach"))
			attach = argv[++i];
		else if (!strcmp(argv[i], "--max-iterations"))
			opt.max_iterations = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--pause-on") || !strcmp(argv[i], "--interrupt-on")) {
			p.interrupt = !strcmp(argv[i], "--interrupt-on");
			p.stop_kind = argv[++i];
		} else
			return fprintf(stderr, "remote_probe: bad option %s\n", argv[i]), 2;
	}
	json_object_set_new(o, "runs", runs);
	rc = attach ? hb_conversation_attach_remote(&p.conv, url, key, attach, &opt, err,
						     sizeof(err)) :
		      hb_conversation_open_remote(&p.conv, url, key, &opt, err, sizeof(err));
	if (rc)
		return report(o, NULL, rc, err);
	pthread_create(&thread, NULL, stopper, &p);
	for (; i < argc && rc == 0; i++) {
		if (!strcmp(argv[i], "send") && i + 1 < argc) {
			rc = hb_conversation_send(p.conv, argv[++i], err, sizeof(err));
		} else if (!strcmp(argv[i], "run")) {
			rc = hb_conversation_run(p.conv, err, sizeof(err));
			json_array_append_new(runs, json_pack("{s:i, s:s, s:s}", "rc", rc,
				"error", err, "status", hb_conversation_status(p.conv)));
			err[0] = rc ? err[0] : '\0';
		} else {
			fprintf(stderr, "remote_probe: bad step at \"%s\"\n", argv[i]);
			exit(2);
		}
	}
	pthread_mutex_lock(&p.lock);
	p.quit = true;
	pthread_cond_signal(&p.cond);
	pthread_mutex_unlock(&p.lock);
	pthread_join(thread, NULL);
	rc = report(o, p.conv, rc, err);
	hb_conversation_close(p.conv);
	return rc;
}
