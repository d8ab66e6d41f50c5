/*
 * main.c - the gazette command line: arguments, configuration, and the
 * start of whatever the command runs. Nothing else lives here.
 *
 *   gazette [COMMAND] [OPTIONS]     see main_usage below
 */
#include "app.h"
#include "demo/demo.h"
#include "http/internal.h"
#include "live/live.h"
#include "media/media.h"
#include "newsroom/newsroom.h"
#include "newsroom/password.h"
#include "newsroom/indexer.h"
#include "newsroom/scheduler.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef GAZETTE_VERSION
#define GAZETTE_VERSION "0.0.0"
#endif



#define MAIN_MAX_SETS 64

/* Options every command takes; parsed by main_common. */
struct main_opts {
	const char *config;            /* --config FILE */
	const char *sets[MAIN_MAX_SETS]; /* --set and shortcut overrides */
	int n_sets;
	char *owned[MAIN_MAX_SETS];    /* strings built for shortcuts */
	int n_owned;
};

enum {
	OPT_CONFIG = 1000,
	OPT_SET,
	OPT_DATA,
	OPT_LISTEN,
	OPT_PORT,
	OPT_ADMIN,
	OPT_PASSWORD,
	OPT_ROLE,
	OPT_NAME,
	OPT_EMAIL,
	OPT_ARTICLES,
	OPT_INDEX,
	OPT_PENDING,
	OPT_HELP,
};

#define MAIN_COMMON_LONGOPTS                                                   \
	{"config", required_argument, NULL, OPT_CONFIG},                       \
		{"set", required_argument, NULL, OPT_SET},                     \
		{"data", required_argument, NULL, OPT_DATA},                   \
		{"help", no_argument, NULL, OPT_HELP}

static const char main_common_help[] =
	"  --config FILE        read settings from FILE (see "
	"gazette.example.ini)\n"
	"  --data DIR           site folder (database, media); same as --set "
	"site.data_dir=DIR\n"
	"  --set SECTION.KEY=V  override one setting of the configuration\n"
	"  --help               show this help\n";

static void main_add_set(struct main_opts *o, const char *key, const char *v)
{
	if (o->n_sets == MAIN_MAX_SETS) {
		fprintf(stderr, "gazette: too many --set options\n");
		exit(2);
	}
	if (!key) {
		o->sets[o->n_sets++] = v;
		return;
	}
	size_t n = strlen(key) + strlen(v) + 2;
	char *s = xmalloc(n);
	snprintf(s, n, "%s=%s", key, v);
	o->owned[o->n_owned++] = s;
	o->sets[o->n_sets++] = s;
}

/* Handle an option every command knows; 1 when it was one. */
static int main_common(struct main_opts *o, int c, const char *arg)
{
	switch (c) {
	case OPT_CONFIG: o->config = arg; return 1;
	case OPT_SET: main_add_set(o, NULL, arg); return 1;
	case OPT_DATA: main_add_set(o, "site.data_dir", arg); return 1;
	case OPT_LISTEN: main_add_set(o, "http.listen", arg); return 1;
	case OPT_PORT: main_add_set(o, "http.port", arg); return 1;
	}
	return 0;
}

/* Build app->cfg from defaults, the file and the overrides; exits with
 * status 2 and the reason on any error. */
/* Free what main_common copied into o (main_config does it too). */
static void main_opts_free(struct main_opts *o)
{
	for (int i = 0; i < o->n_owned; i++)
		free(o->owned[i]);
	o->n_owned = 0;
}

static void main_config(struct main_opts *o)
{
	struct err e = {0};
	struct config *cfg = config_new();
	if (o->config && config_load(cfg, o->config, &e) != 0) {
		fprintf(stderr, "gazette: %s\n", e.msg);
		exit(2);
	}
	for (int i = 0; i < o->n_sets; i++)
		if (config_override(cfg, o->sets[i], &e) != 0) {
			fprintf(stderr, "gazette: %s\n", e.msg);
			exit(2);
		}
	if (config_validate(cfg, &e) != 0) {
		fprintf(stderr, "gazette: %s\n", e.msg);
		exit(2);
	}
	static const enum log_level lv[] = {LOG_DEBUG, LOG_INFO, LOG_WARN,
					    LOG_ERROR};
	static const char *const names[] = {"debug", "info", "warn", "error"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(cfg->log_level, names[i]))
			log_level_set(lv[i]);
	app->cfg = cfg;
	main_opts_free(o);
}

