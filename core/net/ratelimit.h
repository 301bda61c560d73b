/*
 * ratelimit.h - per-host token buckets, so no vendor ever sees more than its published rate.
 *
 * Each host gets a bucket of `burst` tokens refilled at `per_sec`; a request takes one token or
 * is told how long to wait. Limits come from the vendors' published figures (Alpaca trading:
 * 200 requests a minute; Polygon free: 5 a minute, every next_url page counts). A host without
 * a configured limit is not throttled. Time is passed in, so tests need no clock.
 */
#ifndef TB_NET_RATELIMIT_H
#define TB_NET_RATELIMIT_H

#include <stdint.h>

#define TB_RL_HOST_MAX  127
#define TB_RL_MAX_HOSTS 32

typedef struct tb_rl_bucket {
    char host[TB_RL_HOST_MAX + 1]; /* "host:port" or "host" */
    double per_sec, burst, tokens;
    int64_t last_ns;
} tb_rl_bucket;

typedef struct tb_ratelimit {
    tb_rl_bucket b[TB_RL_MAX_HOSTS];
    int n;
    uint64_t throttled; /* requests that had to wait for a token */
} tb_ratelimit;

/* Empties the table (no host is limited). */
void tb_rl_init(tb_ratelimit *rl);

/*
 * Sets (or changes) the limit of a host: per_sec tokens a second, at most burst banked (the
 * bucket starts full). per_sec <= 0 removes the limit. Returns -1 when the table is full.
 */
int tb_rl_set(tb_ratelimit *rl, const char *host, double per_sec, double burst);

/*
 * Takes one token for host at now_ns. Returns 0 when the request may go now, otherwise the
 * milliseconds until a token will be there (nothing is taken then: ask again after waiting).
 */
int64_t tb_rl_take(tb_ratelimit *rl, const char *host, int64_t now_ns);

/* Copies the "host[:port]" part of an http(s) URL into out (cap bytes); "" if none. */
void tb_rl_host_of(const char *url, char *out, int cap);

#endif
