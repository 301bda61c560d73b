/* test_tws_frame: TWS API framing: encode, greeting, split from a stream, hostile input. */
#include "tbtest.h"

#include "broker/tws_frame.h"

TEST(message_round_trips_through_encode_and_decode)
{
    tb_sbuf b = {0};
    tb_err e;
    tws_begin(&b);
    tws_put_int(&b, 71); /* START_API */
    tws_put_int(&b, 2);
    tws_put_int(&b, 17);
    tws_put_str(&b, "");
    tws_put_double(&b, 187.25, 1);
    tws_put_double(&b, 0, 0);
    CHECK_INT(tws_end(&b, &e), 0);
    CHECK_INT(b.len, 4 + 3 + 2 + 3 + 1 + 7 + 1);
    CHECK_INT((unsigned char)b.s[3], b.len - 4);
    tws_frame f;
    size_t used = 0;
    CHECK_INT(tws_frame_next((const uint8_t *)b.s, b.len, &used, &f, &e), 1);
    CHECK_INT(used, b.len);
    CHECK_INT(f.n, 6);
    CHECK_STR(f.field[0], "71");
    CHECK_STR(f.field[3], "");
    CHECK_STR(f.field[4], "187.25");
    int64_t v;
    CHECK_INT(tws_field_int(&f, 2, &v), 0);
    CHECK_INT(v, 17);
    CHECK_INT(tws_field_int(&f, 5, &v), -1);
    tws_frame_free(&f);
    tb_sbuf_free(&b);
}

TEST(greeting_is_api_nul_and_the_framed_version_range)
{
    tb_sbuf b = {0};
    tb_err e;
    CHECK_INT(tws_greeting(&b, 100, 151, &e), 0);
    CHECK_INT(b.len, 4 + 4 + 9);
    CHECK(memcmp(b.s, "API\0\0\0\0\x09v100..151", 17) == 0);
    tb_sbuf_free(&b);
}

TEST(partial_frames_wait_for_more_bytes_and_bad_ones_are_refused)
{
    const uint8_t two[] = {0, 0, 0, 4, '9', 0, '1', 0, 0, 0, 0, 2, 'x', 0};
    tws_frame f;
    size_t used;
    tb_err e;
    for (size_t n = 0; n < 8; n++) CHECK_INT(tws_frame_next(two, n, &used, &f, &e), 0);
    CHECK_INT(tws_frame_next(two, sizeof two, &used, &f, &e), 1);
    CHECK_INT(used, 8);
    tws_frame_free(&f);
    CHECK_INT(tws_frame_next(two + 8, 6, &used, &f, &e), 1);
    CHECK_STR(f.field[0], "x");
    tws_frame_free(&f);
    const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff};
    CHECK_INT(tws_frame_next(huge, 4, &used, &f, &e), -1);
    CHECK_CONTAINS(e.msg, "over the limit");
    const uint8_t open[] = {0, 0, 0, 2, '4', '2'};
    CHECK_INT(tws_frame_next(open, 6, &used, &f, &e), -1);
}