/* Open the site's database (creating it when `create`), apply
 * migrations, record the configured editions. Exits 1 on failure. */
static void main_site_open(int create)
{
	struct err e = {0};
	const struct config *cfg = app->cfg;
	if (create && mkdir(cfg->data_dir, 0750) != 0 && errno != EEXIST) {
		fprintf(stderr, "gazette: cannot create %s: %s\n", cfg->data_dir,
			strerror(errno));
		exit(1);
	}
	char *db = config_data_path(cfg, "gazette.db");
	struct stat st;
	if (!create && stat(db, &st) != 0) {
		fprintf(stderr,
			"gazette: no site in %s (run 'gazette init --data %s' "
			"first)\n", cfg->data_dir, cfg->data_dir);
		exit(1);
	}
	if (store_open(db, &app->store, &e) != 0) {
		fprintf(stderr, "gazette: %s\n", e.msg);
		exit(1);
	}
	free(db);
	for (int i = 0; i < cfg->n_editions; i++) {
		struct store_edition ed = {
			.code = (char *)cfg->editions[i].code,
			.name = (char *)cfg->editions[i].name,
			.prefix = (char *)cfg->editions[i].prefix,
			.position = i + 1,
		};
		if (store_edition_upsert(app->store, &ed, &e) != 0) {
			fprintf(stderr, "gazette: %s\n", e.msg);
			exit(1);
		}
	}
}

static void main_site_close(void)
{
	store_close(app->store);
	app->store = NULL;
	config_free(app->cfg);
	app->cfg = NULL;
}

/* Password from --password (or "-" for one line of stdin), else a new
 * random one that is printed. */
static const char *main_password(const char *given, char *buf, size_t n,
				 int *generated)
{
	*generated = 0;
	if (given && strcmp(given, "-"))
		return given;
	if (given) {
		if (!fgets(buf, (int)n, stdin)) {
			fprintf(stderr, "gazette: no password on stdin\n");
			exit(2);
		}
		buf[strcspn(buf, "\r\n")] = '\0';
		return buf;
	}
	newsroom_password_generate(buf, 17);
	*generated = 1;
	return buf;
}

static int main_user_create(const char *login, const char *role_name,
			    const char *password, const char *name,
			    const char *email)
{
	struct err e = {0};
	enum store_role role = store_role_parse(role_name);
	if (role == STORE_ROLE_NONE) {
		fprintf(stderr,
			"gazette: unknown role '%s' (contributor, author, editor, "
			"admin)\n", role_name);
		return 2;
	}
	char pw[NEWSROOM_PASSWORD_MAX + 2];
	int generated;
	password = main_password(password, pw, sizeof pw, &generated);
	char hash[NEWSROOM_HASH_MAX];
	if (newsroom_password_hash(password, hash, &e) != 0) {
		fprintf(stderr, "gazette: %s\n", e.msg);
		return 2;
	}
	struct store_user u = {
		.login = (char *)login,
		.display_name = (char *)(name ? name : login),
		.email = (char *)(email ? email : ""),
		.password_hash = hash,
		.role = role,
		.created_at = (int64_t)time(NULL),
	};
	if (store_user_add(app->store, &u, &e) != 0) {
		fprintf(stderr, "gazette: %s\n", e.msg);
		return e.code == ERR_CONFLICT || e.code == ERR_INVALID ? 2 : 1;
	}
	store_audit_add(app->store, 0, "user.add", "user", u.id,
			"created from the command line", &e);
	printf("user %s (%s) created\n", login, store_role_name(role));
	if (generated)
		printf("password for %s: %s\n(shown once; change it with "
		       "'gazette user passwd %s')\n", login, pw, login);
	return 0;
}

/* ---- gazette init ----------------------------------------------------- */

