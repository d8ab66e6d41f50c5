/*
 * media_pages.c - the media library in the newsroom, and media files for
 * readers.
 *
 *   GET  /newsroom/media        the library: upload form (multipart, works
 *                               without JS; media.js adds drag and drop),
 *                               grid of thumbnails, search, paging; JSON
 *                               with Accept: application/json (pickers)
 *   POST /newsroom/media        upload one image (multipart/form-data:
 *                               csrf, file, alt, caption, credit)
 *   GET  /newsroom/media/{id}   one image: sizes, original, its texts
 *   POST /newsroom/media/{id}   save alt text, caption, credit
 *   GET  /newsroom/media/{id}/original   the upload as it came (private)
 *   GET  /media/...             a variant of the media folder (see media.h
 *                               for the layout), cached for a year;
 *                               never an original (they keep metadata)
 *
 * Roles: the route table lets contributors and up in; anyone may upload
 * and see the library, only the uploader or an editor (and admin) may
 * change an image's texts. Every POST checks the CSRF token: the
 * X-CSRF-Token header (media.js) or the form's csrf field (inside the
 * multipart body for uploads). Answers: 303 after a form post (PRG), or
 * JSON when the client asked for it (Accept: application/json); errors
 * say what is wrong in the UI language: 400 unreadable form or no file,
 * 403 CSRF or not yours, 413 (from the server) body over
 * http.max_upload_bytes, 415 not a JPEG/PNG/WebP/GIF by its content,
 * 422 damaged or too many pixels, 500 storage.
 *
 * Not for decoding, paths or queries (media/), nor the page frame
 * (ui.c).
 */
#include "app.h"
#include "media/media.h"
#include "newsroom/internal.h"
#include "render/date.h"
#include "render/escape.h"
#include "render/json.h"
#include "render/locale.h"
#include "util/arena.h"
#include "util/log.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MP_PER_PAGE    24       /* images a library page shows */
#define MP_URL         "/media" /* where media files are served */
#define MP_ALT_MAX     1000     /* bytes of alt text */
#define MP_CAPTION_MAX 2000     /* bytes of a caption */
#define MP_CREDIT_MAX  300      /* bytes of a credit */
#define MP_SIZES       "(min-width: 60em) 14em, (min-width: 40em) 30vw, 45vw"

/* ---- small helpers -------------------------------------------------- */

static const char *mp_t(struct http_req *r, const char *key)
{
	char full[96];
	snprintf(full, sizeof full, "newsroom_media.%s", key);
	return page_t(r, full);
}

static const char *mp_tf(struct http_req *r, const char *key,
			 const char *const *vars)
{
	struct buf b;
	buf_init(&b, r->a);
	render_locale_expand(&b, mp_t(r, key), vars);
	return b.data;
}

/* "20 MB", "512 KB" for a byte count. */
static const char *mp_bytes(struct http_req *r, int64_t n)
{
	if (n >= 1024 * 1024)
		return arena_printf(r->a, "%.*f MB", n % (1024 * 1024) ? 1 : 0,
				    (double)n / (1024.0 * 1024.0));
	if (n >= 1024)
		return arena_printf(r->a, "%lld KB", (long long)(n / 1024));
	return arena_printf(r->a, "%lld B", (long long)n);
}

/* 1 when the client wants JSON (media.js, pickers). */
static int mp_json(const struct http_req *r)
{
	const char *acc = http_header_get(r, "Accept");
	const char *fmt = http_query_get(r, "format");
	return (acc && strstr(acc, "application/json")) ||
	       (fmt && !strcmp(fmt, "json"));
}

/* JSON error reply {"error":{"status":N,"message":"..."}}. */
static int mp_json_error(struct http_req *r, int status, const char *msg)
{
	struct render_json j;
	buf_clear(&r->out);
	render_json_init(&j, &r->out);
	render_json_obj_begin(&j, NULL);
	render_json_obj_begin(&j, "error");
	render_json_int(&j, "status", status);
	render_json_str(&j, "message", msg);
	render_json_obj_end(&j);
	render_json_obj_end(&j);
	http_reply_buf(r, status, "application/json");
	return 0;
}

