#include "lua/watchdog.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_SLOTS   64
#define TICK_NS     2000000LL /* how late a deadline may be noticed */
#define WD_SIGNAL   (SIGRTMIN + 3)
#define NO_DEADLINE INT64_MAX

/* One per thread that has armed a deadline; written by its thread, read by the watchdog. */
typedef struct slot {
    _Atomic(lua_State *) L;
    _Atomic(void *) flag; /* volatile sig_atomic_t * */
    _Atomic int64_t deadline_ns;
    _Atomic int64_t cpu_limit_ns; /* > 0: the deadline is this much CPU time, not deadline_ns */
    _Atomic int fd;
    _Atomic int why;          /* set by the watchdog before it signals */
    _Atomic uint64_t gen;     /* +1 per arming: one signal per arming */
    _Atomic int64_t cpu_used; /* CPU time of the call when the watchdog stopped it */
    uint64_t signalled_gen;   /* watchdog thread only */
    uint64_t seen_gen;        /* watchdog thread only: the arming cpu_start belongs to */
    int64_t cpu_start;        /* watchdog thread only: the thread's CPU clock when first seen */
    clockid_t cpu;            /* the thread's CPU-time clock */
    pthread_t tid;
} slot;

static slot slots[MAX_SLOTS];
static _Atomic int nslots;
static __thread slot *mine;
static pthread_once_t started = PTHREAD_ONCE_INIT;
static int start_failed;

int64_t tb_wd_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Runs on the thread inside Lua: only async-signal-safe work (atomics, lua_sethook). */
static void on_signal(int sig)
{
    (void)sig;
    int saved = errno;
    slot *s = mine;
    lua_State *L = s ? atomic_load(&s->L) : NULL;
    volatile sig_atomic_t *flag = s ? atomic_load(&s->flag) : NULL;
    int why = s ? atomic_load(&s->why) : 0;
    if (why == TB_WD_TIME) { /* a late signal must not stop a call whose deadline is later */
        int64_t d = atomic_load(&s->deadline_ns);
        if (!d || tb_wd_now_ns() < d) why = 0;
    }
    if (L && flag && why) {
        *flag = why;
        lua_Hook h = lua_gethook(L);
        if (h) lua_sethook(L, h, LUA_MASKCOUNT, 1);
    }
    errno = saved;
}

