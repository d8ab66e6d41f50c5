/*
 * date.h - dates for readers, feeds and markup, in the site's time zone.
 *
 * Turns Unix seconds into local wall-clock text for a language ("en",
 * "ru"; anything else is English) in an IANA time zone ("Asia/Baku").
 * Zones are read from the system's TZif files (Debian package tzdata,
 * /usr/share/zoneinfo, or $TZDIR) by our own parser: no setenv("TZ"),
 * no tzset(), no localtime_r with a global zone, so any number of threads
 * may format dates in different zones at once. Times after the last
 * transition in the file follow the file's POSIX TZ footer rule.
 *
 * Parsed zones are cached for the life of the process: at most 64 zones
 * and 64 unknown names, so a stream of bad names can neither grow memory
 * nor push out real zones (past the limit a zone is read per call). A
 * zone is built once under a lock and then only read.
 *
 * Not here: parsing dates from text (forms, the API), relative times
 * ("5 minutes ago"), calendars other than the proleptic Gregorian one.
 * Leap seconds in "right/" zones are ignored.
 */
#ifndef GAZETTE_RENDER_DATE_H
#define GAZETTE_RENDER_DATE_H

#include <stdint.h>

struct buf;
struct err;

/* Examples for 2026-02-11T06:18Z in Asia/Baku, English / Russian. */
enum render_date_style {
	/* "11 February 2026 10:18" / "11 февраля 2026, 10:18" */
	RENDER_DATE_LONG,
	/* "11 February 2026" / "11 февраля 2026" */
	RENDER_DATE_DAY,
	/* "2026-02-11T10:18:00+04:00" (RFC 3339; markup, JSON-LD, Atom) */
	RENDER_DATE_ISO,
	/* "Wed, 11 Feb 2026 10:18:00 +0400" (RSS), always English */
	RENDER_DATE_RFC822,
	/* "February 2026" / "Февраль 2026" (nominative) */
	RENDER_DATE_MONTH_YEAR,
	/* "2026" */
	RENDER_DATE_YEAR,
	/* "10:18" (live entries) */
	RENDER_DATE_TIME,
};

/*
 * Append t (Unix seconds, UTC) as local time in zone `tz` to `out`, in
 * `style` for language `lang`.
 *   tz    IANA name; NULL, "" or a name that is not a valid installed zone
 *         gives UTC (check names once with render_tz_valid at start-up).
 *   lang  "ru" or "ru-..."/"ru_..." gives Russian (genitive month names
 *         in dates, nominative in MONTH_YEAR); NULL or anything else,
 *         English. ISO, RFC822, YEAR and TIME are the same in every
 *         language.
 * Times are clamped to 0001-01-02 .. 9999-12-30 UTC. When the offset is
 * not a whole number of minutes (local mean time before ~1900) ISO and
 * RFC822 give the UTC time with +00:00 / +0000 instead, so the text
 * stays exact. An out-of-range style value gives RENDER_DATE_LONG.
 * Never fails; thread-safe; the first use of a zone reads its file.
 */
void render_date_format(struct buf *out, int64_t t, const char *tz,
			const char *lang, enum render_date_style style);

/* As render_date_format with the zone's offset at t already known (off:
 * render_tz_offset(tz, t)): several styles of one time look the zone up
 * once. */
void render_date_format_at(struct buf *out, int64_t t, int32_t off,
			   const char *lang, enum render_date_style style);

/*
 * Check a time zone name: only [A-Za-z0-9_+-] and '/' between
 * non-empty components, no "." or ".." component, at most 128 bytes,
 * and a readable, well-formed TZif file (or "UTC"). Returns 0 or
 * ERR_INVALID with the reason in e. Thread-safe; caches the zone.
 */
int render_tz_valid(const char *tz, struct err *e);

/*
 * Offset of local time from UTC, in seconds east (Baku: 14400), at t in
 * zone tz (same fallback to UTC as render_date_format). For callers that
 * need local calendar arithmetic, e.g. "today" or archive day bounds:
 * local midnight is t - ((t + off) mod 86400).
 */
int32_t render_tz_offset(const char *tz, int64_t t);

#endif
