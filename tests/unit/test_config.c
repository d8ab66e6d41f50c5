/*
 * test_config.c - defaults, the example file, overrides and every kind of
 * bad setting (each must name the file, the line and the reason).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/gazette-config-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults_valid(void **state)
{
	(void)state;
	struct config *c = config_new();
	struct err e = {0};
	assert_int_equal(config_validate(c, &e), 0);
	assert_int_equal(c->port, 8080);
	assert_int_equal(c->n_editions, 2);
	assert_string_equal(config_edition_find(c, "ru")->prefix, "/ru");
	assert_string_equal(config_edition_find(c, "en")->prefix, "");
	assert_null(config_edition_find(c, "de"));
	char *p = config_data_path(c, "gazette.db");
	assert_string_equal(p, "./data/gazette.db");
	free(p);
	config_free(c);
}

static void test_example_file_loads(void **state)
{
	(void)state;
	struct config *c = config_new();
	struct err e = {0};
	int rc = config_load(c, "gazette.example.ini", &e);
	if (rc)
		fail_msg("%s", e.msg);
	assert_int_equal(config_validate(c, &e), 0);
	assert_int_equal(c->connection_memory_limit, 24576);
	assert_int_equal(c->max_body_bytes, 2 * 1024 * 1024);
	assert_string_equal(config_edition_find(c, "ru")->name, "Русский");
	config_free(c);
}

static void expect_bad(const char *text, const char *needle, int line)
{
	char *path = write_tmp(text);
	struct config *c = config_new();
	struct err e = {0};
	int rc = config_load(c, path, &e);
	if (rc == 0)
		rc = config_validate(c, &e);
	assert_int_equal(rc, ERR_INVALID);
	char where[300];
	if (line)
		snprintf(where, sizeof where, "%s:%d: ", path, line);
	else
		snprintf(where, sizeof where, "%s: ", path);
	if (!strstr(e.msg, where) || !strstr(e.msg, needle))
		fail_msg("message '%s' lacks '%s' or '%s'", e.msg, where, needle);
	config_free(c);
	unlink(path);
	free(path);
}

static void test_bad_settings(void **state)
{
	(void)state;
	expect_bad("[http]\nport = 80x\n", "not a number", 2);
	expect_bad("[http]\n\nport = 70000\n", "out of range", 3);
	expect_bad("[http]\nbogus = 1\n", "unknown setting http.bogus", 2);
	expect_bad("[nope]\nx = 1\n", "unknown section [nope]", 2);
	expect_bad("port = 1\n", "outside a [section]", 1);
	expect_bad("[http]\naccess_log = maybe\n", "not on/off", 2);
	expect_bad("[http]\nthis line has no equals sign\n", "syntax error", 2);
	expect_bad("[editions]\nlist = en EN\n", "not an edition code", 2);
	expect_bad("[editions]\nprefix.de = /de\n", "not in editions.list", 2);
	expect_bad("[editions]\nprefix.ru = ru/\n", "must be empty", 2);
	expect_bad("[editions]\ndefault = de\n", "not in editions.list", 0);
	expect_bad("[editions]\nprefix.en = /en\n", "empty prefix", 0);
	expect_bad("[log]\nlevel = loud\n", "log.level", 0);
	expect_bad("[site]\nbase_url = example.org\n", "base_url", 0);
	expect_bad("[http]\nmax_body_bytes = 5q\n", "suffix k, m or g", 2);
}

static void test_missing_file(void **state)
{
	(void)state;
	struct config *c = config_new();
	struct err e = {0};
	assert_int_equal(config_load(c, "/nonexistent/gazette.ini", &e), ERR_IO);
	assert_non_null(strstr(e.msg, "/nonexistent/gazette.ini"));
	config_free(c);
}

static void test_overrides(void **state)
{
	(void)state;
	struct config *c = config_new();
	struct err e = {0};
	assert_int_equal(config_override(c, "http.port=9090", &e), 0);
	assert_int_equal(c->port, 9090);
	assert_int_equal(config_override(c, "site.data_dir=/tmp/x=y", &e), 0);
	assert_string_equal(c->data_dir, "/tmp/x=y");
	assert_int_equal(config_override(c, "http.max_body_bytes=1m", &e), 0);
	assert_int_equal(c->max_body_bytes, 1024 * 1024);
	assert_int_equal(config_override(c, "noequals", &e), ERR_INVALID);
	assert_int_equal(config_override(c, "http.port=abc", &e), ERR_INVALID);
	assert_non_null(strstr(e.msg, "command line"));
	assert_int_equal(config_override(c, "=1", &e), ERR_INVALID);
	config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_valid),
		cmocka_unit_test(test_example_file_loads),
		cmocka_unit_test(test_bad_settings),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_overrides),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