static int cmd_init(int argc, char **argv)
{
	static const struct option lo[] = {
		MAIN_COMMON_LONGOPTS,
		{"admin", required_argument, NULL, OPT_ADMIN},
		{"password", required_argument, NULL, OPT_PASSWORD},
		{NULL, 0, NULL, 0}};
	struct main_opts o = {0};
	const char *admin = "admin", *password = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (main_common(&o, c, optarg))
			continue;
		if (c == OPT_ADMIN)
			admin = optarg;
		else if (c == OPT_PASSWORD)
			password = optarg;
		else if (c == OPT_HELP) {
			printf("usage: gazette init [--data DIR] [--admin LOGIN] "
			       "[--password PW|-]\n\n"
			       "Create a site: the folder, its database and the "
			       "first admin.\nWithout --password a random one is "
			       "printed once; '-' reads it from stdin.\n\n%s",
			       main_common_help);
			return 0;
		} else {
			main_opts_free(&o);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gazette init: unexpected argument '%s'\n",
			argv[optind]);
		main_opts_free(&o);
		return 2;
	}
	main_config(&o);
	main_site_open(1);
	struct arena *a = arena_new(0);
	struct store_user u;
	struct err e = {0};
	int rc = 0;
	if (store_user_by_login(app->store, a, admin, &u, &e) == 0) {
		printf("site in %s already exists; user %s unchanged\n",
		       app->cfg->data_dir, admin);
	} else {
		rc = main_user_create(admin, "admin", password, "Administrator",
				      NULL);
		if (rc == 0)
			printf("site created in %s\n", app->cfg->data_dir);
	}
	arena_free(a);
	main_site_close();
	return rc;
}

/* ---- gazette serve ---------------------------------------------------- */

static int cmd_serve(int argc, char **argv)
{
	static const struct option lo[] = {
		MAIN_COMMON_LONGOPTS,
		{"listen", required_argument, NULL, OPT_LISTEN},
		{"port", required_argument, NULL, OPT_PORT},
		{NULL, 0, NULL, 0}};
	struct main_opts o = {0};
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (main_common(&o, c, optarg))
			continue;
		if (c == OPT_HELP) {
			printf("usage: gazette serve [--data DIR] [--listen ADDR] "
			       "[--port N]\n\n"
			       "Run the web server: reader site, newsroom, API. "
			       "SIGTERM or SIGINT\nstops it after in-flight requests "
			       "finish.\n\n  --listen ADDR        address to bind "
			       "(http.listen)\n  --port N             port, 0 for "
			       "any free one (http.port)\n%s",
			       main_common_help);
			return 0;
		}
		main_opts_free(&o);
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "gazette serve: unexpected argument '%s'\n",
			argv[optind]);
		main_opts_free(&o);
		return 2;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	main_config(&o);

	/* Block the stop signals in every thread; this one waits for them. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	main_site_open(0);
	struct err e = {0};
	/* libvips for media uploads: once, before the server's threads */
	if (media_init(argv[0], &e) != 0)
		log_fatal("%s", e.msg);
	if (http_static_load(app->cfg->theme_dir, &app->statics, &e) != 0)
		log_fatal("theme: %s", e.msg);
	if (http_pages_load(app->cfg->theme_dir, app->cfg, &app->pages, &e) != 0)
		log_fatal("theme: %s", e.msg);
	app->started_at = (long long)time(NULL);
	/* Articles whose time came while the server was down go live now. */
	size_t n_due = 0;
	if (newsroom_publish_due(app->store, (int64_t)time(NULL), NULL, NULL,
				 &n_due, &e) != 0)
		log_error("scheduler: %s", e.msg);
	else if (n_due)
		log_info("scheduler: %zu overdue articles published", n_due);
	struct live_hub_opts hub_opts = {
		.ring = (size_t)app->cfg->live_ring,
		.heartbeat_ms = app->cfg->live_heartbeat * 1000};
	if (live_hub_new(&hub_opts, &app->live, &e) != 0)
		log_fatal("%s", e.msg);
	app->limiter = newsroom_limiter_new(NULL);
	int port;
	if (http_server_start(app, &app->server, &port, &e) != 0)
		log_fatal("%s", e.msg);
	struct newsroom_scheduler *sched = NULL;
	if (newsroom_scheduler_start(app->store, 0, newsroom_scheduler_purge,
				     NULL, &sched, &e) != 0)
		log_fatal("%s", e.msg);
	struct newsroom_indexer *indexer = NULL;
	if (newsroom_indexer_start(app->store, 0, &indexer, &e) != 0)
		log_fatal("%s", e.msg);
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	log_info("gazette %s listening on http://%s:%d (started in %.1f ms)",
		 GAZETTE_VERSION, app->cfg->listen, port, ms);

	int sig = 0;
	sigwait(&stop, &sig);
	log_info("%s received: finishing in-flight requests",
		 sig == SIGTERM ? "SIGTERM" : "SIGINT");
	newsroom_scheduler_stop(sched);
	newsroom_indexer_stop(indexer);
	http_server_quiesce(app->server); /* before the streams wake it */
	live_hub_shutdown(app->live); /* open streams end: nothing to wait for */
	http_server_stop(app->server, app->cfg->shutdown_grace);
	app->server = NULL;
	live_hub_free(app->live);
	app->live = NULL;
	newsroom_limiter_free(app->limiter);
	app->limiter = NULL;
	http_pages_free(app->pages);
	app->pages = NULL;
	http_static_free(app->statics);
	app->statics = NULL;
	media_shutdown();
	main_site_close();
	log_info("stopped");
	return 0;
}

