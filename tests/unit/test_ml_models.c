/*
 * test_ml_models.c - ml_db/models/: timestamped folders that never collide, `current` replaced
 * atomically with the runbook's feature_schema.json copied beside it, and the "due" rule of
 * `tradebot train`.
 */
#include "tbtest.h"
#include "ml/model_dir.h"
#include "ml_testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS(s) ((int64_t)(s)*1000000000LL)

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static char dirs[3][64];
static int ndirs;

static char *models(void)
{
    char *dir = dirs[ndirs++ % 3];
    snprintf(dir, 64, "/tmp/tb-models-XXXXXX");
    if (!mkdtemp(dir)) abort();
    return dir;
}

__attribute__((destructor)) static void cleanup(void)
{
    for (int i = 0; i < 3; i++) mlt_rmtree(dirs[i]);
}

TEST(model_folders_are_named_by_utc_time_and_never_collide)
{
    const char *m = models();
    char dir[PATH_MAX], name[64], dir2[PATH_MAX], name2[64];
    tb_err e;
    int64_t t = NS(1795753227); /* 2026-11-27T04:20:27Z */
    CHECK_INT(tb_models_new_dir(m, t, dir, sizeof dir, name, sizeof name, &e), 0);
    CHECK_STR(name, "20261127T042027Z");
    CHECK_INT(tb_models_new_dir(m, t, dir2, sizeof dir2, name2, sizeof name2, &e), 0);
    CHECK_STR(name2, "20261127T042027Z-2");
    struct stat st;
    CHECK(stat(dir2, &st) == 0 && S_ISDIR(st.st_mode));
}

TEST(current_is_replaced_atomically_and_the_runbook_schema_follows_it)
{
    const char *m = models();
    char dir[PATH_MAX], name[64], path[PATH_MAX + 64], buf[64];
    tb_err e;
    for (int i = 0; i < 2; i++) {
        CHECK_INT(tb_models_new_dir(m, NS(1000 + i), dir, sizeof dir, name, sizeof name, &e), 0);
        snprintf(path, sizeof path, "%s/feature_schema.json", dir);
        write_file(path, i ? "{\"second\": 1}\n" : "{\"first\": 1}\n");
        CHECK_INT(tb_models_point_current(m, name, &e), 0);
        snprintf(path, sizeof path, "%s/current", m);
        ssize_t n = readlink(path, buf, sizeof buf - 1);
        buf[n > 0 ? n : 0] = '\0';
        CHECK_STR(buf, name); /* relative: the folder can move */
    }
    snprintf(path, sizeof path, "%s/feature_schema.json", m);
    FILE *f = fopen(path, "r");
    char text[64] = "";
    CHECK(f && fgets(text, sizeof text, f));
    if (f) fclose(f);
    CHECK_STR(text, "{\"second\": 1}\n");
    CHECK(tb_models_current(m, dir, sizeof dir) == 0 && strstr(dir, name));
    CHECK_INT(tb_models_point_current(m, "missing", &e), -1); /* no schema to copy */
    CHECK_CONTAINS(e.msg, "missing/feature_schema.json");
    CHECK(tb_models_current(m, dir, sizeof dir) == 0 && strstr(dir, name)); /* unchanged */
}

TEST(training_is_due_without_a_model_and_after_the_interval_since_the_last_training)
{
    const char *m = models();
    char why[256], dir[PATH_MAX], name[64], path[PATH_MAX + 64];
    tb_err e;
    CHECK_INT(tb_models_due(m, 24, NS(2000000000), why, sizeof why), 1);
    CHECK_CONTAINS(why, "no model trained yet");
    CHECK_INT(tb_models_new_dir(m, NS(1795753227), dir, sizeof dir, name, sizeof name, &e), 0);
    snprintf(path, sizeof path, "%s/feature_schema.json", dir);
    write_file(path, "{}");
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    write_file(path, "{\"trained_at\": \"2026-11-27T04:20:27Z\", \"trained_at_unix\": 1795753227}");
    CHECK_INT(tb_models_point_current(m, name, &e), 0);
    CHECK_INT(tb_models_due(m, 24, NS(1795753227 + 3600), why, sizeof why), 0);
    CHECK_CONTAINS(why, "not due yet");
    CHECK_INT(tb_models_due(m, 24, NS(1795753227 + 24 * 3600), why, sizeof why), 1);
    CHECK_INT(tb_models_due(m, 0.5, NS(1795753227 + 3600), why, sizeof why), 1);
    /* a later training kept as a candidate (current not moved) counts: not due again at once */
    CHECK_INT(
        tb_models_new_dir(m, NS(1795753227 + 48 * 3600), dir, sizeof dir, name, sizeof name, &e),
        0);
    snprintf(path, sizeof path, "%s/metrics.json", dir);
    write_file(path, "{\"trained_at\": \"2026-11-29T04:20:27Z\", \"trained_at_unix\": 1795926027}");
    CHECK_INT(tb_models_due(m, 24, NS(1795926027 + 3600), why, sizeof why), 0);
    CHECK_CONTAINS(why, "2026-11-29T04:20:27Z");
}
