#include "log/redact.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SECRETS 32

static char *secrets[MAX_SECRETS];
static size_t secret_lens[MAX_SECRETS];
static int nsecrets;
/* The first bytes of the registered secrets: tb_redact copies a byte no secret starts with, and
 * no secret field name either (key_first), without comparing anything at it. Every log line and
 * decision goes through here: comparing every key and secret at every byte was 20 us for a
 * 470-byte decision line. Set at start (tb_redact_add_secret), read by every logging thread. */
static unsigned char secret_first[256];

/* Field names whose value is a secret, in the forms they take in headers, URLs and JSON. */
static const char *const secret_keys[] = {
    "apca-api-secret-key",
    "apca-api-key-id",
    "apikey",
    "api_key",
    "authorization",
    "secret_key",
    "secret",
    "password",
    "passwd",
    "token",
    "key_id",
    "private_key",
    "tws_password",
    "vnc_password",
    NULL,
};

/* 1 for the bytes, in either case, that start a name above (the C locale's strncasecmp). */
static const unsigned char key_first[256] = {
    ['a'] = 1, ['A'] = 1, ['k'] = 1, ['K'] = 1, ['p'] = 1, ['P'] = 1,
    ['s'] = 1, ['S'] = 1, ['t'] = 1, ['T'] = 1, ['v'] = 1, ['V'] = 1,
};

int tb_redact_add_secret(const char *value)
{
    if (!value || strlen(value) < 4) return 0;
    for (int i = 0; i < nsecrets; i++)
        if (strcmp(secrets[i], value) == 0) return 0;
    if (nsecrets >= MAX_SECRETS) return -1;
    char *copy = strdup(value);
    if (!copy) return -1;
    secret_lens[nsecrets] = strlen(copy);
    secret_first[(unsigned char)copy[0]] = 1;
    secrets[nsecrets++] = copy;
    return 0;
}

void tb_redact_clear(void)
{
    for (int i = 0; i < nsecrets; i++) free(secrets[i]);
    nsecrets = 0;
    memset(secret_first, 0, sizeof secret_first);
}

/* Length of a secret field name starting at s (preceded by a non-identifier char), else 0. */
static size_t match_key(const char *s, const char *start)
{
    if (!key_first[(unsigned char)*s]) return 0;
    if (s > start && (isalnum((unsigned char)s[-1]) || s[-1] == '_' || s[-1] == '-')) return 0;
    for (int i = 0; secret_keys[i]; i++) {
        size_t n = strlen(secret_keys[i]);
        if (strncasecmp(s, secret_keys[i], n) != 0) continue;
        char c = s[n];
        if (isalnum((unsigned char)c) || c == '_' || c == '-') continue;
        return n;
    }
    return 0;
}

/* After a key: skip quote, separator (: or =) and spaces; returns where the value starts, or
 * NULL when what follows is not a key-value separator. "Bearer " is skipped too. */
static const char *value_start(const char *p)
{
    if (*p == '"' || *p == '\'') p++;
    while (*p == ' ') p++;
    if (*p != ':' && *p != '=') return NULL;
    p++;
    while (*p == ' ') p++;
    if (*p == '"' || *p == '\'') p++;
    if (strncasecmp(p, "bearer ", 7) == 0 || strncasecmp(p, "basic ", 6) == 0)
        p += (*p == 'b' || *p == 'B') && (p[1] == 'e' || p[1] == 'E') ? 7 : 6;
    return p;
}

static size_t value_len(const char *p)
{
    size_t n = 0;
    while (p[n] && !strchr("\"' ,;&}\n\r\t", p[n])) n++;
    return n;
}

static void put(char *dst, size_t dstlen, size_t *o, const char *s, size_t n)
{
    if (*o + 1 >= dstlen) return;
    if (n > dstlen - 1 - *o) n = dstlen - 1 - *o;
    memcpy(dst + *o, s, n);
    *o += n;
}

void tb_redact(const char *src, char *dst, size_t dstlen)
{
    if (!dstlen) return;
    size_t o = 0;
    const char *p = src;
    while (*p && o + 1 < dstlen) {
        unsigned char ch = (unsigned char)*p;
        if (!(key_first[ch] | secret_first[ch])) { /* most bytes: nothing starts here */
            dst[o++] = *p++;
            continue;
        }
        int hit = 0;
        for (int i = 0; i < nsecrets && !hit; i++) {
            size_t n = secret_lens[i];
            if (secrets[i][0] == *p && strncmp(p, secrets[i], n) == 0) {
                put(dst, dstlen, &o, TB_REDACTED, strlen(TB_REDACTED));
                p += n;
                hit = 1;
            }
        }
        if (hit) continue;
        size_t klen = match_key(p, src);
        if (klen) {
            const char *v = value_start(p + klen);
            if (v && value_len(v) > 0) {
                put(dst, dstlen, &o, p, (size_t)(v - p));
                put(dst, dstlen, &o, TB_REDACTED, strlen(TB_REDACTED));
                p = v + value_len(v);
                continue;
            }
        }
        dst[o++] = *p++;
    }
    dst[o] = '\0';
}

/* A member name that says its value is a secret (any case); a name pointing at a secret kept
 * elsewhere (keys_file, llm_key_env) is not one. */
static int secret_name(const char *k)
{
    static const char *const words[] = {"secret",     "token", "password", "passwd", "passphrase",
                                        "credential", "auth",  "private",  "key",    NULL};
    char low[128];
    size_t n = 0;
    for (; k[n] && n < sizeof low - 1; n++) low[n] = (char)tolower((unsigned char)k[n]);
    low[n] = 0;
    size_t m = strlen(low);
    if ((m > 5 && strcmp(low + m - 5, "_file") == 0) || (m > 4 && strcmp(low + m - 4, "_env") == 0))
        return 0;
    for (int i = 0; words[i]; i++)
        if (strstr(low, words[i])) return 1;
    return 0;
}

/* A string value that holds a registered secret or a secret field's value. */
static int secret_value(const char *s)
{
    for (int i = 0; i < nsecrets; i++)
        if (strstr(s, secrets[i])) return 1;
    for (const char *p = s; *p; p++) {
        size_t klen = match_key(p, s);
        const char *v = klen ? value_start(p + klen) : NULL;
        if (v && value_len(v) > 0) return 1;
    }
    return 0;
}

int tb_redact_json(json_t *j, int names)
{
    int n = 0;
    if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v)
        {
            if (json_is_string(v) && secret_value(json_string_value(v))) {
                json_array_set_new(j, i, json_string(TB_REDACTED));
                n++;
            } else {
                n += tb_redact_json(v, names);
            }
        }
        return n;
    }
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(j, tmp, k, v)
    {
        if (names && secret_name(k)) {
            json_object_del(j, k);
            n++;
        } else if (json_is_string(v) && secret_value(json_string_value(v))) {
            json_object_set_new(j, k, json_string(TB_REDACTED));
            n++;
        } else {
            n += tb_redact_json(v, names);
        }
    }
    return n;
}
