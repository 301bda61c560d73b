/*
 * spec_sets.h - a sweep's parameter sets (spec.h): the grid's cartesian product, params sorted
 * by name and the last one varying fastest, or random samples within bounds drawn from the
 * spec's seed. Private to core/sweep/.
 */
#ifndef TB_SWEEP_SPEC_SETS_H
#define TB_SWEEP_SPEC_SETS_H

#include "sweep/spec.h"

/* Fills s->params and s->sets from s->json's grid or random; name is the spec (for errors). */
int tb_sweep_expand_sets(tb_sweep_spec *s, const char *name, tb_err *e);

#endif
