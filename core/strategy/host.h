/*
 * host.h - the strategy host: every strategy in its own sandboxed Lua state.
 *
 * A strategy is a Lua file returning a table {name, params, on_start, on_bar, on_fill, on_order,
 * on_stop}. The host loads it, builds its context (ctx.name, ctx.params, ctx.state), and calls
 * its callbacks under the sandbox's instruction budget. Reload compiles the changed file in a
 * fresh state, checks it, carries `state` over and only then swaps it in; a file that fails to
 * load leaves the running version in place. The host runs on the loop thread, so a swap always
 * happens between two events.
 */
#ifndef TB_STRATEGY_HOST_H
#define TB_STRATEGY_HOST_H

#include "config/config.h"
#include "lua/sandbox.h"
#include "util/err.h"

#include <jansson.h>
#include <lua.h>
#include <stdint.h>

#define TB_MAX_STRATEGIES 64

typedef enum {
    TB_CB_ON_START,
    TB_CB_ON_BAR,
    TB_CB_ON_FILL,
    TB_CB_ON_ORDER,
    TB_CB_ON_STOP,
    TB_CB_COUNT
} tb_callback;

typedef struct tb_strategy {
    char name[64];
    int index;       /* position in the host, stable for the strategy's life */
    char rel[256];   /* file as the operator wrote it (relative to home) */
    char path[4096]; /* absolute */
    char **symbols;
    int nsymbols;
    json_t *cfg_params;        /* the configuration's params overrides, re-applied on reload */
    json_t *cfg_symbol_params; /* { "AAPL": { param: value } }, laid over cfg_params per symbol */
    lua_State *L;
    int ref_mod, ref_ctx, ref_bar;
    int ref_entry, ref_syms;        /* the per-bar Lua entry; symbol key -> its Lua string */
    int ref_params, ref_sym_params; /* base ctx.params; per-symbol tables or LUA_NOREF */
    int has[TB_CB_COUNT];
    char what[TB_CB_COUNT][300]; /* "<file>: <callback>" for error messages */
    int version;                 /* 1 at first load, +1 per successful reload */
    uint64_t events, errors;
    int allow_short; /* its configuration allows ctx:short (default 0) */
    int disabled;    /* after too many consecutive errors or budget overruns */
    int consecutive_errors;
    int overruns;           /* calls stopped by a budget since the file was loaded */
    int starved_stops;      /* stopped for time on a busy machine: ten make one overrun */
    int64_t paused_until;   /* monotonic ns: sits out calls after a budget stop (0 = no) */
    uint64_t file_hash;     /* of the file's text as loaded */
    uint64_t disabled_hash; /* file_hash when disabled: the same text is not revived */
    char last_error[512];
    void *ctx_data; /* the trading runtime's, set by ctx_init (lives in L) */
} tb_strategy;

/* Called when a strategy state is built (first load and every reload), with ctx on top of the
 * stack: the trading runtime adds its functions (ctx:buy, ctx.ind, ...) here. */
typedef void (*tb_ctx_init_fn)(void *ud, lua_State *L, tb_strategy *s);

/* Called before a callback: ctx_bar before on_bar, inside its protected call (it may allocate),
 * ctx_other before any other callback (outside it: it must not allocate). */
typedef void (*tb_ctx_call_fn)(void *ud, lua_State *L, tb_strategy *s);

typedef struct tb_shost {
    tb_strategy *s[TB_MAX_STRATEGIES];
    tb_ctx_init_fn ctx_init;
    tb_ctx_call_fn ctx_bar, ctx_other;
    void *ctx_ud;
    int n;
    tb_lua_limits lim;
    int max_consecutive_errors;
    int max_overruns;       /* budget stops before a strategy is disabled */
    int64_t pause_ms;       /* after a budget stop the strategy sits out this long (4x limit) */
    size_t state_max_bytes; /* ctx.state serialised; 0 = unlimited */
    uint64_t reloads, reload_failures;
} tb_shost;

/* A bar as handed to strategies (plain values; the host reuses one Lua table per strategy). */
typedef struct tb_bar_view {
    const char *symbol;
    int64_t t_ns;
    double open, high, low, close, volume;
    int64_t seq;
    uint32_t symbol_key; /* the caller's id of the symbol + 1 (0: none): its Lua string is kept */
} tb_bar_view;

void tb_shost_init(tb_shost *h, const tb_lua_limits *lim);

/* The sandbox limits of a configuration (sandbox.*). */
void tb_shost_limits(const tb_config *cfg, tb_lua_limits *lim);

/* tb_shost_init with every sandbox setting of the configuration. */
void tb_shost_init_config(tb_shost *h, const tb_config *cfg);

/* For runs over recorded or sample bars (backtest, replay, training): the time limit counts the
 * strategy's CPU time, so a busy machine cannot stop a call and change the results (the same
 * inputs give the same output), and a stopped strategy does not sit out a wall-clock pause (the
 * bars it would skip depend on the replay's speed). Call before strategies are added. */
void tb_shost_offline(tb_shost *h);

/* Loads a strategy from its configuration (file relative to home). */
int tb_shost_add(tb_shost *h, const tb_strategy_cfg *cfg, tb_err *e);

/*
 * Reloads every strategy whose file is `path` (absolute). Returns the number reloaded; on a load
 * error returns -1 with e naming file, line and message, and the running version stays.
 */
int tb_shost_reload_path(tb_shost *h, const char *path, tb_err *e);

/* Checks that a strategy file loads and returns a valid table, without running it. */
int tb_shost_check_file(const char *path, const char *rel, const tb_lua_limits *lim, tb_err *e);

/* Calls on_bar of every enabled strategy subscribed to bar->symbol (all, when it lists none). */
void tb_shost_on_bar(tb_shost *h, const tb_bar_view *bar);

/* Runs the Lua garbage collection the strategies' calls have owed since the last time (their
 * collectors do no work inside a call: tb_lua_gc_defer). Call after a bar's orders are out. */
void tb_shost_gc_pay(tb_shost *h);

/* True when strategy s trades symbol (it lists it, or lists none). */
int tb_strategy_subscribed(const tb_strategy *s, const char *symbol);

/* True when s has callback cb and is not disabled: its arguments are worth building. (A paused
 * strategy still says yes; tb_shost_call then drops them.) */
int tb_shost_wants(const tb_strategy *s, tb_callback cb);

/* Calls callback cb of s with ctx and the nargs values on top of s->L (popped). */
void tb_shost_call(tb_shost *h, tb_strategy *s, tb_callback cb, int nargs);

/* Calls a no-argument callback (on_start, on_stop) of every strategy. */
void tb_shost_broadcast(tb_shost *h, tb_callback cb);

/* ctx.state of s as JSON (plain data only), a new reference; NULL with e set (and the overrun
 * counted) when it is cyclic, too deep or larger than sandbox.state_max_kb. */
json_t *tb_shost_state_get(tb_shost *h, tb_strategy *s, tb_err *e);

/* Replaces ctx.state of s with a JSON object (restoring it after a restart). */
void tb_shost_state_set(tb_strategy *s, const json_t *state);

/* Finds a strategy by name. */
tb_strategy *tb_shost_find(tb_shost *h, const char *name);

void tb_shost_free(tb_shost *h);

#endif
