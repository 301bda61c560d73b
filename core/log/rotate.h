/*
 * rotate.h - size-based rotation of logs into data/archives/, gzip-compressed.
 *
 * The rename is done at once (cheap, on the caller's thread) so writing goes on in a fresh file;
 * compression runs on a background thread so a 500 MB decision log never stalls the loop.
 */
#ifndef TB_LOG_ROTATE_H
#define TB_LOG_ROTATE_H

#include "util/err.h"

#include <stdint.h>

/* Compresses src into dst (gzip) and fsyncs it. Does not remove src. */
int tb_archive_gzip(const char *src, const char *dst, tb_err *e);

/*
 * Moves `path` to archive_dir/<basename>.<UTC yyyymmddThhmmssZ>[.n] and compresses it there to
 * .gz in the background (the uncompressed copy is removed once the .gz is durable). On success
 * writes the final .gz path into out (if non-NULL).
 */
int tb_rotate_file(const char *path, const char *archive_dir, char *out, int outlen, tb_err *e);

/* Waits until every background compression has finished (shutdown, tests). */
void tb_rotate_wait(void);

#endif
