/*
 * store.h - the one storage API of Gazette.
 *
 * Backend-neutral: no SQL and no backend type appears here, so that a
 * PostgreSQL backend can sit beside the SQLite one (store/sqlite*.c).
 * The handle is thread-safe: reads may run from any thread at once (each
 * thread gets its own connection), writes are serialised and every write
 * runs in one transaction that either lands whole or not at all.
 *
 * Conventions
 * - Functions return 0 or a negative ERR_* (util/err.h) and fill `e`.
 * - Results are out-params. Strings and arrays in results are allocated
 *   from the arena `a` passed in (request memory): never free them.
 * - Times are Unix seconds (UTC). Ids are int64. Booleans are int 0/1.
 * - "edition" is an edition code: "en", "ru".
 */
#ifndef GAZETTE_STORE_STORE_H
#define GAZETTE_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct arena;
typedef struct store store; /* opaque handle */

/* ---- opening -------------------------------------------------------- */

/* Open (creating if needed) the database at `path` (":memory:" for a
 * private in-memory database, used by unit tests), apply pending numbered
 * migrations, set WAL, foreign keys and a busy timeout. Caller closes with
 * store_close. ERR_DB/ERR_IO with the path and reason. */
int store_open(const char *path, store **out, struct err *e);
void store_close(store *s);

/* Schema version after migrations (the highest migration number). */
int store_schema_version(store *s);

/* PRAGMA integrity_check (or the backend's equivalent): 0 when sound. */
int store_check(store *s, struct err *e);

/* Change generation: goes up after every write transaction of this
 * handle ends (commit or rollback, bulk included) and when a commit by
 * another process (a CLI next to `serve`) is noticed, which this call
 * checks with one cheap statement (PRAGMA data_version), so that data
 * read after taking a value is at least as new as that value says.
 * Callers cache what they derive from the store (site chrome, list
 * totals) and drop it when the value moves. Any thread. */
uint64_t store_generation(store *s);

/* Read hold: one read snapshot for a stretch of the calling thread's
 * work (a reader page asks the store a dozen things). Until
 * store_read_release, every read call of this thread on s runs in the
 * hold's transaction instead of opening its own, and store_generation
 * gives the generation the snapshot was taken at. Holds nest (counted);
 * a hold on another store fails (ERR_INVALID). Keep it short (the
 * snapshot pins the WAL) and do not write inside it: a write commits,
 * but this thread's reads keep seeing the snapshot from before it. A
 * no-op on ":memory:" and for the bulk thread. */
int store_read_hold(store *s, struct err *e);
void store_read_release(store *s);

/* Bulk loading (demo, import): between begin and commit every write joins
 * one transaction instead of its own; commit makes them durable together,
 * as durable as any commit. Only the thread that called begin may write
 * until commit/rollback. (With SQLite the checkpoints of bulk commits run
 * on a thread of their own: sqlite_checkpoint.c.) */
int store_bulk_begin(store *s, struct err *e);
int store_bulk_commit(store *s, struct err *e);
void store_bulk_rollback(store *s);

/* ---- slugs ---------------------------------------------------------- */

/* URL slug of `text`: ASCII letters and digits in lower case, Cyrillic
 * transliterated to Latin (ж→zh, х→kh, ц→ts, ч→ch, ш→sh, щ→shch, ю→yu,
 * я→ya, ь/ъ dropped), accented Latin letters without accents; every other
 * run of characters becomes one '-' between words. At most 96 bytes, cut
 * at a word boundary. "" when text has no letters or digits (NULL gives
 * ""). Arena memory. Backend-neutral (store/slug.c). */
char *store_slugify(struct arena *a, const char *text);

/* ---- editions ------------------------------------------------------- */

struct store_edition {
	char *code;   /* "en" */
	char *name;   /* "English" */
	char *prefix; /* URL prefix: "" or "/ru" */
	int position; /* display order */
};

int store_edition_upsert(store *s, const struct store_edition *ed,
			 struct err *e);
/* All editions by position. */
int store_edition_list(store *s, struct arena *a, struct store_edition **out,
		       size_t *n, struct err *e);

/* ---- settings ------------------------------------------------------- */

/* Site settings are key/value strings ("name.en", "social.telegram").
 * A NULL value deletes the key. */
int store_setting_set(store *s, const char *key, const char *value,
		      struct err *e);
/* *out is NULL (and 0 returned) when the key is not set. */
int store_setting_get(store *s, struct arena *a, const char *key, char **out,
		      struct err *e);
struct store_setting {
	char *key;   /* "name.en" */
	char *value; /* its value */
};
int store_setting_list(store *s, struct arena *a, struct store_setting **out,
		       size_t *n, struct err *e);

