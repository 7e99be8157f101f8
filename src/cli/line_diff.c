/* line_diff.c — unified-diff hunks of two texts for the terminal
 * (line_diff.h). The common head and tail are cut off first, so an edit
 * of a few lines in a large file costs a small table; the longest common
 * subsequence of what is left gives the edit script. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/line_diff.h"
#include "cli/run_format.h"

#define DEFAULT_CONTEXT 3
#define DEFAULT_MAX_CELLS ((size_t)4 << 20)

struct line { const char *s; size_t len; };
struct lines { struct line *v; size_t n; };

enum op_kind { OP_SAME, OP_DEL, OP_ADD };
struct op { enum op_kind kind; size_t a, b; };   /* a: old line, b: new line */

struct script {
	struct op *ops;
	size_t n;
	size_t changed;
};

/* Lines of text (without their '\n'); a last line without '\n' counts. */
static int split(const char *text, struct lines *out)
{
	const char *p, *nl;
	size_t cap = 1;

	out->n = 0;
	out->v = NULL;
	if (!text || !*text)
		return 0;
	for (p = text; (p = strchr(p, '\n')); p++)
		cap++;
	out->v = malloc(cap * sizeof(*out->v));
	if (!out->v)
		return -1;
	for (p = text; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		out->v[out->n].s = p;
		out->v[out->n++].len = (size_t)(nl - p);
		if (!*nl)
			break;
	}
	return 0;
}

static bool line_eq(const struct line *x, const struct line *y)
{
	return x->len == y->len && !memcmp(x->s, y->s, x->len);
}

static void push(struct script *sc, enum op_kind k, size_t a, size_t b)
{
	sc->ops[sc->n].kind = k;
	sc->ops[sc->n].a = a;
	sc->ops[sc->n++].b = b;
	if (k != OP_SAME)
		sc->changed++;
}

/* The middle old[pre, pre+n) against new[pre, pre+m) by an LCS table:
 * lcs[i][j] is the LCS of old's middle from i and new's from j. */
static int diff_middle(const struct lines *o, const struct lines *w, size_t pre,
		       size_t n, size_t m, struct script *sc)
{
	uint32_t *lcs;
	size_t i, j, cols = m + 1;

	lcs = calloc((n + 1) * cols, sizeof(*lcs));
	if (!lcs)
		return -1;
	for (i = n; i-- > 0;)
		for (j = m; j-- > 0;)
			lcs[i * cols + j] = line_eq(&o->v[pre + i], &w->v[pre + j])
				? lcs[(i + 1) * cols + j + 1] + 1
				: (lcs[(i + 1) * cols + j] > lcs[i * cols + j + 1]
				   ? lcs[(i + 1) * cols + j] : lcs[i * cols + j + 1]);
	for (i = 0, j = 0; i < n || j < m;) {
		if (i < n && j < m && line_eq(&o->v[pre + i], &w->v[pre + j])) {
			push(sc, OP_SAME, pre + i++, pre + j++);
		} else if (j == m || (i < n && lcs[(i + 1) * cols + j] >= lcs[i * cols + j + 1])) {
			push(sc, OP_DEL, pre + i++, pre + j);
		} else {
			push(sc, OP_ADD, pre + i, pre + j++);
		}
	}
	free(lcs);
	return 0;
}

/* The edit script; 1 when the middle is over the cap (*n_mid, *m_mid
 * say how big it is), -1 out of memory. */
static int diff_script(const struct lines *o, const struct lines *w, size_t max_cells,
		       struct script *sc, size_t *n_mid, size_t *m_mid)
{
	size_t pre = 0, suf = 0, n, m, k;

	while (pre < o->n && pre < w->n && line_eq(&o->v[pre], &w->v[pre]))
		pre++;
	while (suf < o->n - pre && suf < w->n - pre &&
	       line_eq(&o->v[o->n - 1 - suf], &w->v[w->n - 1 - suf]))
		suf++;
	n = *n_mid = o->n - pre - suf;
	m = *m_mid = w->n - pre - suf;
	if (n && m > max_cells / n)
		return 1;
	sc->n = sc->changed = 0;
	sc->ops = malloc((o->n + w->n + 1) * sizeof(*sc->ops));
	if (!sc->ops)
		return -1;
	for (k = 0; k < pre; k++)
		push(sc, OP_SAME, k, k);
	if (diff_middle(o, w, pre, n, m, sc)) {
		free(sc->ops);
		return -1;
	}
	for (k = suf; k > 0; k--)
		push(sc, OP_SAME, o->n - k, w->n - k);
	return 0;
}

