#include "cli/commands.h"
#include "home/home.h"
#include "log/rotate.h"
#include "repl/repl_client.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "usage: tradebot logs archive [--home DIR]\n\n"
    "The runbook's advice for a decision log past 500 MB (\"cp logs/enhanced_decision_log.jsonl\n"
    "data/archives/ && truncate -s 0 ...\"), done safely: the file moves to\n"
    "data/archives/enhanced_decision_log.jsonl.<UTC time>.gz and a fresh one starts. When an\n"
    "engine runs in this home it does the move itself, so no line is written to a moved file;\n"
    "otherwise this command does it. Prints the archive's path.\n";

/* Size of a file, -1 when it does not exist. */
static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/*
 * The engine answers as soon as the log is moved; compression goes on in its background thread
 * and the .gz appears (renamed from .gz.part) only when it is durable. The operator's next step
 * is `zcat` of the printed path, so wait until it exists, as long as the compression makes
 * progress. 0 when the .gz exists; -1 when it stalled (the uncompressed copy stays beside it).
 */
static int wait_for_archive(const char *gz)
{
    char part[PATH_MAX + 8];
    snprintf(part, sizeof part, "%s.part", gz);
    long long last = -2;
    int idle_ms = 0;
    while (file_size(gz) < 0) {
        long long now = file_size(part);
        if (now != last) {
            last = now;
            idle_ms = 0;
        } else if ((idle_ms += 20) > 30000) {
            return -1;
        }
        usleep(20000);
    }
    return 0;
}

int cmd_logs(int argc, char **argv)
{
    if (tb_wants_help(argc, argv)) {
        fputs(usage, stdout);
        return 0;
    }
    tb_home_take_arg(&argc, argv);
    if (argc != 2 || strcmp(argv[1], "archive") != 0) {
        fputs(usage, stderr);
        return 2;
    }
    tb_err e;
    if (tb_home_init(&e) != 0) {
        fprintf(stderr, "tradebot logs: %s\n", e.msg);
        return 1;
    }
    char sock[PATH_MAX];
    tb_repl_socket_path(sock, sizeof sock);
    int fd = tb_repl_connect(sock);
    if (fd >= 0) {
        static const char code[] = "print(tb.engine.archive_decision_log())";
        tb_sbuf out = {0};
        int rc = tb_repl_request(fd, code, sizeof code - 1, &out, 10000);
        close(fd);
        if (rc != 0) {
            fprintf(stderr, "tradebot logs: the engine could not archive: %s\n",
                    out.s ? out.s : "no answer");
            tb_sbuf_free(&out);
            return 1;
        }
        char gz[PATH_MAX];
        snprintf(gz, sizeof gz, "%s", out.s ? out.s : "");
        tb_sbuf_free(&out);
        gz[strcspn(gz, "\n")] = 0;
        if (wait_for_archive(gz) != 0) {
            fprintf(stderr,
                    "tradebot logs: %s is not written yet (compression made no progress for 30 "
                    "s); the uncompressed log is beside it\n",
                    gz);
            return 1;
        }
        printf("archived by the running engine to %s\n", gz);
        return 0;
    }
    char path[PATH_MAX], archives[PATH_MAX], dst[PATH_MAX];
    tb_home_path(path, sizeof path, "logs/enhanced_decision_log.jsonl");
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size == 0) {
        printf("%s is empty or missing: nothing to archive\n", path);
        return 0;
    }
    if (tb_rotate_file(path, tb_home_path(archives, sizeof archives, "data/archives"), dst,
                       sizeof dst, &e) != 0) {
        fprintf(stderr, "tradebot logs: %s\n", e.msg);
        return 1;
    }
    tb_rotate_wait();
    printf("archived %lld bytes to %s\n", (long long)st.st_size, dst);
    return 0;
}
