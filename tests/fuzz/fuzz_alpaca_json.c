/*
 * fuzz_alpaca_json: libFuzzer target for every parser of Alpaca messages (stream frames, order
 * objects, account, positions, order lists). Any input must give 0 or -1, never a crash, a
 * leak or undefined behaviour. Built with clang -fsanitize=fuzzer,address,undefined.
 */
#include "broker/alpaca_json.h"

#include <stddef.h>
#include <stdint.h>

static void count(void *ud, const alp_order *o)
{
    (*(int *)ud)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    tb_err e;
    alp_stream_msg m;
    alp_order o;
    broker_account a;
    broker_position pos[8];
    int n = 0;
    alp_parse_stream(s, size, &m, &e);
    alp_parse_order(s, size, &o, &e);
    alp_parse_account(s, size, &a, &e);
    alp_parse_positions(s, size, pos, 8, &n, &e);
    alp_parse_order_list(s, size, count, &n, &e);
    return 0;
}
