/*
 * when.h - when an orchestrator step fires: a wall-clock time in UTC or New York time, or an
 * offset from the day's regular open or close taken from the session calendar.
 *
 *   "22:30 UTC"   "08:00 ET"   "open"   "30 minutes before open"   "15 minutes after close"
 *   "2 hours after close"
 *
 * Session-relative times follow the calendar (13:00 early closes, EST/EDT), so they are right
 * on daylight-saving change days; they never fire on a closed day. Clock times fire every day
 * unless the step skips non-trading days.
 */
#ifndef TB_ORCH_WHEN_H
#define TB_ORCH_WHEN_H

#include "data/calendar.h"
#include "util/err.h"

#include <stdint.h>

typedef enum { TB_WHEN_UTC, TB_WHEN_ET, TB_WHEN_OPEN, TB_WHEN_CLOSE } tb_when_kind;

typedef struct tb_when {
    tb_when_kind kind;
    int sec; /* UTC/ET: seconds after midnight; OPEN/CLOSE: signed offset in seconds */
} tb_when;

/* Parses a time spec (case-insensitive); the error quotes the text and the accepted forms. */
int tb_when_parse(const char *text, tb_when *out, tb_err *e);

/* The instant the step fires on date d: 1 with *out set, 0 when it does not fire that day
 * (a session-relative time on a closed day; a clock time on a closed day with skip_closed). */
int tb_when_fire(const tb_when *w, const tb_cal *cal, tb_date d, int skip_closed, int64_t *out);

/* Writes the canonical text of w ("30 minutes before open", "22:30 UTC") into buf. */
char *tb_when_fmt(const tb_when *w, char *buf, int len);

#endif
