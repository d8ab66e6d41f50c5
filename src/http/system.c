/*
 * system.c - handlers about the server itself: /healthz.
 *
 * /healthz answers 200 "ok" when the database answers, 503 otherwise, for
 * load balancers and systemd watchdogs. Not for reader pages.
 */
#include "app.h"
#include "http/http.h"
#include "util/arena.h"

int page_healthz(struct http_req *r)
{
	struct store_edition *eds;
	size_t n;
	struct err e = {0};
	http_header_add(r, "Cache-Control", "no-store");
	if (store_edition_list(app->store, r->a, &eds, &n, &e) != 0) {
		http_reply_text(r, 503, "database unavailable\n");
		return 0;
	}
	http_reply_text(r, 200, "ok\n");
	return 0;
}
