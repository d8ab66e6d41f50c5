/*
 * live.h - the live hub: recent messages per channel and the readers
 * waiting for them, for Server-Sent Events.
 *
 * A channel is a short name ("ev:12:en" for the entries of live event 12
 * in edition en, "banner:en" for the live banner of edition en). Each
 * keeps a ring of its most recent messages, already formatted as SSE
 * frames ("id: N\nevent: TYPE\ndata: JSON\n\n"), and a list of
 * subscribers. Message ids grow monotonically per channel and are
 * milliseconds of the wall clock (max(previous + 1, now)), so that an id
 * a browser remembers still means a time after a restart: a client whose
 * Last-Event-ID is older than what the ring holds is told to replay from
 * the store instead (see live_sub_new).
 *
 * No thread per reader: a subscriber is a small struct; the HTTP layer
 * pulls bytes with live_sub_read from its content reader, and when there
 * is nothing to send the hub calls the subscriber's park hook (suspend
 * the connection) and, when a message arrives, its wake hook (resume it).
 * Both hooks run under the channel's lock, so a wake never comes before
 * the park it answers. Publishing costs O(subscribers of the channel).
 * One ticker thread sends heartbeats (": ping") to readers that have
 * been quiet for the heartbeat interval and forgets idle channels.
 *
 * Thread-safe. Depends on util only: it knows nothing of libmicrohttpd,
 * the store or rendering (http/sse.c and http/page_live.c do those).
 */
#ifndef GAZETTE_LIVE_LIVE_H
#define GAZETTE_LIVE_LIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

#define LIVE_CHANNEL_MAX       64    /* bytes of a channel name, with its NUL */
#define LIVE_RING_DEFAULT      256   /* messages kept per channel */
#define LIVE_HEARTBEAT_DEFAULT 15000 /* ms between pings to a quiet reader */
#define LIVE_IDLE_CHANNEL_MS                                                   \
	(10 * 60 * 1000) /* a channel without readers
					       * or messages for this long
					       * is forgotten */

struct live_hub;
struct live_sub;

struct live_hub_opts {
	size_t ring;      /* messages kept per channel; 0: LIVE_RING_DEFAULT */
	int heartbeat_ms; /* quiet time before a ping; 0: default, min 50 */
};

/* What a subscriber does when the hub parks or wakes it; both are called
 * with the channel locked and must not call back into the hub. */
struct live_sub_hooks {
	void (*park)(void *ctx); /* live_sub_read found nothing: suspend */
	void (*wake)(void *ctx); /* a parked reader has something: resume */
	void *ctx;               /* passed to both */
};

/* New hub with its ticker thread. Caller frees with live_hub_free.
 * ERR_IO when the thread cannot start. */
int live_hub_new(const struct live_hub_opts *o, struct live_hub **out,
		 struct err *e);

/* End every stream (each reader's next live_sub_read returns -1, parked
 * ones are woken for it) and refuse new subscribers: call before the HTTP
 * server's graceful stop so that it does not wait for open streams.
 * Publishing becomes a no-op. Idempotent; NULL is a no-op. */
void live_hub_shutdown(struct live_hub *h);

/* Stop the ticker and free the hub and its channels. Every subscriber
 * must have been freed (the server stopped) before. NULL is a no-op. */
void live_hub_free(struct live_hub *h);

/*
 * Publish one message on `channel` (made when new): SSE event name
 * `event` ("new", "edit", "delete", "pin", "state"; [a-z_] only) and
 * `data` (len bytes, one line: no CR or LF; JSON is). The message goes to
 * the ring (the oldest one leaves when it is full) and every parked
 * subscriber of the channel is woken. Returns the message id (> 0), or 0
 * when the hub is shutting down or the arguments are bad (nothing sent).
 */
int64_t live_hub_publish(struct live_hub *h, const char *channel,
			 const char *event, const char *data, size_t len);

/* The id a client that has seen every message of `channel` so far would
 * hold (the newest id, or the channel's start when it has none; the
 * channel is made when new). A page rendered after this call can hand it
 * to its stream as the last event id: nothing published between the
 * render and the stream is lost. 0 only when shutting down. */
int64_t live_hub_cursor(struct live_hub *h, const char *channel);

/* Subscribers and messages held, for logs and tests. */
void live_hub_stats(struct live_hub *h, size_t *channels, size_t *subs,
		    size_t *messages);

/*
 * Subscribe to `channel`. last_id < 0: only messages published from now
 * on. last_id >= 0 (the client's Last-Event-ID): the messages after it
 * are replayed from the ring when the ring still has all of them;
 * otherwise *need_replay is set to 1, the stream starts at the newest
 * message, and the caller should push what the client missed (from the
 * store) with live_sub_push before the first read. hooks is copied.
 * *out is freed with live_sub_free. ERR_INVALID for a bad channel name,
 * ERR_IO when the hub is shutting down.
 */
int live_sub_new(struct live_hub *h, const char *channel, int64_t last_id,
		 const struct live_sub_hooks *hooks, struct live_sub **out,
		 int *need_replay, struct err *e);

/* Queue len bytes for this subscriber only (the retry: line, a replay, a
 * snapshot); they go out before any further message of the channel. */
void live_sub_push(struct live_sub *s, const char *data, size_t len);

/*
 * Copy up to max bytes of what s has to send into buf: its own queue,
 * then the channel's messages after the last one it got (a message may be
 * cut between calls), or a ": ping" heartbeat when one is due. Returns
 * the bytes copied; 0 after calling the park hook (nothing to send: wait
 * for the wake hook, then call again); -1 when the stream is over (hub
 * shutting down, or the reader fell so far behind that the ring lost
 * messages it had not got: the client reconnects and replays).
 */
ssize_t live_sub_read(struct live_sub *s, char *buf, size_t max);

/* Id of the last message s has received whole (its cursor). */
int64_t live_sub_last_id(struct live_sub *s);

/* Unsubscribe and free. The hooks are not called after this returns.
 * NULL is a no-op. */
void live_sub_free(struct live_sub *s);

/* Milliseconds of the wall clock, as message ids use. */
int64_t live_now_ms(void);

#endif
