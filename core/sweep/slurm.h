/*
 * slurm.h - a sweep as a Slurm job array (`tradebot sweep SPEC --slurm`): DIR/sweep-array.sbatch
 * runs shard $SLURM_ARRAY_TASK_ID of N per array task (`sbatch --array=0-(N-1)`), each into
 * DIR/shard-I.db; DIR/sweep-merge.sbatch merges them into DIR/sweep.db and writes the ranking
 * (DIR/ranking.txt) and DIR/report.html; DIR/submit.sh submits the array and the merge with
 * --dependency=afterok on it, so the merge runs only when every shard succeeded.
 *
 * Paths in the scripts are absolute (the binary, the spec, the home, DIR), so a job runs the
 * same wherever Slurm starts it; the cluster must see them at the same paths (a shared file
 * system), which is how a research cluster's home directories are laid out.
 */
#ifndef TB_SWEEP_SLURM_H
#define TB_SWEEP_SLURM_H

#include "util/err.h"

typedef struct tb_sweep_slurm_opts {
    const char *spec; /* as given */
    const char *dir;  /* created when missing */
    const char *data; /* --data, or NULL */
    const char *hash; /* the sweep's, names the jobs */
    int nshards;
    int jobs; /* worker processes per shard = --cpus-per-task */
} tb_sweep_slurm_opts;

/* Writes the three scripts (mode 0755). */
int tb_sweep_slurm_write(const tb_sweep_slurm_opts *o, tb_err *e);

/* Runs DIR/submit.sh (sbatch must be on PATH); its output goes to stdout. */
int tb_sweep_slurm_submit(const char *dir, tb_err *e);

/* Appends s to buf single-quoted for sh ('it'\''s'); returns buf, or NULL (buf unchanged)
 * when the quoted word does not fit. */
char *tb_sh_quote(char *buf, size_t len, const char *s);

#endif
