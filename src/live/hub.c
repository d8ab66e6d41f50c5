/*
 * hub.c - the live hub (see live.h): channels with a ring of recent SSE
 * frames, subscribers that pull from it, a ticker for heartbeats.
 *
 * Locking: the hub mutex guards the channel list, each channel's `refs`
 * and `closing`; a channel's mutex guards its ring and its subscribers.
 * Order: hub, then channel, then whatever the park/wake hooks take (the
 * HTTP server's own locks). A channel is freed only by the ticker, under
 * the hub mutex, when nobody holds a reference (refs counts subscribers
 * and publishers at work) and it has been idle for a while.
 *
 * Cursor rule: `floor` is the newest id the channel can no longer show
 * (the last message pushed out of the ring, or the channel's start in
 * this process). A subscriber whose cursor is below it may have missed a
 * message: its stream ends and the client replays on reconnect.
 *
 * Not for: HTTP, the store, rendering.
 */
#include "live/live.h"

#include "util/log.h"
#include "util/xmalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LIVE_PING ": ping\n\n"

struct live_msg {
	int64_t id;  /* message id */
	size_t len;  /* bytes of data */
	char data[]; /* the SSE frame */
};

struct live_chan {
	char name[LIVE_CHANNEL_MAX]; /* "ev:12:en" */
	pthread_mutex_t mu;          /* guards everything below but refs */
	struct live_hub *hub;        /* owner */
	struct live_msg **ring;      /* cap slots, oldest at head */
	size_t cap;                  /* ring slots */
	size_t head, count;          /* ring position and fill */
	int64_t last_id;             /* newest id, or the start stamp */
	int64_t floor;               /* newest id no longer in the ring */
	struct live_sub *subs;       /* subscribers, doubly linked */
	size_t n_subs;
	int refs;               /* hub mutex: subscribers + publishers */
	int64_t idle_since;     /* hub mutex: ms when refs became 0 */
	struct live_chan *next; /* hub list */
};

struct live_sub {
	struct live_chan *ch; /* its channel (holds a ref) */
	struct live_sub *prev, *next;
	struct live_sub_hooks hooks;
	int64_t last_id; /* last message received whole */
	size_t off;      /* bytes sent of the message after it */
	char *q;         /* own queue (heap), or NULL */
	size_t q_len, q_off, q_cap;
	int64_t last_write;  /* ms of the last bytes handed out */
	unsigned parked : 1; /* park hook called, no wake yet */
	unsigned ended : 1;  /* next read returns -1 */
	unsigned ping : 1;   /* a heartbeat is due */
};

struct live_hub {
	pthread_mutex_t mu;      /* channel list, refs, closing */
	struct live_chan *chans; /* all channels */
	size_t ring;             /* slots per channel */
	int heartbeat_ms;        /* quiet time before a ping */
	int closing;             /* live_hub_shutdown was called */
	pthread_mutex_t tick_mu; /* guards stop */
	pthread_cond_t tick_cv;  /* signalled by free */
	int stop;                /* 1: the ticker leaves */
	pthread_t ticker;
};

int64_t live_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t live_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int live_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n >= LIVE_CHANNEL_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] <= ' ' || name[i] == 0x7f)
			return 0;
	return 1;
}

/* The channel `name`, made when new, with a reference taken; NULL when
 * the hub is closing. Hub mutex held by the caller. */
static struct live_chan *live_chan_get(struct live_hub *h, const char *name)
{
	if (h->closing)
		return NULL;
	struct live_chan *c;
	for (c = h->chans; c; c = c->next)
		if (!strcmp(c->name, name))
			break;
	if (!c) {
		c = xcalloc(1, sizeof *c);
		snprintf(c->name, sizeof c->name, "%s", name);
		pthread_mutex_init(&c->mu, NULL);
		c->hub = h;
		c->cap = h->ring;
		c->ring = xcalloc(c->cap, sizeof *c->ring);
		c->last_id = c->floor = live_now_ms();
		c->next = h->chans;
		h->chans = c;
	}
	c->refs++;
	return c;
}

