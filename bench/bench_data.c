/*
 * bench_data.c - market-data throughput: ring push, aggregation, CSV import, bar store writes
 * and replay at maximum speed, on sample data. Usage: bench_data [DAYS] (default 50).
 */
#include "bench.h"
#include "data/aggregate.h"
#include "data/bar_store.h"
#include "data/csv.h"
#include "data/ring.h"
#include "data/sample_gen.h"
#include "feed/replay.h"
#include "util/clock.h"

#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile double sink;

static void on_ev(const tb_replay_ev *ev, void *ud)
{
    if (ev->type == TB_REPLAY_BAR) sink += ev->bar->close;
}

int main(int argc, char **argv)
{
    tb_err e;
    tb_sample_cfg cfg;
    tb_sample_defaults(&cfg);
    cfg.days = argc > 1 ? atoi(argv[1]) : 50;
    tb_symtab syms;
    tb_symtab_init(&syms);
    tb_bar_vec m = {0};
    if (tb_sample_generate(&cfg, &syms, &m, NULL, &e) != 0) {
        fprintf(stderr, "bench_data: %s\n", e.msg);
        return 1;
    }
    uint32_t nsyms = tb_symtab_count(&syms);
    printf("data: %zu minute bars, %u symbols, %d days\n", m.n, nsyms, cfg.days);

    tb_ringset rs;
    tb_ringset_init(&rs, nsyms, 1024, &e);
    int64_t t0 = tb_clock_mono_ns();
    for (int rep = 0; rep < 10; rep++)
        for (size_t i = 0; i < m.n; i++) tb_ringset_push(&rs, &m.v[i]);
    double ns_ring = (double)(tb_clock_mono_ns() - t0) / (10.0 * (double)m.n);
    printf("ring push:                 %8.1f ns/bar\n", ns_ring);

    static const int tfs[] = {300, 900, 3600, 86400};
    tb_agg *aggs = malloc(nsyms * 4 * sizeof *aggs);
    for (uint32_t s = 0; s < nsyms * 4; s++) tb_agg_init(&aggs[s], tfs[s % 4], NULL, &e);
    size_t emitted = 0;
    t0 = tb_clock_mono_ns();
    for (size_t i = 0; i < m.n; i++) {
        tb_bar out[2];
        tb_ringset_push(&rs, &m.v[i]);
        for (int k = 0; k < 4; k++) {
            int r = tb_agg_push(&aggs[m.v[i].sym * 4 + k], &m.v[i], out);
            if (r > 0) emitted += (size_t)r;
        }
    }
    double ns_agg = (double)(tb_clock_mono_ns() - t0) / (double)m.n;
    printf("ring push + 4 aggregators: %8.1f ns/bar (%zu bars out)\n", ns_agg, emitted);

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    tb_csv_write(f, &syms, m.v, m.n, 1, &e);
    fclose(f);
    tb_bar_vec back = {0};
    tb_bar_vec_reserve(&back, m.n, &e);
    tb_csv_report rep;
    t0 = tb_clock_mono_ns();
    tb_csv_parse(buf, len, "bench", NULL, &syms, &back, &rep, &e);
    double s_csv = (double)(tb_clock_mono_ns() - t0) / 1e9;
    printf("csv import (memory):       %8.2f M rows/s (%zu rows, %.1f MB)\n",
           (double)rep.accepted / s_csv / 1e6, rep.accepted, (double)len / 1e6);
    t0 = tb_clock_mono_ns();
    f = open_memstream(&buf, &len);
    tb_csv_write(f, &syms, m.v, m.n, 1, &e);
    fclose(f);
    printf("csv write (memory):        %8.2f M rows/s\n",
           (double)m.n / ((double)(tb_clock_mono_ns() - t0) / 1e9) / 1e6);

    char path[] = "/tmp/bench_data_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    tb_db *db = tb_db_open(path, NULL, &e);
    tb_bar_store *bs = db ? tb_bar_store_open(db, &e) : NULL;
    if (bs) {
        t0 = tb_clock_mono_ns();
        tb_bar_store_put(bs, &syms, m.v, m.n, &e);
        double s_put = (double)(tb_clock_mono_ns() - t0) / 1e9;
        tb_bar_vec rd = {0};
        t0 = tb_clock_mono_ns();
        tb_bar_store_read(bs, &syms, NULL, 0, 60, 0, INT64_MAX, &rd, &e);
        double s_rd = (double)(tb_clock_mono_ns() - t0) / 1e9;
        printf("bar store put (WAL file):  %8.2f M bars/s\n", (double)m.n / s_put / 1e6);
        printf("bar store read, merged:    %8.2f M bars/s\n", (double)rd.n / s_rd / 1e6);
        tb_bar_vec_free(&rd);
    }
    tb_bar_store_close(bs);
    tb_db_close(db);
    bench_remove_db(path);

    struct event_base *base = event_base_new();
    tb_replay_opts o = {0, 1000, NULL};
    tb_replay *r = tb_replay_new(base, m.v, m.n, &o, on_ev, NULL, &e);
    t0 = tb_clock_mono_ns();
    tb_replay_start(r, &e);
    event_base_dispatch(base);
    double s_rp = (double)(tb_clock_mono_ns() - t0) / 1e9;
    printf("replay, max speed:         %8.2f M bars/s (batches of 1000 per loop turn)\n",
           (double)m.n / s_rp / 1e6);
    tb_replay_free(r);
    event_base_free(base);
    free(buf);
    free(aggs);
    tb_bar_vec_free(&back);
    tb_bar_vec_free(&m);
    tb_ringset_free(&rs);
    tb_symtab_free(&syms);
    return 0;
}