/* The constant-time comparison of a sent token with the session's. */
static int mp_token_ok(const char *sent, const char *want)
{
	if (!sent || !want || !*want || strlen(sent) != strlen(want))
		return 0;
	return sodium_memcmp(sent, want, strlen(want)) == 0;
}

/* May me change media m's texts? The uploader, or an editor and up. */
static int mp_can_edit(const struct newsroom_me *me,
		       const struct store_media *m)
{
	return me->u.role >= STORE_ROLE_EDITOR ||
	       (m->uploaded_by && m->uploaded_by == me->u.id);
}

/* Copy of text field content (form part or form value) when it is valid
 * text of at most max bytes: UTF-8, no NUL, no control characters but
 * tab and line breaks; trimmed. NULL when it is not. */
static const char *mp_text(struct http_req *r, const void *data, size_t len,
			   size_t max)
{
	const char *s = data;
	while (len && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++, len--;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
		       s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (len > max || !render_utf8_valid(s, len))
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f)
			return NULL;
	}
	return arena_strndup(r->a, s, len);
}

/* URLs of m for a <picture> into o: webp, jpeg, src, has_img. */
static void mp_picture(struct http_req *r, struct render_val *o,
		       const struct store_media *m)
{
	char *webp, *jpeg, *src;
	int ok = media_srcset(r->a, m, MP_URL, &webp, &jpeg, &src) == 0;
	render_obj_set_bool(o, "has_img", ok);
	render_obj_set_strref(o, "webp", *webp ? webp : NULL);
	render_obj_set_strref(o, "jpeg", *jpeg ? jpeg : NULL);
	render_obj_set_strref(o, "src", src);
	render_obj_set_strref(o, "sizes", MP_SIZES);
}

/* One media item as JSON members (inside an open object). */
static void mp_json_item(struct http_req *r, struct render_json *j,
			 const struct newsroom_me *me,
			 const struct store_media *m)
{
	char *webp, *jpeg, *src;
	media_srcset(r->a, m, MP_URL, &webp, &jpeg, &src);
	render_json_int(j, "id", m->id);
	render_json_str(j, "url",
			arena_printf(r->a, "/newsroom/media/%lld",
				     (long long)m->id));
	render_json_str(j, "mime", m->mime);
	render_json_int(j, "width", m->width);
	render_json_int(j, "height", m->height);
	render_json_int(j, "bytes", m->bytes);
	render_json_str(j, "alt", m->alt);
	render_json_str(j, "caption", m->caption);
	render_json_str(j, "credit", m->credit);
	render_json_str(j, "src", src);
	render_json_str(j, "webp_srcset", webp);
	render_json_str(j, "jpeg_srcset", jpeg);
	render_json_int(j, "created_at", m->created_at);
	render_json_bool(j, "can_edit", mp_can_edit(me, m));
}

/* ---- the library page ----------------------------------------------- */

/* Render the library for me with status; upload_error (may be NULL) is
 * shown at the upload form, `typed` keeps the texts of a failed upload
 * (alt, caption, credit; NULL: empty). */
