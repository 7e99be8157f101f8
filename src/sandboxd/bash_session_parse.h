/* bash_session_parse.h — the small protocol between sandboxd and the bash of a
 * persistent session (see bash_session.h), as pure functions: the lines
 * sandboxd types into the shell, the status records the shell writes back,
 * key names turned into bytes and the bounded tail of a command's output.
 * No I/O: unit-tested with cmocka.
 *
 * How a command runs: its text goes, NUL-terminated, down a pipe the shell
 * reads as BASH_SESSION_CMD_FD; a short trigger line typed on the terminal makes
 * the shell read it and eval it. The trigger first writes "S SEQ\0" to
 * BASH_SESSION_STATUS_FD, another pipe (the shell has taken the line off the
 * terminal), and before each prompt PROMPT_COMMAND writes "EXIT SEQ CWD\0"
 * there: SEQ is the number of the last trigger line, so a record says which
 * command it ends. Echo is off and PS1/PS2 are empty, so the terminal shows
 * only what commands print. */
#ifndef HB_SANDBOXD_BASH_SESSION_PARSE_H
#define HB_SANDBOXD_BASH_SESSION_PARSE_H

#include <stddef.h>

#include "common/buf.h"

/* where the two pipes live in the shell: high, out of the way of the
 * descriptors scripts use (3–9) and of bash's own (255 and down from it
 * for the terminal, 10 and up for {var} redirections) */
#define BASH_SESSION_CMD_FD 253
#define BASH_SESSION_STATUS_FD 254

/* The line typed once when the shell starts (the pipes arrive as 3 and 4):
 * moves them, installs the status PROMPT_COMMAND, empties the prompts and
 * turns off history, mail checks, the idle logout and exit on Ctrl-D. */
extern const char bash_session_init_line[];

/* Writes into out the trigger line for command number seq: Ctrl-U first
 * (the terminal drops a partial line left before it), then the start
 * record, the read and the eval, the newline last. Returns its length, or
 * HB_ETOOBIG when outlen is too small. */
int bash_session_trigger_line(char *out, size_t outlen, unsigned long seq);

enum bash_session_record_kind {
	BASH_SESSION_STARTED,      /* "S SEQ": the trigger line is being run */
	BASH_SESSION_DONE,         /* "EXIT SEQ CWD": the shell is at its prompt */
};

struct bash_session_record {
	enum bash_session_record_kind kind;
	int exit_code;        /* $? of the command (BASH_SESSION_DONE) */
	unsigned long seq;    /* the trigger it follows (0: the init line) */
	const char *cwd;      /* into the parsed bytes; not NUL-terminated
			       * (BASH_SESSION_DONE; empty when $PWD is unset) */
	size_t cwd_len;
};

/* Parses the record at the start of data[0..len). Returns 1 (rec filled,
 * *used = its length with the NUL), 0 (no NUL yet: wait for more bytes),
 * or HB_EINVAL (malformed: skip *used bytes). */
int bash_session_record_parse(const char *data, size_t len, struct bash_session_record *rec,
			 size_t *used);

/* The status pipe's bytes as they arrive, cut into records. */
struct bash_session_records {
	struct buf pending;   /* the start of a record whose NUL is still to come */
	int skipping;         /* dropping an oversized record up to its NUL */
};

typedef void (*bash_session_record_fn)(void *arg, const struct bash_session_record *rec);

/* An empty stream; a record (with its NUL) longer than cap bytes is
 * dropped. bash_session_records_free() frees what it holds. */
void bash_session_records_init(struct bash_session_records *r, size_t cap);
void bash_session_records_free(struct bash_session_records *r);

/* Takes data (one read of the status pipe; records may span reads) and
 * calls on_record(arg, rec) for each complete, well-formed record in
 * order; rec points into memory that is only valid during the call.
 * Malformed records are skipped; an oversized one is dropped up to its
 * NUL, and the records after it are kept. */
void bash_session_records_feed(struct bash_session_records *r, const char *data, size_t len,
			       bash_session_record_fn on_record, void *arg);

/* "C-c", "C-d", "C-z", "C-\", … "C-<char>" for a-z, A-Z, @ [ \ ] ^ _ ?:
 * sets *byte to the control byte and returns 1; returns 0 for anything
 * else (text). */
int bash_session_key_byte(const char *text, unsigned char *byte);

/* Appends to out the bytes that typing input means: a key's control byte,
 * or the text followed by Enter ("\n") unless it already ends with one.
 * Returns 0 or buf_append's error. */
int bash_session_input_bytes(const char *text, size_t len, struct buf *out);

/* Keeps only the newest keep bytes of b, cut after a UTF-8 lead byte so
 * that no character is split. Returns 1 when bytes were dropped, else 0. */
int bash_session_tail_trim(struct buf *b, size_t keep);

#endif
