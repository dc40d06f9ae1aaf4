/* The canned agent: a dstack agent that costs nothing. It listens on a Unix socket and
 * answers every complete HTTP request with one fixed, prebuilt response chosen by the
 * request path, so that what a benchmark measures in the client is the client alone.
 *
 * usage: canned-agent SOCKET --answer PATH=BODYFILE [--answer PATH=BODYFILE]... [--record FILE]
 *   --answer /GetKey=bench/fixtures/getkey.json   answers POST /GetKey with that JSON body
 *   --record FILE    writes the first complete request it receives (head and body) to FILE
 *                    (the raw floor client then sends exactly these bytes)
 * Prints "ready" once it listens; stops on SIGTERM or SIGINT.
 *
 * One thread, epoll, any number of keep-alive connections (Go's 16 goroutines open 16).
 * Requests are framed by Content-Length (or a chunked body, up to its last chunk); a
 * pipelined request is answered after the one before it. Unknown paths get a 404 with an
 * {"error"} body. The response head is the simulator's, without "connection: close". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_ANSWERS 8
#define MAX_REQUEST (4 << 20)

struct answer {
    char path[64];
    char *bytes; /* head + body */
    size_t len;
};

struct conn {
    int fd;
    char *in;
    size_t in_len, in_cap;
    const char *out; /* the canned response being written, or NULL */
    size_t out_len, out_off;
    int close_after;
    unsigned events; /* registered with epoll */
};

static struct answer answers[MAX_ANSWERS];
static int n_answers;
static struct answer not_found;
static const char *record_path;
static volatile sig_atomic_t stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static void build(struct answer *a, const char *status, const char *body, size_t body_len) {
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\ncontent-type: application/json\r\nserver: dstack-simulator\r\n"
                     "content-length: %zu\r\n\r\n",
                     status, body_len);
    a->len = (size_t)n + body_len;
    a->bytes = malloc(a->len);
    if (!a->bytes) die("malloc");
    memcpy(a->bytes, head, (size_t)n);
    memcpy(a->bytes + n, body, body_len);
}

static void load_answer(const char *spec) {
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof answers[0].path || n_answers == MAX_ANSWERS) {
        fprintf(stderr, "bad --answer %s (PATH=BODYFILE)\n", spec);
        exit(2);
    }
    FILE *f = fopen(eq + 1, "rb");
    if (!f) die(eq + 1);
    char *body = NULL;
    size_t len = 0, cap = 0, k;
    do {
        if (len == cap && !(body = realloc(body, cap = cap ? 2 * cap : 65536))) die("realloc");
        k = fread(body + len, 1, cap - len, f);
        len += k;
    } while (k > 0);
    fclose(f);
    /* a trailing newline of the file is not part of the body */
    while (len && (body[len - 1] == '\n' || body[len - 1] == '\r')) len--;
    struct answer *a = &answers[n_answers++];
    memcpy(a->path, spec, (size_t)(eq - spec));
    a->path[eq - spec] = 0;
    build(a, "200 OK", body, len);
    free(body);
}

/* The header value of NAME within the head [h, end), or NULL. */
static const char *header(const char *h, const char *end, const char *name) {
    size_t nl = strlen(name);
    for (const char *p = memmem(h, (size_t)(end - h), "\r\n", 2); p && p + 2 < end;
         p = memmem(p + 2, (size_t)(end - p - 2), "\r\n", 2)) {
        const char *line = p + 2;
        if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            line += nl + 1;
            while (line < end && (*line == ' ' || *line == '\t')) line++;
            return line;
        }
    }
    return NULL;
}

static void record(const char *bytes, size_t len) {
    if (!record_path) return;
    FILE *f = fopen(record_path, "wb");
    if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) die(record_path);
    record_path = NULL;
}