static int mp_library(struct http_req *r, const struct newsroom_me *me,
		      int status, const char *upload_error,
		      const char *const typed[3])
{
	long page = page_number(r);
	if (page < 0)
		return 0;
	const char *q = http_query_get(r, "q");
	const char *mine = http_query_get(r, "mine");
	int only_mine = mine && !strcmp(mine, "1");
	if (q && (strlen(q) > 200 || !*q))
		q = NULL;
	struct store_media_filter f = {
		.q = q,
		.uploaded_by = only_mine ? me->u.id : 0,
		.limit = MP_PER_PAGE,
		.offset = (size_t)(page - 1) * MP_PER_PAGE,
	};
	struct store_media *items;
	size_t n, total;
	struct err e = {0};
	if (store_media_list(app->store, r->a, &f, &items, &n, &total, &e)) {
		log_error("req %s: media list: %s", r->id, e.msg);
		return newsroom_error(r, 500, mp_t(r, "err_storage"));
	}
	size_t pages = total ? (total + MP_PER_PAGE - 1) / MP_PER_PAGE : 1;
	if (page > 1 && (size_t)page > pages && !mp_json(r))
		return newsroom_error(r, 404, newsroom_t(r, "not_found_title"));

	if (mp_json(r) && !upload_error) {
		struct render_json j;
		buf_clear(&r->out);
		render_json_init(&j, &r->out);
		render_json_obj_begin(&j, NULL);
		render_json_int(&j, "total", (int64_t)total);
		render_json_int(&j, "page", page);
		render_json_int(&j, "pages", (int64_t)pages);
		render_json_arr_begin(&j, "items");
		for (size_t i = 0; i < n; i++) {
			render_json_obj_begin(&j, NULL);
			mp_json_item(r, &j, me, &items[i]);
			render_json_obj_end(&j);
		}
		render_json_arr_end(&j);
		render_json_obj_end(&j);
		http_reply_buf(r, 200, "application/json");
		return 0;
	}

	struct render_val *ctx = newsroom_ctx(r, me, "media", mp_t(r, "title"));
	render_obj_set_strref(ctx, "media_js",
			      http_static_url(app->statics, "media.js"));
	char max[32];
	snprintf(max, sizeof max, "%zu", app->cfg->max_upload_bytes);
	render_obj_set_str(ctx, "max_bytes", max);
	render_obj_set_str(
		ctx, "file_hint",
		mp_tf(r, "file_hint",
		      (const char *[]){
			      "size",
			      mp_bytes(r, (int64_t)app->cfg->max_upload_bytes),
			      NULL}));
	render_obj_set_str(
		ctx, "err_file_size",
		mp_tf(r, "err_file_size",
		      (const char *[]){
			      "size",
			      mp_bytes(r, (int64_t)app->cfg->max_upload_bytes),
			      NULL}));
	render_obj_set_str(ctx, "upload_error", upload_error);
	struct render_val *fields = render_obj_add_list(ctx, "fields");
	struct render_val *fo = newsroom_field(fields, "alt", mp_t(r, "alt"),
					       typed ? typed[0] : "", NULL);
	newsroom_field_hint(fo, mp_t(r, "alt_hint"));
	render_obj_set_int(fo, "maxlength", MP_ALT_MAX);
	fo = newsroom_field(fields, "caption", mp_t(r, "caption"),
			    typed ? typed[1] : "", NULL);
	render_obj_set_int(fo, "maxlength", MP_CAPTION_MAX);
	fo = newsroom_field(fields, "credit", mp_t(r, "credit"),
			    typed ? typed[2] : "", NULL);
	newsroom_field_hint(fo, mp_t(r, "credit_hint"));
	render_obj_set_int(fo, "maxlength", MP_CREDIT_MAX);

	struct render_val *s = render_obj_add_obj(ctx, "search");
	render_obj_set_str(s, "q", q ? q : "");
	render_obj_set_bool(s, "mine", only_mine);
	render_obj_set_bool(ctx, "filtered", q || only_mine);
	char num[24];
	snprintf(num, sizeof num, "%zu", total);
	render_obj_set_str(ctx, "count",
			   mp_tf(r, "count", (const char *[]){"n", num, NULL}));

	struct render_val *list = render_obj_add_list(ctx, "items");
	const char *tz = newsroom_tz(r);
	for (size_t i = 0; i < n; i++) {
		const struct store_media *m = &items[i];
		struct render_val *o = render_list_add_obj(list);
		render_obj_set_int(o, "id", m->id);
		render_obj_set_str(o, "url",
				   arena_printf(r->a, "/newsroom/media/%lld",
						(long long)m->id));
		mp_picture(r, o, m);
		render_obj_set_strref(o, "alt", m->alt);
		render_obj_set_strref(o, "caption", m->caption);
		render_obj_set_strref(o, "credit", m->credit);
		char w[16], h[16];
		snprintf(w, sizeof w, "%d", m->width);
		snprintf(h, sizeof h, "%d", m->height);
		render_obj_set_str(
			o, "size",
			mp_tf(r, "size",
			      (const char *[]){"w", w, "h", h, NULL}));
		render_obj_set_strref(o, "when",
				      newsroom_date(r, tz, m->created_at,
						    RENDER_DATE_LONG));
		render_obj_set_bool(o, "can_edit", mp_can_edit(me, m));
	}

	/* pager: newer (lower page) and older, keeping the filter */
	struct buf base;
	buf_init(&base, r->a);
	buf_puts(&base, "/newsroom/media?");
	if (q) {
		buf_puts(&base, "q=");
		render_escape_url(&base, q, strlen(q));
		buf_putc(&base, '&');
	}
	if (only_mine)
		buf_puts(&base, "mine=1&");
	struct render_val *pg = render_obj_add_obj(ctx, "pager");
	char pn[24], pt[24];
	snprintf(pn, sizeof pn, "%ld", page);
	snprintf(pt, sizeof pt, "%zu", pages);
	render_obj_set_str(
		pg, "label",
		mp_tf(r, "page_of",
		      (const char *[]){"page", pn, "pages", pt, NULL}));
	render_obj_set_bool(pg, "show", pages > 1);
	render_obj_set_str(pg, "prev",
			   page > 1 ? arena_printf(r->a, "%spage=%ld",
						   base.data, page - 1) :
				      NULL);
	render_obj_set_str(pg, "next",
			   (size_t)page < pages ?
				   arena_printf(r->a, "%spage=%ld", base.data,
						page + 1) :
				   NULL);
	const char *done = http_query_get(r, "done");
	if (done && !strcmp(done, "duplicate"))
		render_obj_set_strref(ctx, "flash", mp_t(r, "done_duplicate"));
	return newsroom_render(r, status, "media", ctx);
}

