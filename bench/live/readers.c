/*
 * readers.c - the load of bench/live/run: N Server-Sent Events readers in
 * one thread (epoll, non-blocking sockets, 64 bytes of state each), live
 * entries posted on the newsroom's live desk, and the time until every
 * reader had each of them.
 *
 *   readers PORT STREAM_PATH N POSTS EVENT_ID COOKIE CSRF SERVER_PID
 *
 * Connects N sockets to 127.0.0.1:PORT (at most 256 connects in flight),
 * sends GET STREAM_PATH, and waits until every one has its "retry:" line.
 * Then, POSTS times: posts "Bench entry K <nonce>" to
 * /newsroom/live/EVENT_ID/entries (COOKIE and CSRF from a logged-in
 * session; Accept: application/json) and records, per reader, the time
 * from just before the POST was written until the entry's text arrived
 * on its stream. The server's VmRSS with every reader connected and its
 * VmHWM after the posts come from /proc/SERVER_PID/status. Finally it
 * sends SIGTERM to SERVER_PID and measures how long the process takes to
 * go away with every stream open. Prints one JSON object on stdout.
 *
 * Not a general HTTP client: it looks for fixed strings in the byte
 * stream (keeping the last 63 bytes between reads), which is all the
 * benchmark needs. Build: cc -O2 -o readers readers.c (bench/live/run).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TAIL         64
#define MAX_INFLIGHT 256

struct reader {
	int fd;
	int state; /* 0 connecting, 1 sent, 2 ready (retry seen), 3 dead */
	char tail[TAIL]; /* last bytes seen, NUL-terminated */
	int seen;        /* index of the last post whose marker arrived, -1 */
};

static struct reader *rs;
static int n_readers, epfd, port;
static const char *stream_path;
static char request[512];
static size_t request_len;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long proc_kb(int pid, const char *field)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	long v = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, field, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

static int open_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_one(int i)
{
	int fd = open_socket();
	if (fd < 0)
		return -1;
	rs[i].fd = fd;
	rs[i].state = 0;
	rs[i].seen = -1;
	rs[i].tail[0] = '\0';
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT,
				 .data.u32 = (uint32_t)i};
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* Feed bytes to reader i: look for "retry:" and for marker. Returns 1
 * when the marker was found in this read. */
static int feed(struct reader *r, const char *buf, size_t len,
		const char *marker)
{
	char tmp[TAIL + 4096];
	int hit = 0;
	size_t off = 0;
	while (off < len) {
		size_t t = strlen(r->tail);
		size_t k = len - off;
		if (k > 4096)
			k = 4096;
		memcpy(tmp, r->tail, t);
		memcpy(tmp + t, buf + off, k);
		tmp[t + k] = '\0';
		/* bytes are text/JSON: no NULs to stop strstr early */
		if (r->state == 1 && strstr(tmp, "retry:"))
			r->state = 2;
		if (marker && strstr(tmp, marker))
			hit = 1;
		size_t keep = t + k < TAIL - 1 ? t + k : TAIL - 1;
		memmove(r->tail, tmp + t + k - keep, keep);
		r->tail[keep] = '\0';
		off += k;
	}
	return hit;
}

/* Write one POST on a fresh blocking socket; returns the socket (its
 * answer is read after the readers had the entry) or -1. */
