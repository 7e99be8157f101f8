/* run_args.c — `handbox run`'s flags (run_args.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_args.h"
#include "common/parse.h"

#define MAX_ITERATIONS_MAX 100000

enum {
	OPT_IMAGE = 1000, OPT_VOLUME, OPT_MODEL, OPT_BASE_URL, OPT_MAX_ITER, OPT_JSON,
	OPT_KEEP, OPT_RESUME, OPT_SECRET, OPT_HELP,
};

static const struct option run_options[] = {
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "volume", required_argument, NULL, OPT_VOLUME },
	{ "model", required_argument, NULL, OPT_MODEL },
	{ "base-url", required_argument, NULL, OPT_BASE_URL },
	{ "max-iterations", required_argument, NULL, OPT_MAX_ITER },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "resume", required_argument, NULL, OPT_RESUME },
	{ "secret", required_argument, NULL, OPT_SECRET },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

void run_args_free(struct run_args *a)
{
	free(a->volumes);
	free(a->secrets);
	a->volumes = NULL;
	a->secrets = NULL;
}

/* An empty value would mean "the default" to the library, which is not
 * what someone typing --model "" meant. */
static int non_empty(const char *flag, const char *v, const char **out, char *err,
		     size_t errlen)
{
	if (!*v) {
		snprintf(err, errlen, "%s: \"\": expected a value", flag);
		return 2;
	}
	*out = v;
	return 0;
}

static int take(struct run_args *a, int opt, const char *v, int *nvol, int *nsec, char *err,
		size_t errlen)
{
	unsigned long n;

	switch (opt) {
	case OPT_IMAGE: return non_empty("--image", v, &a->image, err, errlen);
	case OPT_MODEL: return non_empty("--model", v, &a->model, err, errlen);
	case OPT_BASE_URL: return non_empty("--base-url", v, &a->base_url, err, errlen);
	case OPT_RESUME: return non_empty("--resume", v, &a->resume, err, errlen);
	case OPT_VOLUME: return non_empty("--volume", v, &a->volumes[(*nvol)++], err, errlen);
	case OPT_SECRET: return non_empty("--secret", v, &a->secrets[(*nsec)++], err, errlen);
	case OPT_JSON: a->json = true; return 0;
	case OPT_KEEP: a->keep = true; return 0;
	case OPT_HELP: a->help = true; return 0;
	case OPT_MAX_ITER:
		if (parse_uint("--max-iterations", v, MAX_ITERATIONS_MAX, &n, err, errlen))
			return 2;
		if (n == 0) {
			snprintf(err, errlen, "--max-iterations: \"%s\": expected 1 to %d", v,
				 MAX_ITERATIONS_MAX);
			return 2;
		}
		a->max_iterations = (int)n;
		return 0;
	}
	/* getopt printed what was wrong */
	snprintf(err, errlen, "see handbox run --help");
	return 2;
}

static int check(const struct run_args *a, int npos, char **pos, char *err, size_t errlen)
{
	if (npos > 1) {
		snprintf(err, errlen, "run: unexpected argument \"%s\": expected one TASK "
			 "(quote it: handbox run \"fix the tests\")", pos[1]);
		return 2;
	}
	if (!a->task && !a->resume) {
		snprintf(err, errlen, "run: expected a TASK, or --resume ID (see --help)");
		return 2;
	}
	if (a->task && !*a->task) {
		snprintf(err, errlen, "run: TASK is empty: say what the agent should do");
		return 2;
	}
	if (a->resume && (a->image || a->volumes)) {
		snprintf(err, errlen, "run: %s applies to a new sandbox: a resumed conversation "
			 "uses its stored one", a->image ? "--image" : "--volume");
		return 2;
	}
	return 0;
}

int run_args_parse(struct run_args *a, int argc, char **argv, char *err, size_t errlen)
{
	int opt, nvol = 0, nsec = 0, rc = 0;

	memset(a, 0, sizeof(*a));
	a->volumes = calloc((size_t)argc + 1, sizeof(*a->volumes));
	a->secrets = calloc((size_t)argc + 1, sizeof(*a->secrets));
	if (!a->volumes || !a->secrets) {
		run_args_free(a);
		snprintf(err, errlen, "out of memory");
		return 2;
	}
	/* 0, not 1: getopt starts afresh (the tests parse many argvs) */
	optind = 0;
	while (rc == 0 && (opt = getopt_long(argc, argv, "h", run_options, NULL)) != -1)
		rc = take(a, opt == 'h' ? OPT_HELP : opt, optarg, &nvol, &nsec, err, errlen);
	if (nvol == 0) {
		free(a->volumes);
		a->volumes = NULL;
	}
	if (nsec == 0) {
		free(a->secrets);
		a->secrets = NULL;
	}
	if (rc || a->help)
		return rc;
	/* getopt moved the operands after the flags */
	if (optind < argc)
		a->task = argv[optind];
	return check(a, argc - optind, argv + optind, err, errlen);
}

int run_args_check_llm(const struct run_args *a, const char *env_model,
		       const char *env_base_url, char *err, size_t errlen)
{
	bool model = a->model || (env_model && *env_model);
	bool base = a->base_url || (env_base_url && *env_base_url);

	if (a->resume || (model && base))
		return 0;
	snprintf(err, errlen,
		 "no LLM %s: set %s, e.g.\n"
		 "  LM Studio: export LLM_BASE_URL=http://localhost:1234/v1 "
		 "LLM_MODEL=qwen2.5-coder-7b-instruct\n"
		 "  Ollama:    export LLM_BASE_URL=http://localhost:11434/v1 "
		 "LLM_MODEL=qwen2.5-coder:7b\n"
		 "(LLM_API_KEY too when the server wants a key)",
		 !model && !base ? "model and server" : !model ? "model" : "server",
		 !model && !base ? "LLM_MODEL (or --model) and LLM_BASE_URL (or --base-url)" :
		 !model ? "LLM_MODEL (or --model)" : "LLM_BASE_URL (or --base-url)");
	return 2;
}
