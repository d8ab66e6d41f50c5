/*
 * config.c - settings table, INI parsing (inih) and overrides.
 *
 * One table lists every scalar setting with its type, bounds and default,
 * so that the parser, the override flag and the checks cannot disagree.
 * Editions are the one structured setting and get their own handler.
 */
#include "config.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum config_type { CONFIG_STR, CONFIG_INT, CONFIG_SIZE, CONFIG_BOOL };

struct config_def {
	const char *section;
	const char *key;
	enum config_type type;
	size_t offset;
	const char *def;
	long long min, max; /* bounds for numbers */
};

#define CFG(sec, key, type, field, def, lo, hi)                               \
	{sec, key, type, offsetof(struct config, field), def, lo, hi}

static const struct config_def config_defs[] = {
	CFG("site", "data_dir", CONFIG_STR, data_dir, "./data", 0, 0),
	CFG("site", "theme_dir", CONFIG_STR, theme_dir, "", 0, 0),
	CFG("site", "base_url", CONFIG_STR, base_url, "", 0, 0),
	CFG("site", "time_zone", CONFIG_STR, time_zone, "Europe/Berlin", 0, 0),
	CFG("http", "listen", CONFIG_STR, listen, "127.0.0.1", 0, 0),
	CFG("http", "port", CONFIG_INT, port, "8080", 0, 65535),
	CFG("http", "threads", CONFIG_INT, threads, "0", 0, 256),
	CFG("http", "connection_limit", CONFIG_INT, connection_limit, "20000",
	    16, 1000000),
	CFG("http", "connection_timeout", CONFIG_INT, connection_timeout, "30",
	    1, 3600),
	CFG("http", "per_ip_connection_limit", CONFIG_INT,
	    per_ip_connection_limit, "0", 0, 1000000),
	CFG("http", "connection_memory_limit", CONFIG_SIZE,
	    connection_memory_limit, "24576", 8192, 16777216),
	CFG("http", "max_header_bytes", CONFIG_SIZE, max_header_bytes, "16384",
	    1024, 1048576),
	CFG("http", "max_body_bytes", CONFIG_SIZE, max_body_bytes, "2097152",
	    1024, 1073741824),
	CFG("http", "max_upload_bytes", CONFIG_SIZE, max_upload_bytes,
	    "20971520", 1024, 1073741824),
	CFG("http", "access_log", CONFIG_BOOL, access_log, "on", 0, 1),
	CFG("http", "shutdown_grace", CONFIG_INT, shutdown_grace, "10", 0, 600),
	CFG("log", "level", CONFIG_STR, log_level, "info", 0, 0),
	CFG("cache", "enabled", CONFIG_BOOL, cache_enabled, "on", 0, 1),
	CFG("cache", "size", CONFIG_SIZE, cache_size, "64m", 65536,
	    68719476736LL),
	CFG("cache", "ttl", CONFIG_INT, cache_ttl, "60", 1, 86400),
	CFG("live", "heartbeat", CONFIG_INT, live_heartbeat, "15", 1, 300),
	CFG("live", "ring", CONFIG_INT, live_ring, "256", 16, 65536),
};

#define CONFIG_NDEFS (sizeof config_defs / sizeof config_defs[0])

/* Parse `value` for def into c; reason written to why on failure. */
static int config_set_one(struct config *c, const struct config_def *d,
			  const char *value, char *why, size_t whylen)
{
	char *field = (char *)c + d->offset;
	switch (d->type) {
	case CONFIG_STR: {
		char **s = (char **)(void *)field;
		free(*s);
		*s = xstrdup(value);
		return 0;
	}
	case CONFIG_BOOL: {
		int v;
		if (!strcasecmp(value, "on") || !strcasecmp(value, "yes") ||
		    !strcasecmp(value, "true") || !strcmp(value, "1"))
			v = 1;
		else if (!strcasecmp(value, "off") || !strcasecmp(value, "no") ||
			 !strcasecmp(value, "false") || !strcmp(value, "0"))
			v = 0;
		else {
			snprintf(why, whylen, "%s.%s: '%s' is not on/off",
				 d->section, d->key, value);
			return -1;
		}
		*(int *)(void *)field = v;
		return 0;
	}
	case CONFIG_INT:
	case CONFIG_SIZE: {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		long long mult = 1;
		if (d->type == CONFIG_SIZE && end != value) {
			if (*end == 'k' || *end == 'K')
				mult = 1024, end++;
			else if (*end == 'm' || *end == 'M')
				mult = 1024 * 1024, end++;
			else if (*end == 'g' || *end == 'G')
				mult = 1024LL * 1024 * 1024, end++;
		}
		if (errno || end == value || *end != '\0') {
			snprintf(why, whylen, "%s.%s: '%s' is not a number%s",
				 d->section, d->key, value,
				 d->type == CONFIG_SIZE ? " (suffix k, m or g allowed)"
							: "");
			return -1;
		}
		if (v > LLONG_MAX / mult || v * mult < d->min ||
		    v * mult > d->max) {
			snprintf(why, whylen, "%s.%s: %s is out of range %lld..%lld",
				 d->section, d->key, value, d->min, d->max);
			return -1;
		}
		v *= mult;
		if (d->type == CONFIG_INT)
			*(int *)(void *)field = (int)v;
		else
			*(size_t *)(void *)field = (size_t)v;
		return 0;
	}
	}
	return -1;
}

