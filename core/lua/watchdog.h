/*
 * watchdog.h - a wall-clock deadline for Lua calls, enforced from outside the interpreter.
 *
 * One watchdog thread per process looks at the armed deadline of every thread that runs Lua
 * (a thread-local slot each). When a deadline passes it signals that thread; the signal handler,
 * running on the thread that is inside Lua, sets the call's stop flag and turns the state's count
 * hook to every instruction with lua_sethook (the Lua manual allows this from a signal handler:
 * lua.c stops a script on Ctrl-C the same way). Lua code then stops at its next instruction, and
 * C functions that loop (the bounded pattern matcher) poll the flag. The same thread can watch a
 * socket for a REPL interrupt (an empty frame) or for the client going away.
 *
 * Arming costs a clock read and eight release stores of the thread's own slot (plain moves on x86:
 * no fence, no read-modify-write); no syscall, no lock.
 */
#ifndef TB_LUA_WATCHDOG_H
#define TB_LUA_WATCHDOG_H

#include <lua.h>
#include <signal.h>
#include <stdint.h>

/* Why the watchdog stopped a call (the value written to the armed flag). */
#define TB_WD_TIME      1
#define TB_WD_INTERRUPT 2

typedef struct tb_wd_token {
    lua_State *L;
    volatile sig_atomic_t *flag;
    int64_t deadline_ns, cpu_limit_ns;
    int fd;
} tb_wd_token;

/*
 * Arms this thread's deadline ms milliseconds from now (never later than a deadline already
 * armed: nested calls keep the outer limit) for L; *flag gets TB_WD_TIME or TB_WD_INTERRUPT when
 * the call is stopped. on_cpu: the ms are the thread's CPU time from the arming (a call starved by
 * a busy machine is not stopped: an offline run's results must not depend on the load); the wall
 * clock otherwise. fd >= 0 is a REPL client socket watched for an interrupt frame or hang-up.
 * The previous arming is saved in *save for tb_wd_disarm. ms <= 0 and fd < 0 arms nothing.
 */
void tb_wd_arm(tb_wd_token *save, lua_State *L, volatile sig_atomic_t *flag, int64_t ms, int on_cpu,
               int fd);

/* Restores the arming saved by tb_wd_arm (the outer call's, or none). */
void tb_wd_disarm(const tb_wd_token *save);

/* The CPU time the last call this thread's watchdog stopped for time had used (read from
 * outside on the thread's CPU clock): far below its limit means the machine starved it. */
int64_t tb_wd_cpu_used_ns(void);

/* Monotonic clock in nanoseconds. */
int64_t tb_wd_now_ns(void);

#endif
