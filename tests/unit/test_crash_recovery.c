/*
 * A child process trades against the paper broker with the SQLite journal and is SIGKILLed at
 * a random moment; the parent reopens the database and checks that nothing acknowledged was
 * lost, nothing was duplicated, positions equal the sum of the persisted fills and the client
 * id sequence moves on.
 */
#include "tbtest.h"
#include "broker/paper.h"
#include "oms/oms.h"
#include "oms/oms_store.h"
#include "store/db.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIN_NS   60000000000LL
#define MAX_ACKS 20000

static const char *const SYMS[] = {"AAPL", "MSFT", "TSLA"};

static int ack_fd;

static void on_event(void *ud, const oms_event *ev)
{
    if (ev->kind != OMS_EV_FILL) return;
    char line[128];
    int n = snprintf(line, sizeof line, "%s\n", ev->exec->exec_id);
    if (write(ack_fd, line, (size_t)n) != n) _exit(3);
}

static void child(const char *path, uint64_t seed)
{
    tb_err e = {{0}};
    tb_db *tdb = tb_db_open(path, NULL, &e);
    if (!tdb) _exit(2);
    oms_store *st = oms_store_open(tdb->h, NULL);
    oms_config oc = {4096, 16, 1 << 16, 20260105};
    oms *m = oms_new(&oc, NULL);
    if (!st || !m || oms_store_load(st, m, 20260105, NULL) < 0) _exit(2);
    oms_journal j = oms_store_journal(st);
    oms_set_journal(m, &j);
    oms_set_listener(m, on_event, NULL);
    paper_config pc = {.seed = seed,
                       .initial_cash = TB_USD(1000000000, 0),
                       .margin = PAPER_REGT,
                       .participation_pct = 5};
    paper *p = paper_new(&pc, NULL);
    broker b = paper_broker(p);
    broker_connect(b, NULL);
    oms_set_broker(m, b);
    if (write(ack_fd, "ready\n", 6) != 6) _exit(3);
    uint64_t r = seed;
    for (int64_t t = 1;; t++) {
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        const char *sym = SYMS[(r >> 33) % 3];
        tb_money px = TB_USD(100, 0) + (tb_money)((r >> 40) % 1000) * TB_MONEY_CENT;
        paper_on_bar(p, sym, px, px, px, px, 1000, t * MIN_NS, NULL);
        /* Two strategies share the symbols: each owns its fills (positions per strategy). */
        oms_intent in = {.strategy = ((r >> 50) & 1) ? "crash_a" : "crash_b",
                         .symbol = sym,
                         .type = OMS_MARKET,
                         .side = ((r >> 20) & 1) ? OMS_BUY : OMS_SELL,
                         .qty = 1 + (tb_qty)((r >> 24) % 120)};
        oms_submit(m, &in, NULL, NULL);
        if (t % 50 == 0) paper_end_session(p);
    }
}

/* The next whole line from the child, waiting at most limit_ms for it (a loaded machine may
 * be slow to schedule the child, never this slow). */
static int next_line(FILE *f, char *line, int len, int limit_ms)
{
    struct pollfd p = {.fd = fileno(f), .events = POLLIN};
    if (poll(&p, 1, limit_ms) <= 0) return 0; /* f is unbuffered: nothing waits in it */
    return fgets(line, len, f) != NULL;
}