static struct config_edition *config_edition_get(struct config *c,
						 const char *code)
{
	for (int i = 0; i < c->n_editions; i++)
		if (!strcmp(c->editions[i].code, code))
			return &c->editions[i];
	return NULL;
}

static int config_code_valid(const char *code)
{
	size_t n = strlen(code);
	if (n < 2 || n > 7)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((code[i] >= 'a' && code[i] <= 'z') || code[i] == '-'))
			return 0;
	return 1;
}

/* [editions] list = en ru / default = en / prefix.ru = /ru / name.ru = ... */
static int config_set_edition(struct config *c, const char *key,
			      const char *value, char *why, size_t whylen)
{
	if (!strcmp(key, "list")) {
		char tmp[256];
		snprintf(tmp, sizeof tmp, "%s", value);
		c->n_editions = 0;
		for (char *save, *t = strtok_r(tmp, " ,", &save); t;
		     t = strtok_r(NULL, " ,", &save)) {
			if (!config_code_valid(t)) {
				snprintf(why, whylen,
					 "editions.list: '%s' is not an edition code "
					 "(2-7 letters a-z)", t);
				return -1;
			}
			if (c->n_editions == CONFIG_MAX_EDITIONS) {
				snprintf(why, whylen,
					 "editions.list: more than %d editions",
					 CONFIG_MAX_EDITIONS);
				return -1;
			}
			if (config_edition_get(c, t)) {
				snprintf(why, whylen,
					 "editions.list: '%s' listed twice", t);
				return -1;
			}
			struct config_edition *ed = &c->editions[c->n_editions++];
			memset(ed, 0, sizeof *ed);
			snprintf(ed->code, sizeof ed->code, "%s", t);
			snprintf(ed->prefix, sizeof ed->prefix, "/%s", t);
			snprintf(ed->name, sizeof ed->name, "%s", t);
		}
		if (c->n_editions == 0) {
			snprintf(why, whylen, "editions.list: empty");
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "default")) {
		if (!config_code_valid(value)) {
			snprintf(why, whylen, "editions.default: '%s' is not an "
					      "edition code", value);
			return -1;
		}
		snprintf(c->default_edition, sizeof c->default_edition, "%s",
			 value);
		return 0;
	}
	const char *dot = strchr(key, '.');
	if (dot && (!strncmp(key, "prefix.", 7) || !strncmp(key, "name.", 5))) {
		struct config_edition *ed = config_edition_get(c, dot + 1);
		if (!ed) {
			snprintf(why, whylen,
				 "editions.%s: '%s' is not in editions.list "
				 "(set list first)", key, dot + 1);
			return -1;
		}
		if (key[0] == 'n') {
			snprintf(ed->name, sizeof ed->name, "%s", value);
			return 0;
		}
		size_t n = strlen(value);
		int ok = n < sizeof ed->prefix &&
			 (n == 0 || !strcmp(value, "/") ||
			  (value[0] == '/' && value[n - 1] != '/'));
		for (size_t i = 1; ok && i < n; i++)
			ok = (value[i] >= 'a' && value[i] <= 'z') ||
			     (value[i] >= '0' && value[i] <= '9') ||
			     value[i] == '-';
		if (!ok) {
			snprintf(why, whylen,
				 "editions.%s: '%s' must be empty, \"/\" or like "
				 "\"/ru\" (a-z, 0-9, -)", key, value);
			return -1;
		}
		snprintf(ed->prefix, sizeof ed->prefix, "%s",
			 strcmp(value, "/") ? value : "");
		return 0;
	}
	snprintf(why, whylen, "editions.%s: unknown setting", key);
	return -1;
}

static int config_set(struct config *c, const char *section, const char *key,
		      const char *value, char *why, size_t whylen)
{
	if (!strcmp(section, "editions"))
		return config_set_edition(c, key, value, why, whylen);
	int known_section = 0;
	for (size_t i = 0; i < CONFIG_NDEFS; i++) {
		if (strcmp(config_defs[i].section, section))
			continue;
		known_section = 1;
		if (!strcmp(config_defs[i].key, key))
			return config_set_one(c, &config_defs[i], value, why,
					      whylen);
	}
	if (!known_section)
		snprintf(why, whylen, "unknown section [%s]", section);
	else
		snprintf(why, whylen, "unknown setting %s.%s", section, key);
	return -1;
}