/* ---- rubrics -------------------------------------------------------- */

/* A rubric as seen from one edition (its name, slug, description there). */
struct store_rubric {
	int64_t id;
	char *key;         /* stable key, "analytics" */
	int position;      /* display order */
	char *edition;     /* edition of the texts below */
	char *name;        /* "Analytics" */
	char *slug;        /* "analytics" (unique per edition) */
	char *description; /* shown on rubric pages */
};

/* Create the rubric `key` if new, else update it; then set its texts for
 * r->edition. Sets r->id. */
int store_rubric_save(store *s, struct store_rubric *r, struct err *e);
/* Reads for an edition see only rubrics with texts in that edition
 * (ERR_NOTFOUND otherwise); edition NULL gives the texts of the first
 * edition (by position) that has some. Lists are by position. */
int store_rubric_list(store *s, struct arena *a, const char *edition,
		      struct store_rubric **out, size_t *n, struct err *e);
int store_rubric_get(store *s, struct arena *a, int64_t id,
		     const char *edition, struct store_rubric *out,
		     struct err *e);
int store_rubric_by_slug(store *s, struct arena *a, const char *edition,
			 const char *slug, struct store_rubric *out,
			 struct err *e);
int store_rubric_by_key(store *s, struct arena *a, const char *key,
			const char *edition, struct store_rubric *out,
			struct err *e);

/* ---- authors -------------------------------------------------------- */

struct store_author {
	int64_t id;
	char *slug;      /* URL slug, the same in every edition */
	int64_t user_id; /* newsroom account, 0 when none */
	int64_t photo_media_id; /* 0 when none */
	char *links;     /* space-separated URLs */
	char *edition;   /* edition of the texts below */
	char *name;      /* "Mira Alston" */
	char *bio;       /* short biography, plain text */
};

/* Create the author `slug` if new, else update it; then set name and bio
 * for a->edition. Sets a->id. */
int store_author_save(store *s, struct store_author *au, struct err *e);
/* Same edition rules as rubrics; lists are by name. */
int store_author_list(store *s, struct arena *a, const char *edition,
		      struct store_author **out, size_t *n, struct err *e);
int store_author_get(store *s, struct arena *a, int64_t id,
		     const char *edition, struct store_author *out,
		     struct err *e);
int store_author_by_slug(store *s, struct arena *a, const char *slug,
			 const char *edition, struct store_author *out,
			 struct err *e);

/* ---- users and sessions --------------------------------------------- */

enum store_role {
	STORE_ROLE_NONE = 0, /* anonymous reader */
	STORE_ROLE_CONTRIBUTOR = 1,
	STORE_ROLE_AUTHOR = 2,
	STORE_ROLE_EDITOR = 3,
	STORE_ROLE_ADMIN = 4,
};
/* "contributor"... and back; store_role_parse gives STORE_ROLE_NONE for an
 * unknown name. */
const char *store_role_name(enum store_role r);
enum store_role store_role_parse(const char *name);

struct store_user {
	int64_t id;
	char *login;         /* unique, 1-64 chars [a-z0-9._-] */
	char *display_name;  /* shown in the newsroom */
	char *email;         /* may be "" */
	char *password_hash; /* argon2id string (libsodium crypto_pwhash_str) */
	enum store_role role;
	int disabled;        /* 1: cannot log in */
	int64_t created_at;
};

/* Insert a user; ERR_CONFLICT when the login is taken. Sets u->id. */
int store_user_add(store *s, struct store_user *u, struct err *e);
int store_user_get(store *s, struct arena *a, int64_t id,
		   struct store_user *out, struct err *e);
int store_user_by_login(store *s, struct arena *a, const char *login,
			struct store_user *out, struct err *e);
int store_user_list(store *s, struct arena *a, struct store_user **out,
		    size_t *n, struct err *e);
/* Update role, display_name, email, disabled and (when not NULL/empty)
 * password_hash of user u->id. */
int store_user_update(store *s, const struct store_user *u, struct err *e);

struct store_session {
	char *id_hash;     /* hash of the cookie token (never the token) */
	int64_t user_id;
	char *csrf;        /* CSRF token for forms of this session */
	int64_t created_at;
	int64_t last_seen;
	int64_t expires_at; /* absolute expiry */
};
int store_session_add(store *s, const struct store_session *ss,
		      struct err *e);
int store_session_get(store *s, struct arena *a, const char *id_hash,
		      struct store_session *out, struct err *e);
int store_session_touch(store *s, const char *id_hash, int64_t now,
			struct err *e);