/* ---- gazette demo ----------------------------------------------------- */

static double main_seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Work off the search backlog in the foreground (gazette reindex
 * --pending, gazette demo --index), with a progress line on a terminal.
 * *n gets the number of articles indexed. */
static int main_catch_up(int tty, size_t *n, struct err *e)
{
	*n = 0;
	size_t total = 0;
	int rc = tty ? store_search_backlog(app->store, &total, e) : 0;
	int more = 1;
	while (rc == 0 && more) {
		size_t done;
		rc = store_search_catch_up(app->store, 500, &done, &more, e);
		*n += done;
		if (*n > total)
			total = *n;
		if (tty && rc == 0)
			fprintf(stderr,
				"\r\033[K  search: indexed %zu / %zu articles "
				"(%zu%%)",
				*n, total, total ? *n * 100 / total : 100);
	}
	if (tty) {
		fputc('\n', stderr);
		fflush(stderr);
	}
	return rc;
}

static int cmd_demo(int argc, char **argv)
{
	static const struct option lo[] = {
		MAIN_COMMON_LONGOPTS,
		{"articles", required_argument, NULL, OPT_ARTICLES},
		{"index", no_argument, NULL, OPT_INDEX},
		{NULL, 0, NULL, 0}};
	struct main_opts o = {0};
	long articles = 0;
	int index_now = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (main_common(&o, c, optarg))
			continue;
		if (c == OPT_ARTICLES) {
			char *end;
			errno = 0;
			articles = strtol(optarg, &end, 10);
			if (errno || *end || articles < 1 || articles > 10000000) {
				fprintf(stderr, "gazette demo: --articles: expected "
						"a number from 1 to 10000000\n");
				main_opts_free(&o);
				return 2;
			}
		} else if (c == OPT_INDEX) {
			index_now = 1;
		} else if (c == OPT_HELP) {
			printf("usage: gazette demo [--data DIR] [--articles N "
			       "[--index]]\n\n"
			       "Fill the site with the sample content (English and "
			       "Russian).\nWith --articles N, add N synthetic articles "
			       "per edition instead\n(for benchmarks). They are "
			       "served at once; the search index takes\nthem in the "
			       "background of `gazette serve`, or now with --index\n"
			       "(the same as `gazette reindex --pending` "
			       "afterwards).\n\n%s",
			       main_common_help);
			return 0;
		} else {
			main_opts_free(&o);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "gazette demo: unexpected argument '%s'\n",
			argv[optind]);
		main_opts_free(&o);
		return 2;
	}
	if (index_now && !articles) {
		fprintf(stderr, "gazette demo: --index goes with --articles\n");
		main_opts_free(&o);
		return 2;
	}
	main_config(&o);
	main_site_open(0);
	struct err e = {0};
	int rc;
	int tty = isatty(STDERR_FILENO);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (articles)
		rc = demo_generate(app->store, articles, tty, &e);
	else
		rc = demo_load(app->store, (int64_t)time(NULL), &e);
	if (rc) {
		fprintf(stderr, "gazette demo: %s\n", e.msg);
	} else if (articles) {
		printf("added %ld synthetic articles per edition in %.1f s\n",
		       articles, main_seconds_since(&t0));
		if (index_now) {
			size_t n;
			clock_gettime(CLOCK_MONOTONIC, &t0);
			rc = main_catch_up(tty, &n, &e);
			if (rc)
				fprintf(stderr, "gazette demo: %s\n", e.msg);
			else
				printf("search: %zu articles indexed in %.1f s\n",
				       n, main_seconds_since(&t0));
		} else {
			printf("search: `gazette serve` indexes them in the "
			       "background (or run `gazette reindex "
			       "--pending`)\n");
		}
	} else {
		printf("demo content loaded into %s\n", app->cfg->data_dir);
	}
	main_site_close();
	return rc ? 1 : 0;
}