static int64_t scalar(sqlite3 *db, const char *q, const char *arg)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) return -1;
    if (arg) sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void run_iteration(uint64_t seed, int restarts)
{
    char dir[] = "/tmp/tb_crash_XXXXXX";
    if (!mkdtemp(dir)) {
        TBT_FAIL("mkdtemp");
        return;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/ml_data.db", dir);
    static char acks[MAX_ACKS][64];
    int nacks = 0;
    int64_t max_seq_before = 0;
    uint64_t r = seed;
    for (int round = 0; round < restarts; round++) {
        int fds[2];
        if (pipe(fds) != 0) return;
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            ack_fd = fds[1];
            child(path, seed * 31 + (uint64_t)round);
        }
        close(fds[1]);
        /* Kill only once the child has made progress (its first fill acknowledged), so every
         * round trades something however slowly the machine runs it; then at a random moment. */
        FILE *f = fdopen(fds[0], "r");
        if (f) setvbuf(f, NULL, _IONBF, 0);
        char line[128];
        if (!f || !next_line(f, line, sizeof line, 60000) || strcmp(line, "ready\n") != 0)
            TBT_FAIL("seed %llu round %d: child did not start", (unsigned long long)seed, round);
        else if (!next_line(f, line, sizeof line, 60000))
            TBT_FAIL("seed %llu round %d: no fill within 60 s", (unsigned long long)seed, round);
        else if (nacks < MAX_ACKS && strchr(line, '\n'))
            oms_strlcpy(acks[nacks++], strtok(line, "\n"), sizeof acks[0]);
        r = r * 6364136223846793005ULL + 1442695040888963407ULL;
        struct timespec ts = {0, (long)(50 + (r >> 33) % 150) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        while (f && fgets(line, sizeof line, f)) {
            size_t n = strcspn(line, "\n");
            if (line[n] != '\n') break; /* torn last line: the child died mid-write */
            line[n] = 0;
            if (nacks < MAX_ACKS) oms_strlcpy(acks[nacks++], line, sizeof acks[0]);
        }
        if (f) fclose(f);

        sqlite3 *db;
        CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
        /* Every acknowledged fill is there, and nothing is duplicated. */
        int lost = 0;
        for (int i = 0; i < nacks; i++)
            if (scalar(db, "SELECT count(*) FROM oms_fills WHERE exec_id = ?", acks[i]) != 1)
                lost++;
        CHECK_INT(lost, 0);
        int64_t nfills = scalar(db, "SELECT count(*) FROM oms_fills", NULL);
        CHECK_INT(scalar(db, "SELECT count(DISTINCT exec_id) FROM oms_fills", NULL), nfills);
        /* At most one commit per kill can precede its acknowledgement. */
        if (nfills < nacks || nfills > nacks + round + 1)
            TBT_FAIL("seed %llu round %d: %lld fills stored, %d acknowledged",
                     (unsigned long long)seed, round, (long long)nfills, nacks);
        /* Positions and orders equal the sums of their fills. */
        for (int s = 0; s < 3; s++) {
            int64_t sum = scalar(db,
                                 "SELECT coalesce(sum(CASE side WHEN 'buy' THEN qty ELSE -qty "
                                 "END), 0) FROM oms_fills WHERE symbol = ?",
                                 SYMS[s]);
            int64_t pos = scalar(db,
                                 "SELECT coalesce((SELECT qty FROM oms_positions WHERE "
                                 "symbol = ?), 0)",
                                 SYMS[s]);
            if (pos != sum)
                TBT_FAIL("seed %llu %s: position %lld, fills %lld", (unsigned long long)seed,
                         SYMS[s], (long long)pos, (long long)sum);
        }
        CHECK_INT(scalar(db,
                         "SELECT count(*) FROM oms_orders o WHERE filled_qty != (SELECT "
                         "coalesce(sum(qty), 0) FROM oms_fills f WHERE f.client_id = "
                         "o.client_id)",
                         NULL),
                  0);
        /* Each strategy's position equals the sum of its own fills, and none is missing. */
        CHECK_INT(scalar(db,
                         "SELECT count(*) FROM (SELECT o.strategy, f.symbol, sum(CASE f.side WHEN "
                         "'buy' THEN f.qty ELSE -f.qty END) AS q FROM oms_fills f JOIN oms_orders "
                         "o USING (client_id) GROUP BY 1, 2) x LEFT JOIN oms_strategy_positions "
                         "sp ON sp.strategy = x.strategy AND sp.symbol = x.symbol WHERE "
                         "coalesce(sp.qty, 0) != x.q",
                         NULL),
                  0);
        int64_t max_seq = scalar(db, "SELECT coalesce(max(seq), 0) FROM oms_orders", NULL);
        CHECK(max_seq > max_seq_before); /* each child carried on from the last seq */
        CHECK_INT(scalar(db, "SELECT count(*) - count(DISTINCT seq) FROM oms_orders", NULL), 0);
        max_seq_before = max_seq;
        printf("  seed %llu round %d: %d fills acknowledged, %lld stored, max seq %lld\n",
               (unsigned long long)seed, round, nacks, (long long)nfills, (long long)max_seq);
        /* A fresh OMS loads the same positions. */
        oms_store *st = oms_store_open(db, NULL);
        oms_config oc = {8192, 16, 1 << 16, 20260105};
        oms *m = oms_new(&oc, NULL);
        tb_err e = {{0}};
        CHECK_INT(oms_store_load(st, m, 20260105, &e), 0);
        for (int s = 0; s < 3; s++) {
            const oms_position *p = oms_position_get(m, SYMS[s]);
            int64_t pos = scalar(db,
                                 "SELECT coalesce((SELECT qty FROM oms_positions WHERE "
                                 "symbol = ?), 0)",
                                 SYMS[s]);
            CHECK_INT(p ? p->qty : 0, pos);
            CHECK_INT(oms_strategy_qty(m, "crash_a", SYMS[s]) +
                          oms_strategy_qty(m, "crash_b", SYMS[s]),
                      pos);
        }
        CHECK_INT(oms_invariant_violations(m), 0);
        CHECK_INT(oms_next_seq(m), max_seq + 1);
        oms_free(m);
        oms_store_close(st);
        sqlite3_close(db);
    }
    CHECK(nacks > 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) TBT_FAIL("cleanup %s", dir);
}

TEST(kill_9_at_random_moments_loses_no_acknowledged_fill_and_no_position)
{
    static const uint64_t seeds[] = {1, 2, 3, 4, 5};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) run_iteration(seeds[i], 3);
}
