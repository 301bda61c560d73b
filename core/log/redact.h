/*
 * redact.h - keeps secrets out of every log line.
 *
 * Two defences: secret values registered at start (API keys, tokens read from the environment or
 * 0600 files) are replaced wherever they appear, and the values after well-known secret field
 * names (APCA-API-SECRET-KEY, apiKey=, Authorization: Bearer, "secret":, password=, token=) are
 * replaced even when nobody registered them. Every text and JSONL log line passes through here.
 */
#ifndef TB_LOG_REDACT_H
#define TB_LOG_REDACT_H

#include <jansson.h>
#include <stddef.h>

#define TB_REDACTED "[REDACTED]"

/* Registers a secret value (ignored when shorter than 4 characters). Returns 0, -1 if full. */
int tb_redact_add_secret(const char *value);

/* Forgets every registered secret (tests). */
void tb_redact_clear(void);

/* Copies src into dst (size dstlen, always NUL-terminated) with secrets replaced. */
void tb_redact(const char *src, char *dst, size_t dstlen);

/* For JSON kept on disk (a session recording's configuration): removes from j, recursively and
 * in place, every member whose name says it holds a secret, in any case (apiKey, API_KEY,
 * Secret, passphrase, Authorization, ..., but not the *_file / *_env names that point at one),
 * and replaces by TB_REDACTED every string value holding a registered secret or a secret field
 * (a URL's apikey=...). With names 0 only the values are looked at (a strategy's params, whose
 * names are the strategy's own). Returns how many were removed or replaced. */
int tb_redact_json(json_t *j, int names);

#endif
