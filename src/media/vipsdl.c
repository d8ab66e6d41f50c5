/*
 * vipsdl.c - libvips on demand (see vipsdl.h): dlopen, dlsym of every
 * function src/media uses, vips_init and its settings, once per process
 * under pthread_once.
 *
 * Why: linked, libvips and its dependencies cost every start of the
 * program (gazette --version, a reader-only server) some 150 ms of
 * dynamic linking and ~28 MB of mapped libraries, for uploads that a
 * reader-facing server may never see.
 *
 * The table, the once-control and the failure reason are the mutable
 * globals here: written once inside pthread_once, read-only after (the
 * style guide's exception for `app` does not reach src/media, and every
 * caller must share one library handle). Not for image work
 * (variants.c).
 */
#include "media/vipsdl.h"

#include "media/media.h"
#include "util/log.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct media_vips media_vips_fn;

static pthread_once_t vipsdl_once = PTHREAD_ONCE_INIT;
static int vipsdl_ok;            /* 1 once libvips is started */
static char vipsdl_reason[512];  /* why it is not, when it is not */
static const char *vipsdl_argv0; /* from media_init, before threads */

/* The loaders an upload may reach; every other one is blocked. */
static const char *const vipsdl_loaders[] = {
	"VipsForeignLoadJpeg",
	"VipsForeignLoadPng",
	"VipsForeignLoadWebp",
	"VipsForeignLoadNsgif",
};

/* libvips' warnings ("error in tile ...", after a refused upload that
 * was already reported) go to the debug log, not to stderr. */
static void vipsdl_log(const gchar *domain, GLogLevelFlags level,
		       const gchar *message, gpointer user)
{
	(void)level;
	(void)user;
	log_debug("%s: %s", domain ? domain : "vips", message);
}

static void vipsdl_fail(const char *what, const char *why)
{
	snprintf(vipsdl_reason, sizeof vipsdl_reason, "%s%s%s", what,
		 why && *why ? ": " : "", why ? why : "");
}

static void vipsdl_load_once(void)
{
	/* The ABI the headers describe, as VIPS_INIT checks it: the
	 * soname's number is current - age (42 for libvips 8.x). */
	char soname[32];
	int abi = VIPS_LIBRARY_CURRENT - VIPS_LIBRARY_AGE;
	snprintf(soname, sizeof soname, "libvips.so.%d", abi);
	/* a libvips of one's own (another prefix, a test of the failure) */
	const char *lib = getenv("GAZETTE_LIBVIPS");
	if (!lib || !*lib)
		lib = soname;
	/* RTLD_NODELETE: glib cannot be unloaded; the handle lives as long
	 * as the process */
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h) {
		const char *why = dlerror();
		vipsdl_fail(why ? why : lib, why ? NULL : "cannot be opened");
		return;
	}
	struct media_vips t;
	memset(&t, 0, sizeof t);
	const char *missing = NULL;
	(void)dlerror();
#define VIPSDL_SYM(name)                                                       \
	if (!missing) {                                                        \
		*(void **)&t.name = dlsym(h, #name);                           \
		if (!t.name)                                                   \
			missing = #name;                                       \
	}
	MEDIA_VIPS_FUNCTIONS(VIPSDL_SYM)
#undef VIPSDL_SYM
	if (missing) {
		char what[160];
		snprintf(what, sizeof what, "%s: no symbol %s", lib, missing);
		vipsdl_fail(what, NULL);
		return;
	}
	int have = t.vips_version(3) - t.vips_version(5);
	if (have != abi) {
		char what[160];
		snprintf(what, sizeof what,
			 "%s has ABI version %d, gazette was built for %d", lib,
			 have, abi);
		vipsdl_fail(what, NULL);
		return;
	}
	if (t.vips_init(vipsdl_argv0 ? vipsdl_argv0 : "gazette") != 0) {
		vipsdl_fail("libvips: start", t.vips_error_buffer());
		t.vips_error_clear();
		return;
	}
	t.g_log_set_handler("VIPS",
			    G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE |
				    G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG,
			    vipsdl_log, NULL);
	t.vips_concurrency_set(1);
	t.vips_cache_set_max(0);
	t.vips_cache_set_max_mem(0);
	t.vips_cache_set_max_files(0);
	/* Block every loader, then allow ours (and their subclasses). */
	t.vips_operation_block_set("VipsForeignLoad", TRUE);
	for (size_t i = 0; i < sizeof vipsdl_loaders / sizeof *vipsdl_loaders;
	     i++)
		t.vips_operation_block_set(vipsdl_loaders[i], FALSE);
	media_vips_fn = t;
	__atomic_store_n(&vipsdl_ok, 1, __ATOMIC_RELEASE);
	log_info("media: libvips %d.%d.%d loaded (%s)", t.vips_version(0),
		 t.vips_version(1), t.vips_version(2), lib);
}

int media_vips_load(struct err *e)
{
	pthread_once(&vipsdl_once, vipsdl_load_once);
	if (vipsdl_ok)
		return 0;
	return err_set(e, ERR_IO, "image processing is not available: %s",
		       vipsdl_reason);
}

int media_vips_loaded(void)
{
	/* without pthread_once: asking must not load it */
	return __atomic_load_n(&vipsdl_ok, __ATOMIC_ACQUIRE);
}

int media_init(const char *argv0, struct err *e)
{
	(void)e;
	vipsdl_argv0 = argv0;
	return 0;
}

void media_shutdown(void)
{
	if (vipsdl_ok)
		MEDIA_VIPS(vips_shutdown)();
}
