/* The raw floor: the least a client can do for one GetKey call. One keep-alive Unix socket
 * connection, the request prebuilt (the exact bytes libdstack sends, recorded by the canned
 * agent), and each response read in full by its Content-Length: find the end of the head,
 * read the length, read the body. No JSON, no copies, no allocation per call.
 *
 * usage: raw-floor SOCKET REQUEST_FILE CALLS WARMUP  ->  RESULT <cpu µs/call> <wall µs/call> <calls> */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"

static char req[65536];
static size_t req_len;
static char buf[1 << 20];

static int one_call(int fd) {
    if (write(fd, req, req_len) != (ssize_t)req_len) return -1;
    size_t have = 0, total = 0;
    for (;;) {
        ssize_t k = read(fd, buf + have, sizeof buf - have);
        if (k <= 0) return -1;
        have += (size_t)k;
        if (!total) {
            char *end = memmem(buf, have, "\r\n\r\n", 4);
            if (!end) continue;
            const char *cl = NULL;
            for (char *p = buf; p < end; p++)
                if (p[0] == '\n' && strncasecmp(p + 1, "content-length:", 15) == 0) { cl = p + 16; break; }
            if (!cl) return -1;
            total = (size_t)(end + 4 - buf) + strtoul(cl, NULL, 10);
            if (total > sizeof buf) return -1;
        }
        if (have >= total) return have == total ? 0 : -1;
    }
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s SOCKET REQUEST_FILE CALLS WARMUP\n", argv[0]);
        return 2;
    }
    long n = atol(argv[3]), warm = atol(argv[4]);
    FILE *f = fopen(argv[2], "rb");
    if (!f) { perror(argv[2]); return 1; }
    req_len = fread(req, 1, sizeof req, f);
    fclose(f);
    if (!req_len) { fprintf(stderr, "empty request file\n"); return 1; }
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, argv[1], sizeof a.sun_path - 1);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
    for (long i = 0; i < warm; i++)
        if (one_call(fd)) { fprintf(stderr, "warm-up call failed\n"); return 1; }
    double c0 = cpu_us(), w0 = wall_us();
    for (long i = 0; i < n; i++)
        if (one_call(fd)) { fprintf(stderr, "call %ld failed\n", i); return 1; }
    result(c0, w0, n);
    close(fd);
    return 0;
}
