/*
 * date.c - localized dates with our own TZif reader. See date.h.
 *
 * TZif is RFC 8536: a v1 block with 32-bit times, then (version '2' and
 * up) a v2 block with 64-bit times and a footer holding a POSIX TZ string
 * ("CET-1CEST,M3.5.0,M10.5.0/3") that governs every instant after the
 * last transition. Debian's files are "slim": they stop listing
 * transitions once the footer rule can produce them, so the footer is
 * not optional for current dates.
 *
 * Zone cache: a singly linked list whose head is an atomic pointer.
 * Nodes are fully built before they are published with a release store
 * and never change or go away afterwards, so readers walk it without a
 * lock; writers (first use of a name) serialise on tz_lock. tz_lock,
 * tz_head and tz_count are the module's only mutable state: a
 * process-wide cache, deliberately outside struct app so that any code
 * can format a date without being handed a context.
 */
#include "render/date.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/xmalloc.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_CACHE_MAX 64           /* zones kept, and unknown names kept */
#define TZ_NAME_MAX  128          /* longest zone name accepted */
#define TZ_FILE_MAX  (512 * 1024) /* largest TZif file read */
/* Clamp to 0001-01-02 .. 9999-12-30 UTC so that local time, up to a day
 * away, stays within years 1..9999. */
#define TZ_MIN_T   (-62135596800LL + 86400)
#define TZ_MAX_T   (253402300799LL - 86400)
#define TZ_MAX_OFF (26 * 3600) /* |UT offset| accepted from a file */

struct tz_type {
	int32_t off;   /* seconds east of UTC */
	uint8_t isdst; /* 1 in daylight saving time */
};

/* One end of a POSIX TZ daylight saving rule. */
struct tz_when {
	char kind;    /* 'J': 1..365 without Feb 29, 'D': 0..365, 'M' */
	int a;        /* J, D: the day; M: the month */
	int b;        /* M: the week, 1..5 (5 = last) */
	int c;        /* M: the weekday, 0 = Sunday */
	int32_t time; /* local time of the change, s (may be <0 or >24h) */
};

struct tz_rule {
	int32_t std_off;      /* standard time, seconds east of UTC */
	int32_t dst_off;      /* daylight time, seconds east of UTC */
	int has_dst;          /* 0: std_off all year */
	struct tz_when start; /* daylight time begins (in standard time) */
	struct tz_when end;   /* daylight time ends (in daylight time) */
};

struct tz_zone {
	struct tz_zone *next;  /* cache list; immutable once published */
	char *name;            /* IANA name, heap */
	int ok;                /* 0: unknown or broken zone, behaves as UTC */
	int64_t *trans;        /* transition times, ascending */
	uint8_t *idx;          /* type index of each transition */
	size_t ntrans;         /* transitions */
	struct tz_type *types; /* local time types */
	size_t ntypes;         /* at least 1 when ok */
	int has_rule;          /* footer rule valid */
	struct tz_rule rule;   /* for times after the last transition */
};

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct tz_zone *) tz_head;
/* Zones cached: [0] unknown names, [1] good zones. Under tz_lock. */
static size_t tz_count[2];

/* ---- calendar (proleptic Gregorian, H. Hinnant's algorithms) ---------- */

static int64_t tz_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b < 0) ? q - 1 : q;
}

static int tz_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int tz_month_days(int64_t y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};
	return days[m - 1] + (m == 2 && tz_leap(y));
}

