#include "repl/repl_server.h"
#include "log/log.h"
#include "loop/stall.h"
#include "lua/sandbox.h"
#include "repl/repl_eval.h"
#include "repl/repl_proto.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct client {
    struct tb_repl_server *srv;
    struct bufferevent *bev;
    lua_State *L;
    tb_sbuf out;
    struct client *next;
} client;

struct tb_repl_server {
    struct event_base *base;
    struct evconnlistener *lis;
    char path[PATH_MAX];
    tb_lua_limits lim;
    client *clients;
    int nclients;
};

static void client_free(client *c)
{
    tb_repl_server *s = c->srv;
    for (client **pp = &s->clients; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    s->nclients--;
    bufferevent_free(c->bev);
    tb_lua_close(c->L);
    tb_sbuf_free(&c->out);
    free(c);
}

/* print() in a REPL state writes to the client, not to the engine's stdout. */
static int repl_print(lua_State *L)
{
    client *c = lua_touserdata(L, lua_upvalueindex(1));
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        size_t len;
        const char *s = luaL_tolstring(L, i, &len);
        if (i > 1) tb_sbuf_puts(&c->out, "\t");
        tb_sbuf_add(&c->out, s, len);
        lua_pop(L, 1);
    }
    tb_sbuf_puts(&c->out, "\n");
    return 0;
}

static void reply(client *c, int ok)
{
    unsigned char hdr[5];
    size_t len = c->out.len;
    if (c->out.oom) ok = 0;
    tb_repl_put_len(hdr, (uint32_t)(len + 1));
    hdr[4] = ok ? TB_REPL_OK : TB_REPL_ERR;
    struct evbuffer *o = bufferevent_get_output(c->bev);
    evbuffer_add(o, hdr, 5);
    if (len) evbuffer_add(o, c->out.s, len);
    tb_sbuf_free(&c->out);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
    client *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        unsigned char hdr[4];
        if (evbuffer_copyout(in, hdr, 4) < 4) return;
        uint32_t n = tb_repl_get_len(hdr);
        if (n > TB_REPL_MAX_FRAME) {
            TB_WARN("repl", "client sent a %u-byte frame: disconnected", n);
            client_free(c);
            return;
        }
        if (evbuffer_get_length(in) < 4 + (size_t)n) return;
        evbuffer_drain(in, 4);
        if (n == 0) continue; /* an interrupt (Ctrl-C) that came after its chunk had finished */
        char *code = malloc(n + 1);
        if (!code) {
            client_free(c);
            return;
        }
        evbuffer_remove(in, code, n);
        code[n] = '\0';
        tb_work_begin(TB_WORK_REPL, "REPL chunk", NULL); /* its text may hold anything */
        int rc = tb_repl_eval(c->L, code, n, &c->out);
        tb_work_end();
        free(code);
        reply(c, rc == 0);
    }
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) client_free(arg);
}

static void accept_cb(struct evconnlistener *lis, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg)
{
    tb_repl_server *s = arg;
    struct ucred cred;
    socklen_t clen = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
        (cred.uid != geteuid() && cred.uid != 0)) {
        TB_WARN("repl", "refused a REPL client of uid %d (only uid %d and root may attach)",
                (int)cred.uid, (int)geteuid());
        close(fd);
        return;
    }
    client *c = calloc(1, sizeof *c);
    tb_err e;
    if (!c || !(c->L = tb_lua_new(TB_LUA_KIND_TRUSTED, &s->lim, &e))) {
        free(c);
        close(fd);
        return;
    }
    c->srv = s;
    tb_lua_forbid_gc(c->L);    /* a finalizer would run outside the time limit */
    tb_lua_watch_fd(c->L, fd); /* Ctrl-C in the client (an empty frame) or a hang-up stops it */
    lua_pushlightuserdata(c->L, c);
    lua_pushcclosure(c->L, repl_print, 1);
    lua_setglobal(c->L, "print");
    lua_pushliteral(c->L, "repl");
    lua_setfield(c->L, LUA_REGISTRYINDEX, "tb.component");
    c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->bev, read_cb, NULL, event_cb, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    c->next = s->clients;
    s->clients = c;
    s->nclients++;
}

/* A socket file that nobody answers on is left over from a crash: remove it. */
static int claim_path(const char *path, tb_err *e)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    int live = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
    if (fd >= 0) close(fd);
    if (live) return tb_errf(e, "another engine is already running (REPL socket %s answers)", path);
    unlink(path);
    return 0;
}

tb_repl_server *tb_repl_server_new(struct event_base *base, const char *path,
                                   const tb_lua_limits *lim, tb_err *e)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sun.sun_path) {
        tb_errf(e, "REPL socket path too long (%zu characters, at most %zu): %s", strlen(path),
                sizeof sun.sun_path - 1, path);
        return NULL;
    }
    if (claim_path(path, e) != 0) return NULL;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    tb_repl_server *s = tb_zalloc(sizeof *s, "REPL", e);
    if (!s) return NULL;
    s->base = base;
    s->lim = *lim;
    snprintf(s->path, sizeof s->path, "%s", path);
    mode_t old = umask(0177); /* the socket is born 0600: no window where others can connect */
    s->lis =
        evconnlistener_new_bind(base, accept_cb, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
                                16, (struct sockaddr *)&sun, sizeof sun);
    umask(old);
    if (!s->lis) {
        tb_errf(e, "REPL socket %s: %s", path, strerror(errno));
        free(s);
        return NULL;
    }
    chmod(path, 0600);
    return s;
}

int tb_repl_server_clients(const tb_repl_server *s)
{
    return s->nclients;
}

void tb_repl_server_free(tb_repl_server *s)
{
    if (!s) return;
    while (s->clients) client_free(s->clients);
    evconnlistener_free(s->lis);
    unlink(s->path);
    free(s);
}
