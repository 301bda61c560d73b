/*
 * shipped.h - the example strategies built into the binary (the .lua files of the source tree's
 * strategies/): a new home gets them on first run, and `tradebot backtest --strategy
 * strategies/NAME.lua` finds them in any home.
 */
#ifndef TB_STRATEGY_SHIPPED_H
#define TB_STRATEGY_SHIPPED_H

#include <stddef.h>

/* Writes every shipped strategy missing from the home's strategies/ (never overwrites an
 * operator's file). Returns how many were written. */
int tb_shipped_write_missing(void);

/* Writes the shipped strategy named like rel ("strategies/NAME.lua" or "NAME.lua") into the
 * home unless the file exists, and puts its home path in out. Returns 0, or -1 when no shipped
 * strategy has that name or the file cannot be written. */
int tb_shipped_materialize(const char *rel, char *out, size_t len);

/* The shipped file names, comma separated ("a.lua, b.lua"), into out. */
void tb_shipped_names(char *out, size_t len);

#endif