/* ---- gazette reindex -------------------------------------------------- */

/* Progress of store_search_reindex on a terminal: one line per edition,
 * rewritten in place. */
static void main_reindex_progress(const char *edition, const char *phase,
				  size_t done, size_t total, void *ctx)
{
	if (!*(int *)ctx)
		return;
	if (!strcmp(phase, "index"))
		fprintf(stderr, "\r\033[K  %s: indexed %zu / %zu articles (%zu%%)",
			edition, done, total, total ? done * 100 / total : 100);
	else if (!strcmp(phase, "merge"))
		fprintf(stderr, "\r\033[K  %s: merging the index, step %zu",
			edition, done);
	else
		fprintf(stderr, "\r\033[K  %s: %zu articles, index swapped in\n",
			edition, done);
	fflush(stderr);
}

static int cmd_reindex(int argc, char **argv)
{
	static const struct option lo[] = {
		MAIN_COMMON_LONGOPTS,
		{"pending", no_argument, NULL, OPT_PENDING},
		{NULL, 0, NULL, 0}};
	struct main_opts o = {0};
	int pending = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (main_common(&o, c, optarg))
			continue;
		if (c == OPT_PENDING) {
			pending = 1;
		} else if (c == OPT_HELP) {
			printf("usage: gazette reindex [--data DIR] [EDITION]\n"
			       "       gazette reindex [--data DIR] --pending\n\n"
			       "Rebuild the full-text search index of every "
			       "edition (or of EDITION).\nThe site may keep "
			       "serving meanwhile: searches use the old index "
			       "until\nthe new one is complete.\n\n"
			       "With --pending, only index the articles that "
			       "bulk loads (gazette demo\n--articles) left for "
			       "later, now instead of in the background of\n"
			       "`gazette serve`.\n\n%s",
			       main_common_help);
			return 0;
		} else {
			main_opts_free(&o);
			return 2;
		}
	}
	if (optind + 1 < argc || (pending && optind < argc)) {
		fprintf(stderr, "gazette reindex: unexpected argument '%s'\n",
			argv[argc - 1]);
		main_opts_free(&o);
		return 2;
	}
	const char *edition = optind < argc ? argv[optind] : NULL;
	main_config(&o);
	main_site_open(0);
	int tty = isatty(STDERR_FILENO);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct err e = {0};
	size_t n = 0;
	int rc = pending ? main_catch_up(tty, &n, &e) :
			   store_search_reindex(app->store, edition, 0,
						main_reindex_progress, &tty,
						&e);
	if (rc && tty && !pending)
		fputc('\n', stderr);
	if (rc)
		fprintf(stderr, "gazette reindex: %s\n", e.msg);
	else if (pending)
		printf("search: %zu pending articles indexed in %.1f s\n", n,
		       main_seconds_since(&t0));
	else
		printf("search index rebuilt in %.1f s\n",
		       main_seconds_since(&t0));
	main_site_close();
	return rc ? 1 : 0;
}

/* ---- gazette media ---------------------------------------------------- */

/* Give every image of the library the crops it lacks (uploads from before
 * a crop existed). One line per image changed or failed; failures do not
 * stop the others. */
