/* run_format.h — small formatters shared by `handbox run` and `handbox
 * conversations`: numbers, money, durations and times as people read
 * them, terminal colours, and text made safe to print on a terminal. */
#ifndef HB_CLI_RUN_FORMAT_H
#define HB_CLI_RUN_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define ANSI_RESET  "\033[0m"
#define ANSI_BOLD   "\033[1m"
#define ANSI_DIM    "\033[2m"
#define ANSI_RED    "\033[31m"
#define ANSI_GREEN  "\033[32m"
#define ANSI_YELLOW "\033[33m"
#define ANSI_CYAN   "\033[36m"

/* code when color, else "": lets a printf carry its colours either way. */
const char *ansi(bool color, const char *code);
/* Colour for a FILE: it is a terminal and NO_COLOR is unset (no-color.org). */
bool color_wanted(FILE *f);

/* 12345678 → "12,345,678". */
void fmt_thousands(char *out, size_t outlen, int64_t v);
/* USD: "$0.0123" (4 decimals under $1), "$12.34"; "n/a" when < 0. */
void fmt_cost(char *out, size_t outlen, double usd);
/* Seconds: "41.2s", "3m05s", "2h04m". */
void fmt_duration(char *out, size_t outlen, double s);
/* How long before now then was: "just now", "5 min ago", "3 h ago",
 * "2 days ago"; "-" when then is 0. */
void fmt_ago(char *out, size_t outlen, int64_t now_us, int64_t then_us);
/* Wall-clock microseconds as the events' timestamps (API.md § 2): UTC,
 * no zone suffix, "2026-06-16T05:39:18.809928". */
void fmt_iso_utc(char *out, size_t outlen, int64_t us);

/* s in exactly width columns (one per character, as most of what people
 * write): cut with "…" when longer, padded with spaces when shorter;
 * control characters become spaces. out needs 4 × width + 1 bytes. */
void fmt_fit(char *out, size_t outlen, const char *s, size_t width);

/* Writes len bytes of s so that they cannot drive the terminal: control
 * characters but newline and tab become ^X (ESC is ^[), a lone carriage
 * return a newline. Command output and file contents come from the
 * sandbox, where anything may have written them. */
void text_write_visible(FILE *out, const char *s, size_t len);

#endif