/* Days since 1970-01-01 of y-m-d. */
static int64_t tz_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void tz_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Sunday. 1970-01-01 was a Thursday. */
static int tz_weekday(int64_t days)
{
	int64_t w = (days + 4) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

/* ---- POSIX TZ strings (the TZif footer) ------------------------------- */

static int tz_isdigit(char c)
{
	return c >= '0' && c <= '9';
}

static int tz_isalpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Zone abbreviation: "<+04>" or three or more letters. */
static const char *tz_p_name(const char *s)
{
	if (*s == '<') {
		const char *b = ++s;
		while (*s && *s != '>')
			s++;
		return *s == '>' && s - b >= 1 ? s + 1 : NULL;
	}
	const char *b = s;
	while (tz_isalpha(*s))
		s++;
	return s - b >= 3 ? s : NULL;
}

/* Unsigned decimal of 1..maxdig digits not above max. */
static const char *tz_p_num(const char *s, int maxdig, int max, int *out)
{
	int v = 0, n = 0;
	while (tz_isdigit(*s) && n < maxdig) {
		v = v * 10 + (*s++ - '0');
		n++;
	}
	if (!n || tz_isdigit(*s) || v > max)
		return NULL;
	*out = v;
	return s;
}

/* [+-]hh[:mm[:ss]] with hh <= max_h, to seconds. */
static const char *tz_p_hms(const char *s, int max_h, int32_t *out)
{
	int sign = 1, h, m = 0, sec = 0;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (!(s = tz_p_num(s, 3, max_h, &h)))
		return NULL;
	if (*s == ':' && !(s = tz_p_num(s + 1, 2, 59, &m)))
		return NULL;
	if (*s == ':' && !(s = tz_p_num(s + 1, 2, 59, &sec)))
		return NULL;
	*out = sign * (h * 3600 + m * 60 + sec);
	return s;
}

static const char *tz_p_when(const char *s, struct tz_when *w)
{
	memset(w, 0, sizeof *w);
	if (*s == 'J') {
		w->kind = 'J';
		if (!(s = tz_p_num(s + 1, 3, 365, &w->a)) || w->a < 1)
			return NULL;
	} else if (*s == 'M') {
		w->kind = 'M';
		if (!(s = tz_p_num(s + 1, 2, 12, &w->a)) || w->a < 1 ||
		    *s != '.' || !(s = tz_p_num(s + 1, 1, 5, &w->b)) ||
		    w->b < 1 || *s != '.' ||
		    !(s = tz_p_num(s + 1, 1, 6, &w->c)))
			return NULL;
	} else {
		w->kind = 'D';
		if (!(s = tz_p_num(s, 3, 365, &w->a)))
			return NULL;
	}
	w->time = 2 * 3600;
	if (*s == '/')
		s = tz_p_hms(s + 1, 167, &w->time); /* RFC 8536 3.3.1 */
	return s;
}

/* Parse a footer such as "<+04>-4" or "CET-1CEST,M3.5.0,M10.5.0/3".
 * POSIX offsets count west of Greenwich, hence the negations. */
static int tz_p_rule(const char *s, struct tz_rule *r)
{
	int32_t off;
	memset(r, 0, sizeof *r);
	if (!(s = tz_p_name(s)) || !(s = tz_p_hms(s, 24, &off)))
		return -1;
	r->std_off = -off;
	r->dst_off = r->std_off;
	if (!*s)
		return 0;
	if (!(s = tz_p_name(s)))
		return -1;
	r->dst_off = r->std_off + 3600;
	if (*s && *s != ',') {
		if (!(s = tz_p_hms(s, 24, &off)))
			return -1;
		r->dst_off = -off;
	}
	/* No rule after a DST name means "implementation defined": zic
	 * never writes that, so treat it as broken. */
	if (*s != ',' || !(s = tz_p_when(s + 1, &r->start)) || *s != ',' ||
	    !(s = tz_p_when(s + 1, &r->end)) || *s)
		return -1;
	r->has_dst = 1;
	return 0;
}

/* Local time (seconds since the epoch, as if local were UTC) at which
 * rule end w fires in year y. */
static int64_t tz_when_local(const struct tz_when *w, int64_t y)
{
	int64_t day;
	if (w->kind == 'J') {
		day = tz_days_from_civil(y, 1, 1) + w->a - 1 +
		      (tz_leap(y) && w->a >= 60);
	} else if (w->kind == 'D') {
		day = tz_days_from_civil(y, 1, 1) + w->a;
	} else {
		int64_t first = tz_days_from_civil(y, w->a, 1);
		day = first + (w->c - tz_weekday(first) + 7) % 7 +
		      7 * (w->b - 1);
		while (day >= first + tz_month_days(y, w->a))
			day -= 7;
	}
	return day * 86400 + w->time;
}

static int32_t tz_rule_offset(const struct tz_rule *r, int64_t t)
{
	if (!r->has_dst)
		return r->std_off;
	int64_t y;
	int m, d;
	tz_civil_from_days(tz_floor_div(t + r->std_off, 86400), &y, &m, &d);
	int64_t start = tz_when_local(&r->start, y) - r->std_off;
	int64_t end = tz_when_local(&r->end, y) - r->dst_off;
	int dst = start < end ? (t >= start && t < end) /* north */
				:
				!(t >= end && t < start); /* south */
	return dst ? r->dst_off : r->std_off;
}

/* ---- TZif --------------------------------------------------------------- */

static uint32_t tz_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static int64_t tz_be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)tz_be32(p) << 32 | tz_be32(p + 4));
}

