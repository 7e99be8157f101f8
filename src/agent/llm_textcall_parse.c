/* llm_textcall_parse.c — the reply side of text tool calls
 * (llm_textcall.h): <function=…> blocks read out of a model's text.
 *
 * Small models write the format loosely: no closing </function> (the stop
 * sequence removes it anyway), no </parameter> before the next one, a
 * <tool_call> wrapper, <think> sections, JSON instead of parameters. Each
 * is accepted; what cannot be read becomes a call with a parse_error the
 * model can act on, never a silent drop. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/llm_textcall.h"
#include "common/buf.h"
#include "common/hb_error.h"
#include "common/utf8.h"

#define FN_OPEN "<function="
#define FN_CLOSE "</function>"
#define PARAM_OPEN "<parameter="
#define PARAM_CLOSE "</parameter>"

static const char HOW_TO[] =
	"write <function=NAME> on a line of its own, then one "
	"<parameter=NAME>VALUE</parameter> per parameter, then </function>";

static bool starts(const char *p, const char *tag)
{
	return !strncmp(p, tag, strlen(tag));
}

static char *dup_trimmed(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return strndup(s, n);
}

/* A JSON string of s[0..n), ill-formed UTF-8 replaced rather than lost. */
static json_t *json_text(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	struct buf b;

	if (j)
		return j;
	buf_init(&b, 0);
	if (!utf8_append_sanitized(&b, s, n))
		j = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return j;
}

/* The earliest of the tags after p, or the end of the string. */
static const char *first_of(const char *p, const char *const *tags)
{
	const char *best = p + strlen(p), *q;

	for (; *tags; tags++)
		if ((q = strstr(p, *tags)) && q < best)
			best = q;
	return best;
}

/* NAME of "NAME>" at p (the tag's '=' already passed): on one line, made
 * of letters, digits and _-.: ; *end is after the '>'. */
static char *tag_name(const char *p, const char **end)
{
	size_t n = strcspn(p, ">\n<");
	char *name;
	size_t i;

	if (p[n] != '>')
		return NULL;
	if (!(name = dup_trimmed(p, n)))
		return NULL;
	for (i = 0; name[i]; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_-.:", name[i]))
			break;
	if (!*name || name[i]) {
		free(name);
		return NULL;
	}
	*end = p + n + 1;
	return name;
}

/* One <parameter=K>V</parameter> at p into args; *end after it. One
 * newline after the tag and one before the closing tag are the format's,
 * not the value's. */
static int read_param(const char *p, json_t *args, const char **end)
{
	static const char *const value_ends[] = { FN_CLOSE, PARAM_OPEN, FN_OPEN, NULL };
	const char *v, *close;
	char *key = tag_name(p + strlen(PARAM_OPEN), &v);
	size_t n;
	int rc;

	if (!key)
		return HB_EINVAL;
	if ((close = strstr(v, PARAM_CLOSE))) {
		*end = close + strlen(PARAM_CLOSE);
	} else {
		close = first_of(v, value_ends);
		*end = close;
	}
	n = (size_t)(close - v);
	if (n && *v == '\n')
		v++, n--;
	if (n && v[n - 1] == '\n')
		n--;
	rc = json_object_set_new(args, key, json_text(v, n)) ? HB_ENOMEM : 0;
	free(key);
	return rc;
}

/* The body of a call that has no parameters but is a JSON object, as some
 * models write: those are the arguments. */
static json_t *json_body(const char *p, const char *end)
{
	char *s = dup_trimmed(p, (size_t)(end - p));
	json_t *j = s && *s == '{' ? json_loads(s, 0, NULL) : NULL;

	free(s);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static int set_error(struct llm_tool_call *c, const char *what)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "could not read the call of function \"%s\": %s; %s",
		 c->name ? c->name : "", what, HOW_TO);
	return (c->parse_error = strdup(msg)) ? 0 : HB_ENOMEM;
}

/* The parameters of a call from p (after <function=NAME>) until its end:
 * </function>, the next <function=, or the end of the text. */
