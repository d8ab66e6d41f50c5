/*
 * names.c - names of roles and statuses (backend-neutral).
 *
 * For: store_role_name/parse and store_status_name/parse, the words used
 * in forms, the JSON API and the CLI. Not for: storage (the databases keep
 * the enum numbers).
 */
#include "store/store.h"

#include <string.h>

static const char *const role_names[] = {
	"none", "contributor", "author", "editor", "admin",
};

const char *store_role_name(enum store_role r)
{
	if ((int)r < 0 || (size_t)r >= sizeof role_names / sizeof *role_names)
		return "none";
	return role_names[r];
}

enum store_role store_role_parse(const char *name)
{
	for (size_t i = 1; name && i < sizeof role_names / sizeof *role_names;
	     i++)
		if (strcmp(name, role_names[i]) == 0)
			return (enum store_role)i;
	return STORE_ROLE_NONE;
}

static const char *const status_names[] = {
	"draft", "review", "scheduled", "published", "unpublished",
};

const char *store_status_name(enum store_status st)
{
	if ((int)st < 0 ||
	    (size_t)st >= sizeof status_names / sizeof *status_names)
		return "unknown";
	return status_names[st];
}

int store_status_parse(const char *name)
{
	for (size_t i = 0;
	     name && i < sizeof status_names / sizeof *status_names; i++)
		if (strcmp(name, status_names[i]) == 0)
			return (int)i;
	return -1;
}