struct tz_counts {
	size_t isut, isstd, leap, time, type, chars; /* RFC 8536 header */
};

static void tz_counts_read(const unsigned char *h, struct tz_counts *c)
{
	c->isut = tz_be32(h + 20);
	c->isstd = tz_be32(h + 24);
	c->leap = tz_be32(h + 28);
	c->time = tz_be32(h + 32);
	c->type = tz_be32(h + 36);
	c->chars = tz_be32(h + 40);
}

/* Bytes of a data block with tsize-byte times. Counts are below 2^32,
 * so this cannot overflow a 64-bit size_t. */
static size_t tz_block_size(const struct tz_counts *c, size_t tsize)
{
	return c->time * tsize + c->time + c->type * 6 + c->chars +
	       c->leap * (tsize + 4) + c->isstd + c->isut;
}

/* Fill z from a TZif image. Returns 0 or -1 (z may be half filled; the
 * caller frees it). */
static int tz_parse(const unsigned char *d, size_t n, struct tz_zone *z)
{
	struct tz_counts c;
	if (n < 44 || memcmp(d, "TZif", 4))
		return -1;
	int version = d[4];
	tz_counts_read(d, &c);
	const unsigned char *p = d + 44, *end = d + n;
	size_t tsize = 4;
	if (version >= '2') {
		size_t v1 = tz_block_size(&c, 4);
		if (v1 > (size_t)(end - p) || (size_t)(end - p) - v1 < 44)
			return -1;
		p += v1;
		if (memcmp(p, "TZif", 4))
			return -1;
		tz_counts_read(p, &c);
		p += 44;
		tsize = 8;
	}
	size_t need = tz_block_size(&c, tsize);
	if (need > (size_t)(end - p) || c.type < 1 || c.type > 256)
		return -1;
	z->ntrans = c.time;
	z->ntypes = c.type;
	z->trans = xcalloc(c.time ? c.time : 1, sizeof *z->trans);
	z->idx = xcalloc(c.time ? c.time : 1, 1);
	z->types = xcalloc(c.type, sizeof *z->types);
	for (size_t i = 0; i < c.time; i++, p += tsize) {
		z->trans[i] = tsize == 8 ? tz_be64(p) : (int32_t)tz_be32(p);
		if (i && z->trans[i] <= z->trans[i - 1])
			return -1;
	}
	for (size_t i = 0; i < c.time; i++, p++) {
		if (*p >= c.type)
			return -1;
		z->idx[i] = *p;
	}
	for (size_t i = 0; i < c.type; i++, p += 6) {
		int32_t off = (int32_t)tz_be32(p);
		if (off <= -TZ_MAX_OFF || off >= TZ_MAX_OFF || p[4] > 1)
			return -1;
		z->types[i].off = off;
		z->types[i].isdst = p[4];
	}
	p += c.chars + c.leap * (tsize + 4) + c.isstd + c.isut;
	if (version >= '2' && p < end && *p == '\n') {
		const unsigned char *s = p + 1;
		const unsigned char *nl = memchr(s, '\n', (size_t)(end - s));
		if (nl && nl > s && nl - s < 128) {
			char footer[128];
			memcpy(footer, s, (size_t)(nl - s));
			footer[nl - s] = '\0';
			z->has_rule = !tz_p_rule(footer, &z->rule);
		}
	}
	return 0;
}

