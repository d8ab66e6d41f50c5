/*
 * sse.c - Server-Sent Events replies on libmicrohttpd, fed by the live
 * hub (live/live.h).
 *
 * A stream is a libmicrohttpd response of unknown size (chunked) whose
 * content reader pulls bytes from a hub subscriber. When the subscriber
 * has nothing to send, the hub calls our park hook from inside the
 * content reader, which suspends the connection (allowed there with
 * MHD_ALLOW_SUSPEND_RESUME, and the only safe place besides the access
 * handler) and the reader returns 0; a publish calls the wake hook, which
 * resumes it, and libmicrohttpd calls the reader again. Suspended
 * connections cost no thread and no timeout; heartbeats from the hub's
 * ticker wake them every live.heartbeat seconds so that proxies keep
 * them open and vanished clients are noticed. When the hub shuts down,
 * every reader returns end-of-stream, so the server's graceful stop does
 * not wait for streams and never stops the daemon with a suspended
 * connection (an API violation in 0.9.75).
 *
 * The subscriber lives as long as the response: the response's free
 * callback unsubscribes it. It is the only thing a stream allocates
 * besides libmicrohttpd's response (the hooks' context is the connection
 * itself, the content reader's the subscriber): with ten thousand readers
 * every byte held per stream counts. Not for: what the messages say
 * (page_live.c and api_live.c), the hub's bookkeeping (live/hub.c).
 */
#include "app.h"
#include "http/internal.h"
#include "live/live.h"
#include "util/arena.h"
#include "util/log.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#define SSE_RETRY_MS 2000 /* reconnect delay the client is told */

/* Hooks: ctx is the reader's MHD connection. */
static void http_sse_park(void *ctx)
{
	MHD_suspend_connection(ctx);
}

static void http_sse_wake(void *ctx)
{
	MHD_resume_connection(ctx);
}

/* Content reader and its free callback: cls is the hub subscription. */
static ssize_t http_sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	ssize_t n = live_sub_read(cls, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void http_sse_free(void *cls)
{
	live_sub_free(cls);
}

int64_t http_sse_last_id(const struct http_req *r)
{
	const char *s = http_header_get(r, "Last-Event-ID");
	if (!s || !*s)
		s = http_query_get(r, "last_event_id");
	if (!s || !*s)
		return -1;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

void http_sse_frame(struct buf *b, int64_t id, const char *event,
		    const char *data)
{
	if (id > 0)
		buf_printf(b, "id: %lld\n", (long long)id);
	buf_printf(b, "event: %s\ndata: ", event);
	/* One data line: JSON from render/json.h has no raw newlines, and a
	 * stray one would end the field early, so it is dropped. */
	for (const char *p = data; p && *p; p++)
		if (*p != '\n' && *p != '\r')
			buf_putc(b, *p);
	buf_puts(b, "\n\n");
}

int http_sse_open(struct http_req *r, const char *channel, int64_t last_id,
		  struct live_sub **sub, int *need_replay)
{
	*sub = NULL;
	*need_replay = 0;
	if (!app->live) {
		http_reply_error(r, 503, "live streams are not available");
		return -1;
	}
	/* Few headers: each is three allocations kept as long as the
	 * stream, times every reader. */
	http_header_add(r, "Cache-Control", "no-cache");
	http_header_add(r, "X-Accel-Buffering", "no");
	if (!strcmp(r->method, "HEAD")) {
		/* Headers only: nothing to subscribe to. */
		http_reply_fixed(r, 200, "text/event-stream; charset=utf-8", "",
				 0);
		return 1;
	}
	struct live_sub_hooks hooks = {http_sse_park, http_sse_wake, r->conn};
	struct live_sub *s;
	struct err e = {0};
	if (live_sub_new(app->live, channel, last_id, &hooks, &s, need_replay,
			 &e) != 0) {
		http_header_add(r, "Retry-After", "5");
		http_reply_error(r, 503, "shutting down");
		return -1;
	}
	char retry[32];
	int k = snprintf(retry, sizeof retry, "retry: %d\n\n", SSE_RETRY_MS);
	live_sub_push(s, retry, (size_t)k);

	/* libmicrohttpd 0.9.75 callocs block_size bytes with every
	 * callback response and uses them only for bodies that are not
	 * chunked (HTTP/1.0 clients); chunked streams are read straight
	 * into the connection's write buffer. With 10,000 readers a 4 KB
	 * block was 40 MB of zeroed memory: keep it small. */
	struct MHD_Response *resp = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, 256, http_sse_read, s, http_sse_free);
	if (!resp) {
		http_sse_free(s);
		http_reply_error(r, 500, "cannot start the stream");
		return -1;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/event-stream; charset=utf-8");
	MHD_add_response_header(resp, "X-Request-Id", r->id);
	for (size_t i = 0; i < r->n_headers; i++)
		MHD_add_response_header(resp, r->headers[i].key,
					r->headers[i].value);
	r->n_headers = 0;
	r->status = 200;
	r->content_type = "text/event-stream; charset=utf-8";
	r->mhd_response = resp;
	*sub = s;
	return 0;
}
