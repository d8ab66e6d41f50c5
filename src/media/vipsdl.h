/*
 * vipsdl.h - libvips loaded at run time: the program does not link
 * libvips (nor glib, gobject, gio and the ~90 libraries they pull in);
 * the first image operation dlopen()s it and resolves, with dlsym, every
 * libvips and glib function src/media calls. Readers never pay for it:
 * a server that only serves pages never maps libvips at all.
 *
 * <vips/vips.h> is still included for the types, enums and constants.
 * Calls go through the table: MEDIA_VIPS(vips_jpegsave_buffer)(...),
 * never to the names themselves (they would be undefined at link time).
 * Beware of header macros that expand to calls (VIPS_INIT,
 * VIPS_OBJECT/VIPS_AREA casts that call *_get_type, vips_object_local):
 * use plain casts and the table instead.
 *
 * Private to src/media. Not for: what is done with the images
 * (variants.c).
 */
#ifndef GAZETTE_MEDIA_VIPSDL_H
#define GAZETTE_MEDIA_VIPSDL_H

#include "util/err.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wpedantic"
#include <vips/vips.h>
#pragma GCC diagnostic pop

/* Every function src/media calls, in libvips or in the glib libraries
 * libvips depends on (dlsym on libvips' handle finds those too). */
#define MEDIA_VIPS_FUNCTIONS(X)                                                \
	X(vips_version)                                                        \
	X(vips_init)                                                           \
	X(vips_shutdown)                                                       \
	X(vips_error_buffer)                                                   \
	X(vips_error_clear)                                                    \
	X(vips_concurrency_set)                                                \
	X(vips_cache_set_max)                                                  \
	X(vips_cache_set_max_mem)                                              \
	X(vips_cache_set_max_files)                                            \
	X(vips_operation_block_set)                                            \
	X(vips_jpegload_buffer)                                                \
	X(vips_pngload_buffer)                                                 \
	X(vips_webpload_buffer)                                                \
	X(vips_gifload_buffer)                                                 \
	X(vips_image_new)                                                      \
	X(vips_object_local_array)                                             \
	X(vips_image_guess_interpretation)                                     \
	X(vips_image_get_typeof)                                               \
	X(vips_image_get_fields)                                               \
	X(vips_image_remove)                                                   \
	X(vips_image_hasalpha)                                                 \
	X(vips_image_copy_memory)                                              \
	X(vips_icc_transform)                                                  \
	X(vips_colourspace)                                                    \
	X(vips_cast_uchar)                                                     \
	X(vips_autorot)                                                        \
	X(vips_thumbnail_image)                                                \
	X(vips_flatten)                                                        \
	X(vips_array_double_newv)                                              \
	X(vips_area_unref)                                                     \
	X(vips_webpsave_buffer)                                                \
	X(vips_jpegsave_buffer)                                                \
	X(g_log_set_handler)                                                   \
	X(g_strfreev)                                                          \
	X(g_free)                                                              \
	X(g_object_unref)

/* One pointer per function, typed as the header declares it. */
struct media_vips {
#define MEDIA_VIPS_MEMBER(name) __typeof__(name) *name;
	MEDIA_VIPS_FUNCTIONS(MEDIA_VIPS_MEMBER)
#undef MEDIA_VIPS_MEMBER
};

/* The table; filled by a successful media_vips_load, read-only after. */
extern struct media_vips media_vips_fn;

/* The function `name` from the table. The parentheses keep a header's
 * function-like macro of the same name (g_object_unref) from expanding. */
#define MEDIA_VIPS(name) (media_vips_fn.name)

/* media_vips_load (declared in media.h) fills the table. */

#endif