int page_newsroom_media(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	return mp_library(r, &me, 200, NULL, NULL);
}

/* ---- upload --------------------------------------------------------- */

/* A refused upload: JSON, or the library again with the message and
 * what was typed. */
static int mp_upload_fail(struct http_req *r, const struct newsroom_me *me,
			  int status, const char *msg,
			  const char *const typed[3])
{
	if (mp_json(r))
		return mp_json_error(r, status, msg);
	return mp_library(r, me, status, msg, typed);
}

/* The text part `name` (alt, caption, credit) of an upload: "" when
 * absent, NULL when invalid. */
static const char *mp_part_text(struct http_req *r,
				const struct media_part *parts, size_t n,
				const char *name, size_t max)
{
	const struct media_part *p = media_part_get(parts, n, name);
	if (!p)
		return "";
	return mp_text(r, p->data, p->len, max);
}

int page_newsroom_media_upload(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	const char *ct = http_header_get(r, "Content-Type");
	struct media_part *parts = NULL;
	size_t n = 0;
	struct err e = {0};
	int perr = media_multipart_parse(r->a, ct, r->body.data, r->body.len,
					 &parts, &n, &e);
	/* CSRF before anything else: the header, else the form's field */
	const char *sent = http_header_get(r, "X-CSRF-Token");
	if (!sent && perr == 0) {
		const struct media_part *c = media_part_get(parts, n, "csrf");
		if (c)
			sent = arena_strndup(r->a, (const char *)c->data,
					     c->len);
	}
	if (!sent && perr != 0) {
		/* not multipart: a plain form may still carry the token */
		if (newsroom_csrf_check(r))
			return 0;
		sent = me.ss.csrf;
	}
	if (!mp_token_ok(sent, me.ss.csrf)) {
		log_warn("req %s: media upload: CSRF token %s", r->id,
			 sent ? "does not match" : "missing");
		if (mp_json(r))
			return mp_json_error(r, 403, newsroom_t(r, "err_csrf"));
		return newsroom_error(r, 403, newsroom_t(r, "err_csrf"));
	}
	if (perr) {
		log_info("req %s: media upload: %s", r->id, e.msg);
		return mp_upload_fail(r, &me, 400, mp_t(r, "err_bad_form"),
				      NULL);
	}
	const char *typed[3] = {
		mp_part_text(r, parts, n, "alt", MP_ALT_MAX),
		mp_part_text(r, parts, n, "caption", MP_CAPTION_MAX),
		mp_part_text(r, parts, n, "credit", MP_CREDIT_MAX),
	};
	if (!typed[0] || !typed[1] || !typed[2]) {
		for (int i = 0; i < 3; i++)
			if (!typed[i])
				typed[i] = "";
		return mp_upload_fail(r, &me, 400, mp_t(r, "err_text"), typed);
	}
	const struct media_part *file = media_part_get(parts, n, "file");
	if (!file || file->len == 0)
		return mp_upload_fail(r, &me, 400, mp_t(r, "err_no_file"),
				      typed);
	/* the name is for the log only (cut; the parser refused control
	 * characters and invalid UTF-8 in it) */
	const char *fname = file->filename ? file->filename : "";
	enum media_type type = media_sniff(file->data, file->len);
	if (type == MEDIA_NONE) {
		log_info("req %s: media upload by %s refused: '%.80s' (%zu "
			 "bytes, sent as %.40s) is not a JPEG, PNG, WebP or "
			 "GIF image",
			 r->id, me.u.login, fname, file->len,
			 file->content_type ? file->content_type : "-");
		return mp_upload_fail(r, &me, 415, mp_t(r, "err_not_image"),
				      typed);
	}

	char sha[65];
	media_sha256_hex(file->data, file->len, sha);
	char *mdir = config_data_path(app->cfg, "media");
	struct store_media m;
	int dup = 0, stage = 0; /* stage 1: processing, 2: store */
	media_lock();
	int rc = store_media_find_sha256(app->store, r->a, sha, &m, &e);
	if (rc == 0) {
		dup = 1;
	} else if (rc == ERR_NOTFOUND) {
		stage = 1;
		rc = media_process(r->a, mdir, file->data, file->len,
				   (int64_t)time(NULL), &m, &e);
		if (rc == 0) {
			stage = 2;
			m.alt = (char *)typed[0];
			m.caption = (char *)typed[1];
			m.credit = (char *)typed[2];
			m.uploaded_by = me.u.id;
			rc = store_media_add(app->store, &m, &e);
			if (rc)
				media_files_remove(mdir, &m);
		}
	}
	media_unlock();
	free(mdir);
	if (rc) {
		int status = 500;
		const char *msg = mp_t(r, "err_storage");
		if (stage == 1 && rc == ERR_TOOBIG) {
			int w = 0, h = 0;
			media_header_size(type, file->data, file->len, &w, &h,
					  NULL);
			char ws[16], hs[16];
			snprintf(ws, sizeof ws, "%d", w);
			snprintf(hs, sizeof hs, "%d", h);
			status = 422;
			msg = mp_tf(r, "err_too_large",
				    (const char *[]){"w", ws, "h", hs, NULL});
		} else if (stage == 1 && rc == ERR_INVALID) {
			status = 422;
			msg = mp_t(r, "err_corrupt");
		} else if (stage == 1 && rc == ERR_IO &&
			   !media_vips_loaded()) {
			/* libvips could not be loaded (media/vipsdl.c): the
			 * server's set-up, not this file; logged below */
			status = 503;
			msg = mp_t(r, "err_unavailable");
			log_error("req %s: media upload: %s", r->id, e.msg);
		}
		if (status == 500)
			log_error("req %s: media upload: %s", r->id, e.msg);
		else
			log_info("req %s: media upload by %s refused: '%.80s' "
				 "(%zu bytes): %s",
				 r->id, me.u.login, fname, file->len, e.msg);
		return mp_upload_fail(r, &me, status, msg, typed);
	}
	if (!dup)
		newsroom_audit(r, "media.upload", "media", m.id,
			       "%s %d x %d, %zu bytes", m.mime, m.width,
			       m.height, file->len);
	log_info("req %s: media %lld %s by %s (%s %d x %d, %zu variants)",
		 r->id, (long long)m.id, dup ? "already stored" : "stored",
		 me.u.login, m.mime, m.width, m.height, m.n_variants);
	if (mp_json(r)) {
		struct render_json j;
		buf_clear(&r->out);
		render_json_init(&j, &r->out);
		render_json_obj_begin(&j, NULL);
		mp_json_item(r, &j, &me, &m);
		render_json_bool(&j, "duplicate", dup);
		render_json_obj_end(&j);
		if (!dup)
			http_header_add(r, "Location",
					arena_printf(r->a,
						     "/newsroom/media/%lld",
						     (long long)m.id));
		http_reply_buf(r, dup ? 200 : 201, "application/json");
		return 0;
	}
	return newsroom_done(
		r, arena_printf(r->a, "/newsroom/media/%lld", (long long)m.id),
		dup ? "duplicate" : "created");
}