struct config *config_new(void)
{
	struct config *c = xcalloc(1, sizeof *c);
	char why[256];
	for (size_t i = 0; i < CONFIG_NDEFS; i++)
		if (config_set_one(c, &config_defs[i], config_defs[i].def, why,
				   sizeof why) != 0) {
			fprintf(stderr, "gazette: bad built-in default: %s\n", why);
			abort();
		}
	c->n_editions = 2;
	snprintf(c->editions[0].code, sizeof c->editions[0].code, "en");
	snprintf(c->editions[0].name, sizeof c->editions[0].name, "English");
	snprintf(c->editions[1].code, sizeof c->editions[1].code, "ru");
	snprintf(c->editions[1].prefix, sizeof c->editions[1].prefix, "/ru");
	snprintf(c->editions[1].name, sizeof c->editions[1].name, "Русский");
	snprintf(c->default_edition, sizeof c->default_edition, "en");
	c->path = xstrdup("");
	return c;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CONFIG_NDEFS; i++)
		if (config_defs[i].type == CONFIG_STR)
			free(*(char **)(void *)((char *)c + config_defs[i].offset));
	free(c->path);
	free(c);
}

struct config_parse_ctx {
	struct config *c;
	char why[300];
};

static int config_ini_handler(void *user, const char *section,
			      const char *key, const char *value)
{
	struct config_parse_ctx *ctx = user;
	if (!key) /* a section line alone */
		return 1;
	if (!*section) {
		snprintf(ctx->why, sizeof ctx->why,
			 "setting '%s' outside a [section]", key);
		return 0;
	}
	return config_set(ctx->c, section, key, value, ctx->why,
			  sizeof ctx->why) == 0;
}

int config_load(struct config *c, const char *path, struct err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	struct config_parse_ctx ctx = {.c = c};
	int line = ini_parse_file(f, config_ini_handler, &ctx);
	fclose(f);
	free(c->path);
	c->path = xstrdup(path);
	if (line > 0)
		return err_set(e, ERR_INVALID, "%s:%d: %s", path, line,
			       ctx.why[0] ? ctx.why : "syntax error");
	if (line < 0)
		return err_set(e, ERR_IO, "%s: cannot read", path);
	return 0;
}

int config_override(struct config *c, const char *assignment, struct err *e)
{
	char why[300];
	const char *eq = strchr(assignment, '=');
	const char *dot = strchr(assignment, '.');
	if (!eq || !dot || dot > eq)
		return err_set(e, ERR_INVALID,
			       "--set %s: expected section.key=value",
			       assignment);
	char section[64], key[64];
	size_t ls = (size_t)(dot - assignment), lk = (size_t)(eq - dot - 1);
	if (ls == 0 || ls >= sizeof section || lk == 0 || lk >= sizeof key)
		return err_set(e, ERR_INVALID,
			       "--set %s: expected section.key=value",
			       assignment);
	memcpy(section, assignment, ls);
	section[ls] = '\0';
	memcpy(key, dot + 1, lk);
	key[lk] = '\0';
	if (config_set(c, section, key, eq + 1, why, sizeof why) != 0)
		return err_set(e, ERR_INVALID, "command line: %s", why);
	return 0;
}

int config_validate(struct config *c, struct err *e)
{
	const char *where = c->path[0] ? c->path : "configuration";
	if (!config_edition_get(c, c->default_edition))
		return err_set(e, ERR_INVALID,
			       "%s: editions.default '%s' is not in editions.list",
			       where, c->default_edition);
	for (int i = 0; i < c->n_editions; i++)
		for (int j = i + 1; j < c->n_editions; j++)
			if (!strcmp(c->editions[i].prefix, c->editions[j].prefix))
				return err_set(e, ERR_INVALID,
					       "%s: editions %s and %s share the "
					       "prefix '%s'", where,
					       c->editions[i].code,
					       c->editions[j].code,
					       c->editions[i].prefix);
	int root = 0;
	for (int i = 0; i < c->n_editions; i++)
		root += c->editions[i].prefix[0] == '\0';
	if (!root)
		return err_set(e, ERR_INVALID,
			       "%s: one edition needs the empty prefix (the site "
			       "root)", where);
	static const char *const levels[] = {"debug", "info", "warn", "error"};
	int ok = 0;
	for (size_t i = 0; i < 4; i++)
		ok |= !strcmp(c->log_level, levels[i]);
	if (!ok)
		return err_set(e, ERR_INVALID,
			       "%s: log.level '%s' is not debug, info, warn or "
			       "error", where, c->log_level);
	if (!c->data_dir[0])
		return err_set(e, ERR_INVALID, "%s: site.data_dir is empty",
			       where);
	size_t n = strlen(c->base_url);
	if (n && ((strncmp(c->base_url, "http://", 7) &&
		   strncmp(c->base_url, "https://", 8)) ||
		  c->base_url[n - 1] == '/'))
		return err_set(e, ERR_INVALID,
			       "%s: site.base_url '%s' must look like "
			       "https://example.org (no trailing slash)",
			       where, c->base_url);
	if (c->max_header_bytes + 4096 > c->connection_memory_limit)
		c->connection_memory_limit = c->max_header_bytes + 4096;
	return 0;
}

const struct config_edition *config_edition_find(const struct config *c,
						  const char *code)
{
	for (int i = 0; i < c->n_editions; i++)
		if (!strcmp(c->editions[i].code, code))
			return &c->editions[i];
	return NULL;
}

char *config_data_path(const struct config *c, const char *name)
{
	size_t n = strlen(c->data_dir) + strlen(name) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", c->data_dir, name);
	return p;
}
