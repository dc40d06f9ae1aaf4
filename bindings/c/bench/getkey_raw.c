/* Baseline: the same GetKey request bytes libdstack sends, written on one raw Unix socket
 * connection, reading each response by its Content-Length (no JSON parsing at all).
 * usage: getkey_raw SOCKET ITERATIONS  -> prints "raw <ns per call>" */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char BODY[] = "{\"path\":\"a\",\"purpose\":\"p\",\"algorithm\":\"secp256k1\"}";

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static char buf[65536];

static int one_call(int fd, const char *req, size_t req_len) {
    if (write(fd, req, req_len) != (ssize_t)req_len) return -1;
    size_t have = 0;
    char *end = NULL;
    while (!end) {
        ssize_t k = read(fd, buf + have, sizeof buf - 1 - have);
        if (k <= 0) return -1;
        have += (size_t)k;
        buf[have] = 0;
        end = strstr(buf, "\r\n\r\n");
    }
    char *cl = strstr(buf, "ontent-Length:");
    if (!cl) cl = strstr(buf, "ontent-length:");
    if (!cl || cl > end) return -1;
    size_t total = (size_t)(end + 4 - buf) + (size_t)strtoul(cl + 14, NULL, 10);
    while (have < total) {
        ssize_t k = read(fd, buf + have, sizeof buf - 1 - have);
        if (k <= 0) return -1;
        have += (size_t)k;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    int n = atoi(argv[2]);
    char req[512];
    int req_len = snprintf(req, sizeof req,
                           "POST /GetKey HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                           "Content-Length: %zu\r\nUser-Agent: libdstack/0.1.0\r\nConnection: keep-alive\r\n\r\n%s",
                           strlen(BODY), BODY);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
    if (one_call(fd, req, (size_t)req_len)) return 1; /* warm up */
    double t0 = now_ns();
    for (int i = 0; i < n; i++)
        if (one_call(fd, req, (size_t)req_len)) { fprintf(stderr, "call %d failed\n", i); return 1; }
    printf("raw %.0f\n", (now_ns() - t0) / n);
    close(fd);
    return 0;
}