int store_session_delete(store *s, const char *id_hash, struct err *e);
/* Delete sessions past expires_at or idle longer than idle_seconds. */
int store_session_expire(store *s, int64_t now, int64_t idle_seconds,
			 struct err *e);
/* Delete every session of user_id except the one whose id_hash is
 * keep_hash (NULL: all of them), e.g. after a password reset. *n (may be
 * NULL) gets how many were deleted. ERR_DB. */
int store_session_delete_user(store *s, int64_t user_id,
			      const char *keep_hash, size_t *n,
			      struct err *e);

/* ---- articles ------------------------------------------------------- */

enum store_status {
	STORE_STATUS_DRAFT = 0,
	STORE_STATUS_REVIEW = 1,
	STORE_STATUS_SCHEDULED = 2,
	STORE_STATUS_PUBLISHED = 3,
	STORE_STATUS_UNPUBLISHED = 4,
};
const char *store_status_name(enum store_status st); /* "draft"... */
/* -1 for an unknown name. */
int store_status_parse(const char *name);

struct store_tag {
	int64_t id;
	char *edition;
	char *name; /* "energy" */
	char *slug; /* "energy" */
};

struct store_article {
	int64_t id;
	int64_t translation_group; /* shared by translations; = id of first */
	char *edition;
	char *slug;               /* unique per edition */
	char *kind;               /* news, analysis, interview, opinion,
				   * report, column */
	char *title;
	char *lead;
	char *body_md;            /* Markdown source */
	char *body_html;          /* rendered HTML (may be "" until rendered) */
	int64_t rubric_id;        /* 0 when none */
	enum store_status status;
	int64_t publish_at;       /* when it goes/went live; 0 when unset */
	int64_t created_at;
	int64_t updated_at;
	int64_t version;          /* bumped by every save; for conflicts */
	int featured, breaking, pinned;
	char *seo_title;          /* "" when unset */
	char *seo_description;    /* "" when unset */
	int64_t lead_media_id;    /* 0 when none */
	char *correction;         /* corrections note, "" when none */
	int64_t correction_at;    /* when the note was written, 0 when none */
	int64_t views;            /* from view counts (read-only here) */
	/* Filled by store_article_get/list, ignored on write except where
	 * store_article_save says so: */
	int64_t *author_ids;      /* co-authors in byline order */
	size_t n_authors;
	struct store_tag *tags;   /* tags in order */
	size_t n_tags;
};

/* Insert (art->id == 0) or update an article, its authors (author_ids)
 * and tags (tags[].name; missing tags of the edition are created), and
 * append a revision by `user_id` (0: system). On update, art->version must
 * equal the stored version or ERR_CONFLICT is returned and nothing is
 * written. On success art->id, ->version, ->updated_at (and for a new
 * article ->translation_group when 0, and ->created_at) are set.
 * ERR_CONFLICT also when the slug is taken in that edition.
 * ERR_INVALID names the field: edition (must exist), slug, title (not
 * empty), kind, status, publish_at (required when SCHEDULED; a PUBLISHED
 * article without one gets the current time, returned in ->publish_at),
 * rubric_id, lead_media_id, author_ids, user_id (must exist). */
int store_article_save(store *s, struct store_article *art, int64_t user_id,
		       struct err *e);

/* translation_group of store_article_insert_many: join the group of the
 * previous article of the array. */
#define STORE_GROUP_PREVIOUS (-1)

/*
 * Insert the n new articles arts[0..n) in one write (bulk loads: the demo
 * generator, imports), much faster than n store_article_save calls. Each
 * article ends up as store_article_save(art, user 0) leaves a new one
 * (columns, version 1, authors, tags created when missing, search index)
 * except that no revision is written: its history starts with its first
 * edit. arts[i].id must be 0; arts[i].translation_group is 0 (start a
 * group named by the article's own id), a group id to join, or
 * STORE_GROUP_PREVIOUS (i > 0). Ids are given in array order.
 * All or nothing: on error nothing of the call is kept (only the call's
 * savepoint rolls back inside a bulk transaction), arts is unchanged and
 * e starts with "article i of the batch (edition/slug): ". flags: 0 or
 * STORE_BULK_INDEX_LATER (below). The errors are store_article_save's
 * (ERR_INVALID, ERR_CONFLICT for a taken slug, ERR_DB), plus ERR_INVALID
 * for a non-zero id or a bad group. On success each article's id,
 * version, translation_group, created_at, updated_at and publish_at are
 * set as store_article_save sets them.
 */
int store_article_insert_many(store *s, struct store_article *arts, size_t n,
			      unsigned flags, struct err *e);
