#include "log/jsonl.h"
#include "log/log.h"
#include "log/redact.h"
#include "log/rotate.h"
#include "log_testutil.h"
#include "tbtest.h"

#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <strings.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

static char *slurp(const char *path)
{
    static char buf[1 << 20];
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

TEST(registered_secret_never_reaches_the_text_log)
{
    char path[300];
    CHECK_INT(tbt_open_tmp_log(path, sizeof path), 0);
    tb_redact_add_secret("PKSECRET123456789");
    TB_INFO("alpaca", "connecting with key PKSECRET123456789 to paper");
    TB_WARN("polygon", "GET /v2/aggs?apiKey=abcdef0123&limit=5 failed");
    TB_ERROR("alpaca",
             "headers APCA-API-SECRET-KEY: s3cr3tvalue, Authorization: Bearer tok_9876543");
    tb_log_close();
    char *text = slurp(path);
    CHECK(text != NULL);
    CHECK(strstr(text, "PKSECRET123456789") == NULL);
    CHECK(strstr(text, "abcdef0123") == NULL);
    CHECK(strstr(text, "s3cr3tvalue") == NULL);
    CHECK(strstr(text, "tok_9876543") == NULL);
    CHECK_CONTAINS(text, "INFO  [alpaca] connecting with key [REDACTED] to paper");
    CHECK_CONTAINS(text, "apiKey=[REDACTED]&limit=5");
    tb_redact_clear();
}

TEST(strategy_strings_cannot_forge_log_lines_or_terminal_escapes)
{
    char path[300];
    CHECK_INT(tbt_open_tmp_log(path, sizeof path), 0);
    /* A reason and a strategy name as a hostile strategy would write them. */
    TB_INFO("evil\nname", "order refused: reason=%s",
            "x\n2026-01-02T00:00:00.000Z ERROR [engine] FORGED\r\x1b[2J\x7f\tend");
    tb_log_close();
    char *text = slurp(path);
    CHECK(text != NULL);
    CHECK_CONTAINS(text, "[evil\\nname] order refused: reason=x\\n2026-01-02T00:00:00.000Z "
                         "ERROR [engine] FORGED\\r\\x1b[2J\\x7f\\tend\n");
    int lines = 0;
    for (char *p = text; *p; p++) lines += *p == '\n';
    CHECK_INT(lines, 1);
    CHECK(strchr(text, 0x1b) == NULL);
}

TEST(redaction_leaves_ordinary_words_alone)
{
    char out[256];
    tb_redact("token bucket refilled: tokens=5 keys=3", out, sizeof out);
    CHECK_STR(out, "token bucket refilled: tokens=5 keys=3");
    tb_redact("{\"secret\":\"abc123\",\"qty\":\"10\"}", out, sizeof out);
    CHECK_STR(out, "{\"secret\":\"[REDACTED]\",\"qty\":\"10\"}");
}

/* The rule as the redaction was first written: at every byte, every registered secret, then
 * every field name, compared in full. The fast scan (it skips bytes no secret or name starts with)
 * must give the same bytes for every input and output size. */
/* The names as the rule lists them, in its order (a space between two). */
static const char oracle_names[] =
    "apca-api-secret-key apca-api-key-id apikey api_key authorization "
    "secret_key secret password passwd token key_id private_key "
    "tws_password vnc_password";
static const char *const oracle_secrets[] = {"PKSECRET123", "s3cr3t-v4lue", "apika"};

static int ident(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static void oracle_redact(const char *src, char *dst, size_t cap)
{
    size_t o = 0;
    const char *p = src;
#define EMIT(s, n)                                                                                 \
    do {                                                                                           \
        for (size_t k_ = 0; k_ < (size_t)(n) && o + 1 < cap; k_++) dst[o++] = (s)[k_];             \
    } while (0)
    while (*p && o + 1 < cap) {
        size_t skip = 0;
        for (size_t i = 0; i < sizeof oracle_secrets / sizeof *oracle_secrets && !skip; i++)
            if (!strncmp(p, oracle_secrets[i], strlen(oracle_secrets[i])))
                skip = strlen(oracle_secrets[i]);
        if (skip) {
            EMIT(TB_REDACTED, strlen(TB_REDACTED));
            p += skip;
            continue;
        }
        size_t name = 0;
        for (const char *k = oracle_names; *k && !name; k += strcspn(k, " "), k += *k == ' ') {
            size_t n = strcspn(k, " ");
            if ((p == src || !ident(p[-1])) && !strncasecmp(p, k, n) && !ident(p[n])) name = n;
        }
        const char *v = p + name;
        if (name) {
            v += *v == '"' || *v == '\'';
            while (*v == ' ') v++;
            if (*v == ':' || *v == '=') {
                v++;
                while (*v == ' ') v++;
                v += *v == '"' || *v == '\'';
                if (!strncasecmp(v, "bearer ", 7))
                    v += 7;
                else if (!strncasecmp(v, "basic ", 6))
                    v += 6;
                size_t n = strcspn(v, "\"' ,;&}\n\r\t");
                if (n) {
                    EMIT(p, v - p);
                    EMIT(TB_REDACTED, strlen(TB_REDACTED));
                    p = v + n;
                    continue;
                }
            }
        }
        dst[o++] = *p++;
    }
#undef EMIT
    dst[o] = '\0';
}

TEST(redaction_gives_the_bytes_of_the_full_comparison_for_any_input)
{
    static const char *const bits[] = {"apca-api-secret-key",
                                       "APCA-API-KEY-ID",
                                       "apiKey",
                                       "API_KEY",
                                       "Authorization",
                                       "secret_key",
                                       "Secret",
                                       "password",
                                       "PASSWD",
                                       "token",
                                       "key_id",
                                       "private_key",
                                       "tws_password",
                                       "vnc_password",
                                       "PKSECRET123",
                                       "s3cr3t-v4lue",
                                       "apika",
                                       "Bearer ",
                                       "basic ",
                                       ": ",
                                       "=",
                                       "\"",
                                       "'",
                                       " ",
                                       ",",
                                       ";",
                                       "&",
                                       "}",
                                       "{",
                                       "\n",
                                       "\t",
                                       "_",
                                       "-",
                                       "x",
                                       "qty",
                                       "10",
                                       "s",
                                       "t",
                                       "a",
                                       "k",
                                       "p",
                                       "v",
                                       "\xc3\xa9",
                                       "\x01"};
    tb_redact_clear();
    for (size_t i = 0; i < sizeof oracle_secrets / sizeof *oracle_secrets; i++)
        CHECK_INT(tb_redact_add_secret(oracle_secrets[i]), 0);
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    char src[512], want[600], got[600];
    for (int round = 0; round < 100000; round++) {
        size_t n = 0;
        int parts = (int)((x = x * 6364136223846793005ULL + 1442695040888963407ULL) >> 59);
        for (int k = 0; k < parts; k++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            const char *b = bits[(x >> 33) % (sizeof bits / sizeof *bits)];
            size_t m = strlen(b);
            if (n + m >= sizeof src) break;
            memcpy(src + n, b, m);
            n += m;
        }
        src[n] = '\0';
        size_t cap = round % 4 ? sizeof want : 1 + (size_t)((x >> 40) % 48); /* some cut short */
        oracle_redact(src, want, cap);
        tb_redact(src, got, cap);
        if (strcmp(want, got) != 0) {
            fprintf(stderr, "input \"%s\" (cap %zu):\n want \"%s\"\n got  \"%s\"\n", src, cap, want,
                    got);
            CHECK_STR(got, want);
        }
    }
    tb_redact_clear();
    tb_redact("token=abc", got, sizeof got); /* cleared: the names still hold */
    CHECK_STR(got, "token=[REDACTED]");
    tb_redact("PKSECRET123", got, sizeof got);
    CHECK_STR(got, "PKSECRET123");
}

TEST(jsonl_writes_one_object_a_line_and_redacts)
{
    char dir[] = "/tmp/tbtest-jsonl-XXXXXX", path[300];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/enhanced_decision_log.jsonl", dir);
    tb_err e;
    tb_jsonl *j = tb_jsonl_open(path, 0, &e);
    CHECK(j != NULL);
    json_t *o = json_pack("{s:s, s:i, s:s}", "symbol", "AAPL", "qty", 10, "password", "hunter22");
    CHECK_INT(tb_jsonl_write(j, o, &e), 0);
    CHECK_INT(tb_jsonl_write(j, o, &e), 0);
    json_decref(o);
    tb_jsonl_close(j);
    char *text = slurp(path);
    CHECK(strstr(text, "hunter22") == NULL);
    int lines = 0;
    for (char *p = text; *p; p++) lines += *p == '\n';
    CHECK_INT(lines, 2);
}

TEST(jsonl_cuts_a_torn_last_line_at_open)
{
    char dir[] = "/tmp/tbtest-torn-XXXXXX", path[300];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/a.jsonl", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"a\":1}\n{\"a\":2}\n{\"a\":", f); /* a crash in the middle of a write */
    fclose(f);
    tb_err e;
    tb_jsonl *j = tb_jsonl_open(path, 0, &e);
    CHECK(j != NULL);
    CHECK_INT(tb_jsonl_repaired_bytes(j), 5);
    json_t *o = json_pack("{s:i}", "a", 3);
    tb_jsonl_write(j, o, &e);
    json_decref(o);
    tb_jsonl_close(j);
    CHECK_STR(slurp(path), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
}

/* Makes the directory dir (a mkdtemp template) with an archives/ folder in it; path (300 bytes)
 * is dir/file, arch the archives folder. */
static void rotation_dirs(char *dir, const char *file, char *path, char *arch)
{
    if (!mkdtemp(dir)) TBT_FAIL("mkdtemp %s", dir);
    snprintf(path, 300, "%s/%s", dir, file);
    snprintf(arch, 300, "%s/archives", dir);
    mkdir(arch, 0755);
}

TEST(jsonl_rotates_by_size_into_archives_compressed)
{
    char dir[] = "/tmp/tbtest-rot-XXXXXX", path[300], arch[300];
    rotation_dirs(dir, "sentinel_activity.jsonl", path, arch);
    tb_err e;
    tb_jsonl *j = tb_jsonl_open(path, 0, &e);
    tb_jsonl_set_rotation(j, 1000, arch);
    json_t *o = json_pack("{s:s}", "message", "0123456789012345678901234567890123456789");
    for (int i = 0; i < 30; i++) CHECK_INT(tb_jsonl_write(j, o, &e), 0);
    json_decref(o);
    tb_jsonl_close(j);
    tb_rotate_wait();
    DIR *d = opendir(arch);
    struct dirent *de;
    int gz = 0, lines = 0;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 3 || strcmp(de->d_name + n - 3, ".gz") != 0) continue;
        gz++;
        char p[600];
        snprintf(p, sizeof p, "%s/%s", arch, de->d_name);
        gzFile g = gzopen(p, "rb");
        char buf[4096];
        int r;
        while ((r = gzread(g, buf, sizeof buf)) > 0)
            for (int i = 0; i < r; i++) lines += buf[i] == '\n';
        gzclose(g);
    }
    closedir(d);
    char *rest = slurp(path);
    for (char *p = rest; *p; p++) lines += *p == '\n';
    CHECK(gz >= 1);
    CHECK_INT(lines, 30); /* nothing lost across rotations */
}

