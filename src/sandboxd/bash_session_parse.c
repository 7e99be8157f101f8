/* bash_session_parse.c — the shell protocol of persistent sessions, pure
 * functions; see bash_session_parse.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hb_error.h"
#include "sandboxd/bash_session_parse.h"

#define STR(x) #x
#define XSTR(x) STR(x)

/* PROMPT_COMMAND runs before every prompt with $? still the command's; it
 * also empties PS1 again, since `source venv/bin/activate` and the like
 * prepend to it. __hb_ret gives $? back to the command after the trigger
 * line's own statements have changed it. */
const char bash_session_init_line[] =
	"exec " XSTR(BASH_SESSION_CMD_FD) "<&3 " XSTR(BASH_SESSION_STATUS_FD) ">&4 3<&- 4>&-; "
	"PROMPT_COMMAND='printf \"%s %s %s\\0\" \"$?\" \"${__hb_seq:-0}\" \"$PWD\" >&"
	XSTR(BASH_SESSION_STATUS_FD) "; PS1= PS2='; "
	"PS1= PS2=; set +o history -o ignoreeof; unset HISTFILE MAILCHECK TMOUT; "
	"__hb_ret() { return \"$1\"; }\n";

/* The line starts with the terminal's kill character (Ctrl-U), which
 * erases keys the last command left unread on a partial line. The command
 * runs through eval at the top level (not in a function, where `declare`
 * would make its variables local), in an if whose two branches are the
 * same so that $? is restored without `set -e` ending the shell when the
 * previous command failed. */
int bash_session_trigger_line(char *out, size_t outlen, unsigned long seq)
{
	int n = snprintf(out, outlen,
			 "\025__hb_s=$?; __hb_seq=%lu; printf 'S %%s\\0' \"$__hb_seq\" >&"
			 XSTR(BASH_SESSION_STATUS_FD) "; IFS= read -r -d '' -u " XSTR(BASH_SESSION_CMD_FD)
			 " __hb_cmd; if __hb_ret \"$__hb_s\"; then eval \"$__hb_cmd\"; "
			 "else eval \"$__hb_cmd\"; fi\n", seq);

	if (n < 0 || (size_t)n >= outlen)
		return HB_ETOOBIG;
	return n;
}

/* Reads decimal digits at *p (at most maxdigits) into *v; advances *p. */
static int take_number(const char **p, const char *end, int maxdigits,
		       unsigned long *v)
{
	const char *s = *p;
	unsigned long n = 0;

	while (s < end && *s >= '0' && *s <= '9' && s - *p < maxdigits)
		n = n * 10 + (unsigned long)(*s++ - '0');
	if (s == *p || (s < end && *s >= '0' && *s <= '9'))
		return HB_EINVAL;
	*p = s;
	*v = n;
	return 0;
}

int bash_session_record_parse(const char *data, size_t len, struct bash_session_record *rec,
			 size_t *used)
{
	const char *nul = memchr(data, '\0', len), *p = data;
	unsigned long code, seq;

	if (!nul)
		return 0;
	*used = (size_t)(nul - data) + 1;
	memset(rec, 0, sizeof(*rec));
	if (p < nul && *p == 'S') {
		p++;
		if (p == nul || *p++ != ' ' || take_number(&p, nul, 19, &seq) || p != nul)
			return HB_EINVAL;
		rec->kind = BASH_SESSION_STARTED;
		rec->seq = seq;
		return 1;
	}
	if (take_number(&p, nul, 3, &code) || code > 255 || p == nul || *p++ != ' ' ||
	    take_number(&p, nul, 19, &seq) || p == nul || *p++ != ' ')
		return HB_EINVAL;
	rec->kind = BASH_SESSION_DONE;
	rec->exit_code = (int)code;
	rec->seq = seq;
	rec->cwd = p;
	rec->cwd_len = (size_t)(nul - p);
	return 1;
}

void bash_session_records_init(struct bash_session_records *r, size_t cap)
{
	buf_init(&r->pending, cap);
	r->skipping = 0;
}

void bash_session_records_free(struct bash_session_records *r)
{
	buf_free(&r->pending);
	r->skipping = 0;
}

/* One record at a time goes through pending, so the cap applies to each
 * record alone, and the bytes after an oversized record's NUL — the next
 * records, often in the same read — are never thrown away with it. */
void bash_session_records_feed(struct bash_session_records *r, const char *data, size_t len,
			       bash_session_record_fn on_record, void *arg)
{
	struct bash_session_record rec;
	const char *nul;
	size_t take, used;

	while (len) {
		nul = memchr(data, '\0', len);
		take = nul ? (size_t)(nul - data) + 1 : len;
		if (r->skipping) {
			r->skipping = !nul;
		} else if (buf_append(&r->pending, data, take)) {
			/* no record is this long: drop it, up to its NUL */
			buf_reset(&r->pending);
			r->skipping = !nul;
		} else if (nul) {
			if (bash_session_record_parse(r->pending.data, r->pending.len, &rec,
						      &used) == 1)
				on_record(arg, &rec);
			buf_reset(&r->pending);
		}
		data += take;
		len -= take;
	}
}

int bash_session_key_byte(const char *text, unsigned char *byte)
{
	char c;

	if (strncmp(text, "C-", 2) || !text[2] || text[3])
		return 0;
	c = text[2];
	if (c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	if ((c >= 'A' && c <= 'Z') || strchr("@[\\]^_", c)) {
		*byte = (unsigned char)(c & 0x1f);
		return 1;
	}
	if (c == '?') {
		*byte = 0x7f;
		return 1;
	}
	return 0;
}

int bash_session_input_bytes(const char *text, size_t len, struct buf *out)
{
	unsigned char key;
	int rc;

	if (strlen(text) == len && bash_session_key_byte(text, &key))
		return buf_append(out, &key, 1);
	rc = buf_append(out, text, len);
	if (!rc && (len == 0 || text[len - 1] != '\n'))
		rc = buf_append(out, "\n", 1);
	return rc;
}

int bash_session_tail_trim(struct buf *b, size_t keep)
{
	size_t cut;
	int skipped = 0;

	if (b->len <= keep)
		return 0;
	cut = b->len - keep;
	/* a UTF-8 sequence is at most 4 bytes: skip at most 3 continuations */
	while (cut < b->len && ((unsigned char)b->data[cut] & 0xc0) == 0x80 && skipped < 3) {
		cut++;
		skipped++;
	}
	buf_consume(b, cut);
	return 1;
}