static int main_media_crops(int *failed)
{
	char *mdir = config_data_path(app->cfg, "media");
	/* a: a page of the library; ia: one image (its original can be
	 * tens of MB: never more than one at a time) */
	struct arena *a = arena_new(0), *ia = arena_new(0);
	size_t offset = 0, total = 0, done = 0, seen = 0;
	int rc = 0;
	*failed = 0;
	do {
		struct store_media_filter f = {.limit = 100, .offset = offset};
		struct store_media *list;
		size_t n;
		struct err e = {0};
		arena_reset(a);
		rc = store_media_list(app->store, a, &f, &list, &n, &total, &e);
		if (rc) {
			fprintf(stderr, "gazette media crops: %s\n", e.msg);
			break;
		}
		for (size_t i = 0; i < n; i++, seen++) {
			struct store_media_variant *v;
			size_t nv, added = 0;
			arena_reset(ia);
			media_lock();
			int r = media_crops_add(ia, mdir, &list[i], &v, &nv, &e);
			if (r == 0 && nv)
				r = store_media_variants_add(app->store,
							     list[i].id, v, nv,
							     &added, &e);
			if (r && nv) { /* the store refused: files go too */
				struct store_media gone = list[i];
				gone.path = NULL;
				gone.variants = v;
				gone.n_variants = nv;
				media_files_remove(mdir, &gone);
			}
			media_unlock();
			if (r) {
				fprintf(stderr, "  media %lld (%s): %s\n",
					(long long)list[i].id, list[i].path,
					e.msg);
				(*failed)++;
			} else if (added) {
				printf("  media %lld: %zu crop%s added\n",
				       (long long)list[i].id, added,
				       added == 1 ? "" : "s");
				done++;
			}
		}
		offset += n;
		if (n == 0)
			break;
	} while (offset < total);
	if (rc == 0)
		printf("crops added to %zu of %zu images\n", done, seen);
	arena_free(ia);
	arena_free(a);
	free(mdir);
	return rc;
}

static int cmd_media(int argc, char **argv)
{
	static const struct option lo[] = {MAIN_COMMON_LONGOPTS,
					   {NULL, 0, NULL, 0}};
	struct main_opts o = {0};
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (main_common(&o, c, optarg))
			continue;
		if (c == OPT_HELP) {
			printf("usage: gazette media crops [--data DIR]\n\n"
			       "Make the 16:9, 4:3 and 1:1 crops (for search "
			       "engines and social\nnetworks) of every image "
			       "uploaded before they existed. Images that\n"
			       "have them are left alone; the site may keep "
			       "serving.\n\n%s",
			       main_common_help);
			return 0;
		}
		main_opts_free(&o);
		return 2;
	}
	if (optind + 1 != argc || strcmp(argv[optind], "crops") != 0) {
		fprintf(stderr, "gazette media: expected crops (see gazette "
				"media --help)\n");
		main_opts_free(&o);
		return 2;
	}
	main_config(&o);
	main_site_open(0);
	struct err e = {0};
	int failed = 0;
	int rc = media_init("gazette", &e);
	if (rc == 0)
		rc = main_media_crops(&failed);
	else
		fprintf(stderr, "gazette media: %s\n", e.msg);
	media_shutdown();
	main_site_close();
	return rc || failed ? 1 : 0;
}

/* ---- gazette user ----------------------------------------------------- */

static void cmd_user_help(void)
{
	printf("usage: gazette user add LOGIN [--role ROLE] [--password PW|-] "
	       "[--name NAME] [--email EMAIL]\n"
	       "       gazette user passwd LOGIN [--password PW|-]\n"
	       "       gazette user list\n\n"
	       "Manage newsroom accounts. Roles: contributor, author, editor, "
	       "admin\n(default contributor). Without --password a random one "
	       "is printed once;\n'-' reads it from stdin.\n\n%s",
	       main_common_help);
}