static int tz_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > TZ_NAME_MAX || s[0] == '/' || s[n - 1] == '/')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '/') {
			if (s[i + 1] == '/')
				return 0;
		} else if (!(tz_isalpha(c) || tz_isdigit(c) || c == '_' ||
			     c == '+' || c == '-')) {
			return 0; /* so no "." or ".." can appear */
		}
	}
	return 1;
}

static void tz_zone_free(struct tz_zone *z)
{
	if (!z)
		return;
	free(z->trans);
	free(z->idx);
	free(z->types);
	free(z->name);
	free(z);
}

/* Read and parse a zone file. Always returns a zone: ok says whether it
 * is usable. Caller frees with tz_zone_free (or caches it). */
static struct tz_zone *tz_load(const char *name)
{
	struct tz_zone *z = xcalloc(1, sizeof *z);
	z->name = xstrdup(name);
	/* getenv is safe here: Gazette never calls setenv after start-up. */
	const char *dir = getenv("TZDIR");
	char path[1024];
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >=
	    sizeof path)
		return z;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return z;
	struct stat st;
	unsigned char *data = NULL;
	size_t len = 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 44 ||
	    st.st_size > TZ_FILE_MAX)
		goto out;
	data = xmalloc((size_t)st.st_size);
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, data + len, (size_t)st.st_size - len);
		if (r <= 0)
			goto out;
		len += (size_t)r;
	}
	if (!tz_parse(data, len, z)) {
		z->ok = 1;
	} else {
		free(z->trans);
		free(z->idx);
		free(z->types);
		z->trans = NULL;
		z->idx = NULL;
		z->types = NULL;
		z->ntrans = z->ntypes = 0;
		z->has_rule = 0;
	}
out:
	free(data);
	close(fd);
	return z;
}

static const struct tz_zone *tz_find(const char *name)
{
	for (const struct tz_zone *z =
		     atomic_load_explicit(&tz_head, memory_order_acquire);
	     z; z = z->next)
		if (!strcmp(z->name, name))
			return z;
	return NULL;
}

/* The zone called name, or NULL for UTC (NULL, "", "UTC", a bad name).
 * When the cache is full the zone is not cached and *tmp gets it for the
 * caller to free; otherwise *tmp is NULL. */
static const struct tz_zone *tz_get(const char *name, struct tz_zone **tmp)
{
	*tmp = NULL;
	if (!name || !*name || !strcmp(name, "UTC") || !tz_name_ok(name))
		return NULL;
	const struct tz_zone *z = tz_find(name);
	if (z)
		return z;
	pthread_mutex_lock(&tz_lock);
	z = tz_find(name);
	if (!z) {
		struct tz_zone *nz = tz_load(name);
		/* unknown names have their own quota so that they cannot
		 * crowd out real zones */
		if (tz_count[nz->ok] < TZ_CACHE_MAX) {
			nz->next = atomic_load_explicit(&tz_head,
							memory_order_relaxed);
			atomic_store_explicit(&tz_head, nz,
					      memory_order_release);
			tz_count[nz->ok]++;
		} else {
			*tmp = nz;
		}
		z = nz;
	}
	pthread_mutex_unlock(&tz_lock);
	return z;
}

