/*
 * synth.c - synthetic articles for benchmarks: demo_generate() and the
 * text generator behind it.
 *
 * For: filling a store with many articles that look like news (titles,
 * leads, 300-900 word Markdown bodies with a sub-heading, a list and a
 * quote, tags, authors, rubrics, dates over two years), fast, in English
 * and Russian, each pair a real translation of the other (the same picks
 * from the parallel word lists of vocab.c). Not for: the demo site
 * (demo.c) or anything a reader should take for real text.
 *
 * The text of article number k depends on k only (a splitmix64 stream
 * seeded from k), so runs are reproducible.
 */
#include "demo/demo.h"
#include "demo/internal.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/xmalloc.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SYNTH_BATCH_ROWS 2000            /* articles per bulk transaction */
#define SYNTH_SPAN       (730 * 86400LL) /* publish_at spread: two years */
#define SYNTH_MIN_WORDS  300
#define SYNTH_MAX_TARGET 800 /* body target; one sentence may overshoot */

/* ---- random numbers ------------------------------------------------- */

struct rng {
	uint64_t s; /* splitmix64 state */
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static size_t rng_below(struct rng *r, size_t n)
{
	return (size_t)(rng_next(r) % n);
}

/* ---- templates ------------------------------------------------------ */

/* One pick per template letter; the same picks are expanded in every
 * language, which is what makes the texts translations of each other. */
struct picks {
	size_t at[26]; /* index per letter 'A'..'Z' */
};

static const enum demo_slot letter_slot[26] = {
	['S' - 'A'] = DEMO_SLOT_SUBJECT,  ['V' - 'A'] = DEMO_SLOT_VERB,
	['I' - 'A'] = DEMO_SLOT_VERB_INF, ['O' - 'A'] = DEMO_SLOT_OBJECT,
	['L' - 'A'] = DEMO_SLOT_PLACE,    ['T' - 'A'] = DEMO_SLOT_TIME,
	['C' - 'A'] = DEMO_SLOT_CLAUSE,   ['D' - 'A'] = DEMO_SLOT_CLAUSE,
	['R' - 'A'] = DEMO_SLOT_REASON,   ['W' - 'A'] = DEMO_SLOT_SOURCE,
	['N' - 'A'] = DEMO_SLOT_PERSON,   ['J' - 'A'] = DEMO_SLOT_ROLE,
	['Y' - 'A'] = DEMO_SLOT_SAYS,     ['K' - 'A'] = DEMO_SLOT_CONNECTOR,
};

static void picks_draw(struct picks *pk, struct rng *r)
{
	static const char letters[] = "SVOLTCDRWNJYK";
	for (const char *l = letters; *l; l++)
		pk->at[*l - 'A'] =
			rng_below(r, demo_vocab[letter_slot[*l - 'A']].n);
	pk->at['I' - 'A'] = pk->at['V' - 'A'];
	if (pk->at['D' - 'A'] == pk->at['C' - 'A'])
		pk->at['D' - 'A'] = (pk->at['C' - 'A'] + 1) %
				    demo_vocab[DEMO_SLOT_CLAUSE].n;
	pk->at['M' - 'A'] = 5 + rng_below(r, 896); /* millions */
	pk->at['P' - 'A'] = 12 + rng_below(r, 75); /* percent */
}

/* Upper-case the character at b->data[at] in place: ASCII and Cyrillic
 * (both cases of a Cyrillic letter have the same UTF-8 length). */
static void cap_at(struct buf *b, size_t at)
{
	unsigned char *c = (unsigned char *)b->data + at;
	if (at >= b->len)
		return;
	if (c[0] >= 'a' && c[0] <= 'z')
		c[0] = (unsigned char)(c[0] - 'a' + 'A');
	else if (at + 1 < b->len && c[0] == 0xD0 && c[1] >= 0xB0 &&
		 c[1] <= 0xBF) /* а..п */
		c[1] = (unsigned char)(c[1] - 0x20);
	else if (at + 1 < b->len && c[0] == 0xD1 && c[1] >= 0x80 &&
		 c[1] <= 0x8F) { /* р..я */
		c[0] = 0xD0;
		c[1] = (unsigned char)(c[1] + 0x20);
	} else if (at + 1 < b->len && c[0] == 0xD1 && c[1] == 0x91) { /* ё */
		c[0] = 0xD0;
		c[1] = 0x81;
	}
}

/* Words in one expanded template: it is a single line whose words are
 * separated by single spaces, so counting spaces is enough (and, unlike a
 * state machine, vectorises: this loop was most of the generator's time). */
static size_t count_words(const char *s, size_t n)
{
	size_t spaces = 0;
	for (size_t i = 0; i < n; i++)
		spaces += s[i] == ' ';
	return n ? spaces + 1 : 0;
}

/* Append template tpl expanded with pk in language lang; returns the
 * number of words appended. */
static size_t expand(struct buf *b, const char *tpl, const struct picks *pk,
		     int lang)
{
	size_t start = b->len;
	const char *p = tpl;
	while (*p) {
		const char *brace = strchr(p, '{');
		if (!brace) {
			buf_puts(b, p);
			break;
		}
		buf_append(b, p, (size_t)(brace - p));
		int cap = brace[1] == '^';
		char l = brace[1 + cap];
		size_t at = b->len;
		if (l == 'M' || l == 'P')
			buf_printf(b, "%zu", pk->at[l - 'A']);
		else
			buf_puts(b, demo_vocab[letter_slot[l - 'A']]
					    .p[pk->at[l - 'A']]
					    .s[lang]);
		if (cap)
			cap_at(b, at);
		p = brace + 3 + cap; /* past "{X}" or "{^X}" */
	}
	return count_words(b->data + start, b->len - start);
}

/* Append s[0..n) to b as text of HTML, escaped as the Markdown renderer
 * escapes text (test_demo checks that the bodies match it). */
static void html_text_put(struct buf *b, const char *s, size_t n)
{
	size_t from = 0;
	for (size_t i = 0; i < n; i++) {
		const char *esc = s[i] == '&' ? "&amp;" :
				  s[i] == '<' ? "&lt;" :
				  s[i] == '>' ? "&gt;" :
				  s[i] == '"' ? "&quot;" :
						NULL;
		if (!esc)
			continue;
		buf_append(b, s + from, i - from);
		buf_puts(b, esc);
		from = i + 1;
	}
	buf_append(b, s + from, n - from);
}

/* Expand the same template with the same picks in every language, with
 * Markdown md_before and md_after around it. Into the bodies, also the
 * HTML: the text between html_before and html_after. */
static void expand_all(struct demo_text *t, struct buf *bufs,
		       const struct demo_pair *tpl, const struct picks *pk,
		       const char *md_before, const char *md_after,
		       const char *html_before, const char *html_after)
{
	int body = bufs == t->body;
	for (int lang = 0; lang < DEMO_LANGS; lang++) {
		struct buf *b = &bufs[lang];
		buf_puts(b, md_before);
		size_t at = b->len;
		size_t w = expand(b, tpl->s[lang], pk, lang);
		if (body) {
			buf_puts(&t->html[lang], html_before);
			html_text_put(&t->html[lang], b->data + at,
				      b->len - at);
			buf_puts(&t->html[lang], html_after);
			t->words[lang] += w;
		}
		buf_puts(b, md_after);
	}
}

/* A bullet of the list: one clause. */
static const struct demo_pair list_item = {{"{^C}.", "{^C}."}};

/* Append Markdown md and HTML html to every language's body. */
static void put_all(struct demo_text *t, const char *md, const char *html)
{
	for (int lang = 0; lang < DEMO_LANGS; lang++) {
		buf_puts(&t->body[lang], md);
		buf_puts(&t->html[lang], html);
	}
}

static const struct demo_pair *pick(struct rng *r, enum demo_slot slot)
{
	return &demo_vocab[slot].p[rng_below(r, demo_vocab[slot].n)];
}

void demo_text_init(struct demo_text *t, struct arena *a)
{
	memset(t, 0, sizeof *t);
	for (int lang = 0; lang < DEMO_LANGS; lang++) {
		buf_init(&t->title[lang], a);
		buf_init(&t->lead[lang], a);
		buf_init(&t->body[lang], a);
		buf_init(&t->html[lang], a);
	}
}

void demo_text_make(struct demo_text *t, uint64_t number)
{
	struct rng r = {number * 0x2545F4914F6CDD1Dull + 0x5DEECE66Dull};
	struct picks pk;
	for (int lang = 0; lang < DEMO_LANGS; lang++) {
		buf_clear(&t->title[lang]);
		buf_clear(&t->lead[lang]);
		buf_clear(&t->body[lang]);
		buf_clear(&t->html[lang]);
		t->words[lang] = 0;
	}

	picks_draw(&pk, &r);
	expand_all(t, t->title, pick(&r, DEMO_SLOT_TITLE), &pk, "", "", "", "");
	picks_draw(&pk, &r);
	expand_all(t, t->lead, pick(&r, DEMO_SLOT_LEAD), &pk, "", "", "", "");

	size_t target = SYNTH_MIN_WORDS +
			rng_below(&r, SYNTH_MAX_TARGET - SYNTH_MIN_WORDS + 1);
	/* before paragraph 3 or 4: the body always reaches paragraph 4 */
	int heading_at = 3 + (int)rng_below(&r, 2);
	for (int para = 0;; para++) {
		if (para == 2) { /* a bullet list after two paragraphs */
			expand_all(t, t->body, pick(&r, DEMO_SLOT_LIST_INTRO),
				   &pk, "", "\n\n", "<p>", "</p>\n<ul>\n");
			size_t items = 3 + rng_below(&r, 3);
			for (size_t i = 0; i < items; i++) {
				picks_draw(&pk, &r);
				expand_all(t, t->body, &list_item, &pk, "- ",
					   "\n", "<li>", "</li>\n");
			}
			put_all(t, "\n", "</ul>\n");
		}
		if (para == 4) { /* a quote */
			picks_draw(&pk, &r);
			expand_all(t, t->body, pick(&r, DEMO_SLOT_QUOTE), &pk,
				   "> ", "\n\n", "<blockquote>\n<p>",
				   "</p>\n</blockquote>\n");
		}
		if (para == heading_at)
			expand_all(t, t->body, pick(&r, DEMO_SLOT_HEADING), &pk,
				   "## ", "\n\n", "<h2>", "</h2>\n");
		size_t sentences = 3 + rng_below(&r, 3);
		int done = 0;
		put_all(t, "", "<p>");
		for (size_t i = 0; i < sentences; i++) {
			picks_draw(&pk, &r);
			expand_all(t, t->body, pick(&r, DEMO_SLOT_SENTENCE),
				   &pk, i ? " " : "", "", i ? " " : "", "");
			/* Stop mid-paragraph (after two sentences) once every
			 * language has enough words: bounds the overshoot to
			 * one sentence. */
			done = para >= 4 && i >= 1 &&
			       t->words[DEMO_LANG_EN] >= target;
			for (int lang = 0; lang < DEMO_LANGS; lang++)
				done = done &&
				       t->words[lang] >= SYNTH_MIN_WORDS;
			if (done)
				break;
		}
		put_all(t, "\n\n", "</p>\n");
		if (done)
			break;
	}

	t->n_tags = 1 + rng_below(&r, 3);
	for (size_t i = 0; i < t->n_tags; i++) {
		size_t tag;
		int dup;
		do {
			tag = rng_below(&r, demo_vocab[DEMO_SLOT_TAG].n);
			dup = 0;
			for (size_t j = 0; j < i; j++)
				dup = dup || t->tags[j] == tag;
		} while (dup);
		t->tags[i] = tag;
	}
}

/* ---- slugs ---------------------------------------------------------- */

/* Latin spelling of Cyrillic а..я (U+0430..U+044F). */
static const char *const translit[32] = {
	"a",  "b",  "v",  "g",    "d", "e", "zh", "z", "i",  "y",  "k",
	"l",  "m",  "n",  "o",    "p", "r", "s",  "t", "u",  "f",  "kh",
	"ts", "ch", "sh", "shch", "",  "y", "",   "e", "yu", "ya",
};

void demo_slug_words(struct buf *b, const char *s, int max_words)
{
	const unsigned char *p = (const unsigned char *)s;
	int words = 0, in_word = 0;
	while (*p && words <= max_words) {
		const char *out = NULL;
		char one[2] = {0, 0};
		size_t adv = 1;
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			one[0] = (char)*p;
			out = one;
		} else if (*p >= 'A' && *p <= 'Z') {
			one[0] = (char)(*p - 'A' + 'a');
			out = one;
		} else if ((*p == 0xD0 || *p == 0xD1) && p[1] >= 0x80 &&
			   p[1] <= 0xBF) {
			unsigned cp = ((*p & 0x1Fu) << 6) | (p[1] & 0x3Fu);
			adv = 2;
			if (cp >= 0x410 && cp <= 0x42F) /* А..Я */
				cp += 0x20;
			if (cp >= 0x430 && cp <= 0x44F)
				out = translit[cp - 0x430];
			else if (cp == 0x401 || cp == 0x451) /* Ё ё */
				out = "e";
		} else if (*p == '\'' || *p == 0xC2) {
			/* apostrophes and « » (C2 AB, C2 BB) join or skip */
			adv = *p == 0xC2 && p[1] ? 2 : 1;
			out = "";
		}
		if (out && *out) {
			if (!in_word) {
				if (words == max_words)
					break;
				if (b->len && b->data[b->len - 1] != '-')
					buf_putc(b, '-');
				words++;
				in_word = 1;
			}
			buf_puts(b, out);
		} else if (!out) {
			in_word = 0;
		}
		p += adv;
	}
}

