#include "cli/commands.h"
#include "home/home.h"
#include "repl/repl_client.h"
#include "repl/repl_eval.h"

#include <editline/readline.h>
#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot repl [--home DIR] [--socket PATH]\n\n"
    "Attaches to the running engine's Lua REPL over run/tradebot.sock. Each input is evaluated in\n"
    "a trusted state inside the engine (tb.engine.status(), tb.engine.strategies(), ...); results\n"
    "are printed, tables pretty-printed. Multi-line input continues until the chunk is complete.\n"
    "Reads commands from standard input when it is not a terminal (exit status 1 if any failed).\n"
    "History is kept in run/repl_history.\n";

/* Sends one chunk, prints the reply; returns 0 ok, 1 Lua error, -1 connection lost. */
static int roundtrip(int fd, const char *code, size_t len)
{
    tb_sbuf out = {0};
    int rc = tb_repl_request(fd, code, len, &out, 0);
    if (rc >= 0 && out.len) {
        FILE *f = rc == 0 ? stdout : stderr;
        fwrite(out.s, 1, out.len, f);
        if (out.s[out.len - 1] != '\n') fputc('\n', f);
        fflush(f);
    }
    tb_sbuf_free(&out);
    return rc;
}

/* Reads one line: readline on a terminal, getline otherwise. Caller frees. */
static char *next_line(int tty, const char *prompt)
{
    if (tty) return readline(prompt);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (n < 0) {
        free(line);
        return NULL;
    }
    if (n && line[n - 1] == '\n') line[n - 1] = '\0';
    return line;
}

static int session(int fd, int tty, const char *history)
{
    lua_State *L = luaL_newstate(); /* only for "is this chunk complete?" */
    char *chunk = NULL;
    size_t len = 0;
    int failures = 0, rc = 0;
    for (;;) {
        char *line = next_line(tty, chunk ? ">> " : "tb> ");
        if (!line) break;
        size_t ll = strlen(line);
        char *nc = realloc(chunk, len + ll + 2);
        if (!nc) break;
        chunk = nc;
        memcpy(chunk + len, line, ll);
        len += ll;
        chunk[len++] = '\n';
        chunk[len] = '\0';
        free(line);
        if (tb_repl_incomplete(L, chunk, len)) continue;
        if (tty && len > 1) {
            chunk[len - 1] = '\0';
            add_history(chunk);
            chunk[len - 1] = '\n';
        }
        int r = len > 1 ? roundtrip(fd, chunk, len) : 0;
        free(chunk);
        chunk = NULL;
        len = 0;
        if (r < 0) {
            fprintf(stderr, "tradebot repl: the engine closed the connection\n");
            rc = 1;
            break;
        }
        failures += r;
    }
    if (chunk && len) {
        fprintf(stderr, "tradebot repl: input ended inside an unfinished chunk\n");
        failures++;
    }
    free(chunk);
    lua_close(L);
    if (tty) write_history(history);
    return rc ? rc : (failures ? 1 : 0);
}

int cmd_repl(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    const char *sock_rel = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc)
            sock_rel = argv[++i];
        else {
            fprintf(stderr, "tradebot repl: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    tb_err e;
    if (tb_home_resolve(&e) != 0) {
        fprintf(stderr, "tradebot repl: %s\n", e.msg);
        return 1;
    }
    char sock[PATH_MAX], history[PATH_MAX];
    if (!sock_rel)
        tb_repl_socket_path(sock, sizeof sock);
    else
        tb_home_path(sock, sizeof sock, sock_rel);
    int fd = tb_repl_connect(sock);
    if (fd < 0) {
        fprintf(
            stderr,
            "tradebot repl: cannot connect to %s: %s (is `tradebot run` running in this home?)\n",
            sock, strerror(errno));
        return 1;
    }
    int tty = isatty(STDIN_FILENO);
    tb_repl_catch_interrupt();
    tb_home_path(history, sizeof history, "run/repl_history");
    if (tty) {
        read_history(history);
        printf("tradebot REPL on %s (Ctrl-D to leave)\n", sock);
    }
    int rc = session(fd, tty, history);
    close(fd);
    return rc;
}