static int32_t tz_zone_offset(const struct tz_zone *z, int64_t t)
{
	if (!z || !z->ok)
		return 0;
	if (!z->ntrans)
		return z->has_rule ? tz_rule_offset(&z->rule, t) :
				     z->types[0].off;
	if (t < z->trans[0])
		return z->types[0].off; /* RFC 8536 3.2 */
	if (t >= z->trans[z->ntrans - 1] && z->has_rule)
		return tz_rule_offset(&z->rule, t);
	size_t lo = 0, hi = z->ntrans; /* trans[lo] <= t < trans[hi] */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->types[z->idx[lo]].off;
}

static int64_t tz_clamp(int64_t t)
{
	return t < TZ_MIN_T ? TZ_MIN_T : t > TZ_MAX_T ? TZ_MAX_T : t;
}

int32_t render_tz_offset(const char *tz, int64_t t)
{
	struct tz_zone *tmp;
	const struct tz_zone *z = tz_get(tz, &tmp);
	int32_t off = tz_zone_offset(z, tz_clamp(t));
	tz_zone_free(tmp);
	return off;
}

int render_tz_valid(const char *tz, struct err *e)
{
	if (!tz || !*tz)
		return err_set(e, ERR_INVALID, "time zone: empty name");
	if (!strcmp(tz, "UTC"))
		return 0;
	if (!tz_name_ok(tz))
		return err_set(e, ERR_INVALID,
			       "time zone '%.128s': not an IANA name "
			       "(like Europe/Berlin)",
			       tz);
	struct tz_zone *tmp;
	const struct tz_zone *z = tz_get(tz, &tmp);
	int ok = z && z->ok;
	tz_zone_free(tmp);
	if (!ok)
		return err_set(e, ERR_INVALID,
			       "time zone '%s': no such zone in %s", tz,
			       getenv("TZDIR") ? getenv("TZDIR") :
						 "/usr/share/zoneinfo");
	return 0;
}

/* ---- formatting --------------------------------------------------------- */

static const char *const tz_en_months[12] = {"January", "February", "March",
					     "April",   "May",      "June",
					     "July",    "August",   "September",
					     "October", "November", "December"};
static const char *const tz_en_mon[12] = {"Jan", "Feb", "Mar", "Apr",
					  "May", "Jun", "Jul", "Aug",
					  "Sep", "Oct", "Nov", "Dec"};
static const char *const tz_en_wday[7] = {"Sun", "Mon", "Tue", "Wed",
					  "Thu", "Fri", "Sat"};
/* "11 февраля": the day-and-month form takes the genitive. */
static const char *const tz_ru_gen[12] = {"января",  "февраля", "марта",
					  "апреля",  "мая",     "июня",
					  "июля",    "августа", "сентября",
					  "октября", "ноября",  "декабря"};
/* "Февраль 2026": a month on its own is nominative, capitalised. */
static const char *const tz_ru_nom[12] = {"Январь",  "Февраль", "Март",
					  "Апрель",  "Май",     "Июнь",
					  "Июль",    "Август",  "Сентябрь",
					  "Октябрь", "Ноябрь",  "Декабрь"};

static int tz_lang_ru(const char *lang)
{
	return lang && (lang[0] == 'r' || lang[0] == 'R') &&
	       (lang[1] == 'u' || lang[1] == 'U') &&
	       (!lang[2] || lang[2] == '-' || lang[2] == '_');
}

/* Write v >= 0 in decimal, zero-padded to at least width digits, at p;
 * returns the end. Years are clamped to 1..9999 (tz_clamp), so every
 * number here has at most 4 digits. */
static char *tz_put_num(char *p, int v, int width)
{
	char d[12];
	int n = 0;
	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) > 0 && n < (int)sizeof d);
	while (n < width) {
		*p++ = '0';
		width--;
	}
	while (n > 0)
		*p++ = d[--n];
	return p;
}

static char *tz_put_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

void render_date_format(struct buf *out, int64_t t, const char *tz,
			const char *lang, enum render_date_style style)
{
	render_date_format_at(out, t, render_tz_offset(tz, t), lang, style);
}

