/* util/hash.h: the one FNV-1a. Values are pinned to what the engine's own copies produced before
 * they became this header, since feature_schema.json and pdt_state.json carry such hashes. */
#include "ml/features.h"
#include "tbtest.h"
#include "util/hash.h"

TEST(standard_fnv1a_test_vectors)
{
    CHECK(tb_fnv64(TB_FNV64_BASIS, "a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(tb_fnv32("a", 1) == 0xe40c292cu);
    CHECK(tb_fnv32_str("AAPL") == 0x58cd330bu);
    CHECK(tb_fnv32("AAPLX", 4) == tb_fnv32_str("AAPL"));
}

TEST(engine_seed_values_are_unchanged)
{
    CHECK(tb_fnv64_str(TB_FNV64_SEED, "cid-1") == 0x1187f88c04e4e693ULL);
    CHECK(tb_hash_fold(tb_fnv64_str(TB_FNV64_SEED, "cid-1")) == 0x1187f88c88db22f3ULL);
    uint64_t h = tb_fnv64_byte(tb_fnv64_str(TB_FNV64_SEED, "AAPL"), 0xff);
    CHECK(tb_hash_fold(tb_fnv64_str(h, "momentum")) == 0x5055a882493cd68aULL);
}

TEST(feature_schema_hash_is_unchanged)
{
    const char *nm[] = {"ret_1", "rsi_14"}, *ty[] = {"float", "float"};
    CHECK(tb_features_hash_of(nm, ty, 2) == 0x6f344f0d90bf9ae6ULL);
}

TEST(bytes_and_string_forms_agree)
{
    CHECK(tb_fnv64(TB_FNV64_SEED, "order-7", 7) == tb_fnv64_str(TB_FNV64_SEED, "order-7"));
    CHECK(tb_fnv64(TB_FNV64_SEED, "", 0) == TB_FNV64_SEED);
}