struct printer {
	FILE *out;
	const struct line_diff_opts *o;
	const struct lines *old_l, *new_l;
	size_t printed, skipped;
};

static void print_line(struct printer *p, const struct op *op)
{
	static const char mark[] = { ' ', '-', '+' };
	const char *colour = op->kind == OP_DEL ? ANSI_RED : op->kind == OP_ADD ? ANSI_GREEN : "";
	const struct line *l = op->kind == OP_ADD ? &p->new_l->v[op->b] : &p->old_l->v[op->a];

	if (p->o->max_lines && p->printed >= p->o->max_lines) {
		p->skipped++;
		return;
	}
	p->printed++;
	fprintf(p->out, "%s%s%c", p->o->indent ? p->o->indent : "",
		ansi(p->o->color && *colour, colour), mark[op->kind]);
	text_write_visible(p->out, l->s, l->len);
	fprintf(p->out, "%s\n", ansi(p->o->color && *colour, ANSI_RESET));
}

/* ops[from, to) as one hunk: its header, then its lines. */
static void print_hunk(struct printer *p, const struct op *ops, size_t from, size_t to)
{
	size_t k, olines = 0, nlines = 0;

	for (k = from; k < to; k++) {
		olines += ops[k].kind != OP_ADD;
		nlines += ops[k].kind != OP_DEL;
	}
	if (!p->o->max_lines || p->printed < p->o->max_lines) {
		/* a hunk without old (or new) lines starts after line a (b) */
		fprintf(p->out, "%s%s@@ -%zu,%zu +%zu,%zu @@%s\n", p->o->indent ? p->o->indent : "",
			ansi(p->o->color, ANSI_CYAN), ops[from].a + (olines ? 1 : 0), olines,
			ops[from].b + (nlines ? 1 : 0), nlines, ansi(p->o->color, ANSI_RESET));
	}
	for (k = from; k < to; k++)
		print_line(p, &ops[k]);
}

static void print_hunks(struct printer *p, const struct script *sc, size_t ctx)
{
	size_t k = 0, start, end, last;

	while (k < sc->n) {
		while (k < sc->n && sc->ops[k].kind == OP_SAME)
			k++;
		if (k == sc->n)
			break;
		start = k > ctx ? k - ctx : 0;
		/* extend while the next change is close enough that the
		 * context between them would touch */
		last = k;
		for (end = k; end < sc->n; end++) {
			if (sc->ops[end].kind != OP_SAME)
				last = end;
			else if (end - last > 2 * ctx)
				break;
		}
		end = last + 1 + ctx < sc->n ? last + 1 + ctx : sc->n;
		print_hunk(p, sc->ops, start, end);
		k = end;
	}
}

long line_diff_write(FILE *out, const char *old_text, const char *new_text,
		     const struct line_diff_opts *o)
{
	struct lines ol, nl;
	struct script sc = { 0 };
	struct printer p = { out, o, &ol, &nl, 0, 0 };
	size_t n_mid = 0, m_mid = 0;
	long changed = -1;
	int rc;

	if (split(old_text, &ol) || split(new_text, &nl)) {
		rc = -1;
	} else {
		rc = diff_script(&ol, &nl, o->max_cells ? o->max_cells : DEFAULT_MAX_CELLS,
				 &sc, &n_mid, &m_mid);
	}
	if (rc) {
		/* too large (or no memory): the size of the change only */
		fprintf(out, "%s%s%zu lines changed%s\n", o->indent ? o->indent : "",
			ansi(o->color, ANSI_DIM), n_mid > m_mid ? n_mid : m_mid,
			ansi(o->color, ANSI_RESET));
		changed = rc < 0 ? -1 : (long)(n_mid + m_mid);
	} else {
		print_hunks(&p, &sc, o->context < 0 ? DEFAULT_CONTEXT : (size_t)o->context);
		if (p.skipped)
			fprintf(out, "%s%s… %zu more lines%s\n", o->indent ? o->indent : "",
				ansi(o->color, ANSI_DIM), p.skipped, ansi(o->color, ANSI_RESET));
		changed = (long)sc.changed;
	}
	free(sc.ops);
	free(ol.v);
	free(nl.v);
	return changed;
}
