#include "cli/commands.h"
#include "home/home.h"
#include "repl/repl_client.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot health [--home DIR] [--timeout MS] [--json]\n\n"
    "Asks the running engine, over its REPL socket, whether it is healthy: it must answer\n"
    "within the timeout (default 5000 ms) with its loop running. Exit status 0 when healthy,\n"
    "1 otherwise, with the reason on stderr. The Docker image's HEALTHCHECK and the systemd\n"
    "unit's watchdog use it. --json prints the engine's status.\n";

/* Lua run inside the engine: healthy when the loop answers and its latest latency probe fired
 * within a second (the lifetime p99 would remember a stall of the start forever). */
static const char probe[] =
    "local s = tb.engine.status()\n"
    "local ok = s.loop_latency_us.last < 1e6\n"
    "print(tb.json.encode({ ok = ok, uptime_s = s.uptime_s, broker = s.broker, feed = s.feed,"
    " strategies = s.strategies, loop_last_us = s.loop_latency_us.last,"
    " loop_p99_us = s.loop_latency_us.p99 }))";

int cmd_health(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    int timeout = 5000, as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
            timeout = atoi(argv[++i]);
        else if (strcmp(argv[i], "--json") == 0)
            as_json = 1;
        else {
            fprintf(stderr, "tradebot health: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    tb_err e;
    if (tb_home_resolve(&e) != 0) {
        fprintf(stderr, "tradebot health: %s\n", e.msg);
        return 1;
    }
    char sock[PATH_MAX];
    tb_repl_socket_path(sock, sizeof sock);
    int fd = tb_repl_connect(sock);
    if (fd < 0) {
        fprintf(stderr, "tradebot health: unhealthy: no engine answers on %s (%s)\n", sock,
                strerror(errno));
        return 1;
    }
    tb_sbuf out = {0};
    int rc = tb_repl_request(fd, probe, sizeof probe - 1, &out, timeout);
    close(fd);
    int healthy = rc == 0 && out.s && strstr(out.s, "\"ok\":true");
    if (rc < 0)
        fprintf(stderr, "tradebot health: unhealthy: the engine did not answer within %d ms\n",
                timeout);
    else if (!healthy)
        fprintf(stderr, "tradebot health: unhealthy: %s\n", out.s ? out.s : "no status");
    else if (as_json)
        fputs(out.s, stdout); /* print() already ended the line */
    else
        printf("healthy\n");
    tb_sbuf_free(&out);
    return healthy ? 0 : 1;
}