/* ---- demo_generate -------------------------------------------------- */

/*
 * Generating and rendering an article pair (about 0.2 ms) costs a tenth
 * of what saving it costs (about 2 ms, nearly all of it the search
 * index: Markdown to text, tokenizing, stemming, FTS5 segments), and
 * only the store must stay on this thread (the bulk transaction belongs
 * to it). So one producer thread makes and renders articles into a ring
 * of slots while this thread saves them: the run takes about as long as
 * the store alone.
 *
 * The saves go SYNTH_CALL pairs at a time through
 * store_article_insert_many, which writes the rows first and the index
 * entries after them (see there for why that matters with FTS5); the
 * ring has twice as many slots, so the producer fills one call's worth
 * while the other is being written.
 */
#define SYNTH_CALL  128
#define SYNTH_SLOTS (2 * SYNTH_CALL)

struct slot {
	struct arena *a;    /* owns the bufs of t */
	struct demo_text t; /* the texts, bodies in Markdown and HTML */
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot slot[SYNTH_SLOTS];
	long n;        /* articles to make */
	uint64_t base; /* article i is number base + i + 1 */
	long made;     /* slots filled so far (under mu) */
	long used;     /* slots saved so far (under mu) */
	int stop;      /* the consumer gave up (under mu) */
};

