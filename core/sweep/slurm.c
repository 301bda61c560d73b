/*
 * slurm.c - the Slurm scripts of a sweep (slurm.h).
 */
#include "sweep/slurm.h"
#include "home/home.h"
#include "util/atomic.h"
#include "util/sbuf.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *tb_sh_quote(char *buf, size_t len, const char *s)
{
    size_t at = strlen(buf), need = at + 3;
    for (const char *p = s; *p; p++) need += *p == '\'' ? 4 : 1;
    if (need > len) return NULL; /* half a quoted word would change the script's meaning */
    buf[at++] = '\'';
    for (; *s; s++) {
        if (*s == '\'') {
            memcpy(buf + at, "'\\''", 4);
            at += 4;
        } else {
            buf[at++] = *s;
        }
    }
    buf[at++] = '\'';
    buf[at] = 0;
    return buf;
}

typedef struct paths {
    char bin[PATH_MAX], spec[PATH_MAX], home[PATH_MAX], dir[PATH_MAX], data[PATH_MAX];
    /* the same, quoted for sh */
    char qbin[PATH_MAX * 2], qspec[PATH_MAX * 2], qhome[PATH_MAX * 2], qdir[PATH_MAX * 2],
        qdata[PATH_MAX * 2 + 16];
} paths;

static int resolve(const tb_sweep_slurm_opts *o, paths *p, tb_err *e)
{
    memset(p, 0, sizeof *p);
    ssize_t n = readlink("/proc/self/exe", p->bin, sizeof p->bin - 1);
    if (n <= 0) return tb_errf(e, "cannot find this program's path (/proc/self/exe)");
    p->bin[n] = 0;
    if (!realpath(o->spec, p->spec)) return tb_errf(e, "%s: %s", o->spec, strerror(errno));
    if (!realpath(tb_home_dir(), p->home)) return tb_errf(e, "the home: %s", strerror(errno));
    if (mkdir(o->dir, 0755) != 0 && errno != EEXIST)
        return tb_errf(e, "%s: cannot create: %s", o->dir, strerror(errno));
    if (!realpath(o->dir, p->dir)) return tb_errf(e, "%s: %s", o->dir, strerror(errno));
    if (o->data && !realpath(o->data, p->data))
        return tb_errf(e, "--data %s: %s", o->data, strerror(errno));
    if (!tb_sh_quote(p->qbin, sizeof p->qbin, p->bin) ||
        !tb_sh_quote(p->qspec, sizeof p->qspec, p->spec) ||
        !tb_sh_quote(p->qhome, sizeof p->qhome, p->home) ||
        !tb_sh_quote(p->qdir, sizeof p->qdir, p->dir))
        return tb_errf(e, "a path is too long to quote");
    if (o->data) {
        snprintf(p->qdata, sizeof p->qdata, " --data ");
        if (!tb_sh_quote(p->qdata, sizeof p->qdata, p->data))
            return tb_errf(e, "--data: the path is too long to quote");
    }
    return 0;
}

static int write_script(const char *dir, const char *name, tb_sbuf *b, tb_err *e)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = b->oom ? tb_errf(e, "out of memory") : tb_atomic_write(path, b->s, b->len, 0755, e);
    tb_sbuf_free(b);
    return rc;
}

int tb_sweep_slurm_write(const tb_sweep_slurm_opts *o, tb_err *e)
{
    paths p;
    if (resolve(o, &p, e) != 0) return -1;
    int N = o->nshards;
    tb_sbuf a = {0}, m = {0}, s = {0};
    tb_sbuf_printf(
        &a,
        "#!/bin/bash\n# written by `tradebot sweep --slurm`: shard I of %d per array "
        "task\n#SBATCH --job-name=tb-sweep-%.8s\n#SBATCH --array=0-%d\n"
        "#SBATCH --cpus-per-task=%d\n#SBATCH --output=%s/slurm-%%A_%%a.out\n"
        "set -euo pipefail\nexec %s --home %s sweep %s --shard \"$SLURM_ARRAY_TASK_ID/%d\" "
        "--jobs %d --out %s/shard-\"$SLURM_ARRAY_TASK_ID\".db%s\n",
        N, o->hash, N - 1, o->jobs, p.dir, p.qbin, p.qhome, p.qspec, N, o->jobs, p.qdir, p.qdata);
    tb_sbuf_printf(&m,
                   "#!/bin/bash\n# written by `tradebot sweep --slurm`: runs once the array "
                   "succeeded (afterok)\n#SBATCH --job-name=tb-sweep-merge-%.8s\n"
                   "#SBATCH --output=%s/slurm-merge-%%j.out\nset -euo pipefail\n"
                   "rm -f %s/sweep.db\n%s --home %s sweep merge %s/sweep.db",
                   o->hash, p.dir, p.qdir, p.qbin, p.qhome, p.qdir);
    for (int i = 0; i < N; i++) tb_sbuf_printf(&m, " %s/shard-%d.db", p.qdir, i);
    tb_sbuf_printf(
        &m, "\n%s --home %s sweep report %s/sweep.db --html %s/report.html > %s/ranking.txt\n",
        p.qbin, p.qhome, p.qdir, p.qdir, p.qdir);
    tb_sbuf_printf(&s,
                   "#!/bin/bash\n# written by `tradebot sweep --slurm`: the array, then the merge "
                   "when every shard succeeded\nset -euo pipefail\ncd %s\n"
                   "array=$(sbatch --parsable %s/sweep-array.sbatch)\narray=${array%%%%;*}\n"
                   "merge=$(sbatch --parsable --dependency=afterok:\"$array\" "
                   "%s/sweep-merge.sbatch)\nmerge=${merge%%%%;*}\n"
                   "echo \"array_job=$array merge_job=$merge\"\n",
                   p.qdir, p.qdir, p.qdir);
    int rc = write_script(p.dir, "sweep-array.sbatch", &a, e);
    if (rc == 0)
        rc = write_script(p.dir, "sweep-merge.sbatch", &m, e);
    else
        tb_sbuf_free(&m);
    if (rc == 0)
        rc = write_script(p.dir, "submit.sh", &s, e);
    else
        tb_sbuf_free(&s);
    if (rc == 0)
        printf("written    %s/sweep-array.sbatch (%d shards), sweep-merge.sbatch, submit.sh\n",
               p.dir, N);
    return rc;
}

int tb_sweep_slurm_submit(const char *dir, tb_err *e)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/submit.sh", dir);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return tb_errf(e, "fork: %s", strerror(errno));
    if (pid == 0) {
        execl("/bin/bash", "bash", path, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return tb_errf(e, "%s failed (exit %d): is sbatch on PATH and slurmctld up?", path,
                       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
}
