/* llm_price.c — USD per token of well-known hosted models, so a user who
 * gives no price still sees a cost. Local models are absent on purpose:
 * their cost is unknown ("n/a"), never a made-up 0. Prices are the
 * providers' list prices per million tokens (uncached input, output);
 * LLM_INPUT_COST_PER_TOKEN / LLM_OUTPUT_COST_PER_TOKEN override them. */
#include <stdbool.h>
#include <string.h>

#include "agent/llm.h"

static const struct price {
	const char *model;
	double input_per_m, output_per_m;
} prices[] = {
	{ "gpt-4o", 2.50, 10.00 },
	{ "gpt-4o-mini", 0.15, 0.60 },
	{ "gpt-4.1", 2.00, 8.00 },
	{ "gpt-4.1-mini", 0.40, 1.60 },
	{ "gpt-4.1-nano", 0.10, 0.40 },
	{ "o3-mini", 1.10, 4.40 },
	{ "o4-mini", 1.10, 4.40 },
	{ "claude-3-5-sonnet", 3.00, 15.00 },
	{ "claude-3-7-sonnet", 3.00, 15.00 },
	{ "claude-sonnet-4", 3.00, 15.00 },
	{ "claude-3-5-haiku", 0.80, 4.00 },
	{ "claude-opus-4", 15.00, 75.00 },
	{ "deepseek-chat", 0.27, 1.10 },
	{ "deepseek-reasoner", 0.55, 2.19 },
};

/* "gpt-4o-2024-08-06" and "claude-3-5-sonnet-latest" are gpt-4o and
 * claude-3-5-sonnet: a table name followed by the end or "-" and a digit
 * or "latest". "gpt-4o-mini" is not gpt-4o (the longest name wins). */
static bool matches(const char *model, const char *name)
{
	size_t n = strlen(name);
	const char *rest = model + n;

	if (strncmp(model, name, n))
		return false;
	return !*rest || (rest[0] == '-' && ((rest[1] >= '0' && rest[1] <= '9') ||
					      !strcmp(rest + 1, "latest")));
}

bool llm_price_lookup(const char *model, double *input, double *output)
{
	const struct price *best = NULL;
	const char *slash;
	size_t i;

	if (!model)
		return false;
	/* "openai/gpt-4o", "anthropic/claude-sonnet-4-20250514": the last part */
	if ((slash = strrchr(model, '/')))
		model = slash + 1;
	for (i = 0; i < sizeof(prices) / sizeof(prices[0]); i++)
		if (matches(model, prices[i].model) &&
		    (!best || strlen(prices[i].model) > strlen(best->model)))
			best = &prices[i];
	if (!best)
		return false;
	*input = best->input_per_m / 1e6;
	*output = best->output_per_m / 1e6;
	return true;
}