/* ---- one image ------------------------------------------------------ */

/* Load media {id} of r into m; replies 404 (or 500) and returns -1. */
static int mp_load(struct http_req *r, struct store_media *m)
{
	int64_t id;
	struct err e = {0};
	int rc = http_parse_id(http_param_get(r, "id"), &id);
	if (rc == 0)
		rc = store_media_get(app->store, r->a, id, m, &e);
	if (rc == 0)
		return 0;
	if (rc != ERR_NOTFOUND && rc != ERR_INVALID) {
		log_error("req %s: media: %s", r->id, e.msg);
		if (mp_json(r))
			mp_json_error(r, 500, mp_t(r, "err_storage"));
		else
			newsroom_error(r, 500, mp_t(r, "err_storage"));
		return -1;
	}
	if (mp_json(r))
		mp_json_error(r, 404, mp_t(r, "err_not_found"));
	else
		newsroom_error(r, 404, mp_t(r, "err_not_found"));
	return -1;
}

/* The edit page of m: status, the values shown (typed: NULL for m's),
 * an error for the form (NULL: none). */
static int mp_item_page(struct http_req *r, const struct newsroom_me *me,
			const struct store_media *m, int status,
			const char *const typed[3], const char *error)
{
	if (mp_json(r) && !error) {
		struct render_json j;
		buf_clear(&r->out);
		render_json_init(&j, &r->out);
		render_json_obj_begin(&j, NULL);
		mp_json_item(r, &j, me, m);
		render_json_arr_begin(&j, "variants");
		for (size_t i = 0; i < m->n_variants; i++) {
			const struct store_media_variant *v = &m->variants[i];
			render_json_obj_begin(&j, NULL);
			render_json_int(&j, "width", v->width);
			render_json_int(&j, "height", v->height);
			render_json_str(&j, "format", v->format);
			render_json_str(&j, "url",
					arena_printf(r->a, MP_URL "/%s",
						     v->path));
			render_json_int(&j, "bytes", v->bytes);
			render_json_str(&j, "aspect",
					v->aspect ? v->aspect : "");
			render_json_obj_end(&j);
		}
		render_json_arr_end(&j);
		render_json_obj_end(&j);
		http_reply_buf(r, status, "application/json");
		return 0;
	}
	if (mp_json(r))
		return mp_json_error(r, status, error);
	struct render_val *ctx = newsroom_ctx(r, me, "media", mp_t(r, "title"));
	struct render_val *it = render_obj_add_obj(ctx, "item");
	render_obj_set_int(it, "id", m->id);
	render_obj_set_str(it, "action",
			   arena_printf(r->a, "/newsroom/media/%lld",
					(long long)m->id));
	mp_picture(r, it, m);
	render_obj_set_strref(it, "sizes", "(min-width: 60em) 40em, 100vw");
	render_obj_set_strref(it, "alt", m->alt);
	render_obj_set_strref(it, "caption", m->caption);
	render_obj_set_strref(it, "credit", m->credit);
	render_obj_set_int(it, "width", m->width);
	render_obj_set_int(it, "height", m->height);
	char w[16], h[16];
	snprintf(w, sizeof w, "%d", m->width);
	snprintf(h, sizeof h, "%d", m->height);
	render_obj_set_str(it, "size",
			   mp_tf(r, "size",
				 (const char *[]){"w", w, "h", h, NULL}));
	const char *when = newsroom_date(r, newsroom_tz(r), m->created_at,
					 RENDER_DATE_LONG);
	render_obj_set_str(it, "uploaded",
			   mp_tf(r, "uploaded_at",
				 (const char *[]){"when", when, NULL}));
	int can = mp_can_edit(me, m);
	render_obj_set_bool(it, "can_edit", can);
	/* one line per width (its WebP and JPEG files), then one per crop
	 * (a crop may have the size of a width variant: its own line) */
	struct render_val *vs = render_obj_add_list(it, "variants");
	struct render_val *row = NULL;
	const struct store_media_variant *row_v = NULL;
	for (size_t i = 0; i < m->n_variants; i++) {
		const struct store_media_variant *v = &m->variants[i];
		const char *aspect = v->aspect ? v->aspect : "";
		if (!row || v->width != row_v->width ||
		    strcmp(aspect, row_v->aspect ? row_v->aspect : "") != 0) {
			row = render_list_add_obj(vs);
			row_v = v;
			char vw[16], vh[16];
			snprintf(vw, sizeof vw, "%d", v->width);
			snprintf(vh, sizeof vh, "%d", v->height);
			render_obj_set_str(
				row, "label",
				*aspect ? mp_tf(r, "crop_size",
						(const char *[]){"aspect",
								 aspect, "w",
								 vw, "h", vh,
								 NULL}) :
					  mp_tf(r, "size",
						(const char *[]){"w", vw, "h",
								 vh, NULL}));
			render_obj_add_list(row, "files");
		}
		struct render_val *o =
			render_list_add_obj(render_obj_get(row, "files"));
		render_obj_set_strref(o, "format",
				      !strcmp(v->format, "jpeg") ? "JPEG" :
								   "WebP");
		render_obj_set_str(o, "url",
				   arena_printf(r->a, MP_URL "/%s", v->path));
		render_obj_set_strref(o, "bytes", mp_bytes(r, v->bytes));
	}
	struct render_val *orig = render_obj_add_obj(it, "original");
	render_obj_set_str(orig, "url",
			   arena_printf(r->a, "/newsroom/media/%lld/original",
					(long long)m->id));
	render_obj_set_strref(orig, "mime", m->mime);
	render_obj_set_strref(orig, "bytes", mp_bytes(r, m->bytes));

	render_obj_set_str(ctx, "form_error", error);
	struct render_val *fields = render_obj_add_list(ctx, "fields");
	struct render_val *fo = newsroom_field(fields, "alt", mp_t(r, "alt"),
					       typed ? typed[0] : m->alt, NULL);
	newsroom_field_hint(fo, mp_t(r, "alt_hint"));
	render_obj_set_bool(fo, "textarea", 1);
	render_obj_set_int(fo, "rows", 2);
	render_obj_set_int(fo, "maxlength", MP_ALT_MAX);
	fo = newsroom_field(fields, "caption", mp_t(r, "caption"),
			    typed ? typed[1] : m->caption, NULL);
	render_obj_set_bool(fo, "textarea", 1);
	render_obj_set_int(fo, "maxlength", MP_CAPTION_MAX);
	fo = newsroom_field(fields, "credit", mp_t(r, "credit"),
			    typed ? typed[2] : m->credit, NULL);
	newsroom_field_hint(fo, mp_t(r, "credit_hint"));
	render_obj_set_int(fo, "maxlength", MP_CREDIT_MAX);

	const char *done = http_query_get(r, "done");
	if (done && (!strcmp(done, "created") || !strcmp(done, "duplicate") ||
		     !strcmp(done, "saved")))
		render_obj_set_str(ctx, "flash",
				   mp_t(r,
					arena_printf(r->a, "done_%s", done)));
	return newsroom_render(r, status, "media_item", ctx);
}

