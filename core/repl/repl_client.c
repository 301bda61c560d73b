#include "repl/repl_client.h"
#include "config/config.h"
#include "home/home.h"
#include "repl/repl_proto.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int tb_repl_connect(const char *path)
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

void tb_repl_socket_path(char *buf, size_t len)
{
    tb_config cfg;
    tb_config_errors errs;
    char cfgpath[PATH_MAX];
    tb_home_path(cfgpath, sizeof cfgpath, TB_CONFIG_PATH);
    if (tb_config_load(cfgpath, 1, &cfg, &errs) == 0) {
        tb_home_path(buf, len, cfg.repl.socket);
        tb_config_free(&cfg);
    } else {
        tb_home_path(buf, len, "run/tradebot.sock");
    }
}

static volatile sig_atomic_t interrupts; /* Ctrl-C presses while a request waits */
static volatile sig_atomic_t waiting;

static void on_sigint(int sig)
{
    if (!waiting) { /* at the prompt: the usual meaning of Ctrl-C */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    if (interrupts++ > 0) _exit(130);
}

void tb_repl_catch_interrupt(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint; /* no SA_RESTART: a blocked read returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}

/* Sends the interrupt frame once per Ctrl-C press (4 zero bytes: an empty chunk). */
static void send_interrupt(int fd)
{
    static const unsigned char zero[4];
    if (write(fd, zero, sizeof zero) == (ssize_t)sizeof zero)
        fputs("^C (interrupt sent)\n", stderr);
}

static int wait_io(int fd, short ev, int timeout_ms)
{
    if (timeout_ms <= 0) return 0;
    struct pollfd p = {.fd = fd, .events = ev};
    int r;
    do r = poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    return r == 1 ? 0 : -1;
}

static int write_all(int fd, const void *buf, size_t n, int timeout_ms)
{
    const char *p = buf;
    while (n) {
        if (wait_io(fd, POLLOUT, timeout_ms) != 0) return -1;
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t n, int timeout_ms)
{
    char *p = buf;
    while (n) {
        if (wait_io(fd, POLLIN, timeout_ms) != 0) return -1;
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) {
            if (interrupts == 1) {
                interrupts = 2; /* sent; a further press exits */
                send_interrupt(fd);
            }
            continue;
        }
        if (r <= 0) return -1;
        p += r, n -= (size_t)r;
    }
    return 0;
}

int tb_repl_request(int fd, const char *code, size_t len, tb_sbuf *out, int timeout_ms)
{
    unsigned char hdr[4];
    tb_repl_put_len(hdr, (uint32_t)len);
    interrupts = 0;
    waiting = 1;
    int bad = write_all(fd, hdr, 4, timeout_ms) || write_all(fd, code, len, timeout_ms) ||
              read_all(fd, hdr, 4, timeout_ms);
    waiting = 0;
    if (bad) return -1;
    uint32_t n = tb_repl_get_len(hdr);
    if (n < 1 || n > TB_REPL_MAX_FRAME) return -1;
    char *buf = malloc(n);
    if (!buf || read_all(fd, buf, n, timeout_ms)) {
        free(buf);
        return -1;
    }
    tb_sbuf_add(out, buf + 1, n - 1);
    int rc = buf[0] == TB_REPL_OK ? 0 : 1;
    free(buf);
    return rc;
}
