#include "cli/commands.h"
#include "config/config.h"
#include "home/home.h"
#include "repl/repl_eval.h"
#include "repl/repl_proto.h"

#include <editline/readline.h>
#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot repl [--home DIR] [--socket PATH]\n\n"
    "Attaches to the running engine's Lua REPL over run/tradebot.sock. Each input is evaluated in\n"
    "a trusted state inside the engine (tb.engine.status(), tb.engine.strategies(), ...); results\n"
    "are printed, tables pretty-printed. Multi-line input continues until the chunk is complete.\n"
    "Reads commands from standard input when it is not a terminal (exit status 1 if any failed).\n"
    "History is kept in run/repl_history.\n";

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r, n -= (size_t)r;
    }
    return 0;
}

/* Sends one chunk, prints the reply; returns 0 ok, 1 Lua error, -1 connection lost. */
static int roundtrip(int fd, const char *code, size_t len)
{
    unsigned char hdr[4];
    tb_repl_put_len(hdr, (uint32_t)len);
    if (write_all(fd, hdr, 4) || write_all(fd, code, len) || read_all(fd, hdr, 4)) return -1;
    uint32_t n = tb_repl_get_len(hdr);
    if (n < 1 || n > TB_REPL_MAX_FRAME) return -1;
    char *buf = malloc(n);
    if (!buf || read_all(fd, buf, n)) {
        free(buf);
        return -1;
    }
    FILE *out = buf[0] == TB_REPL_OK ? stdout : stderr;
    if (n > 1) {
        fwrite(buf + 1, 1, n - 1, out);
        if (buf[n - 1] != '\n') fputc('\n', out);
    }
    fflush(out);
    int rc = buf[0] == TB_REPL_OK ? 0 : 1;
    free(buf);
    return rc;
}

static int connect_sock(const char *path)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
        int err = errno;
        if (fd >= 0) close(fd);
        errno = err;
        return -1;
    }
    return fd;
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
    if (!sock_rel) {
        /* The socket path may be configured; read it the same way the engine does. */
        tb_config cfg;
        tb_config_errors errs;
        char cfgpath[PATH_MAX];
        tb_home_path(cfgpath, sizeof cfgpath, TB_CONFIG_PATH);
        if (tb_config_load(cfgpath, 1, &cfg, &errs) == 0) {
            tb_home_path(sock, sizeof sock, cfg.repl.socket);
            tb_config_free(&cfg);
        } else {
            tb_home_path(sock, sizeof sock, "run/tradebot.sock");
        }
    } else {
        tb_home_path(sock, sizeof sock, sock_rel);
    }
    int fd = connect_sock(sock);
    if (fd < 0) {
        fprintf(
            stderr,
            "tradebot repl: cannot connect to %s: %s (is `tradebot run` running in this home?)\n",
            sock, strerror(errno));
        return 1;
    }
    int tty = isatty(STDIN_FILENO);
    tb_home_path(history, sizeof history, "run/repl_history");
    if (tty) {
        read_history(history);
        printf("tradebot REPL on %s (Ctrl-D to leave)\n", sock);
    }
    int rc = session(fd, tty, history);
    close(fd);
    return rc;
}
