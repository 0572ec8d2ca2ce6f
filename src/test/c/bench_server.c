/*
 * The native twin of dev.codex4j.appserver.bench.BenchServer (see its Javadoc for the protocol): a fast
 * stand-in for `codex app-server`, for benchmarks only. Same requests, same answers, same flood lines, same
 * flushing (once per chunk of input, or once per flood). Without a JIT or a garbage collector of its own it
 * behaves the same for the client and the baseline in every run, and leaves the cores to the JVM measured.
 *
 * Build: cc -O2 -o bench-server src/test/c/bench_server.c   (scripts/bench.sh does this when cc exists)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#define VARIANTS 64
#define OUT_CAP (1 << 18)

static const char *THREAD_ID = "01a20194-ecd2-7cb2-9040-8a6e24876be4";
static const char *TURN_ID = "01a20194-ece5-7cb2-9e21-85dc0b0148b3";
static const char *DELTAS[] = {
    "Hello! Here is how the streaming",
    " parser handles this: it reads a ",
    "line, classifies it and hands it ",
    "on to\\nevery subscriber in order.",
    " The \\\"delta\\\" field carries text",
    " of a few words at a time, like th",
    "is one, so lines stay near 230 by",
    "tes \\u2014 as codex sends them.\\n\\n",
};

static char *lines[VARIANTS];
static size_t line_lengths[VARIANTS];
static char out[OUT_CAP];
static size_t out_len;

static void flush_out(void) {
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = write(1, out + done, out_len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            exit(0); /* the client went away */
        }
        done += (size_t) n;
    }
    out_len = 0;
}

static void put(const char *s, size_t n) {
    if (out_len + n > OUT_CAP) flush_out();
    if (n > OUT_CAP) { /* never happens with these messages */
        memcpy(out, s, OUT_CAP);
        out_len = OUT_CAP;
        return;
    }
    memcpy(out + out_len, s, n);
    out_len += n;
}

static void puts_(const char *s) { put(s, strlen(s)); }

static void put_number(long long v) {
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", v);
    put(buf, (size_t) n);
}

static const char *find(const char *from, const char *to, const char *word) {
    size_t w = strlen(word);
    for (const char *p = from; p + w <= to; p++) {
        if (*p == word[0] && memcmp(p, word, w) == 0) return p;
    }
    return NULL;
}

static long long number(const char *p, const char *to) {
    while (p < to && *p == ' ') p++;
    int negative = p < to && *p == '-';
    if (negative) p++;
    long long v = 0;
    while (p < to && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    return negative ? -v : v;
}

static int method_is(const char *p, const char *to, const char *word) {
    size_t w = strlen(word);
    return (size_t) (to - p) >= w + 1 && memcmp(p, word, w) == 0 && p[w] == '"';
}

static void line(const char *from, const char *to) {
    const char *id_at = find(from, to, "\"id\":");
    if (!id_at) return; /* a notification from the client: nothing to answer */
    long long id = number(id_at + 5, to);
    const char *method_at = find(from, to, "\"method\":\"");
    const char *method = method_at ? method_at + 10 : to;
    if (method_is(method, to, "initialize")) {
        puts_("{\"id\":");
        put_number(id);
        puts_(",\"result\":{\"userAgent\":\"bench/0\",\"codexHome\":\"/tmp\",\"platformFamily\":\"unix\","
              "\"platformOs\":\"linux\"}}\n");
    } else if (method_is(method, to, "bench/flood")) {
        const char *count_at = find(from, to, "\"count\":");
        long long count = count_at ? number(count_at + 8, to) : 0;
        for (long long i = 0; i < count; i++) {
            put(lines[i & (VARIANTS - 1)], line_lengths[i & (VARIANTS - 1)]);
        }
        puts_("{\"id\":");
        put_number(id);
        puts_(",\"result\":{\"sent\":");
        put_number(count);
        puts_("}}\n");
    } else {
        const char *seq_at = find(from, to, "\"seq\":");
        long long seq = seq_at ? number(seq_at + 6, to) : -1;
        puts_("{\"id\":");
        put_number(id);
        puts_(",\"result\":{\"id\":");
        put_number(id);
        puts_(",\"seq\":");
        put_number(seq);
        puts_("}}\n");
    }
}

int main(void) {
    long long emitted = 1795322867078LL;
    for (int i = 0; i < VARIANTS; i++) {
        char buf[512];
        int n = snprintf(buf, sizeof buf,
                "{\"method\":\"item/agentMessage/delta\",\"params\":{\"threadId\":\"%s\",\"turnId\":\"%s\","
                "\"itemId\":\"msg_%d\",\"delta\":\"%s\"},\"emittedAtMs\":%lld}\n",
                THREAD_ID, TURN_ID, 1 + i / 16, DELTAS[i % 8], emitted + i);
        lines[i] = malloc((size_t) n);
        memcpy(lines[i], buf, (size_t) n);
        line_lengths[i] = (size_t) n;
    }
    size_t cap = 1 << 16, start = 0, end = 0;
    char *in = malloc(cap);
    for (;;) {
        if (end == cap) {
            if (start > 0) {
                memmove(in, in + start, end - start);
                end -= start;
                start = 0;
            } else {
                cap *= 2;
                in = realloc(in, cap);
            }
        }
        ssize_t n = read(0, in + end, cap - end);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        size_t scan = end;
        end += (size_t) n;
        for (size_t i = scan; i < end; i++) {
            if (in[i] == '\n') {
                line(in + start, in + i);
                start = i + 1;
            }
        }
        if (start == end) start = end = 0;
        flush_out();
    }
    flush_out();
    return 0;
}
