#include "log/redact.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SECRETS 32

static char *secrets[MAX_SECRETS];
static int nsecrets;

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

int tb_redact_add_secret(const char *value)
{
    if (!value || strlen(value) < 4) return 0;
    for (int i = 0; i < nsecrets; i++)
        if (strcmp(secrets[i], value) == 0) return 0;
    if (nsecrets >= MAX_SECRETS) return -1;
    secrets[nsecrets++] = strdup(value);
    return 0;
}

void tb_redact_clear(void)
{
    for (int i = 0; i < nsecrets; i++) free(secrets[i]);
    nsecrets = 0;
}

/* Length of a secret field name starting at s (preceded by a non-identifier char), else 0. */
static size_t match_key(const char *s, const char *start)
{
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
        int hit = 0;
        for (int i = 0; i < nsecrets && !hit; i++) {
            size_t n = strlen(secrets[i]);
            if (strncmp(p, secrets[i], n) == 0) {
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