int page_newsroom_media_item(struct http_req *r)
{
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct store_media m;
	if (mp_load(r, &m))
		return 0;
	return mp_item_page(r, &me, &m, 200, NULL, NULL);
}

int page_newsroom_media_update(struct http_req *r)
{
	if (newsroom_csrf_check(r))
		return 0;
	newsroom_begin(r);
	struct newsroom_me me;
	if (newsroom_me_load(r, &me))
		return newsroom_deny(r);
	struct store_media m;
	if (mp_load(r, &m))
		return 0;
	if (!mp_can_edit(&me, &m)) {
		log_warn("req %s: media %lld: %s may not edit it", r->id,
			 (long long)m.id, me.u.login);
		if (mp_json(r))
			return mp_json_error(r, 403, mp_t(r, "err_not_yours"));
		return newsroom_error(r, 403, mp_t(r, "err_not_yours"));
	}
	struct newsroom_form f;
	if (newsroom_form_read(r, &f))
		return 0;
	static const char *const keys[3] = {"alt", "caption", "credit"};
	static const size_t max[3] = {MP_ALT_MAX, MP_CAPTION_MAX,
				      MP_CREDIT_MAX};
	const char *typed[3];
	int bad = 0;
	for (int i = 0; i < 3; i++) {
		const char *v = newsroom_form_get(&f, keys[i]);
		typed[i] = v ? mp_text(r, v, strlen(v), max[i]) : "";
		if (!typed[i]) {
			bad = 1;
			typed[i] = v;
		}
	}
	if (bad)
		return mp_item_page(r, &me, &m, 422, typed,
				    mp_t(r, "err_text"));
	struct err e = {0};
	if (store_media_update(app->store, m.id, typed[0], typed[1], typed[2],
			       &e)) {
		log_error("req %s: media update: %s", r->id, e.msg);
		return mp_item_page(r, &me, &m, 500, typed,
				    mp_t(r, "err_storage"));
	}
	newsroom_audit(r, "media.update", "media", m.id,
		       "alt, caption, credit");
	if (mp_json(r)) {
		m.alt = (char *)typed[0];
		m.caption = (char *)typed[1];
		m.credit = (char *)typed[2];
		return mp_item_page(r, &me, &m, 200, NULL, NULL);
	}
	return newsroom_done(
		r, arena_printf(r->a, "/newsroom/media/%lld", (long long)m.id),
		"saved");
}

