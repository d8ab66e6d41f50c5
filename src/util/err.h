/*
 * err.h - error codes and an error with context.
 *
 * Functions return 0 on success or a negative ERR_* code, and fill the
 * caller's struct err (when not NULL) with a lower-case message that says
 * what failed and on what: "article 12: no such row".
 */
#ifndef GAZETTE_UTIL_ERR_H
#define GAZETTE_UTIL_ERR_H

enum {
	ERR_OK = 0,
	ERR_NOTFOUND = -1,  /* no such object */
	ERR_INVALID = -2,   /* bad input; the message says which field */
	ERR_DB = -3,        /* storage failure */
	ERR_IO = -4,        /* file or socket failure */
	ERR_CONFLICT = -5,  /* concurrent edit or unique key taken */
	ERR_FORBIDDEN = -6, /* role does not allow it */
	ERR_TOOBIG = -7,    /* input over a configured limit */
};

struct err {
	int code;      /* last ERR_* set, 0 when none */
	char msg[512]; /* context, lower case, no period */
};

/* Set e (when not NULL) to code and the formatted message; returns code so
 * that callers can write `return err_set(e, ERR_DB, ...)`. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clear e. */
void err_clear(struct err *e);

/* Short name of a code: "not found", "invalid", ... Static string. */
const char *err_name(int code);

#endif