/* An empty frame is the client's Ctrl-C; a closed socket means nobody waits for the result. */
static int interrupt_pending(int fd)
{
    unsigned char b[4];
    ssize_t n = recv(fd, b, sizeof b, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return 1;
    return n == 4 && !b[0] && !b[1] && !b[2] && !b[3];
}

static int64_t cpu_ns(clockid_t c)
{
    struct timespec ts;
    if (clock_gettime(c, &ts) != 0) return -1;
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Past the deadline (wall clock). The CPU time the call used meanwhile, read from outside on
 * the thread's CPU clock, goes with the signal: a call merely starved on a busy machine is
 * stopped like any other but not blamed for it (tb_wd_cpu_used_ns). */
static int over_time(slot *s, uint64_t gen, int64_t d, int64_t now)
{
    int64_t cpu_lim = atomic_load(&s->cpu_limit_ns);
    if (s->seen_gen != gen) { /* first look at this arming: count from here, with a tick's grace */
        s->seen_gen = gen;
        s->cpu_start = cpu_ns(s->cpu) - (cpu_lim > 0 ? 0 : TICK_NS);
    }
    if (now < d) return 0;
    if (cpu_lim > 0 && cpu_ns(s->cpu) - s->cpu_start < cpu_lim) return 0; /* starved, not slow */
    int64_t cpu = cpu_ns(s->cpu);
    atomic_store(&s->cpu_used, cpu < 0 ? INT64_MAX : cpu - s->cpu_start);
    return 1;
}

static void check_slot(slot *s, int64_t now)
{
    uint64_t gen = atomic_load(&s->gen);
    int64_t d = atomic_load(&s->deadline_ns);
    if (!d || s->signalled_gen == gen) return;
    int why = 0;
    if (over_time(s, gen, d, now))
        why = TB_WD_TIME;
    else if (atomic_load(&s->fd) >= 0 && interrupt_pending(atomic_load(&s->fd)))
        why = TB_WD_INTERRUPT;
    if (!why) return;
    atomic_store(&s->why, why);
    s->signalled_gen = gen;
    pthread_kill(s->tid, WD_SIGNAL);
}

static void *watch(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    struct timespec tick = {0, TICK_NS};
    for (;;) {
        nanosleep(&tick, NULL);
        int64_t now = tb_wd_now_ns();
        int n = atomic_load(&nslots);
        for (int i = 0; i < n; i++) check_slot(&slots[i], now);
    }
    return NULL;
}

static void start(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    pthread_t t;
    if (sigaction(WD_SIGNAL, &sa, NULL) != 0 || pthread_create(&t, NULL, watch, NULL) != 0) {
        start_failed = 1;
        return;
    }
    pthread_detach(t);
}

static slot *my_slot(void)
{
    if (mine) return mine;
    pthread_once(&started, start);
    if (start_failed) return NULL;
    int i = atomic_fetch_add(&nslots, 1);
    if (i >= MAX_SLOTS) {
        atomic_store(&nslots, MAX_SLOTS);
        return NULL;
    }
    slots[i].tid = pthread_self();
    if (pthread_getcpuclockid(slots[i].tid, &slots[i].cpu) != 0) slots[i].cpu = CLOCK_MONOTONIC;
    atomic_store(&slots[i].fd, -1);
    mine = &slots[i];
    return mine;
}

/*
 * Stores of the arming thread. Only this thread writes its slot, so they need no read-modify-write
 * and no full fence: a sequentially consistent store is an xchg on x86 (about 12 ns each, 20 a
 * call: a tenth of a backtest's time per bar), a release store a plain mov. Release keeps them in
 * program order for the watchdog thread (each orders every store before it), and the signal
 * handler runs on this thread, which sees its own stores in order. The watchdog's decision is a
 * hint in any case: the handler checks the deadline again before it stops the call.
 */
#define PUT(field, v) atomic_store_explicit(&(field), (v), memory_order_release)
#define GET(field)    atomic_load_explicit(&(field), memory_order_relaxed) /* own slot */

static void next_gen(slot *s)
{
    PUT(s->gen, GET(s->gen) + 1);
}

void tb_wd_arm(tb_wd_token *save, lua_State *L, volatile sig_atomic_t *flag, int64_t ms, int on_cpu,
               int fd)
{
    save->L = NULL;
    if (ms <= 0 && fd < 0 && !mine) return;
    slot *s = my_slot();
    if (!s) return;
    save->L = GET(s->L);
    save->flag = GET(s->flag);
    save->deadline_ns = GET(s->deadline_ns);
    save->cpu_limit_ns = GET(s->cpu_limit_ns);
    save->fd = GET(s->fd);
    int64_t d = ms > 0 ? tb_wd_now_ns() + ms * 1000000LL : NO_DEADLINE;
    if (save->deadline_ns && save->deadline_ns < d) d = save->deadline_ns;
    if (ms <= 0 && fd < 0 && d == NO_DEADLINE) d = 0; /* nothing to watch for this call */
    PUT(s->deadline_ns, 0);                           /* never a half-written arming */
    PUT(s->why, 0);
    PUT(s->L, L);
    PUT(s->flag, (void *)flag);
    PUT(s->fd, fd >= 0 ? fd : save->fd);
    PUT(s->cpu_limit_ns, on_cpu && ms > 0 ? ms * 1000000LL : save->cpu_limit_ns);
    next_gen(s);
    PUT(s->deadline_ns, d);
}

void tb_wd_disarm(const tb_wd_token *save)
{
    slot *s = mine;
    if (!s) return;
    PUT(s->deadline_ns, 0);
    PUT(s->why, 0);
    PUT(s->L, save->L);
    PUT(s->flag, (void *)save->flag);
    PUT(s->fd, save->L ? save->fd : -1);
    PUT(s->cpu_limit_ns, save->L ? save->cpu_limit_ns : 0);
    next_gen(s);
    PUT(s->deadline_ns, save->L ? save->deadline_ns : 0);
}

int64_t tb_wd_cpu_used_ns(void)
{
    return mine ? atomic_load(&mine->cpu_used) : INT64_MAX;
}