void render_date_format_at(struct buf *out, int64_t t, int32_t off,
			   const char *lang, enum render_date_style style)
{
	if ((unsigned)style > RENDER_DATE_TIME)
		style = RENDER_DATE_LONG; /* a cast int from a template */
	t = tz_clamp(t);
	if ((style == RENDER_DATE_ISO || style == RENDER_DATE_RFC822) &&
	    off % 60)
		off = 0;
	int64_t local = t + off;
	int64_t days = tz_floor_div(local, 86400);
	int64_t secs = local - days * 86400;
	int64_t y;
	int mo, d;
	tz_civil_from_days(days, &y, &mo, &d);
	int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60),
	    ss = (int)(secs % 60);
	long long year = (long long)y;
	int ru = tz_lang_ru(lang);
	char sign = off < 0 ? '-' : '+';
	int aoff = off < 0 ? -off : off;

	char tmp[96], *p = tmp;
	const char *mon;
	/* Digits and names by hand: buf_printf was a visible share of a
	 * page's CPU time (several dates a page). */
	switch (style) {
	case RENDER_DATE_LONG:
		mon = ru ? tz_ru_gen[mo - 1] : tz_en_months[mo - 1];
		p = tz_put_num(p, d, 1);
		*p++ = ' ';
		p = tz_put_str(p, mon);
		*p++ = ' ';
		p = tz_put_num(p, (int)year, 1);
		if (ru)
			*p++ = ',';
		*p++ = ' ';
		p = tz_put_num(p, hh, 2);
		*p++ = ':';
		p = tz_put_num(p, mm, 2);
		break;
	case RENDER_DATE_DAY:
		p = tz_put_num(p, d, 1);
		*p++ = ' ';
		p = tz_put_str(p,
			       ru ? tz_ru_gen[mo - 1] : tz_en_months[mo - 1]);
		*p++ = ' ';
		p = tz_put_num(p, (int)year, 1);
		break;
	case RENDER_DATE_ISO:
		p = tz_put_num(p, (int)year, 4);
		*p++ = '-';
		p = tz_put_num(p, mo, 2);
		*p++ = '-';
		p = tz_put_num(p, d, 2);
		*p++ = 'T';
		p = tz_put_num(p, hh, 2);
		*p++ = ':';
		p = tz_put_num(p, mm, 2);
		*p++ = ':';
		p = tz_put_num(p, ss, 2);
		*p++ = sign;
		p = tz_put_num(p, aoff / 3600, 2);
		*p++ = ':';
		p = tz_put_num(p, aoff / 60 % 60, 2);
		break;
	case RENDER_DATE_RFC822:
		p = tz_put_str(p, tz_en_wday[tz_weekday(days)]);
		*p++ = ',';
		*p++ = ' ';
		p = tz_put_num(p, d, 2);
		*p++ = ' ';
		p = tz_put_str(p, tz_en_mon[mo - 1]);
		*p++ = ' ';
		p = tz_put_num(p, (int)year, 4);
		*p++ = ' ';
		p = tz_put_num(p, hh, 2);
		*p++ = ':';
		p = tz_put_num(p, mm, 2);
		*p++ = ':';
		p = tz_put_num(p, ss, 2);
		*p++ = ' ';
		*p++ = sign;
		p = tz_put_num(p, aoff / 3600, 2);
		p = tz_put_num(p, aoff / 60 % 60, 2);
		break;
	case RENDER_DATE_MONTH_YEAR:
		p = tz_put_str(p,
			       ru ? tz_ru_nom[mo - 1] : tz_en_months[mo - 1]);
		*p++ = ' ';
		p = tz_put_num(p, (int)year, 1);
		break;
	case RENDER_DATE_YEAR:
		p = tz_put_num(p, (int)year, 1);
		break;
	case RENDER_DATE_TIME:
		p = tz_put_num(p, hh, 2);
		*p++ = ':';
		p = tz_put_num(p, mm, 2);
		break;
	}
	buf_append(out, tmp, (size_t)(p - tmp));
}
