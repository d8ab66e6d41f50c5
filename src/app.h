/*
 * app.h - the one `struct app`: everything a running gazette holds.
 *
 * `app` is set once at start-up by main.c (the only mutable global the
 * style guide allows) and read by handlers. Lower layers (util, store,
 * render, search, media) never include this file: they take what they
 * need as parameters.
 */
#ifndef GAZETTE_APP_H
#define GAZETTE_APP_H

#include "config.h"
#include "store/store.h"

struct http_server;
struct http_static;
struct http_pages;
struct live_hub;
struct newsroom_limiter;

struct app {
	struct config *cfg;          /* settings; read-only after start-up */
	store *store;                /* the database */
	struct http_static *statics; /* theme static files, in memory */
	struct http_server *server;  /* HTTP daemon while serving */
	struct http_pages *pages;    /* templates, locales (http/page.c) */
	struct live_hub *live;       /* live coverage streams (live/live.h),
				      * NULL when not serving */
	struct newsroom_limiter *limiter; /* failed newsroom logins per
					   * login and client
					   * (newsroom/newsroom.h); NULL
					   * when not serving */
	long long started_at;        /* Unix seconds, for /healthz */
};

extern struct app *app;

#endif