/* flags of store_article_insert_many: leave the search index for later.
 * The rows are written without their index entries (about a third of
 * the cost of a bulk load; the rest is tokenizing and stemming), and the
 * edition's index gets a backlog: store_search_catch_up indexes it in
 * small transactions (`gazette serve` does so in the background,
 * `gazette reindex --pending` in the foreground). Until then the
 * articles are served everywhere but not found by search. */
#define STORE_BULK_INDEX_LATER 1u

/* Full article with authors and tags. ERR_NOTFOUND. */
int store_article_get(store *s, struct arena *a, int64_t id,
		      struct store_article *out, struct err *e);
int store_article_by_slug(store *s, struct arena *a, const char *edition,
			  const char *slug, struct store_article *out,
			  struct err *e);
/* As store_article_by_slug for the reader's article page: body_md is ""
 * (the page shows body_html; the Markdown source is as long again). */
int store_article_page_by_slug(store *s, struct arena *a, const char *edition,
			       const char *slug, struct store_article *out,
			       struct err *e);

/* The translation of article `id` into `edition`, ERR_NOTFOUND if none. */
int store_article_translation(store *s, struct arena *a, int64_t id,
			      const char *edition, struct store_article *out,
			      struct err *e);
/* The same without bodies (body_md, body_html are ""), authors or tags:
 * enough for a link to it (slug, title, status, publish_at). */
int store_article_translation_brief(store *s, struct arena *a, int64_t id,
				    const char *edition,
				    struct store_article *out, struct err *e);

/* What an article page links to: another article's edition and slug,
 * and what it takes to tell whether readers may follow the link. */
struct store_article_link {
	int64_t id;
	char *edition;
	char *slug;
	enum store_status status;
	int64_t publish_at;
};

/* The translations of an article: for each edition but `edition`, the
 * first article (lowest id) of translation group `group` in it, as
 * store_article_translation_brief finds it, all in one query; *out is
 * in the arena, *n of them, in id order. */
int store_article_translation_links(store *s, struct arena *a, int64_t group,
				    const char *edition,
				    struct store_article_link **out, size_t *n,
				    struct err *e);

/* The next article of a page's "read next": the newest published
 * article of edition published strictly before `before` (the order of
 * store_article_list: publish_at, then id, descending).
 * ERR_NOTFOUND when there is none. */
int store_article_older_link(store *s, struct arena *a, const char *edition,
			     int64_t before, struct store_article_link *out,
			     struct err *e);

struct store_article_filter {
	const char *edition;  /* NULL: any */
	int64_t rubric_id;    /* 0: any */
	int64_t author_id;    /* 0: any */
	int64_t tag_id;       /* 0: any */
	int status;           /* -1: any; readers use PUBLISHED */
	const char *kind;     /* NULL: any */
	int featured_only;    /* 1: featured only */
	int64_t published_after;  /* publish_at >= this; 0: no bound */
	int64_t published_before; /* publish_at <  this; 0: no bound */
	int64_t not_after;    /* readers: publish_at <= now; 0: no bound */
	const char *text;     /* newsroom: substring of the title; NULL: any */
	int order_by_views;   /* 1: most read first, else newest first */
	int no_relations;     /* 1: leave authors and tags empty (saves two
			       * queries when only ids, slugs, titles count) */
	int no_tags;          /* 1: authors only, tags left empty (cards
			       * show no tags: saves the costlier query) */
	int with_body;        /* 1: body_md and body_html too (full-text
			       * feeds: saves reading each article again) */
	size_t offset;        /* rows to skip */
	size_t limit;         /* rows to return (1..500; 0 means 20) */
};

/* Articles matching f, newest (publish_at, then id) first, without
 * body_md/body_html (set to "" unless f->with_body) but with authors and
 * tags. *total counts
 * every match regardless of offset/limit (may be NULL); totals are cached
 * per filter and store generation, and stay exact (see
 * sqlite_article_list.c). */
int store_article_list(store *s, struct arena *a,
		       const struct store_article_filter *f,
		       struct store_article **out, size_t *n, size_t *total,
		       struct err *e);

/* One list of store_article_lists: f in, the rest out. */
struct store_article_lists {
	struct store_article_filter f; /* what to list */
	int want_total;                /* 1: count every match in total */
	struct store_article *arts;    /* the rows (arena memory) */
	size_t n;                      /* rows */
	size_t total;                  /* matches, when want_total */
};

/* Several store_article_list at once, in one read transaction (one
 * snapshot, one begin and end instead of one per list) and with the
 * authors of lists that ask for the same relations in one query: a home
 * page shows a dozen lists. 0, or the first error (every list empty). */
int store_article_lists(store *s, struct arena *a,
			struct store_article_lists *lists, size_t n,
			struct err *e);