/* If a complete request is buffered: picks its answer, consumes it and returns 1. */
static int take_request(struct conn *c) {
    char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head_len = (size_t)(end - c->in) + 4;
    size_t total;
    const char *te = header(c->in, end + 2, "transfer-encoding");
    if (te && strncasecmp(te, "chunked", 7) == 0) {
        char *last = memmem(c->in + head_len - 2, c->in_len - head_len + 2, "\r\n0\r\n\r\n", 7);
        if (!last) return 0;
        total = (size_t)(last - c->in) + 7;
    } else {
        const char *cl = header(c->in, end + 2, "content-length");
        total = head_len + (cl ? strtoul(cl, NULL, 10) : 0);
        if (c->in_len < total) return 0;
    }
    /* "POST /GetKey HTTP/1.1": the path, without a query */
    const char *sp = memchr(c->in, ' ', head_len);
    const struct answer *a = &not_found;
    if (sp) {
        const char *path = sp + 1;
        size_t n = strcspn(path, " ?\r");
        for (int i = 0; i < n_answers; i++)
            if (strlen(answers[i].path) == n && memcmp(answers[i].path, path, n) == 0) a = &answers[i];
    }
    const char *conn_hdr = header(c->in, end + 2, "connection");
    c->close_after = conn_hdr && strncasecmp(conn_hdr, "close", 5) == 0;
    record(c->in, total);
    memmove(c->in, c->in + total, c->in_len - total);
    c->in_len -= total;
    c->out = a->bytes;
    c->out_len = a->len;
    c->out_off = 0;
    return 1;
}

static void drop(int ep, struct conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c);
}

/* Writes what is pending and answers buffered requests; returns -1 when the connection is
 * to be closed, 1 when a write waits for room, 0 when all is written. */
static int pump(struct conn *c) {
    for (;;) {
        while (c->out && c->out_off < c->out_len) {
            ssize_t k = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
            if (k < 0) return errno == EAGAIN ? 1 : -1;
            c->out_off += (size_t)k;
        }
        if (c->out && c->close_after) return -1;
        c->out = NULL;
        if (!take_request(c)) return 0;
    }
}

static void set_events(int ep, struct conn *c, unsigned events) {
    if (c->events == events) return;
    c->events = events;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) die("epoll_ctl");
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s SOCKET --answer PATH=BODYFILE... [--record FILE]\n", argv[0]);
        return 2;
    }
    const char *sock = argv[1];
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--answer") == 0 && i + 1 < argc) load_answer(argv[++i]);
        else if (strcmp(argv[i], "--record") == 0 && i + 1 < argc) record_path = argv[++i];
        else {
            fprintf(stderr, "unknown argument %s\n", argv[i]);
            return 2;
        }
    }
    static const char nf[] = "{\"error\":\"the canned agent has no answer for this path\"}";
    build(&not_found, "404 Not Found", nf, sizeof nf - 1);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(sock) >= sizeof addr.sun_path) {
        fprintf(stderr, "socket path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, sock);
    unlink(sock);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind");
    if (listen(lfd, 512) != 0) die("listen");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) != 0) die("epoll_ctl");
    printf("ready\n");
    fflush(stdout);

    struct epoll_event evs[64];
    while (!stop) {
        int n = epoll_wait(ep, evs, 64, 500);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (!c) { /* the listener */
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    c = calloc(1, sizeof *c);
                    if (!c) die("calloc");
                    c->fd = fd;
                    c->events = EPOLLIN | EPOLLRDHUP;
                    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
                }
                continue;
            }
            int closed = 0;
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                for (;;) {
                    if (c->in_cap - c->in_len < 4096) {
                        if (c->in_cap >= MAX_REQUEST) { closed = 1; break; }
                        c->in_cap = c->in_cap ? 2 * c->in_cap : 16384;
                        if (!(c->in = realloc(c->in, c->in_cap))) die("realloc");
                    }
                    size_t room = c->in_cap - c->in_len;
                    ssize_t k = recv(c->fd, c->in + c->in_len, room, 0);
                    if (k > 0) {
                        c->in_len += (size_t)k;
                        if ((size_t)k < room) break; /* drained */
                        continue;
                    }
                    if (k == 0 || errno != EAGAIN) closed = 1;
                    break;
                }
            }
            int r = pump(c);
            if (r < 0 || (closed && r == 0)) {
                drop(ep, c);
                continue;
            }
            set_events(ep, c, r == 1 ? EPOLLOUT | EPOLLRDHUP : EPOLLIN | EPOLLRDHUP);
        }
    }
    unlink(sock);
    return 0;
}
