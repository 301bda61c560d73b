#include "ml/model_dir.h"
#include "util/atomic.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int tb_models_new_dir(const char *models, int64_t now_ns, char *out, size_t len, char *name,
                      size_t name_len, tb_err *e)
{
    if (mkdir(models, 0755) != 0 && errno != EEXIST)
        return tb_errf(e, "%s: cannot create: %s", models, strerror(errno));
    time_t secs = (time_t)(now_ns / 1000000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    for (int i = 1; i < 100; i++) {
        if (i == 1)
            snprintf(name, name_len, "%s", stamp);
        else
            snprintf(name, name_len, "%s-%d", stamp, i);
        snprintf(out, len, "%s/%s", models, name);
        if (mkdir(out, 0755) == 0) return 0;
        if (errno != EEXIST) return tb_errf(e, "%s: cannot create: %s", out, strerror(errno));
    }
    return tb_errf(e, "%s: too many models named %s", models, stamp);
}

/* Copies from into to (a temporary name); the caller renames it into place. */
static int copy_file(const char *from, const char *to, tb_err *e)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[8192];
    size_t n;
    int bad = !in || !out;
    while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0) bad = fwrite(buf, 1, n, out) != n;
    if (in) fclose(in);
    if (out && (fflush(out) != 0 || fsync(fileno(out)) != 0)) bad = 1;
    if (out && fclose(out) != 0) bad = 1;
    if (bad) {
        unlink(to);
        return tb_errf(e, "cannot copy %s", from);
    }
    return 0;
}

/* The schema copy is made first, so a failure leaves current and the copy as they were; the two
 * renames then follow each other (each atomic on its own). */
int tb_models_point_current(const char *models, const char *name, tb_err *e)
{
    char link[PATH_MAX], tmp[PATH_MAX + 16], from[PATH_MAX + 64], to[PATH_MAX + 32],
        to_tmp[PATH_MAX + 48];
    snprintf(link, sizeof link, "%s/current", models);
    snprintf(tmp, sizeof tmp, "%s/.current.%d", models, (int)getpid());
    snprintf(from, sizeof from, "%s/%s/feature_schema.json", models, name);
    snprintf(to, sizeof to, "%s/feature_schema.json", models);
    snprintf(to_tmp, sizeof to_tmp, "%s/.feature_schema.json.%d", models, (int)getpid());
    if (copy_file(from, to_tmp, e) != 0) return -1;
    unlink(tmp);
    if (symlink(name, tmp) != 0 || rename(tmp, link) != 0) {
        int err = errno;
        unlink(tmp), unlink(to_tmp);
        return tb_errf(e, "%s: cannot point it at %s: %s", link, name, strerror(err));
    }
    if (rename(to_tmp, to) != 0) {
        unlink(to_tmp);
        return tb_errf(e, "%s: rename: %s", to, strerror(errno));
    }
    return tb_fsync_dir_of(link, e); /* both renames survive a power cut */
}

int tb_models_current(const char *models, char *out, size_t len)
{
    char link[PATH_MAX + 16], buf[PATH_MAX];
    snprintf(link, sizeof link, "%s/current", models);
    if (!realpath(link, buf)) return -1;
    snprintf(out, len, "%s", buf);
    return 0;
}

/* The metrics.json of the most recently trained folder (in service or kept as a candidate), a
 * new reference (its folder's name into name when given), or NULL when no folder has one. */
static json_t *newest_metrics(const char *models, char *name, size_t name_len)
{
    DIR *d = opendir(models);
    json_t *best = NULL;
    json_int_t best_at = 0;
    char path[PATH_MAX + 300];
    for (struct dirent *de; d && (de = readdir(d));) {
        if (de->d_name[0] == '.' || strcmp(de->d_name, "current") == 0) continue;
        snprintf(path, sizeof path, "%s/%s/metrics.json", models, de->d_name);
        json_t *m = json_load_file(path, 0, NULL);
        json_t *at = json_object_get(m, "trained_at_unix");
        if (json_is_integer(at) && (!best || json_integer_value(at) > best_at)) {
            json_decref(best);
            best = json_incref(m);
            best_at = json_integer_value(at);
            if (name) snprintf(name, name_len, "%s", de->d_name);
        }
        json_decref(m);
    }
    if (d) closedir(d);
    return best;
}

/* Due when the last training (whether its model went into service or stayed a candidate) is
 * older than the interval: a model kept as a candidate does not make every run train again. */
int tb_models_due(const char *models, double interval_hours, int64_t now_ns, char *why,
                  size_t why_len)
{
    json_t *m = newest_metrics(models, NULL, 0);
    if (!m) {
        snprintf(why, why_len, "no model trained yet");
        return 1;
    }
    json_t *at = json_object_get(m, "trained_at_unix");
    double age_h = ((double)now_ns / 1e9 - (double)json_integer_value(at)) / 3600.0;
    const char *when = json_string_value(json_object_get(m, "trained_at"));
    int due = age_h >= interval_hours;
    snprintf(why, why_len, "last trained %s (%.1f h ago); retrain interval %.1f h%s",
             when ? when : "?", age_h, interval_hours, due ? "" : ": not due yet");
    json_decref(m);
    return due;
}

int tb_models_latest(const char *models, char *name, size_t len)
{
    json_t *m = newest_metrics(models, name, len);
    json_decref(m);
    return m ? 0 : -1;
}