/* How many articles match f (offset, limit and order ignored) and the
 * newest of their publish_at and updated_at (0 when none), in one
 * query: what a sitemap index says of each monthly sitemap. */
int store_article_span(store *s, struct arena *a,
		       const struct store_article_filter *f, size_t *count,
		       int64_t *modified, struct err *e);

/* Publish every SCHEDULED article with publish_at <= now, in one
 * transaction; the ids that went live are returned (arena memory). The
 * article version is not bumped (no text changed). */
int store_article_publish_due(store *s, struct arena *a, int64_t now,
			      int64_t **ids, size_t *n, struct err *e);

/* Add `delta` views to each article in one transaction. Unknown ids and
 * deltas <= 0 are skipped. */
int store_views_add(store *s, const int64_t *ids, const int64_t *deltas,
		    size_t n, struct err *e);

struct store_revision {
	int64_t id;
	int64_t article_id;
	int64_t number;      /* 1, 2, ... per article (= article version) */
	int64_t user_id;     /* 0: system */
	int64_t created_at;
	int autosave;        /* 1: autosave draft revision */
	char *title;
	char *lead;
	char *body_md;
};
/* Revisions of an article, newest first, with their texts. */
int store_revision_list(store *s, struct arena *a, int64_t article_id,
			struct store_revision **out, size_t *n,
			struct err *e);
int store_revision_get(store *s, struct arena *a, int64_t id,
		       struct store_revision *out, struct err *e);

/* Autosaves (sqlite_revision.c): the editor's text every few seconds,
 * kept as a revision with autosave = 1 and number = the article version
 * it was typed over. The article, its version and the search index are
 * not touched, so an autosave never makes a save conflict and readers
 * never see it. */

/*
 * Append an autosave: rv->article_id, ->number (the version the text
 * was typed over: 1..the article's version), ->user_id (0: system),
 * ->title, ->lead, ->body_md (not NULL). When the user's newest autosave
 * of the article has the same number and texts, that row is re-dated
 * instead of adding one. Then only the newest `keep` autosaves of the
 * article stay (0: all). Sets rv->id, ->created_at, ->autosave and
 * *version (may be NULL) to the article's current version, which is
 * newer than rv->number when someone saved since.
 * Errors: ERR_NOTFOUND (no article), ERR_INVALID (number, user_id,
 * missing texts), ERR_DB.
 */
int store_revision_autosave(store *s, struct store_revision *rv, size_t keep,
			    int64_t *version, struct err *e);

/* The newest autosave of article_id by user_id (0: by anyone) made after
 * the article's newest saved revision: text typed but never saved.
 * ERR_NOTFOUND when there is none. Arena memory. */
int store_revision_autosave_pending(store *s, struct arena *a,
				    int64_t article_id, int64_t user_id,
				    struct store_revision *out, struct err *e);

/* ---- tags ----------------------------------------------------------- */

int store_tag_by_slug(store *s, struct arena *a, const char *edition,
		      const char *slug, struct store_tag *out, struct err *e);
/* Tags of an edition with at least one article, most used first
 * (limit 0 means 50). */
int store_tag_list(store *s, struct arena *a, const char *edition,
		   size_t limit, struct store_tag **out, size_t *n,
		   struct err *e);

/* Tag management for editors (sqlite_tag.c). Renames, merges and
 * deletes update the search index of the articles concerned in the same
 * transaction. */

struct store_tag_use {
	struct store_tag tag; /* the tag */
	int64_t articles;     /* articles that carry it, any status */
};

/* Every tag of `edition` (unused ones too) whose name or slug contains q
 * (ASCII case-insensitive; NULL or "": any), by name; *total (may be
 * NULL) counts every match. limit 0 means 50, at most 500. Arena memory. */
int store_tag_list_all(store *s, struct arena *a, const char *edition,
		       const char *q, size_t offset, size_t limit,
		       struct store_tag_use **out, size_t *n, size_t *total,
		       struct err *e);
/* One tag with its article count. ERR_NOTFOUND. */
int store_tag_get(store *s, struct arena *a, int64_t id,
		  struct store_tag_use *out, struct err *e);
/* Rename tag id to name (1..64 bytes) with slug (made from the name
 * when NULL or ""). ERR_CONFLICT when another tag of the edition has the
 * slug (merge instead), ERR_INVALID (name, slug), ERR_NOTFOUND. */
int store_tag_rename(store *s, int64_t id, const char *name,
		     const char *slug, struct err *e);
/* Move every article of tag from_id to tag into_id (same edition; an
 * article with both keeps one) and delete from_id. ERR_INVALID for the
 * same tag or another edition, ERR_NOTFOUND. */
int store_tag_merge(store *s, int64_t from_id, int64_t into_id,
		    struct err *e);
