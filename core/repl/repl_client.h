/*
 * repl_client.h - the client side of the REPL socket (`tradebot repl`, `tradebot health`).
 */
#ifndef TB_REPL_CLIENT_H
#define TB_REPL_CLIENT_H

#include "util/sbuf.h"

#include <stddef.h>

/* Connects to the socket at path; -1 with errno set when nobody answers. */
int tb_repl_connect(const char *path);

/* Resolves the engine's socket path for the current home (config repl.socket, else default). */
void tb_repl_socket_path(char *buf, size_t len);

/*
 * Sends one chunk and reads the reply into out. Returns 0 when the chunk ran, 1 when it raised
 * an error (the message is in out), -1 when the connection failed. timeout_ms 0 waits forever.
 */
int tb_repl_request(int fd, const char *code, size_t len, tb_sbuf *out, int timeout_ms);

/* While a request waits for its reply, Ctrl-C (SIGINT) sends the engine an interrupt (an empty
 * frame) that stops the running chunk; a second Ctrl-C leaves at once. Call once at start. */
void tb_repl_catch_interrupt(void);

#endif
