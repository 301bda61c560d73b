/*
 * emu_util.h - start a Node emulator from tests/emu on a free loopback port, talk to its
 * /__emu control endpoints, and stop it. For test executables only (blocking calls are fine
 * here: the emulator is another process).
 */
#ifndef EMU_UTIL_H
#define EMU_UTIL_H

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int emu_ctl_tls; /* the emulator serves https: control requests skip verification */

typedef struct emu {
    pid_t pid;
    int port;
    int ctl; /* a separate control port ("ctl" in the first line), 0 if none */
} emu;

/* Starts `node tests/emu/<script> --port 0 <args...>` and reads {"port":N}. 0 or -1. */
static int emu_start(emu *m, const char *script, const char *const *args)
{
    int fd[2];
    if (pipe(fd) != 0) return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/tests/emu/%s", TB_SOURCE_DIR, script);
    const char *argv[32] = {"node", path, "--port", "0"};
    int n = 4;
    for (int i = 0; args && args[i] && n < 31; i++) argv[n++] = args[i];
    argv[n] = NULL;
    m->pid = fork();
    if (m->pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        if (!getenv("EMU_DEBUG")) freopen("/dev/null", "w", stderr);
        execvp("node", (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    char buf[128] = {0};
    ssize_t k = 0, r;
    while (k < (ssize_t)sizeof buf - 1 && (r = read(fd[0], buf + k, 1)) == 1 && buf[k] != '\n') k++;
    close(fd[0]);
    char *p = strstr(buf, "\"port\":");
    m->port = p ? atoi(p + 7) : 0;
    p = strstr(buf, "\"ctl\":");
    m->ctl = p ? atoi(p + 6) : 0;
    return m->port > 0 ? 0 : -1;
}

static void emu_stop(emu *m)
{
    if (m->pid > 0) {
        kill(m->pid, SIGTERM);
        waitpid(m->pid, NULL, 0);
    }
    m->pid = 0;
}

static size_t emu_sink(char *p, size_t s, size_t n, void *ud)
{
    char *out = ud;
    size_t have = strlen(out), k = s * n;
    if (have + k < 8191) {
        memcpy(out + have, p, k);
        out[have + k] = '\0';
    }
    return k;
}

/* POSTs a control request (/__emu/<what>) with a JSON body; returns the answer (static). */
static const char *emu_ctl(const emu *m, const char *what, const char *json)
{
    static char out[8192];
    out[0] = '\0';
    char url[256];
    if (m->ctl)
        snprintf(url, sizeof url, "http://127.0.0.1:%d/%s", m->ctl, what);
    else
        snprintf(url, sizeof url, "%s://127.0.0.1:%d/__emu/%s", emu_ctl_tls ? "https" : "http",
                 m->port, what);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json ? json : "{}");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, emu_sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (emu_ctl_tls) curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L); /* test control only */
    curl_easy_perform(c);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return out;
}

#endif