static void slot_fill(struct pipe *p, long i)
{
	struct slot *sl = &p->slot[i % SYNTH_SLOTS];
	uint64_t number = p->base + (uint64_t)i + 1;
	demo_text_make(&sl->t, number);
}

static void *producer(void *arg)
{
	struct pipe *p = arg;
	for (long i = 0; i < p->n; i++) {
		pthread_mutex_lock(&p->mu);
		while (!p->stop && i - p->used >= SYNTH_SLOTS)
			pthread_cond_wait(&p->cv, &p->mu);
		int stop = p->stop;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		slot_fill(p, i);
		pthread_mutex_lock(&p->mu);
		p->made = i + 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int synth_fail(struct err *e, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Put context in front of the message the failed call left in e. */
static int synth_fail(struct err *e, int rc, const char *fmt, ...)
{
	char inner[sizeof e->msg], ctx[256];
	snprintf(inner, sizeof inner, "%s", e->msg);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof ctx, fmt, ap);
	va_end(ap);
	return err_set(e, rc, "%s: %s", ctx, inner);
}

/* What the store already has: editions, rubric and author ids, and the
 * article numbering base. Arena memory of `a`. */
struct site {
	struct store_edition *ed;
	size_t n_ed;
	struct store_rubric *rub;
	size_t n_rub;
	struct store_author *au;
	size_t n_au;
	uint64_t base;
};

static int site_read(store *s, struct arena *a, struct arena *tmp,
		     struct site *st, struct err *e)
{
	memset(st, 0, sizeof *st);
	int rc = store_edition_list(s, a, &st->ed, &st->n_ed, e);
	if (rc)
		return rc;
	if (st->n_ed == 0)
		return err_set(e, ERR_NOTFOUND,
			       "demo: the store has no editions");
	/* Rubric and author ids are shared by all editions; list them in
	 * the first one. */
	rc = store_rubric_list(s, a, st->ed[0].code, &st->rub, &st->n_rub, e);
	if (rc == 0)
		rc = store_author_list(s, a, st->ed[0].code, &st->au, &st->n_au,
				       e);
	/* Numbers continue after the largest edition's article count, so
	 * that a second run does not reuse slugs (articles are never
	 * deleted, only unpublished). */
	for (size_t k = 0; rc == 0 && k < st->n_ed; k++) {
		struct store_article_filter f = {
			.edition = st->ed[k].code, .status = -1, .limit = 1};
		struct store_article *list;
		size_t got, total = 0;
		rc = store_article_list(s, tmp, &f, &list, &got, &total, e);
		if (rc == 0 && total > st->base)
			st->base = total;
		arena_reset(tmp);
	}
	return rc;
}

static int lang_of(const char *edition)
{
	return strcmp(edition, "ru") == 0 ? DEMO_LANG_RU : DEMO_LANG_EN;
}

/* Append to arts[*n..] article `number` (texts in sl) in every edition,
 * the first edition starting its translation group and the others
 * joining it. Slugs and tag arrays are arena memory of `a`. */
static void pair_add(const struct site *st, struct slot *sl, uint64_t number,
		     int64_t now, struct arena *a, struct store_article *arts,
		     size_t *n)
{
	struct rng r = {number ^ 0xA0761D6478BD642Full};
	size_t roll = rng_below(&r, 100);
	const char *kind = roll < 60 ? "news" :
			   roll < 80 ? "analysis" :
			   roll < 90 ? "interview" :
				       "opinion";
	int64_t rubric = st->n_rub ? st->rub[rng_below(&r, st->n_rub)].id : 0;
	int64_t *authors = arena_alloc(a, 2 * sizeof *authors);
	size_t n_authors = 0;
	if (st->n_au) {
		authors[n_authors++] = st->au[rng_below(&r, st->n_au)].id;
		if (st->n_au > 1 && rng_below(&r, 4) == 0) {
			size_t k = rng_below(&r, st->n_au);
			if (st->au[k].id == authors[0])
				k = (k + 1) % st->n_au;
			authors[n_authors++] = st->au[k].id;
		}
	}
	int featured = rng_below(&r, 100) < 2;
	int breaking = rng_below(&r, 1000) < 5;
	int64_t published =
		now - 3600 - (int64_t)rng_below(&r, SYNTH_SPAN - 3600);

	for (size_t k = 0; k < st->n_ed; k++) {
		const char *code = st->ed[k].code;
		int lang = lang_of(code);
		struct buf slug;
		buf_init(&slug, a);
		buf_printf(&slug, "synthetic-%s-%" PRIu64 "-", code, number);
		size_t stem = slug.len;
		demo_slug_words(&slug, sl->t.title[lang].data, 5);
		if (slug.len == stem) /* no letters in the title */
			slug.data[--slug.len] = '\0';

		struct store_tag *tags =
			arena_alloc(a, sl->t.n_tags * sizeof *tags);
		for (size_t j = 0; j < sl->t.n_tags; j++)
			tags[j] = (struct store_tag){
				.edition = (char *)code,
				.name = (char *)demo_vocab[DEMO_SLOT_TAG]
						.p[sl->t.tags[j]]
						.s[lang],
			};
		arts[(*n)++] = (struct store_article){
			.translation_group = k ? STORE_GROUP_PREVIOUS : 0,
			.edition = (char *)code,
			.slug = slug.data,
			.kind = (char *)kind,
			.title = sl->t.title[lang].data,
			.lead = sl->t.lead[lang].data,
			.body_md = sl->t.body[lang].data,
			.body_html = sl->t.html[lang].data,
			.rubric_id = rubric,
			.status = STORE_STATUS_PUBLISHED,
			/* translations appear a few minutes apart */
			.publish_at =
				published + (int64_t)(k * (number % 7) * 60),
			.featured = featured,
			.breaking = breaking,
			.seo_title = "",
			.seo_description = "",
			.correction = "",
			.author_ids = authors,
			.n_authors = n_authors,
			.tags = tags,
			.n_tags = sl->t.n_tags,
		};
	}
}

/* Wait until the producer has filled slot `i` (or fill it here when there
 * is no producer thread). */
static void slot_wait(struct pipe *p, int threaded, long i)
{
	if (!threaded) {
		slot_fill(p, i);
		return;
	}
	pthread_mutex_lock(&p->mu);
	while (p->made <= i)
		pthread_cond_wait(&p->cv, &p->mu);
	pthread_mutex_unlock(&p->mu);
}

static void progress_put(long done, long n, const char *eds, int end)
{
	fprintf(stderr, "\rdemo: %ld/%ld articles per edition (%s)%s", done, n,
		eds, end ? "\n" : "");
}

int demo_generate(store *s, long n, int progress, struct err *e)
{
	struct err local;
	if (!e)
		e = &local;
	err_clear(e);
	if (n < 0)
		return err_set(e, ERR_INVALID,
			       "demo: negative article count %ld", n);

	struct arena *a = arena_new(0), *tmp = arena_new(0);
	struct site st;
	int rc = site_read(s, a, tmp, &st, e);
	if (rc || n == 0) {
		arena_free(tmp);
		arena_free(a);
		return rc;
	}

	/* Buffers live in arenas, one per slot (heap bufs cannot be released
	 * without buf_reset allocating again); they grow to the largest
	 * article and are reused. */
	struct pipe *p = xcalloc(1, sizeof *p);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->n = n;
	p->base = st.base;
	for (int i = 0; i < SYNTH_SLOTS; i++) {
		struct slot *sl = &p->slot[i];
		sl->a = arena_new(64 * 1024);
		demo_text_init(&sl->t, sl->a);
	}
	struct buf eds;
	buf_init(&eds, a);
	for (size_t k = 0; k < st.n_ed; k++)
		buf_printf(&eds, "%s%s", k ? ", " : "", st.ed[k].code);
	struct store_article *arts =
		arena_alloc(a, SYNTH_CALL * st.n_ed * sizeof *arts);
	/* Without a thread we make each article just before saving it. */
	pthread_t thread;
	int threaded = pthread_create(&thread, NULL, producer, p) == 0;

	/* Commits fall on call boundaries: about SYNTH_BATCH_ROWS articles
	 * per transaction, whole translation pairs. */
	long per_commit = SYNTH_BATCH_ROWS / (long)st.n_ed, done = 0;
	if (per_commit < SYNTH_CALL)
		per_commit = SYNTH_CALL;
	long since_commit = 0;
	int64_t now = (int64_t)time(NULL);
	double last_print = 0;
	int in_bulk = 0;
	rc = store_bulk_begin(s, e);
	in_bulk = rc == 0;
	while (rc == 0 && done < n) {
		long end = done + SYNTH_CALL < n ? done + SYNTH_CALL : n;
		size_t n_arts = 0;
		arena_reset(tmp);
		for (long i = done; i < end; i++) {
			struct slot *sl = &p->slot[i % SYNTH_SLOTS];
			slot_wait(p, threaded, i);
			uint64_t number = st.base + (uint64_t)i + 1;
			pair_add(&st, sl, number, now, tmp, arts, &n_arts);
		}
		if (rc == 0)
			rc = store_article_insert_many(
				s, arts, n_arts, STORE_BULK_INDEX_LATER, e);
		if (rc) {
			rc = synth_fail(e, rc,
					"demo: synthetic articles %" PRIu64
					"-%" PRIu64,
					st.base + (uint64_t)done + 1,
					st.base + (uint64_t)end);
			break;
		}
		since_commit += end - done;
		done = end;
		if (threaded) {
			pthread_mutex_lock(&p->mu);
			p->used = done;
			pthread_cond_broadcast(&p->cv);
			pthread_mutex_unlock(&p->mu);
		}
		if (since_commit >= per_commit && done < n) {
			since_commit = 0;
			in_bulk = 0;
			rc = store_bulk_commit(s, e);
			if (rc == 0) {
				rc = store_bulk_begin(s, e);
				in_bulk = rc == 0;
			}
		}
		if (progress) {
			double t = now_seconds();
			if (t - last_print >= 0.1) {
				progress_put(done, n, eds.data, 0);
				last_print = t;
			}
		}
	}
	if (rc == 0 && in_bulk) {
		in_bulk = 0;
		rc = store_bulk_commit(s, e);
	}
	if (in_bulk)
		store_bulk_rollback(s);
	if (progress)
		progress_put(done, n, eds.data, 1);

	if (threaded) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		pthread_join(thread, NULL);
	}
	for (int i = 0; i < SYNTH_SLOTS; i++)
		arena_free(p->slot[i].a);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
	arena_free(tmp);
	arena_free(a);
	return rc;
}
