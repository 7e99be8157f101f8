/* run_args.h — the flags of `handbox run`, parsed without touching the
 * environment, the store or a sandbox (so a usage error costs nothing and
 * the parsing is unit-tested). */
#ifndef HB_CLI_RUN_ARGS_H
#define HB_CLI_RUN_ARGS_H

#include <stdbool.h>
#include <stddef.h>

struct run_args {
	const char *task;            /* NULL with --resume alone */
	const char *image, *model, *base_url, *resume;
	const char **volumes;        /* NULL-terminated; NULL when none given */
	const char **secrets;        /* --secret NAMEs, NULL-terminated; NULL when none */
	int max_iterations;          /* 0: the library's default */
	bool json, keep, help;
};

/* Fills a from argv (argv[0] is "run"; strings point into argv). 0, with
 * a->help when --help was asked; 2 on bad usage with the message in err.
 * run_args_free() a in both cases. */
int run_args_parse(struct run_args *a, int argc, char **argv, char *err, size_t errlen);
void run_args_free(struct run_args *a);

/* A new conversation needs a model and a server: 0 when the flags or
 * env_model/env_base_url (LLM_MODEL, LLM_BASE_URL) give both, else 2 with
 * what to set (and examples for LM Studio and Ollama) in err. A resumed
 * one has its stored settings: always 0. */
int run_args_check_llm(const struct run_args *a, const char *env_model,
		       const char *env_base_url, char *err, size_t errlen);

#endif