/* Delete tag id; its articles lose it. ERR_NOTFOUND. */
int store_tag_delete(store *s, int64_t id, struct err *e);

/* ---- live coverage -------------------------------------------------- */

enum store_live_state {
	STORE_LIVE_UPCOMING = 0,
	STORE_LIVE_LIVE = 1,
	STORE_LIVE_ENDED = 2,
};

struct store_live_event {
	int64_t id;
	char *key;       /* stable key */
	enum store_live_state state;
	int64_t starts_at;
	int64_t ends_at; /* 0 while open */
	char *edition;   /* edition of the texts below */
	char *slug;
	char *title;
	char *summary;
};
/* Create (ev->id == 0; an existing ev->key is updated) or update an event
 * and its texts for ev->edition (slug from the title when empty). */
int store_live_event_save(store *s, struct store_live_event *ev,
			  struct err *e);
int store_live_event_get(store *s, struct arena *a, int64_t id,
			 const char *edition, struct store_live_event *out,
			 struct err *e);
/* Events of an edition in `state` (-1: any), newest first. */
int store_live_event_list(store *s, struct arena *a, const char *edition,
			  int state, struct store_live_event **out, size_t *n,
			  struct err *e);
/* The event whose slug in `edition` is `slug`, with that edition's
 * texts. ERR_NOTFOUND. */
int store_live_event_by_slug(store *s, struct arena *a, const char *edition,
			     const char *slug, struct store_live_event *out,
			     struct err *e);

struct store_live_entry {
	int64_t id;
	int64_t event_id;
	char *edition;
	int64_t created_at;
	int64_t updated_at;
	int64_t author_id; /* 0 when none */
	char *body_md;
	char *body_html;
	int64_t media_id;  /* 0 when none */
	int pinned, edited, deleted;
	int64_t edited_at; /* when its text or image last changed, 0: never */
};
/* Insert (id == 0) or update an entry; an update sets edited = 1 and
 * edited_at (and updated_at) to now. */
int store_live_entry_save(store *s, struct store_live_entry *en,
			  struct err *e);
/* Entries of an event in an edition, newest first, deleted ones included
 * only when with_deleted. limit 0 means 50, at most 500. */
int store_live_entry_list(store *s, struct arena *a, int64_t event_id,
			  const char *edition, int with_deleted, size_t offset,
			  size_t limit, struct store_live_entry **out,
			  size_t *n, struct err *e);
/* Set the pinned and deleted flags of entry `id` and its updated_at to
 * now (returned in *updated_at, may be NULL) without marking it edited:
 * pinning or deleting is not an edit of its text. ERR_NOTFOUND. */
int store_live_entry_flags(store *s, int64_t id, int pinned, int deleted,
			   int64_t *updated_at, struct err *e);
/* One entry (deleted or not). ERR_NOTFOUND. */
int store_live_entry_get(store *s, struct arena *a, int64_t id,
			 struct store_live_entry *out, struct err *e);
/* Entries of an event in an edition created or changed (edited, pinned,
 * deleted) at or after `since` (Unix seconds), deleted ones included,
 * oldest change first: what a reader who left at `since` missed. limit 0
 * means 50, at most 500. */
int store_live_entry_changed(store *s, struct arena *a, int64_t event_id,
			     const char *edition, int64_t since, size_t limit,
			     struct store_live_entry **out, size_t *n,
			     struct err *e);

/* ---- media ---------------------------------------------------------- */

struct store_media_variant {
	int width, height;
	char *format; /* "webp", "jpeg" */
	char *path;   /* relative to the media folder */
	int64_t bytes;
	char *aspect; /* "" (NULL is stored as "") for a width variant; a
		       * crop's ratio: "16:9", "4:3", "1:1" */
};
struct store_media {
	int64_t id;
	char *sha256;    /* hex digest of the original */
	char *mime;      /* detected from content */
	int width, height;
	int64_t bytes;
	char *path;      /* original, relative to the media folder */
	char *alt, *caption, *credit;
	int64_t uploaded_by;
	int64_t created_at;
	struct store_media_variant *variants;
	size_t n_variants;
};
/* Insert media and its variants in one transaction. Sets m->id. */
int store_media_add(store *s, struct store_media *m, struct err *e);
/* Add variants v[0..n) to media id (crops made later for an older
 * upload: gazette media crops), but a crop whose aspect media id already
 * has (two runs at once). *added (may be NULL) gets how many were added.
 * ERR_NOTFOUND when there is no such media. */
int store_media_variants_add(store *s, int64_t id,
			     const struct store_media_variant *v, size_t n,
			     size_t *added, struct err *e);