/* ---- files ---------------------------------------------------------- */

/* Send media file rel (valid) of the media folder with cache_control;
 * 404 when it is not there. */
static int mp_send_file(struct http_req *r, const char *rel,
			const char *cache_control)
{
	char *mdir = config_data_path(app->cfg, "media");
	int fd;
	int64_t size, mtime;
	struct err e = {0};
	int rc = media_file_open(mdir, rel, &fd, &size, &mtime, &e);
	free(mdir);
	if (rc) {
		if (rc != ERR_NOTFOUND)
			log_error("req %s: %s", r->id, e.msg);
		else
			log_debug("req %s: %s", r->id, e.msg);
		http_reply_error(r, rc == ERR_NOTFOUND ? 404 : 500,
				 rc == ERR_NOTFOUND ? "not found" :
						      "internal error");
		return 0;
	}
	/* Names depend on the content: the path is a strong validator. */
	struct buf etag;
	buf_init(&etag, r->a);
	buf_putc(&etag, '"');
	for (const char *p = rel; *p; p++)
		buf_putc(&etag, *p == '/' ? '-' : *p);
	buf_putc(&etag, '"');
	http_header_add(r, "Cache-Control", cache_control);
	http_header_add(r, "X-Content-Type-Options", "nosniff");
	http_header_add(r, "Content-Security-Policy",
			"default-src 'none'; sandbox");
	if (http_conditional(r, etag.data, mtime)) {
		close(fd);
		return 0;
	}
	unsigned char *data = arena_alloc(r->a, (size_t)size + 1);
	size_t got = 0;
	while (got < (size_t)size) {
		ssize_t k = read(fd, data + got, (size_t)size - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		got += (size_t)k;
	}
	close(fd);
	if (got != (size_t)size) {
		log_error("req %s: media %s: short read", r->id, rel);
		http_reply_error(r, 500, "internal error");
		return 0;
	}
	http_reply_fixed(r, 200, media_path_mime(rel), data, got);
	return 0;
}

int page_media_file(struct http_req *r)
{
	const char *rel = http_param_get(r, "*");
	/* only the layout's names, and never an original: it keeps its
	 * metadata (GPS, camera serial...); the newsroom gets it from
	 * /newsroom/media/{id}/original */
	if (!rel || !media_path_valid(rel) || media_path_is_original(rel)) {
		http_reply_error(r, 404, "not found");
		return 0;
	}
	return mp_send_file(r, rel, "public, max-age=31536000, immutable");
}

int page_newsroom_media_original(struct http_req *r)
{
	/* no newsroom_begin: a file, not a page (errors still get the
	 * newsroom's page through newsroom_error) */
	struct store_media m;
	if (mp_load(r, &m))
		return 0;
	if (!media_path_is_original(m.path)) {
		http_reply_error(r, 404, "not found");
		return 0;
	}
	return mp_send_file(r, m.path, "private, no-store");
}
