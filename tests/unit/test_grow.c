/* Per-symbol arrays (ml, trader) grow through util/grow.h: an id never seen gets a zeroed slot,
 * the slots already filled keep their values, and an id inside the array costs no realloc. */
#include "tbtest.h"
#include "util/grow.h"

#include <stdint.h>

typedef struct {
    int ready;
    double v[3];
} slot;

TEST(a_new_id_gets_a_zeroed_slot_and_old_slots_keep_their_values)
{
    slot *a = NULL;
    uint32_t n = 0;
    a = tb_grow_zeroed(a, &n, 5, sizeof *a);
    CHECK(a != NULL);
    CHECK_INT(n, 5 + TB_GROW_SLACK);
    for (uint32_t i = 0; i < n; i++) CHECK_INT(a[i].ready, 0);
    a[5].ready = 7, a[5].v[2] = 1.5;
    slot *b = tb_grow_zeroed(a, &n, 1000, sizeof *b);
    CHECK(b != NULL);
    CHECK_INT(n, 1000 + TB_GROW_SLACK);
    CHECK_INT(b[5].ready, 7);
    CHECK(b[5].v[2] == 1.5);
    for (uint32_t i = 6; i < n; i++) CHECK_INT(b[i].ready, 0);
    free(b);
}

TEST(an_id_inside_the_array_returns_it_unchanged)
{
    uint32_t n = 0;
    slot *a = tb_grow_zeroed(NULL, &n, 0, sizeof *a);
    CHECK(a != NULL);
    uint32_t before = n;
    CHECK(tb_grow_zeroed(a, &n, before - 1, sizeof *a) == a);
    CHECK_INT(n, before);
    free(a);
}

TEST(an_id_that_would_overflow_the_length_fails_and_leaves_the_array)
{
    uint32_t n = 0;
    slot *a = tb_grow_zeroed(NULL, &n, 3, sizeof *a);
    uint32_t before = n;
    CHECK(tb_grow_zeroed(a, &n, UINT32_MAX, sizeof *a) == NULL);
    CHECK_INT(n, before);
    free(a);
}