int store_media_get(store *s, struct arena *a, int64_t id,
		    struct store_media *out, struct err *e);

/* Media library queries. */
struct store_media_filter {
	const char *q;       /* substring of alt, caption or credit (ASCII
			       * case-insensitive), NULL or "": any */
	int64_t uploaded_by; /* only this user's uploads, 0: anyone's */
	size_t limit;        /* items per page, 1..200 (0: 24) */
	size_t offset;       /* items to skip */
};

/* The media whose original has this SHA-256 (hex), with its variants
 * (arena memory), the oldest when there are several. ERR_NOTFOUND. */
int store_media_find_sha256(store *s, struct arena *a, const char *sha256,
			    struct store_media *out, struct err *e);

/* A page of media matching f, newest first (created_at, then id), each
 * with its variants; *total counts every match (for the pager). Arena
 * memory. */
int store_media_list(store *s, struct arena *a,
		     const struct store_media_filter *f,
		     struct store_media **out, size_t *n, size_t *total,
		     struct err *e);

/* Set alt, caption and credit of media id (NULL sets ""). ERR_NOTFOUND
 * when there is no such media. */
int store_media_update(store *s, int64_t id, const char *alt,
		       const char *caption, const char *credit, struct err *e);


/* ---- redirects ------------------------------------------------------ */

/* Add or replace the redirect from_path -> to_path (code 301, 302, 307
 * or 308). Redirects that pointed at from_path now point at to_path, and
 * a redirect away from to_path is dropped, so chains stay one hop long and
 * loop-free. */
int store_redirect_add(store *s, const char *from_path, const char *to_path,
		       int code, struct err *e);
/* *to_path NULL when there is no redirect for from_path. */
int store_redirect_find(store *s, struct arena *a, const char *from_path,
			char **to_path, int *code, struct err *e);

struct store_redirect {
	char *from_path;    /* "/article/old" */
	char *to_path;      /* "/article/new" or an absolute URL */
	int code;           /* 301, 302, 307 or 308 */
	int64_t created_at; /* when it was added or last replaced */
};
/* Redirects whose from_path or to_path contains q (NULL or "": all),
 * newest first; *total (may be NULL) counts every match. limit 0 means
 * 50, at most 500. Arena memory. */
int store_redirect_list(store *s, struct arena *a, const char *q,
			size_t offset, size_t limit,
			struct store_redirect **out, size_t *n, size_t *total,
			struct err *e);
/* Delete the redirect from from_path. ERR_NOTFOUND when there is none. */
int store_redirect_delete(store *s, const char *from_path, struct err *e);

/* ---- audit log ------------------------------------------------------ */

int store_audit_add(store *s, int64_t user_id, const char *action,
		    const char *object_type, int64_t object_id,
		    const char *detail, struct err *e);

struct store_audit {
	int64_t id;
	int64_t at;          /* when (Unix seconds) */
	int64_t user_id;     /* 0: system */
	char *action;        /* "article.publish" */
	char *object_type;   /* "article", "" when none */
	int64_t object_id;   /* 0 when none */
	char *detail;        /* free text, "" when none */
};
/* Audit entries, newest first; only those of object_type/object_id when
 * object_type is not NULL (object_id 0: every object of that type).
 * limit 0 means 100. Arena memory. */
int store_audit_list(store *s, struct arena *a, const char *object_type,
		     int64_t object_id, size_t offset, size_t limit,
		     struct store_audit **out, size_t *n, struct err *e);

/* ---- full-text search (sqlite_search.c) ----------------------------- */

/* Every edition has its own full-text index over each article's title,
 * lead, body (Markdown as plain text), author names, rubric name and tag
 * names (in the edition's texts), stemmed in the edition's language
 * (search/search.h). store_article_save updates it in the same
 * transaction; every article is indexed whatever its status, and
 * store_search shows only published ones whose time has come. A rename
 * of an author, rubric or tag reaches the index with the next save of
 * each article or with store_search_reindex. */

/* A query ranks at most this many matches: the newest ones (by article
 * id) that pass the filters. Beyond that *total stops counting, so that a
 * word found in most of 200,000 articles costs as little as a rare one. */
#define STORE_SEARCH_MAX_CANDIDATES 1000
/* Suggestions (suggest = 1) rank the newest 300 matches instead: every
 * candidate costs a read of its article row (status, publish_at), about
 * a page of the file each on a large site, and the overlay shows 6. At
 * 200,000 articles per edition that took a keystroke from 10 to 3 ms of
 * CPU (bench/search). */
#define STORE_SEARCH_MAX_SUGGEST_CANDIDATES 300

