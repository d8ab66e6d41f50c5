/*
 * internal.h - private parts of src/demo, shared by its files and by
 * tests/unit/test_demo.c.
 *
 * For: the embedded-INI reader (inih with line numbers), the demo article
 * header parser, and the synthetic text generator with its word lists.
 * Not for: anything outside src/demo and its test; the public API is
 * demo/demo.h.
 */
#ifndef GAZETTE_DEMO_INTERNAL_H
#define GAZETTE_DEMO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"

struct arena;

/* ---- INI files ------------------------------------------------------ */

struct demo_kv {
	const char *section; /* "[politics]" without brackets; arena memory */
	const char *key;     /* "name.en"; arena memory */
	char *value;         /* continuation lines joined with "\n" */
	int line;            /* 1-based line of the key in the file */
};

struct demo_ini {
	const char *path;   /* for messages: "demo/content/rubrics.ini" */
	struct demo_kv *kv; /* pairs in file order; arena memory */
	size_t n;           /* pairs used */
	size_t cap;         /* pairs allocated */
};

/*
 * Parse the INI text (len bytes, NUL-terminated at text[len]) with inih:
 * sections, `key = value` pairs, `;`/`#` comment lines, indented
 * continuation lines (joined to the value with "\n"); no inline comments
 * and no line-length limit. A key outside a section, a key repeated in a
 * section and a syntax error are ERR_INVALID with "path:line: ...".
 * Everything in *out is arena memory of `a`. Changes inih's global
 * options for the duration of the call (not thread-safe with other inih
 * users).
 */
int demo_ini_parse(struct arena *a, const char *path, const char *text,
		   size_t len, struct demo_ini *out, struct err *e);

/* The pair `key` of `section`, or NULL. Points into ini. */
const struct demo_kv *demo_ini_find(const struct demo_ini *ini,
				    const char *section, const char *key);

/* ---- demo articles -------------------------------------------------- */

#define DEMO_MAX_AUTHORS 4  /* authors per demo article */
#define DEMO_MAX_TAGS    12 /* tags per demo article */

/* One demo/content/articles/<key>.<edition>.md file. Strings are arena
 * memory; the header values are trimmed. */
struct demo_article {
	const char *path; /* file, for messages */
	char *key;        /* "coalition-budget-vote", = file name's key */
	char *edition;    /* "en", = file name's edition */
	char *title;      /* non-empty */
	char *slug;       /* [a-z0-9-], no leading/trailing/double '-' */
	char *kind;       /* news, analysis, interview, opinion, ... */
	char *rubric;     /* rubric key, checked later against rubrics.ini */
	char *lead;       /* non-empty */
	char *authors[DEMO_MAX_AUTHORS]; /* author keys, byline order */
	size_t n_authors;                /* 1..DEMO_MAX_AUTHORS */
	char *tags[DEMO_MAX_TAGS];       /* tag names in order */
	size_t n_tags;                   /* 0..DEMO_MAX_TAGS */
	int age_hours;                   /* 0..87600 */
	int featured;                    /* 0/1, optional header, default 0 */
	int breaking;                    /* 0/1, optional header, default 0 */
	int pinned;                      /* 0/1, optional header, default 0 */
	int rubric_line;  /* line of the rubric header, for later errors */
	int authors_line; /* line of the authors header */
	char *body;       /* Markdown after the `---` line, non-empty */
	size_t body_len;  /* bytes in body */
};

/*
 * Parse a demo article: `name: value` header lines, a `---` line, then the
 * Markdown body. Strict: an unknown or repeated header, a blank or
 * malformed header line, a missing required header (key, edition, title,
 * slug, kind, rubric, authors, tags, age_hours, lead), a bad value (slug
 * characters, kind, age_hours not an integer in 0..87600, a flag other
 * than 0/1, too many authors or tags), a key or edition that differs
 * from the file name `<key>.<edition>.md`, a missing `---` or an empty
 * body give ERR_INVALID with "path:line: what". Rubric and author keys
 * are only checked for form here. `text` is len bytes; a NUL inside is an
 * error. On success *out holds arena memory of `a`.
 */
int demo_article_parse(struct arena *a, const char *path, const char *text,
		       size_t len, struct demo_article *out, struct err *e);

/* ---- the demo content as a whole ----------------------------------- */

struct embed_file;

/* The files of demo/content/ (embedded ones, or a test's). */
struct demo_files {
	const struct embed_file *site;      /* site.ini; NULL: missing */
	const struct embed_file *rubrics;   /* rubrics.ini; NULL: missing */
	const struct embed_file *authors;   /* authors.ini; NULL: missing */
	const struct embed_file *live;      /* live.ini; NULL: missing */
	const struct embed_file **articles; /* articles/<key>.<ed>.md */
	size_t n_articles;                  /* count */
};