static int post_entry(int event_id, const char *cookie, const char *csrf,
		      const char *text)
{
	char body[512], req[2048], enc[256];
	size_t e = 0;
	for (const char *p = text; *p && e + 4 < sizeof enc; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9'))
			enc[e++] = *p;
		else if (*p == ' ')
			enc[e++] = '+';
		else
			e += (size_t)snprintf(enc + e, 4, "%%%02X",
					      (unsigned char)*p);
	}
	enc[e] = '\0';
	int blen = snprintf(body, sizeof body, "edition=en&body=%s", enc);
	int n = snprintf(
		req, sizeof req,
		"POST /newsroom/live/%d/entries HTTP/1.1\r\nHost: "
		"127.0.0.1\r\nCookie: %s\r\nX-CSRF-Token: %s\r\nAccept: "
		"application/json\r\nContent-Type: "
		"application/x-www-form-urlencoded\r\nContent-Length: "
		"%d\r\nConnection: close\r\n\r\n%s",
		event_id, cookie, csrf, blen, body);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return -1;
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	/* the answer is read later (after the readers), see main */
	return fd;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 9) {
		fprintf(stderr,
			"usage: readers PORT STREAM_PATH N POSTS EVENT_ID "
			"COOKIE CSRF SERVER_PID\n");
		return 2;
	}
	port = atoi(argv[1]);
	stream_path = argv[2];
	n_readers = atoi(argv[3]);
	int posts = atoi(argv[4]);
	int event_id = atoi(argv[5]);
	const char *cookie = argv[6], *csrf = argv[7];
	int server = atoi(argv[8]);
	signal(SIGPIPE, SIG_IGN);
	request_len = (size_t)snprintf(request, sizeof request,
				       "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				       "Accept: text/event-stream\r\n\r\n",
				       stream_path);
	rs = calloc((size_t)n_readers, sizeof *rs);
	epfd = epoll_create1(0);
	struct epoll_event evs[1024];
	static char buf[65536];

	/* The server's memory before any stream: anonymous (heap, pools,
	 * stacks) and file-mapped (binary, libraries). */
	long anon_idle = proc_kb(server, "RssAnon");
	long file_idle = proc_kb(server, "RssFile");

	/* ---- connect everyone ---- */
	double t0 = now_ms();
	int next = 0, inflight = 0, ready = 0, dead = 0;
	while (ready + dead < n_readers) {
		while (next < n_readers && inflight < MAX_INFLIGHT) {
			if (connect_one(next) < 0) {
				rs[next].state = 3;
				dead++;
			} else {
				inflight++;
			}
			next++;
		}
		int k = epoll_wait(epfd, evs, 1024, 5000);
		if (k == 0 && now_ms() - t0 > 120000)
			break;
		for (int j = 0; j < k; j++) {
			struct reader *r = &rs[evs[j].data.u32];
			if (r->state == 0 && (evs[j].events & EPOLLOUT)) {
				if (write(r->fd, request, request_len) !=
				    (ssize_t)request_len) {
					r->state = 3;
					dead++;
					inflight--;
					continue;
				}
				r->state = 1;
				struct epoll_event ev = {
					.events = EPOLLIN,
					.data.u32 = evs[j].data.u32};
				epoll_ctl(epfd, EPOLL_CTL_MOD, r->fd, &ev);
			}
			if (evs[j].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
				ssize_t got = read(r->fd, buf, sizeof buf);
				if (got <= 0) {
					if (r->state != 3) {
						if (r->state < 2)
							inflight--;
						r->state = 3;
						dead++;
					}
					epoll_ctl(epfd, EPOLL_CTL_DEL, r->fd,
						  NULL);
					continue;
				}
				int was = r->state;
				feed(r, buf, (size_t)got, NULL);
				if (was == 1 && r->state == 2) {
					ready++;
					inflight--;
				}
			}
		}
	}
	double connect_ms = now_ms() - t0;
	long rss_connected = proc_kb(server, "VmRSS");
	long anon_connected = proc_kb(server, "RssAnon");
	/* What one held stream costs: the growth of anonymous memory over
	 * the connections, per connection. */
	long per_stream =
		ready > 0 ? (anon_connected - anon_idle) * 1024 / ready : -1;

	/* ---- posts ---- */
	printf("{\n \"readers\": %d,\n \"connected\": %d,\n \"failed\": %d,\n"
	       " \"connect_ms\": %.0f,\n \"server_rss_connected_kb\": %ld,\n"
	       " \"server_anon_idle_kb\": %ld,\n \"server_file_idle_kb\": %ld,\n"
	       " \"server_anon_connected_kb\": %ld,\n"
	       " \"per_stream_bytes\": %ld,\n \"posts\": [",
	       n_readers, ready, dead, connect_ms, rss_connected, anon_idle,
	       file_idle, anon_connected, per_stream);
	double *times = malloc(sizeof(double) * (size_t)n_readers);
	srand((unsigned)time(NULL));
	int all_ok = 1;
	for (int p = 0; p < posts; p++) {
		char text[128], marker[128];
		int nonce = rand() % 1000000;
		snprintf(text, sizeof text, "Bench entry %d n%06d", p, nonce);
		snprintf(marker, sizeof marker, "entry %d n%06d", p, nonce);
		int live = 0;
		for (int i = 0; i < n_readers; i++)
			live += rs[i].state == 2;
		int got_n = 0;
		double tp = now_ms();
		int pfd = post_entry(event_id, cookie, csrf, text);
		if (pfd < 0) {
			fprintf(stderr, "readers: POST failed\n");
			return 1;
		}
		while (got_n < live && now_ms() - tp < 10000) {
			int k = epoll_wait(epfd, evs, 1024, 1000);
			for (int j = 0; j < k; j++) {
				struct reader *r = &rs[evs[j].data.u32];
				if (r->state != 2)
					continue;
				ssize_t got = read(r->fd, buf, sizeof buf);
				if (got <= 0) {
					r->state = 3;
					epoll_ctl(epfd, EPOLL_CTL_DEL, r->fd,
						  NULL);
					live--;
					continue;
				}
				if (r->seen != p &&
				    feed(r, buf, (size_t)got, marker)) {
					r->seen = p;
					times[got_n++] = now_ms() - tp;
				}
			}
		}
		/* the POST's own answer */
		char ans[4096];
		ssize_t an = read(pfd, ans, sizeof ans - 1);
		close(pfd);
		int status = an > 12 ? atoi(ans + 9) : -1;
		qsort(times, (size_t)got_n, sizeof *times, cmp_double);
		double p50 = got_n ? times[got_n / 2] : -1;
		double p99 = got_n ? times[(size_t)((double)got_n * 0.99)] : -1;
		double all = got_n ? times[got_n - 1] : -1;
		if (got_n < live || status != 200)
			all_ok = 0;
		printf("%s\n  {\"post\": %d, \"status\": %d, \"readers\": %d, "
		       "\"reached\": %d, \"p50_ms\": %.0f, \"p99_ms\": %.0f, "
		       "\"all_ms\": %.0f}",
		       p ? "," : "", p, status, live, got_n, p50, p99, all);
		fflush(stdout);
		usleep(500000);
		/* drain anything else (pings) */
		int k;
		while ((k = epoll_wait(epfd, evs, 1024, 0)) > 0)
			for (int j = 0; j < k; j++)
				if (read(rs[evs[j].data.u32].fd, buf,
					 sizeof buf) <= 0)
					epoll_ctl(epfd, EPOLL_CTL_DEL,
						  rs[evs[j].data.u32].fd, NULL);
	}
	long hwm = proc_kb(server, "VmHWM");

	/* ---- stop the server with every stream open ---- */
	double ts = now_ms();
	kill(server, SIGTERM);
	int closed = 0;
	while (proc_kb(server, "VmRSS") >= 0 && now_ms() - ts < 30000) {
		char path[64], st[256] = "";
		snprintf(path, sizeof path, "/proc/%d/stat", server);
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(st, sizeof st, f))
				st[0] = '\0';
			fclose(f);
		}
		char *rp = strrchr(st, ')');
		if (rp && rp[1] == ' ' && rp[2] == 'Z')
			break; /* exited, not yet reaped by its parent */
		int k = epoll_wait(epfd, evs, 1024, 5);
		for (int j = 0; j < k; j++)
			if (read(rs[evs[j].data.u32].fd, buf, sizeof buf) <=
			    0) {
				epoll_ctl(epfd, EPOLL_CTL_DEL,
					  rs[evs[j].data.u32].fd, NULL);
				closed++;
			}
	}
	double stop_ms = now_ms() - ts;
	printf("\n ],\n \"server_vmhwm_kb\": %ld,\n \"stop_ms\": %.0f,\n"
	       " \"all_delivered\": %s\n}\n",
	       hwm, stop_ms, all_ok ? "true" : "false");
	for (int i = 0; i < n_readers; i++)
		if (rs[i].fd > 0)
			close(rs[i].fd);
	return 0;
}
