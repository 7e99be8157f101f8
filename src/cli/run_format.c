/* run_format.c — numbers, money, durations, times and terminal-safe text
 * for the run and conversations commands (run_format.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/run_format.h"
#include "common/utf8.h"

const char *ansi(bool color, const char *code)
{
	return color ? code : "";
}

bool color_wanted(FILE *f)
{
	const char *no = getenv("NO_COLOR");

	return isatty(fileno(f)) && !(no && *no);
}

void fmt_thousands(char *out, size_t outlen, int64_t v)
{
	char digits[32], tmp[48];
	size_t n, i, o = 0;
	/* the magnitude as unsigned: -INT64_MIN does not fit an int64_t */
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	n = (size_t)snprintf(digits, sizeof(digits), "%llu", (unsigned long long)mag);
	if (v < 0)
		tmp[o++] = '-';
	for (i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			tmp[o++] = ',';
		tmp[o++] = digits[i];
	}
	tmp[o] = '\0';
	snprintf(out, outlen, "%s", tmp);
}

void fmt_cost(char *out, size_t outlen, double usd)
{
	if (usd < 0)
		snprintf(out, outlen, "n/a");
	else
		snprintf(out, outlen, usd < 1 ? "$%.4f" : "$%.2f", usd);
}

void fmt_duration(char *out, size_t outlen, double s)
{
	long t;

	if (s < 0)
		s = 0;
	if (s < 60) {
		snprintf(out, outlen, "%.1fs", s);
		return;
	}
	t = (long)s;
	if (t < 3600)
		snprintf(out, outlen, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(out, outlen, "%ldh%02ldm", t / 3600, t % 3600 / 60);
}

void fmt_ago(char *out, size_t outlen, int64_t now_us, int64_t then_us)
{
	int64_t s = (now_us - then_us) / 1000000;

	if (then_us == 0)
		snprintf(out, outlen, "-");
	else if (s < 60)
		snprintf(out, outlen, "just now");
	else if (s < 3600)
		snprintf(out, outlen, "%lld min ago", (long long)(s / 60));
	else if (s < 86400)
		snprintf(out, outlen, "%lld h ago", (long long)(s / 3600));
	else
		snprintf(out, outlen, "%lld day%s ago", (long long)(s / 86400),
			 s / 86400 == 1 ? "" : "s");
}

void fmt_iso_utc(char *out, size_t outlen, int64_t us)
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;
	char day[32];

	if (!gmtime_r(&secs, &tm) || !strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, outlen, "-");
		return;
	}
	snprintf(out, outlen, "%s.%06lld", day, (long long)(us % 1000000));
}

void fmt_fit(char *out, size_t outlen, const char *s, size_t width)
{
	size_t o = 0, cols = 0, n, len = strlen(s);
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	if (outlen == 0)
		return;
	while (p < end && cols < width) {
		n = utf8_seq_len(p, (size_t)(end - p));
		/* the last column of a cut string is the ellipsis */
		if (cols + 1 == width && end - p > (ptrdiff_t)(n ? n : 1)) {
			if (o + 3 < outlen) {
				memcpy(out + o, "…", 3);
				o += 3;
			}
			p = end;
		} else if (n == 0 || *p < 0x20 || *p == 0x7f || (n == 2 && *p == 0xc2 && p[1] < 0xa0)) {
			/* ill-formed bytes, C0 and C1 controls: a blank */
			if (o + 1 < outlen)
				out[o++] = ' ';
			p += n ? n : 1;
		} else {
			if (o + n < outlen) {
				memcpy(out + o, p, n);
				o += n;
			}
			p += n;
		}
		cols++;
	}
	while (cols++ < width && o + 1 < outlen)
		out[o++] = ' ';
	out[o] = '\0';
}

void text_write_visible(FILE *out, const char *s, size_t len)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\r') {
			/* "\r\n" is one line end; a lone \r (progress bars) too */
			if (i + 1 < len && s[i + 1] == '\n')
				continue;
			fputc('\n', out);
		} else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			fputc('^', out);
			fputc(c == 0x7f ? '?' : c + 64, out);
		} else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			/* U+0080–U+009F: C1 controls (U+009B is a CSI to
			 * some terminals) */
			fputc('?', out);
			i++;
		} else {
			fputc(c, out);
		}
	}
}