static int read_params(struct llm_tool_call *c, const char *p, const char **end)
{
	json_t *args = json_object();
	const char *body = p;
	int rc = args ? 0 : HB_ENOMEM;

	while (!rc) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || starts(p, FN_OPEN))
			break;
		if (starts(p, FN_CLOSE)) {
			p += strlen(FN_CLOSE);
			break;
		}
		if (starts(p, PARAM_OPEN)) {
			if ((rc = read_param(p, args, &p)) != HB_EINVAL)
				continue;
			rc = set_error(c, "a <parameter= tag has no valid name followed by >");
			p = first_of(p + 1, (const char *const[]){ FN_OPEN, NULL });
			break;
		}
		/* stray text inside the call: on to the next tag */
		p = strchr(p + 1, '<') ? strchr(p + 1, '<') : p + strlen(p);
	}
	*end = p;
	if (!rc && !c->parse_error && !json_object_size(args)) {
		json_t *j = json_body(body, first_of(body, (const char *const[]){ FN_CLOSE, FN_OPEN, NULL }));

		if (j) {
			json_decref(args);
			args = j;
		}
	}
	if (!rc && !c->parse_error && !(c->arguments = json_dumps(args, JSON_COMPACT)))
		rc = HB_ENOMEM;
	json_decref(args);
	return rc;
}

/* One call at p (at "<function="); *end where the next one may start. */
static int read_call(const char *p, unsigned long *next_id, struct llm_tool_call *c,
		     const char **end)
{
	char id[32];
	const char *body;

	snprintf(id, sizeof(id), "call_%lu", (*next_id)++);
	if (!(c->id = strdup(id)))
		return HB_ENOMEM;
	c->name = tag_name(p + strlen(FN_OPEN), &body);
	if (!c->name) {
		if (!(c->name = strdup("")))
			return HB_ENOMEM;
		*end = first_of(p + 1, (const char *const[]){ FN_OPEN, NULL });
		return set_error(c, "the <function= tag has no valid name followed by >");
	}
	return read_params(c, body, end);
}

/* Splits off reasoning: <think>…</think> anywhere, or everything before a
 * lone </think> (servers that put the opening tag in the prompt). rest
 * gets the remaining text with <tool_call> wrappers removed. */
static int split_reasoning(const char *text, struct buf *rest, char **reasoning)
{
	const char *open = strstr(text, "<think>"), *close = strstr(text, "</think>");
	static const char *const wrappers[] = { "<tool_call>", "</tool_call>", NULL };
	const char *after = text, *p, *q;
	int rc = 0;

	*reasoning = NULL;
	if (open && (!close || close > open)) {
		const char *r = open + strlen("<think>");
		const char *stop = close ? close : first_of(r, (const char *const[]){ FN_OPEN, NULL });

		*reasoning = dup_trimmed(r, (size_t)(stop - r));
		rc |= buf_append(rest, text, (size_t)(open - text));
		after = close ? close + strlen("</think>") : stop;
	} else if (close) {
		*reasoning = dup_trimmed(text, (size_t)(close - text));
		after = close + strlen("</think>");
	}
	for (p = after; *(q = first_of(p, wrappers)); p = q + (q[1] == '/' ? 12 : 11))
		rc |= buf_append(rest, p, (size_t)(q - p));
	rc |= buf_append(rest, p, strlen(p));
	return rc ? HB_ENOMEM : 0;
}

int llm_textcall_parse(const char *text, unsigned long *next_id,
		       struct llm_textcall_reply *out)
{
	struct buf rest;
	const char *p, *call;
	int rc;

	memset(out, 0, sizeof(*out));
	buf_init(&rest, 0);
	if ((rc = split_reasoning(text ? text : "", &rest, &out->reasoning)))
		goto out;
	p = rest.data ? rest.data : "";
	call = strstr(p, FN_OPEN);
	if (!(out->content = dup_trimmed(p, call ? (size_t)(call - p) : strlen(p)))) {
		rc = HB_ENOMEM;
		goto out;
	}
	while (call) {
		struct llm_tool_call *c = realloc(out->calls, (out->ncalls + 1) * sizeof(*c));

		if (!c) {
			rc = HB_ENOMEM;
			goto out;
		}
		out->calls = c;
		c = memset(&out->calls[out->ncalls++], 0, sizeof(*c));
		if ((rc = read_call(call, next_id, c, &p)))
			goto out;
		call = strstr(p, FN_OPEN);
	}
out:
	buf_free(&rest);
	if (rc)
		llm_textcall_reply_clear(out);
	return rc;
}

void llm_tool_call_clear(struct llm_tool_call *c)
{
	free(c->id);
	free(c->name);
	free(c->arguments);
	free(c->parse_error);
	memset(c, 0, sizeof(*c));
}

void llm_textcall_reply_clear(struct llm_textcall_reply *r)
{
	size_t i;

	for (i = 0; i < r->ncalls; i++)
		llm_tool_call_clear(&r->calls[i]);
	free(r->calls);
	free(r->content);
	free(r->reasoning);
	memset(r, 0, sizeof(*r));
}
