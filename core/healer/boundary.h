/*
 * boundary.h - what a Healer change may touch, enforced here in C whoever made the change (a
 * rule of scripts/healer/, the LLM proposer, or a hand-edited directives file): only
 * strategies/<name>.lua (regular files, no deletion, no rename, no mode change, no binary) and
 * the `params` / `symbol_params` of the strategies in config/trading_config.json, each changed
 * param declared `tunable` by its strategy and within its [min, max]. A strategy file may not
 * change its own `tunable` declaration (the bounds it is checked against) and its tunable
 * defaults must be within them. Bounds are read through the strategy sandbox (strategy/decl.h).
 * Anything else is refused: a finding of rule healer_boundary in logs/sentinel_activity.jsonl
 * and a WARN line in the engine log (docs/operations.md 4.7).
 */
#ifndef TB_HEALER_BOUNDARY_H
#define TB_HEALER_BOUNDARY_H

#include <jansson.h>
#include <stddef.h>

/* Reads one file of a version of the home: a malloc'ed, NUL-terminated copy (*len its size),
 * or NULL when the version has no such file. */
typedef char *(*hl_read_fn)(void *ud, const char *path, size_t *len);

typedef struct hl_tree {
    hl_read_fn read;
    void *ud;
} hl_tree;

/* A tree of the files under a directory. */
char *hl_read_dir(void *dir, const char *path, size_t *len);

/* A git revision: ud is an hl_rev {dir (the repository), rev}. */
typedef struct hl_rev {
    const char *dir, *rev;
} hl_rev;
char *hl_read_rev(void *rev, const char *path, size_t *len);

/* 1 when a Healer change may touch path at all (its content is checked separately). */
int hl_path_allowed(const char *path);

/* The refusal of a path hl_path_allowed() refuses: why gets "touches <path>: <the boundary>"
 * (one wording for the diff, the git tree and the content checks). Returns -1. */
int hl_refuse_path(const char *path, char *why, size_t len);

/* Checks every file section of a unified diff (not only the first): paths a/<p> and b/<p>,
 * each allowed, no rename, copy, deletion, mode change, symlink or binary patch. Appends the
 * paths to files when given. Returns 0, or -1 with why. */
int hl_boundary_diff(const char *diff, json_t *files, char *why, size_t len);

/* What can be judged before a change is applied: the kind's own rules (a config_change path
 * inside a strategy's params or symbol_params, a script_patch's whole diff or target).
 * Returns 0, or -1 with why. */
int hl_boundary_directive(json_t *d, char *why, size_t len);

/* Judges the content of changed (paths, each allowed and a regular file on the candidate side)
 * between base and cand: strategy declarations and configuration as described above.
 * Returns 0, -1 with why (outside the boundary), or -2 with why when a changed strategy file
 * does not load at all (a failed change, not a refused one). */
int hl_boundary_content(const hl_tree *base, const hl_tree *cand, json_t *changed, char *why,
                        size_t len);

/* Checks a branch before it is merged: every path it changes (against its merge base with HEAD
 * of the repository at dir) and their content. Returns 0, or -1 with why. */
int hl_boundary_branch(const char *dir, const char *branch, char *why, size_t len);

/* Records a refusal: the finding and the log line. d may be NULL (a branch refused at merge). */
void hl_boundary_refused(json_t *d, const char *why);

#endif