/*
 * Parse and check the demo content the way demo_load does before it
 * writes anything: every INI key known ([site] keys; rubric position,
 * name/slug/description.<ed>; author name/bio.<ed>, links; [event] key,
 * title/summary/slug.<ed>, started_hours_ago; [entry N] minutes_ago,
 * author, pinned, text.<ed>), localized keys complete (name and slug
 * for each edition a rubric mentions), numbers in range, rubric slugs
 * unique per edition, every article parsed (demo_article_parse) with a
 * known rubric and authors and a slug unique in its edition, and live
 * entries by known authors. ERR_INVALID with "path:line: what", or
 * ERR_NOTFOUND for a missing file or no articles. Arena memory only.
 */
int demo_content_check(struct arena *a, const struct demo_files *files,
		       struct err *e);

/* ---- synthetic text ------------------------------------------------- */

enum {
	DEMO_LANG_EN,
	DEMO_LANG_RU,
	DEMO_LANGS
};

#define DEMO_TAG_POOL 200 /* tags per language in demo_tags */

/* A phrase in every language, the same meaning at the same index. */
struct demo_pair {
	const char *s[DEMO_LANGS];
};

/* A word list (vocab.c). */
struct demo_list {
	const struct demo_pair *p; /* phrases */
	size_t n;                  /* count */
};

/* Slots of the sentence templates, one letter each (see synth.c). */
enum demo_slot {
	DEMO_SLOT_SUBJECT,    /* S: singular subject, nominative */
	DEMO_SLOT_VERB,       /* V: transitive verb, present 3rd singular */
	DEMO_SLOT_VERB_INF,   /* I: the same verb, infinitive (same index) */
	DEMO_SLOT_OBJECT,     /* O: object, accusative */
	DEMO_SLOT_PLACE,      /* L: "in Lennick" */
	DEMO_SLOT_TIME,       /* T: "on Monday" */
	DEMO_SLOT_CLAUSE,     /* C and D: full clause, lower case */
	DEMO_SLOT_REASON,     /* R: "despite objections from ..." */
	DEMO_SLOT_SOURCE,     /* W: "according to officials" */
	DEMO_SLOT_PERSON,     /* N: "Clara Weyl" */
	DEMO_SLOT_ROLE,       /* J: "an energy analyst" */
	DEMO_SLOT_SAYS,       /* Y: "warns" */
	DEMO_SLOT_CONNECTOR,  /* K: ", but " */
	DEMO_SLOT_HEADING,    /* sub-headings */
	DEMO_SLOT_LIST_INTRO, /* the paragraph before a bullet list */
	DEMO_SLOT_TITLE,      /* title templates */
	DEMO_SLOT_LEAD,       /* lead templates */
	DEMO_SLOT_SENTENCE,   /* body sentence templates */
	DEMO_SLOT_QUOTE,      /* block quote templates */
	DEMO_SLOT_TAG,        /* the tag pool, DEMO_TAG_POOL phrases */
	DEMO_SLOTS
};

/* The word lists by slot (vocab.c). Static memory. */
extern const struct demo_list demo_vocab[DEMO_SLOTS];

/* One generated article in every language: the same facts, picks and
 * structure, told in each language. The bufs are reused from one article
 * to the next and backed by the arena given to demo_text_init. */
struct demo_text {
	struct buf title[DEMO_LANGS]; /* one line, no Markdown */
	struct buf lead[DEMO_LANGS];  /* one or two sentences */
	struct buf body[DEMO_LANGS];  /* Markdown */
	struct buf html[DEMO_LANGS];  /* body as render_md_to_html makes it */
	size_t words[DEMO_LANGS];     /* words in body */
	size_t tags[3];               /* indexes into the tag pool */
	size_t n_tags;                /* 1..3 */
};

/* Start t with empty bufs in arena `a` (which must outlive t; growth
 * leaves at most about twice the largest text in it). */
void demo_text_init(struct demo_text *t, struct arena *a);

/* Fill t with article `number` (deterministic: the same number gives the
 * same text). The bodies have 300-900 words, 5+ paragraphs, one
 * sub-heading, one bullet list and one block quote. */
void demo_text_make(struct demo_text *t, uint64_t number);

/* Append to b the URL slug form of the first `max_words` words of
 * UTF-8 text s: lower-case ASCII, Cyrillic transliterated, other
 * characters dropped, words joined by '-'. */
void demo_slug_words(struct buf *b, const char *s, int max_words);

#endif