struct store_search_query {
	const char *edition; /* edition code, required */
	const char *match;   /* FTS5 expression from search_query_build;
			      * NULL or "" finds nothing (no SQL runs) */
	int64_t rubric_id;   /* 0: any */
	int64_t author_id;   /* 0: any */
	const char *kind;    /* NULL or "": any */
	int64_t from;        /* publish_at >= from; 0: no bound */
	int64_t to;          /* publish_at < to; 0: no bound */
	int64_t now;         /* only publish_at <= now (Unix s); 0: time() */
	int by_date;         /* 1: newest first instead of most relevant */
	size_t offset;       /* hits to skip */
	size_t limit;        /* hits to return: 1..100, 0 means 10 */
	int snippet_words;   /* words per snippet: 4..64, 0 means 24 */
	int suggest;         /* 1: as-you-type: search titles, leads and
			      * meta, where prefix queries stay cheap (the
			      * snippet is then the lead); bodies only when
			      * those have no match at all */
};

struct store_search_hit {
	struct store_article art; /* as store_article_list: no bodies, with
				   * authors and tags */
	char *title_hl; /* title with U+0002 before and U+0003 after each
			 * matched word (raw text: escape, then turn the
			 * markers into <mark>, never the other way) */
	char *snippet;  /* the lead, marked, when the query matched there;
			 * else the best body fragment of snippet_words
			 * words, marked, "…" where cut; else the lead as it
			 * is (or the body's first words when no lead) */
};

/*
 * Search the edition's index with q->match and q's filters. Published
 * articles only (status PUBLISHED and publish_at <= now). Order: BM25
 * term frequency (without IDF: every hit holds every term) with the
 * title weighing most, then the lead, meta (authors, rubric, tags) and
 * the body, times a recency factor (1.5 for today, 1.25 at 30 days,
 * about 1 after a year); with by_date, newest first. A single Russian
 * word of the match (a quoted word without `*`) also finds its other
 * inflected forms, which Snowball does not always stem alike ("паром" /
 * "паромах", "Азербайджан" / "Азербайджане"); phrases stay exact.
 * *out gets up to limit hits from offset on (arena memory), *n their
 * number and *total (may be NULL) the number of matches, capped at
 * STORE_SEARCH_MAX_CANDIDATES (STORE_SEARCH_MAX_SUGGEST_CANDIDATES in
 * suggest mode). An edition without an index (no article
 * saved yet) or an empty match gives no hits and 0.
 * Errors: ERR_INVALID when FTS5 rejects the match expression (a
 * search_query_build result never is; the message is for the log, not
 * for readers), ERR_DB.
 */
int store_search(store *s, struct arena *a, const struct store_search_query *q,
		 struct store_search_hit **out, size_t *n, size_t *total,
		 struct err *e);

/* Progress of store_search_reindex for `edition`, in phase "index"
 * (`done` of `total` articles are in the new index), "merge" (`done`
 * merge steps so far, total 0: unknown) or "done" (swapped in; done ==
 * total == articles indexed). */
typedef void (*store_search_progress_fn)(const char *edition,
					 const char *phase, size_t done,
					 size_t total, void *ctx);

/*
 * Rebuild the index of `edition` (NULL: of every edition) from the
 * articles, while readers keep searching the old one: a new index is
 * filled in transactions of `batch` articles (0 means 500; the writer is
 * released between them, so saves of a running server go on and reach
 * both indexes), merged into one segment in small steps, then swapped in
 * with one transaction and the old one dropped. progress (may be NULL)
 * is called after every step with ctx. Run one reindex at a time; one
 * that was killed leaves a half-built index that the next run drops.
 * Errors: ERR_INVALID (no such edition), ERR_DB, ERR_IO.
 */
int store_search_reindex(store *s, const char *edition, size_t batch,
			 store_search_progress_fn progress, void *ctx,
			 struct err *e);

/* Articles waiting for the search index (bulk loads with
 * STORE_BULK_INDEX_LATER): *n gets how many, over every edition. A read;
 * it counts rows, so call it for progress, not per request. ERR_DB. */
int store_search_backlog(store *s, size_t *n, struct err *e);

/* Index up to `batch` articles (0 means 100) of the search backlog, the
 * oldest first, in one write transaction (about 0.75 ms of CPU per
 * article: a save waits that long times batch, plus for the CPU). *done gets how many were indexed, *more
 * 1 while some backlog is left (call again), 0 when the backlog is
 * empty; an empty one is answered by a read, without the writer. Safe
 * next to a running server and against a second process doing the same
 * (each batch re-reads the backlog under the write lock). ERR_DB. */
int store_search_catch_up(store *s, size_t batch, size_t *done, int *more,
			  struct err *e);

#endif