static int cmd_user(int argc, char **argv)
{
	static const struct option lo[] = {
		MAIN_COMMON_LONGOPTS,
		{"role", required_argument, NULL, OPT_ROLE},
		{"password", required_argument, NULL, OPT_PASSWORD},
		{"name", required_argument, NULL, OPT_NAME},
		{"email", required_argument, NULL, OPT_EMAIL},
		{NULL, 0, NULL, 0}};
	struct main_opts o = {0};
	const char *role = "contributor", *password = NULL, *name = NULL,
		   *email = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (main_common(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_ROLE: role = optarg; break;
		case OPT_PASSWORD: password = optarg; break;
		case OPT_NAME: name = optarg; break;
		case OPT_EMAIL: email = optarg; break;
		case OPT_HELP: cmd_user_help(); return 0;
		default: main_opts_free(&o); return 2;
		}
	}
	const char *sub = optind < argc ? argv[optind] : NULL;
	const char *login = optind + 1 < argc ? argv[optind + 1] : NULL;
	int want_login = sub && strcmp(sub, "list");
	if (!sub || (strcmp(sub, "add") && strcmp(sub, "passwd") &&
		     strcmp(sub, "list"))) {
		fprintf(stderr, "gazette user: expected add, passwd or list "
				"(see gazette user --help)\n");
		main_opts_free(&o);
		return 2;
	}
	if ((want_login && !login) || optind + 1 + want_login < argc) {
		fprintf(stderr, "gazette user %s: %s\n", sub,
			want_login && !login ? "LOGIN is missing"
					     : "too many arguments");
		main_opts_free(&o);
		return 2;
	}
	main_config(&o);
	main_site_open(0);
	struct arena *a = arena_new(0);
	struct err e = {0};
	int rc = 0;
	if (!strcmp(sub, "add")) {
		rc = main_user_create(login, role, password, name, email);
	} else if (!strcmp(sub, "passwd")) {
		struct store_user u;
		if (store_user_by_login(app->store, a, login, &u, &e) != 0) {
			fprintf(stderr, "gazette user passwd: %s\n", e.msg);
			rc = 1;
		} else {
			char pw[NEWSROOM_PASSWORD_MAX + 2];
			int generated;
			const char *p = main_password(password, pw, sizeof pw,
						      &generated);
			char hash[NEWSROOM_HASH_MAX];
			if (newsroom_password_hash(p, hash, &e) != 0 ||
			    (u.password_hash = hash,
			     store_user_update(app->store, &u, &e) != 0)) {
				fprintf(stderr, "gazette user passwd: %s\n", e.msg);
				rc = e.code == ERR_INVALID ? 2 : 1;
			} else {
				/* A new password ends every session of the
				 * user: whoever knew the old one is out. */
				size_t ended = 0;
				if (store_session_delete_user(app->store, u.id,
							      NULL, &ended,
							      &e) != 0) {
					fprintf(stderr,
						"gazette user passwd: %s\n",
						e.msg);
					rc = 1;
				}
				store_audit_add(app->store, 0, "user.passwd",
						"user", u.id,
						"password set from the command line",
						&e);
				printf("password of %s changed", login);
				if (ended)
					printf("; %zu sessions ended", ended);
				printf("\n");
				if (generated)
					printf("new password for %s: %s\n", login,
					       pw);
			}
		}
	} else {
		struct store_user *us;
		size_t n;
		if (store_user_list(app->store, a, &us, &n, &e) != 0) {
			fprintf(stderr, "gazette user list: %s\n", e.msg);
			rc = 1;
		} else {
			printf("%-20s %-12s %-8s %s\n", "LOGIN", "ROLE", "STATE",
			       "NAME");
			for (size_t i = 0; i < n; i++)
				printf("%-20s %-12s %-8s %s\n", us[i].login,
				       store_role_name(us[i].role),
				       us[i].disabled ? "disabled" : "active",
				       us[i].display_name);
		}
	}
	arena_free(a);
	main_site_close();
	return rc;
}

/* ---- dispatch --------------------------------------------------------- */

static const struct main_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} main_cmds[] = {
	{"init", cmd_init, "create a site: database and first admin"},
	{"serve", cmd_serve, "run the web server"},
	{"demo", cmd_demo, "fill the site with sample content"},
	{"user", cmd_user, "add users, set passwords, list users"},
	{"reindex", cmd_reindex, "rebuild the search index (site may serve)"},
	{"media", cmd_media, "make missing crops of older images"},
};

static void main_usage(FILE *f)
{
	fprintf(f, "usage: gazette COMMAND [OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof main_cmds / sizeof main_cmds[0]; i++)
		fprintf(f, "  %-8s %s\n", main_cmds[i].name, main_cmds[i].summary);
	fprintf(f, "\n'gazette COMMAND --help' tells more; 'gazette --version' "
		   "prints the version.\n");
}

int main(int argc, char **argv)
{
	struct app the_app = {0};
	app = &the_app;
	struct err e = {0};
	if (argc < 2) {
		main_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("gazette %s\n", GAZETTE_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help") ||
	    !strcmp(argv[1], "-h")) {
		main_usage(stdout);
		return 0;
	}
	if (newsroom_crypto_init(&e) != 0) {
		fprintf(stderr, "gazette: %s\n", e.msg);
		return 1;
	}
	for (size_t i = 0; i < sizeof main_cmds / sizeof main_cmds[0]; i++)
		if (!strcmp(argv[1], main_cmds[i].name))
			return main_cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "gazette: unknown command '%s'\n\n", argv[1]);
	main_usage(stderr);
	return 2;
}
