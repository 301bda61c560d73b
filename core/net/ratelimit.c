#include "net/ratelimit.h"

#include <stdio.h>
#include <string.h>

void tb_rl_init(tb_ratelimit *rl)
{
    memset(rl, 0, sizeof *rl);
}

static tb_rl_bucket *find(tb_ratelimit *rl, const char *host)
{
    for (int i = 0; i < rl->n; i++)
        if (strcmp(rl->b[i].host, host) == 0) return &rl->b[i];
    return NULL;
}

int tb_rl_set(tb_ratelimit *rl, const char *host, double per_sec, double burst)
{
    tb_rl_bucket *b = find(rl, host);
    if (!b) {
        if (rl->n == TB_RL_MAX_HOSTS) return -1;
        b = &rl->b[rl->n++];
        snprintf(b->host, sizeof b->host, "%s", host);
        b->last_ns = 0;
    }
    b->per_sec = per_sec;
    b->burst = burst < 1 ? 1 : burst;
    b->tokens = b->burst;
    return 0;
}

int64_t tb_rl_take(tb_ratelimit *rl, const char *host, int64_t now_ns)
{
    tb_rl_bucket *b = find(rl, host);
    if (!b || b->per_sec <= 0) return 0;
    if (b->last_ns && now_ns > b->last_ns) {
        b->tokens += (double)(now_ns - b->last_ns) * 1e-9 * b->per_sec;
        if (b->tokens > b->burst) b->tokens = b->burst;
    }
    b->last_ns = now_ns;
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    rl->throttled++;
    int64_t ms = (int64_t)((1.0 - b->tokens) / b->per_sec * 1000.0) + 1;
    return ms;
}

void tb_rl_host_of(const char *url, char *out, int cap)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n); /* never keep userinfo */
    if (at) n -= (size_t)(at + 1 - p), p = at + 1;
    snprintf(out, (size_t)cap, "%.*s", (int)n, p);
}
