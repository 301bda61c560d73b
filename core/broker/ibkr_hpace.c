#include "broker/ibkr_hpace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sends of the last ten minutes: at most IBKR_HP_WINDOW_MAX count, so that many are kept. */
#define HIST IBKR_HP_WINDOW_MAX

typedef struct hp_req {
    char key[IBKR_HP_KEY_MAX], contract[32];
    int64_t tag;
} hp_req;

typedef struct hp_sent {
    char key[IBKR_HP_KEY_MAX], contract[32];
    int64_t t;
} hp_sent;

struct ibkr_hpace {
    int64_t margin;
    hp_req q[IBKR_HP_QUEUE_MAX];
    size_t head, n;
    hp_sent sent[HIST]; /* ring, newest at (next - 1) */
    int next, nsent;
    int head_waited; /* the head was counted as delayed */
    ibkr_hpace_stats st;
};

ibkr_hpace *ibkr_hpace_new(int64_t margin_ns)
{
    ibkr_hpace *p = calloc(1, sizeof *p);
    if (p) p->margin = margin_ns;
    return p;
}

void ibkr_hpace_free(ibkr_hpace *p)
{
    free(p);
}

int ibkr_hpace_push(ibkr_hpace *p, const char *key, const char *contract, int64_t tag)
{
    if (p->n == IBKR_HP_QUEUE_MAX) return -1;
    hp_req *r = &p->q[(p->head + p->n++) % IBKR_HP_QUEUE_MAX];
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->contract, sizeof r->contract, "%s", contract);
    r->tag = tag;
    p->st.queued++;
    return 0;
}

/* The k-th newest send (0: newest). */
static const hp_sent *nth(const ibkr_hpace *p, int k)
{
    return &p->sent[((p->next - 1 - k) % HIST + HIST) % HIST];
}

/* When the request may go: the latest of what each rule allows (now when none objects). */
static int64_t allowed_at(ibkr_hpace *p, const hp_req *r, int64_t now, int *rule)
{
    int64_t at = now;
    *rule = 0;
    for (int k = 0, same = 0; k < p->nsent; k++) {
        const hp_sent *s = nth(p, k);
        if (!strcmp(s->key, r->key) && s->t + IBKR_HP_IDENTICAL_NS + p->margin > at)
            at = s->t + IBKR_HP_IDENTICAL_NS + p->margin, *rule = 1;
        /* with this one, at most IBKR_HP_CONTRACT_MAX in 2 s: the MAX-th newest send for this
         * contract must be older than 2 s */
        if (!strcmp(s->contract, r->contract) && ++same == IBKR_HP_CONTRACT_MAX &&
            s->t + IBKR_HP_CONTRACT_NS + p->margin > at)
            at = s->t + IBKR_HP_CONTRACT_NS + p->margin, *rule = 2;
    }
    if (p->nsent == HIST) {
        const hp_sent *oldest = nth(p, HIST - 1);
        if (oldest->t + IBKR_HP_WINDOW_NS + p->margin > at)
            at = oldest->t + IBKR_HP_WINDOW_NS + p->margin, *rule = 3;
    }
    return at;
}

int ibkr_hpace_pop(ibkr_hpace *p, int64_t now, int64_t *tag, int64_t *wait_ns)
{
    if (!p->n) return -1;
    hp_req *r = &p->q[p->head];
    int rule;
    int64_t at = allowed_at(p, r, now, &rule);
    if (at > now) {
        if (!p->head_waited) {
            p->head_waited = 1;
            p->st.delayed++;
            p->st.by_identical += rule == 1;
            p->st.by_contract += rule == 2;
            p->st.by_window += rule == 3;
        }
        *wait_ns = at - now;
        return 0;
    }
    hp_sent *s = &p->sent[p->next];
    memcpy(s->key, r->key, sizeof s->key);
    memcpy(s->contract, r->contract, sizeof s->contract);
    s->t = now;
    p->next = (p->next + 1) % HIST;
    if (p->nsent < HIST) p->nsent++;
    *tag = r->tag;
    p->head = (p->head + 1) % IBKR_HP_QUEUE_MAX;
    p->n--;
    p->head_waited = 0;
    p->st.sent++;
    return 1;
}

size_t ibkr_hpace_waiting(const ibkr_hpace *p)
{
    return p->n;
}

void ibkr_hpace_clear(ibkr_hpace *p)
{
    p->head = p->n = 0;
    p->head_waited = 0;
}

void ibkr_hpace_stats_get(const ibkr_hpace *p, ibkr_hpace_stats *out)
{
    *out = p->st;
    out->waiting = p->n;
}
