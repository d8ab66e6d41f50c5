/*
 * mhd_floor.c - the floor of a libmicrohttpd server on this machine: one
 * fixed body, one shared prebuilt response, nothing else per request.
 *
 *     mhd_floor FILE PORT [buffer|memfd] [MEMORY_LIMIT]
 *
 * Serves the bytes of FILE (read once at start) as text/html with the
 * headers of a gazette page-cache hit, to every GET/HEAD on 127.0.0.1:PORT
 * whatever the path. The daemon is started the way src/http/server.c
 * starts gazette's: internal polling thread pool (one thread a CPU) with
 * epoll and turbo, the same connection limits and the default 24 KB
 * connection memory pool; the response is queued on the access
 * callback's second call, as gazette does (a reply on the first call
 * closes the connection in libmicrohttpd 0.9.75). So its CPU time per
 * request is what any libmicrohttpd server pays here: the kernel's TCP
 * work and libmicrohttpd's parsing, header building and pool reset.
 *
 * Modes: buffer (default) answers from memory (MHD_RESPMEM_PERSISTENT:
 * headers and body go out in one sendmsg, the body copied into the
 * socket by the kernel); memfd puts the bytes in a sealed memfd and
 * answers with MHD_create_response_from_fd_at_offset64: no user-to-kernel
 * copy, but libmicrohttpd 0.9.75 pushes the headers in a segment of their
 * own (send without MSG_MORE, then TCP_NODELAY) before the sendfile, and
 * holds the response's mutex while it sends, so on loopback it costs
 * more CPU a request than the copy it saves. bench/run builds it (cc -O2)
 * and adds both rows to its table. Not part of gazette.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Read all of path into a new malloc'd buffer (caller frees); NULL with a
 * message on stderr when it cannot. */
static char *floor_file_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return NULL;
	}
	size_t cap = 65536, n = 0;
	char *data = malloc(cap);
	for (size_t got; data && (got = fread(data + n, 1, cap - n, f)) > 0;) {
		n += got;
		if (n == cap) {
			char *more = realloc(data, cap * 2);
			if (!more)
				free(data);
			data = more;
			cap *= 2;
		}
	}
	if (!data || ferror(f)) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(data);
		data = NULL;
	}
	fclose(f);
	*len = n;
	return data;
}

/* A sealed memfd holding data[0..len), or -1 with a message. */
static int floor_memfd_new(const void *data, size_t len)
{
	int fd = memfd_create("mhd_floor", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		perror("memfd_create");
		return -1;
	}
	const char *p = data;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, p + done, len - done);
		if (w <= 0) {
			perror("memfd write");
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	if (fcntl(fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL)) {
		perror("memfd seals");
		close(fd);
		return -1;
	}
	return fd;
}

/* The headers of a gazette hit on an article (the values' lengths are
 * those of the real ones). */
static int floor_headers_add(struct MHD_Response *r)
{
	static const char *const kv[][2] = {
		{MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8"},
		{MHD_HTTP_HEADER_CACHE_CONTROL, "public, max-age=60"},
		{MHD_HTTP_HEADER_ETAG, "\"80410ef2af46d57fc8ef\""},
		{MHD_HTTP_HEADER_VARY, "Accept-Encoding"},
		{"Surrogate-Key", "ed:en a:5 g:5"},
		{"X-Cache", "hit"},
	};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		if (MHD_add_response_header(r, kv[i][0], kv[i][1]) != MHD_YES)
			return -1;
	return 0;
}

static enum MHD_Result floor_on_access(void *cls, struct MHD_Connection *c,
				       const char *url, const char *method,
				       const char *version,
				       const char *upload_data,
				       size_t *upload_data_size, void **req_cls)
{
	static int first_call_mark; /* address only: "headers seen" */
	(void)url;
	(void)version;
	(void)upload_data;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	if (!*req_cls) {
		*req_cls = &first_call_mark;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	return MHD_queue_response(c, MHD_HTTP_OK, cls);
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: mhd_floor FILE PORT [buffer|memfd] "
				"[MEMORY_LIMIT]\n");
		return 2;
	}
	const char *mode = argc > 3 ? argv[3] : "buffer";
	size_t pool = argc > 4 ? strtoul(argv[4], NULL, 10) : 24576;
	int port = atoi(argv[2]);
	if (port <= 0 || port > 65535 || pool < 4096) {
		fprintf(stderr, "mhd_floor: bad port or memory limit\n");
		return 2;
	}
	size_t len;
	char *body = floor_file_read(argv[1], &len);
	if (!body)
		return 1;
	/* Owned by main until exit; the daemon only reads it. */
	struct MHD_Response *resp;
	if (!strcmp(mode, "buffer")) {
		resp = MHD_create_response_from_buffer(len, body,
						       MHD_RESPMEM_PERSISTENT);
	} else if (!strcmp(mode, "memfd")) {
		int fd = floor_memfd_new(body, len);
		if (fd < 0)
			return 1;
		resp = MHD_create_response_from_fd_at_offset64(len, fd, 0);
	} else {
		fprintf(stderr, "mhd_floor: mode is buffer or memfd\n");
		return 2;
	}
	if (!resp || floor_headers_add(resp)) {
		fprintf(stderr, "mhd_floor: cannot build the response\n");
		return 1;
	}

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* SIGINT/SIGTERM wait for sigwait below: blocked before the
	 * daemon's threads start, which inherit the mask. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	/* As src/http/server.c with gazette's defaults. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC |
			 MHD_USE_ERROR_LOG | MHD_USE_TURBO;
	struct MHD_Daemon *d = MHD_start_daemon(
		flags, (uint16_t)port, NULL, NULL, floor_on_access, resp,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(ncpu > 0 ? ncpu : 2),
		MHD_OPTION_CONNECTION_LIMIT, 20000u,
		MHD_OPTION_CONNECTION_TIMEOUT, 30u,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "mhd_floor: cannot listen on 127.0.0.1:%d\n",
			port);
		return 1;
	}
	int sig;
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	MHD_destroy_response(resp);
	free(body);
	return 0;
}
