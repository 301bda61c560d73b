/*
 * llm.c - the optional LLM proposer: for each finding of severity WARNING or above that names a
 * file (evidence.file) a change may touch (boundary.h: no other file of the home, such as a keys
 * file, is ever sent), asks an OpenAI-compatible chat completions endpoint (healer.llm_url)
 * for a unified diff. What comes back is only a proposal: a script_patch directive with
 * can_auto_apply false that goes through the same branch, validation and replay as any other.
 */
#include "healer/boundary.h"
#include "healer/healer.h"
#include "healer/healer_priv.h"
#include "healer/store.h"
#include "home/home.h"
#include "log/log.h"
#include "log/redact.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char system_prompt[] =
    "You repair a day-trading bot whose strategies are Lua files. You get one audit finding and "
    "the file it concerns. Reply with exactly one unified diff against that file (paths a/<file> "
    "and b/<file>, relative to the bot's home) inside a ```diff fence, and one sentence of "
    "rationale before it. Change as little as possible.";

typedef struct buf {
    char *s;
    size_t n;
} buf;

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
    buf *b = ud;
    size_t len = size * nmemb;
    if (b->n + len > (8u << 20)) return 0;
    char *t = realloc(b->s, b->n + len + 1);
    if (!t) return 0;
    memcpy(t + b->n, p, len);
    b->s = t, b->n += len, b->s[b->n] = 0;
    return len;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    buf b = {0};
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) on_body(chunk, 1, n, &b);
    fclose(f);
    return b.s;
}

/* The diff inside a ```diff fence, or from the first "--- " line. */
static char *extract_diff(const char *text)
{
    const char *start = strstr(text, "```diff");
    if (start) {
        start = strchr(start, '\n');
        if (!start) return NULL;
        start++;
        const char *end = strstr(start, "```");
        size_t len = end ? (size_t)(end - start) : strlen(start);
        return strndup(start, len);
    }
    start = strstr(text, "--- ");
    return start ? strdup(start) : NULL;
}

/* The target file from "+++ b/<path>". */
static int diff_target(const char *diff, char *out, size_t len)
{
    const char *p = strstr(diff, "\n+++ ");
    if (!p) return -1;
    p += 5;
    if (strncmp(p, "b/", 2) == 0) p += 2;
    size_t n = strcspn(p, "\t\r\n");
    if (n == 0 || n >= len) return -1;
    memcpy(out, p, n);
    out[n] = 0;
    return strstr(out, "..") || out[0] == '/' ? -1 : 0;
}

static char *ask(const tb_config *cfg, json_t *finding, const char *file, const char *content,
                 tb_err *e)
{
    char *fj = json_dumps(finding, JSON_COMPACT | JSON_SORT_KEYS);
    size_t ulen = strlen(fj) + strlen(content) + strlen(file) + 64;
    char *user = malloc(ulen);
    snprintf(user, ulen, "Finding: %s\n\nFile %s:\n%s", fj, file, content);
    json_t *req = json_pack("{s:s, s:f, s:[{s:s, s:s}, {s:s, s:s}]}", "model",
                            cfg->healer.llm_model, "temperature", 0.0, "messages", "role", "system",
                            "content", system_prompt, "role", "user", "content", user);
    char *body = json_dumps(req, JSON_COMPACT);
    free(fj), free(user), json_decref(req);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    const char *keyenv = cfg->healer.llm_key_env, *key = keyenv && *keyenv ? getenv(keyenv) : NULL;
    char auth[1024];
    if (key && *key) {
        tb_redact_add_secret(key);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", key);
        h = curl_slist_append(h, auth);
    }
    buf b = {0};
    long status = 0;
    curl_easy_setopt(c, CURLOPT_URL, cfg->healer.llm_url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->healer.llm_timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(body);
    json_t *resp = rc == CURLE_OK && status == 200 && b.s ? json_loads(b.s, 0, NULL) : NULL;
    free(b.s);
    if (!resp) {
        tb_errf(e, "LLM proposer: %s answered %s (HTTP %ld)", cfg->healer.llm_url,
                rc == CURLE_OK ? "without a usable body" : curl_easy_strerror(rc), status);
        return NULL;
    }
    json_t *msg = json_object_get(
        json_object_get(json_array_get(json_object_get(resp, "choices"), 0), "message"), "content");
    char *text = json_is_string(msg) ? strdup(json_string_value(msg)) : NULL;
    json_decref(resp);
    if (!text) tb_errf(e, "LLM proposer: no choices[0].message.content in the answer");
    return text;
}

static int severe(json_t *f)
{
    const char *s = json_string_value(json_object_get(f, "severity"));
    return s && strcmp(s, "INFO") != 0;
}

int hl_propose_llm(const tb_config *cfg, json_t *root, json_t *findings, tb_err *e)
{
    if (!cfg->healer.llm_enabled) return 0;
    if (!cfg->healer.llm_url || !*cfg->healer.llm_url)
        return tb_errf(e, "healer.llm_enabled is set but healer.llm_url is empty");
    size_t i;
    json_t *f;
    int added = 0, asked = 0;
    json_array_foreach(findings, i, f)
    {
        const char *file =
            json_string_value(json_object_get(json_object_get(f, "evidence"), "file"));
        char path[4096], target[512];
        if (!severe(f) || !file || asked >= 5) continue;
        if (!hl_path_allowed(file)) { /* a diff of it would be refused: never show it */
            TB_INFO("healer", "LLM proposer: %s is outside what a change may touch: not sent",
                    file);
            continue;
        }
        char *content = slurp(tb_home_path(path, sizeof path, file));
        if (!content) continue;
        asked++;
        tb_err le;
        char *text = ask(cfg, f, file, content, &le);
        free(content);
        char *diff = text ? extract_diff(text) : NULL;
        if (!diff || diff_target(diff, target, sizeof target) != 0) {
            TB_WARN("healer", "LLM proposal not usable for %s: %s", file,
                    text ? "no unified diff in the answer" : le.msg);
            json_t *ev = json_pack("{s:s, s:s, s:s}", "status", "proposer_error", "proposer", "llm",
                                   "message", text ? "no unified diff in the answer" : le.msg);
            hl_history(ev);
            json_decref(ev);
            free(text), free(diff);
            continue;
        }
        char rationale[512];
        snprintf(rationale, sizeof rationale, "proposed by %s: %.*s", cfg->healer.llm_model,
                 (int)strcspn(text, "\n`"), text);
        json_t *d =
            json_pack("{s:O, s:O, s:O?, s:s, s:s, s:{s:s}, s:s, s:b}", "finding",
                      json_object_get(f, "rule"), "severity", json_object_get(f, "severity"),
                      "symbol", json_object_get(f, "symbol"), "kind", "script_patch", "target",
                      target, "change", "patch", diff, "rationale", rationale, "can_auto_apply", 0);
        json_object_set(d, "finding_message", json_object_get(f, "message"));
        added += hl_add_proposal(root, d, "llm");
        free(text), free(diff);
    }
    return added;
}
