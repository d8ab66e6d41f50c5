/*
 * config.h - gazette.ini: every setting, its default and its check.
 *
 * Settings come from built-in defaults, then the INI file (if any), then
 * command-line overrides ("section.key=value"), in that order. Every
 * setting is documented in gazette.example.ini; an unknown section or key,
 * or a value that does not parse, stops start-up with the file, the line
 * and the reason. Not for site settings that editors change at run time
 * (those live in the store).
 */
#ifndef GAZETTE_CONFIG_H
#define GAZETTE_CONFIG_H

#include <stddef.h>

#include "util/err.h"

#define CONFIG_MAX_EDITIONS 8

struct config_edition {
	char code[8];    /* "en": 2-7 chars [a-z-] */
	char prefix[32]; /* URL prefix: "" for the root or "/ru" */
	char name[64];   /* "English" */
};

struct config {
	/* [site] */
	char *data_dir;   /* database, media and state; default "./data" */
	char *theme_dir;  /* overrides files of the embedded theme; "" none */
	char *base_url;   /* canonical scheme://host[:port] without slash */
	char *time_zone;  /* IANA zone used when settings name none */
	/* [http] */
	char *listen;                   /* address to bind */
	int port;                       /* 0 picks a free port */
	int threads;                    /* thread pool size; 0 = CPU count */
	int connection_limit;           /* MHD_OPTION_CONNECTION_LIMIT */
	int connection_timeout;         /* seconds idle before close */
	int per_ip_connection_limit;    /* MHD_OPTION_PER_IP_CONNECTION_LIMIT */
	size_t connection_memory_limit; /* MHD_OPTION_CONNECTION_MEMORY_LIMIT */
	size_t max_header_bytes;        /* request headers over this: 431 */
	size_t max_body_bytes;          /* request body over this: 413 */
	size_t max_upload_bytes;        /* media upload body limit */
	int access_log;                 /* 1: one line per request */
	int shutdown_grace;             /* seconds to finish in-flight work */
	/* [log] */
	char *log_level; /* debug, info, warn, error */
	/* [cache] */
	int cache_enabled;  /* 1: page cache of reader pages and feeds */
	size_t cache_size;  /* bytes the page cache may hold */
	int cache_ttl;      /* seconds a cached page is served at most */
	/* [live] */
	int live_heartbeat; /* seconds before a quiet SSE stream gets a ping */
	int live_ring;      /* recent messages kept per live channel */
	/* [editions] */
	struct config_edition editions[CONFIG_MAX_EDITIONS];
	int n_editions;
	char default_edition[8]; /* code of the edition at "/" */
	/* derived */
	char *path;      /* file read, "" when none; for messages */
};

/* Defaults only. Caller frees with config_free. */
struct config *config_new(void);
void config_free(struct config *c);

/* Read `path` into c. ERR_IO when unreadable, ERR_INVALID with
 * "path:line: reason" for a bad section, key or value. */
int config_load(struct config *c, const char *path, struct err *e);

/* Apply one "section.key=value" override (from --set or a CLI flag). */
int config_override(struct config *c, const char *assignment, struct err *e);

/* Cross-field checks after everything is read (editions, prefixes,
 * default edition, limits). ERR_INVALID with the reason. */
int config_validate(struct config *c, struct err *e);

/* Edition by code, NULL when not configured. */
const struct config_edition *config_edition_find(const struct config *c,
						  const char *code);

/* Path of a file in the data folder: "<data_dir>/<name>". Caller frees. */
char *config_data_path(const struct config *c, const char *name);

#endif