TEST(text_log_rotates_past_max_bytes)
{
    char dir[] = "/tmp/tbtest-lrot-XXXXXX", path[300], arch[300];
    rotation_dirs(dir, "trading_bot.log", path, arch);
    tb_err e;
    tb_log_opts o = {.level = TB_LOG_INFO, .max_bytes = 2000, .archive_dir = arch};
    CHECK_INT(tb_log_open(path, &o, &e), 0);
    for (int i = 0; i < 100; i++) TB_INFO("test", "line %d with some padding to fill the file", i);
    tb_log_close();
    tb_rotate_wait();
    CHECK_CONTAINS(slurp(path), "log rotated to");
    DIR *d = opendir(arch);
    int gz = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        gz += strstr(de->d_name, "trading_bot.log.") && strstr(de->d_name, ".gz");
    closedir(d);
    CHECK(gz >= 1);
}

TEST(json_kept_on_disk_loses_secret_names_in_any_case_and_registered_values)
{
    tb_redact_add_secret("PKJSONSECRET42");
    json_t *j = json_loads(
        "{\"_Alpaca_Secret\": \"s1\", \"apiKey\": \"s2\", \"API_KEY\": \"s3\", \"Passphrase\": "
        "\"s4\","
        " \"alpaca\": {\"keys_file\": \"config/keys.json\", \"Authorization\": \"Bearer s5\"},"
        " \"healer\": {\"llm_key_env\": \"OPENAI_API_KEY\", \"llm_url\": "
        "\"http://h/v1?apikey=s6\"},"
        " \"_note\": \"key PKJSONSECRET42\", \"symbols\": [\"AAPL\", \"PKJSONSECRET42\"],"
        " \"strategies\": [{\"params\": {\"key_level\": 10, \"account\": \"PKJSONSECRET42\"}}]}",
        0, NULL);
    CHECK(j != NULL);
    json_t *params = json_deep_copy(
        json_object_get(json_array_get(json_object_get(j, "strategies"), 0), "params"));
    CHECK_INT(tb_redact_json(j, 1), 10);
    char *s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    CHECK_STR(s, "{\"_note\":\"[REDACTED]\",\"alpaca\":{\"keys_file\":\"config/keys.json\"},"
                 "\"healer\":{\"llm_key_env\":\"OPENAI_API_KEY\",\"llm_url\":\"[REDACTED]\"},"
                 "\"strategies\":[{\"params\":{\"account\":\"[REDACTED]\"}}],"
                 "\"symbols\":[\"AAPL\",\"[REDACTED]\"]}");
    free(s);
    /* a strategy's params by value only: its key_level is a price, not a secret */
    CHECK_INT(tb_redact_json(params, 0), 1);
    s = json_dumps(params, JSON_SORT_KEYS | JSON_COMPACT);
    CHECK_STR(s, "{\"account\":\"[REDACTED]\",\"key_level\":10}");
    free(s);
    json_decref(params);
    json_decref(j);
}