static void live_chan_put(struct live_hub *h, struct live_chan *c)
{
	pthread_mutex_lock(&h->mu);
	if (--c->refs == 0)
		c->idle_since = live_mono_ms();
	pthread_mutex_unlock(&h->mu);
}

static void live_chan_free(struct live_chan *c)
{
	for (size_t i = 0; i < c->count; i++)
		free(c->ring[(c->head + i) % c->cap]);
	free(c->ring);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Wake s if it is parked. Channel mutex held. */
static void live_sub_wake(struct live_sub *s)
{
	if (s->parked) {
		s->parked = 0;
		s->hooks.wake(s->hooks.ctx);
	}
}

/* One round of the ticker: pings to quiet readers, idle channels out. */
static void live_tick(struct live_hub *h)
{
	int64_t now = live_now_ms(), mono = live_mono_ms();
	pthread_mutex_lock(&h->mu);
	struct live_chan **pp = &h->chans;
	while (*pp) {
		struct live_chan *c = *pp;
		if (c->refs == 0 &&
		    mono - c->idle_since > LIVE_IDLE_CHANNEL_MS) {
			*pp = c->next;
			live_chan_free(c);
			continue;
		}
		pthread_mutex_lock(&c->mu);
		for (struct live_sub *s = c->subs; s; s = s->next)
			if (!s->ended &&
			    now - s->last_write >= h->heartbeat_ms) {
				s->ping = 1;
				live_sub_wake(s);
			}
		pthread_mutex_unlock(&c->mu);
		pp = &c->next;
	}
	pthread_mutex_unlock(&h->mu);
}

static void *live_ticker(void *arg)
{
	struct live_hub *h = arg;
	/* Pings go out between 1 and 1.25 heartbeats after the last write:
	 * close enough, and at most a few rounds a second. */
	int period = h->heartbeat_ms / 4;
	if (period > 1000)
		period = 1000;
	pthread_mutex_lock(&h->tick_mu);
	while (!h->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (long)period * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		int rc = 0;
		while (!h->stop && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&h->tick_cv, &h->tick_mu,
						    &ts);
		if (h->stop)
			break;
		pthread_mutex_unlock(&h->tick_mu);
		live_tick(h);
		pthread_mutex_lock(&h->tick_mu);
	}
	pthread_mutex_unlock(&h->tick_mu);
	return NULL;
}

int live_hub_new(const struct live_hub_opts *o, struct live_hub **out,
		 struct err *e)
{
	struct live_hub *h = xcalloc(1, sizeof *h);
	h->ring = o && o->ring ? o->ring : LIVE_RING_DEFAULT;
	h->heartbeat_ms = o && o->heartbeat_ms ? o->heartbeat_ms :
						 LIVE_HEARTBEAT_DEFAULT;
	if (h->heartbeat_ms < 50)
		h->heartbeat_ms = 50;
	pthread_mutex_init(&h->mu, NULL);
	pthread_mutex_init(&h->tick_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->tick_cv, &ca);
	pthread_condattr_destroy(&ca);
	int rc = pthread_create(&h->ticker, NULL, live_ticker, h);
	if (rc) {
		pthread_cond_destroy(&h->tick_cv);
		pthread_mutex_destroy(&h->tick_mu);
		pthread_mutex_destroy(&h->mu);
		free(h);
		return err_set(e, ERR_IO, "live hub: ticker thread: %s",
			       strerror(rc));
	}
	*out = h;
	return 0;
}

void live_hub_shutdown(struct live_hub *h)
{
	if (!h)
		return;
	size_t n = 0;
	pthread_mutex_lock(&h->mu);
	if (h->closing) {
		pthread_mutex_unlock(&h->mu);
		return;
	}
	h->closing = 1;
	for (struct live_chan *c = h->chans; c; c = c->next) {
		pthread_mutex_lock(&c->mu);
		for (struct live_sub *s = c->subs; s; s = s->next, n++) {
			s->ended = 1;
			live_sub_wake(s);
		}
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&h->mu);
	if (n)
		log_info("live: %zu streams ended for shutdown", n);
}

void live_hub_free(struct live_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->tick_mu);
	h->stop = 1;
	pthread_cond_signal(&h->tick_cv);
	pthread_mutex_unlock(&h->tick_mu);
	pthread_join(h->ticker, NULL);
	while (h->chans) {
		struct live_chan *c = h->chans;
		h->chans = c->next;
		if (c->subs)
			log_error("live: channel %s freed with %zu readers",
				  c->name, c->n_subs);
		live_chan_free(c);
	}
	pthread_cond_destroy(&h->tick_cv);
	pthread_mutex_destroy(&h->tick_mu);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

int64_t live_hub_publish(struct live_hub *h, const char *channel,
			 const char *event, const char *data, size_t len)
{
	if (!h || !live_name_ok(channel) || !event || !*event ||
	    strlen(event) > 32 || (len && !data) ||
	    (len && (memchr(data, '\n', len) || memchr(data, '\r', len))))
		return 0;
	for (const char *p = event; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return 0;
	pthread_mutex_lock(&h->mu);
	struct live_chan *c = live_chan_get(h, channel);
	pthread_mutex_unlock(&h->mu);
	if (!c)
		return 0;

	/* Allocated outside the channel lock, filled under it (the id is
	 * decided there). */
	size_t cap = len + strlen(event) + 64;
	struct live_msg *m = xmalloc(sizeof *m + cap);

	pthread_mutex_lock(&c->mu);
	int64_t now = live_now_ms();
	int64_t id = now > c->last_id ? now : c->last_id + 1;
	int k = snprintf(m->data, cap,
			 "id: %lld\nevent: %s\ndata: ", (long long)id, event);
	memcpy(m->data + k, data ? data : "", len);
	memcpy(m->data + k + len, "\n\n", 2);
	m->len = (size_t)k + len + 2;
	m->id = id;
	if (c->count == c->cap) {
		struct live_msg *old = c->ring[c->head];
		c->floor = old->id;
		free(old);
		c->head = (c->head + 1) % c->cap;
		c->count--;
	}
	c->ring[(c->head + c->count) % c->cap] = m;
	c->count++;
	c->last_id = id;
	for (struct live_sub *s = c->subs; s; s = s->next)
		live_sub_wake(s);
	pthread_mutex_unlock(&c->mu);
	live_chan_put(h, c);
	return id;
}

int64_t live_hub_cursor(struct live_hub *h, const char *channel)
{
	if (!h || !live_name_ok(channel))
		return 0;
	pthread_mutex_lock(&h->mu);
	struct live_chan *c = live_chan_get(h, channel);
	pthread_mutex_unlock(&h->mu);
	if (!c)
		return 0;
	pthread_mutex_lock(&c->mu);
	int64_t id = c->last_id;
	pthread_mutex_unlock(&c->mu);
	live_chan_put(h, c);
	return id;
}

void live_hub_stats(struct live_hub *h, size_t *channels, size_t *subs,
		    size_t *messages)
{
	size_t nc = 0, ns = 0, nm = 0;
	pthread_mutex_lock(&h->mu);
	for (struct live_chan *c = h->chans; c; c = c->next) {
		pthread_mutex_lock(&c->mu);
		nc++;
		ns += c->n_subs;
		nm += c->count;
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&h->mu);
	if (channels)
		*channels = nc;
	if (subs)
		*subs = ns;
	if (messages)
		*messages = nm;
}

int live_sub_new(struct live_hub *h, const char *channel, int64_t last_id,
		 const struct live_sub_hooks *hooks, struct live_sub **out,
		 int *need_replay, struct err *e)
{
	*out = NULL;
	if (need_replay)
		*need_replay = 0;
	if (!live_name_ok(channel))
		return err_set(e, ERR_INVALID, "live: bad channel name");
	pthread_mutex_lock(&h->mu);
	struct live_chan *c = live_chan_get(h, channel);
	pthread_mutex_unlock(&h->mu);
	if (!c)
		return err_set(e, ERR_IO, "live: shutting down");
	struct live_sub *s = xcalloc(1, sizeof *s);
	s->ch = c;
	s->hooks = *hooks;
	s->last_write = live_now_ms();
	pthread_mutex_lock(&c->mu);
	if (last_id >= 0 && last_id >= c->floor) {
		/* The ring has everything after last_id. An id from the
		 * future (another clock, a forged header) means "up to now". */
		s->last_id = last_id < c->last_id ? last_id : c->last_id;
	} else {
		s->last_id = c->last_id;
		if (last_id >= 0 && need_replay)
			*need_replay = 1;
	}
	s->next = c->subs;
	if (c->subs)
		c->subs->prev = s;
	c->subs = s;
	c->n_subs++;
	pthread_mutex_unlock(&c->mu);
	*out = s;
	return 0;
}

void live_sub_push(struct live_sub *s, const char *data, size_t len)
{
	if (!len)
		return;
	struct live_chan *c = s->ch;
	pthread_mutex_lock(&c->mu);
	if (s->q_off == s->q_len)
		s->q_off = s->q_len = 0;
	if (s->q_len + len > s->q_cap) {
		size_t cap = s->q_cap ? s->q_cap : 256;
		while (cap < s->q_len + len)
			cap *= 2;
		s->q = xrealloc(s->q, cap);
		s->q_cap = cap;
	}
	memcpy(s->q + s->q_len, data, len);
	s->q_len += len;
	live_sub_wake(s);
	pthread_mutex_unlock(&c->mu);
}

/* Index in the ring of the first message with id > after, or count. */
static size_t live_ring_find(const struct live_chan *c, int64_t after)
{
	size_t lo = 0, hi = c->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->ring[(c->head + mid) % c->cap]->id <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

ssize_t live_sub_read(struct live_sub *s, char *buf, size_t max)
{
	struct live_chan *c = s->ch;
	size_t n = 0;
	pthread_mutex_lock(&c->mu);
	if (s->ended) {
		pthread_mutex_unlock(&c->mu);
		return -1;
	}
	/* Own queue first. */
	if (s->q_off < s->q_len) {
		size_t k = s->q_len - s->q_off;
		if (k > max)
			k = max;
		memcpy(buf, s->q + s->q_off, k);
		s->q_off += k;
		n += k;
		if (s->q_off == s->q_len) {
			free(s->q);
			s->q = NULL;
			s->q_len = s->q_off = s->q_cap = 0;
		}
	}
	/* Then the channel's messages after the cursor. */
	if (n < max && s->last_id < c->last_id) {
		if (s->last_id < c->floor) {
			/* Fell behind the ring: end here (after what was
			 * copied), the client replays on reconnect. */
			s->ended = 1;
		} else {
			for (size_t i = live_ring_find(c, s->last_id);
			     i < c->count && n < max; i++) {
				const struct live_msg *m =
					c->ring[(c->head + i) % c->cap];
				size_t k = m->len - s->off;
				if (k > max - n)
					k = max - n;
				memcpy(buf + n, m->data + s->off, k);
				n += k;
				s->off += k;
				if (s->off == m->len) {
					s->last_id = m->id;
					s->off = 0;
				}
			}
		}
	}
	/* A heartbeat only between messages and when nothing else went. */
	if (n == 0 && s->ping && s->off == 0 && !s->ended &&
	    max >= sizeof LIVE_PING - 1) {
		memcpy(buf, LIVE_PING, sizeof LIVE_PING - 1);
		n = sizeof LIVE_PING - 1;
	}
	if (n > 0) {
		s->ping = 0;
		s->last_write = live_now_ms();
	} else if (s->ended) {
		pthread_mutex_unlock(&c->mu);
		return -1;
	} else {
		s->parked = 1;
		s->hooks.park(s->hooks.ctx);
	}
	pthread_mutex_unlock(&c->mu);
	return (ssize_t)n;
}

int64_t live_sub_last_id(struct live_sub *s)
{
	pthread_mutex_lock(&s->ch->mu);
	int64_t id = s->last_id;
	pthread_mutex_unlock(&s->ch->mu);
	return id;
}

void live_sub_free(struct live_sub *s)
{
	if (!s)
		return;
	struct live_chan *c = s->ch;
	pthread_mutex_lock(&c->mu);
	if (s->prev)
		s->prev->next = s->next;
	else
		c->subs = s->next;
	if (s->next)
		s->next->prev = s->prev;
	c->n_subs--;
	pthread_mutex_unlock(&c->mu);
	live_chan_put(c->hub, c);
	free(s->q);
	free(s);
}
