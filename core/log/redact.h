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

#include <stddef.h>

#define TB_REDACTED "[REDACTED]"

/* Registers a secret value (ignored when shorter than 4 characters). Returns 0, -1 if full. */
int tb_redact_add_secret(const char *value);

/* Forgets every registered secret (tests). */
void tb_redact_clear(void);

/* Copies src into dst (size dstlen, always NUL-terminated) with secrets replaced. */
void tb_redact(const char *src, char *dst, size_t dstlen);

#endif
