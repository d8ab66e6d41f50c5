/*
 * locale.h - the UI strings of one language: every word a reader or a
 * journalist sees comes from locales/<lang>.ini through here.
 *
 * A locale is loaded once at start-up from the file embedded in the
 * binary ("locales/en.ini"), then, when an override directory is given
 * and holds <lang>.ini, that file replaces values key by key and may add
 * keys (a theme's own wording, or a language we do not ship). After load
 * a locale is read-only and may be shared by every thread.
 *
 * File format (inih): "[section]" then "name = value"; the key is
 * "section.name" ("nav.search"). Lines starting with ';' or '#' are
 * comments; " ;" starts a comment at the end of a line, so a value must
 * not contain a ';' after a space. A line may hold at most 196 bytes: an
 * indented line continues the value above it (joined with one space).
 * Keys are [A-Za-z0-9_.-] and appear once per file; values must be valid
 * UTF-8; no key may also be the section of another ("a.b" and "a.b.c").
 * Placeholders in values look like {n} or {query}: render_locale_expand
 * fills them.
 *
 * Plurals: the forms of "plural.views" are the keys plural.views.one,
 * .few, .many and .other. Russian (also Ukrainian and Belarusian) uses
 * one/few/many (1 просмотр, 2 просмотра, 5 просмотров), everything else
 * one/other.
 *
 * Not here: number and date formatting (date.h), choosing the language
 * of a request, HTML escaping (values are plain text; escape on output).
 */
#ifndef GAZETTE_RENDER_LOCALE_H
#define GAZETTE_RENDER_LOCALE_H

struct err;
struct buf;
struct render_locale; /* opaque; long-lived, read-only after load */

/*
 * Load language `lang` ("en", "ru"; [a-z]{2,3} with an optional "-XX"
 * or "_XX" region) from the embedded "locales/<lang>.ini", then apply
 * "<override_dir>/<lang>.ini" when override_dir is not NULL and that file
 * exists. On success *out is a new locale the caller frees with
 * render_locale_free. Errors: ERR_INVALID for a bad language code or a
 * bad file ("locales/ru.ini:12: duplicate key nav.home"), ERR_NOTFOUND
 * when neither file exists, ERR_IO when the override cannot be read.
 */
int render_locale_load(const char *lang, const char *override_dir,
		       struct render_locale **out, struct err *e);

/* Release a locale and all its strings. NULL is a no-op. */
void render_locale_free(struct render_locale *l);

/* The language code it was loaded for ("ru"). Locale memory. */
const char *render_locale_lang(const struct render_locale *l);

/*
 * The string for `key` ("nav.search"). When the key is missing, the key
 * itself, logged once per key at warn level. Either way the result lives
 * as long as the locale. Thread-safe.
 */
const char *render_locale_get(const struct render_locale *l, const char *key);

/*
 * The plural form of `key` for count n: looks up "<key>.one", ".few",
 * ".many" by the language's rule, falling back to "<key>.other", then
 * "<key>.many"; when none exists, as render_locale_get(l, key). The value
 * usually holds "{n}": see render_locale_plural_format. Locale memory.
 */
const char *render_locale_plural(const struct render_locale *l, const char *key,
				 long long n);

/* render_locale_plural with {n} replaced by n, appended to out:
 * "5 просмотров". */
void render_locale_plural_format(struct buf *out, const struct render_locale *l,
				 const char *key, long long n);

/*
 * Append s to out with each "{name}" replaced by the value that follows
 * "name" in `vars`, a NULL-terminated list of name, value pairs:
 *   render_locale_expand(out, "Page {page} of {pages}",
 *                        (const char *[]){"page", "2", "pages", "9", NULL});
 * Unknown placeholders are kept as they are. Values are not escaped.
 */
void render_locale_expand(struct buf *out, const char *s,
			  const char *const *vars);

/* Call fn for every key and value, in key order (templates get them all
 * as {{t.section.key}}). key and value are locale memory. */
void render_locale_each(const struct render_locale *l,
			void (*fn)(const char *key, const char *value,
				   void *ctx),
			void *ctx);

#endif
