# Test registration: drop a file in the right folder and it becomes a ctest test.
#   tests/unit/test_<module>.c   C unit test (label unit; also run under ASan/UBSan)
#   tests/lua/<area>_spec.lua    busted spec run by stock lua5.4 with `require "tb"` (label lua)
#   tests/e2e/<name>.sh          whole-engine run (label e2e), gets $TRADEBOT and $TB_SOURCE_DIR
#   lint                         clang-format and luacheck (label lint)

# The deterministic simulation (tests/sim/, docs/simulation.md): a library for test_sim and
# bench_sim.
file(GLOB TB_SIM_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/sim/*.c)
add_library(tbsim STATIC ${TB_SIM_SOURCES})
target_link_libraries(tbsim PUBLIC tbcore)

file(GLOB TB_UNIT_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/test_*.c)
foreach(src ${TB_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/unit)
  target_link_libraries(${name} PRIVATE tbcore)
  target_compile_definitions(${name} PRIVATE TB_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                             TB_TRADEBOT_BIN="$<TARGET_FILE:tradebot>")
  add_dependencies(${name} tradebot)
  add_test(NAME unit/${name} COMMAND ${name})
  set_tests_properties(unit/${name} PROPERTIES LABELS unit TIMEOUT 300
                       ENVIRONMENT "TB_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endforeach()
if(TARGET test_sim)
  target_link_libraries(test_sim PRIVATE tbsim)
endif()

find_program(LUA54 NAMES lua5.4)
find_program(BUSTED NAMES busted)
file(GLOB TB_LUA_SPECS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/lua/*_spec.lua)
foreach(spec ${TB_LUA_SPECS})
  get_filename_component(name ${spec} NAME_WE)
  add_test(NAME lua/${name}
           COMMAND ${LUA54} ${BUSTED} --cpath=$<TARGET_FILE_DIR:tb>/?.so
                   --lpath=${CMAKE_SOURCE_DIR}/tests/lua/?.lua -o utfTerminal ${spec}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(lua/${name} PROPERTIES LABELS lua TIMEOUT 300
                       ENVIRONMENT "TB_SOURCE_DIR=${CMAKE_SOURCE_DIR};TRADEBOT=$<TARGET_FILE:tradebot>")
endforeach()

file(GLOB TB_E2E_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/e2e/*.sh)
foreach(script ${TB_E2E_TESTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME e2e/${name} COMMAND bash ${script})
  set_tests_properties(e2e/${name} PROPERTIES LABELS e2e TIMEOUT 600 SKIP_RETURN_CODE 77
                       ENVIRONMENT "TB_SOURCE_DIR=${CMAKE_SOURCE_DIR};TRADEBOT=$<TARGET_FILE:tradebot>;TB_LUAMOD_DIR=$<TARGET_FILE_DIR:tb>")
endforeach()

add_test(NAME lint/clang-format COMMAND bash ${CMAKE_SOURCE_DIR}/tests/lint.sh format)
add_test(NAME lint/luacheck COMMAND bash ${CMAKE_SOURCE_DIR}/tests/lint.sh lua)
add_test(NAME lint/layering COMMAND bash ${CMAKE_SOURCE_DIR}/tests/layering.sh)
add_test(NAME lint/architecture_doc COMMAND bash ${CMAKE_SOURCE_DIR}/tests/architecture_doc.sh)
set_tests_properties(lint/clang-format lint/luacheck lint/layering lint/architecture_doc PROPERTIES LABELS lint
                     WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})

# Parser fuzzing (libFuzzer): the message parsers are compiled again with clang's coverage
# instrumentation and sanitizers, and a short run (TB_FUZZ_SECONDS, default 10) is a test.
find_program(TB_CLANG NAMES clang clang-14)
if(TB_CLANG)
  set(TB_FUZZ_SECONDS 10 CACHE STRING "seconds per fuzz test")
  set(_fz ${CMAKE_BINARY_DIR}/fuzz_vendor_json)
  set(_src ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_vendor_json.c ${CMAKE_SOURCE_DIR}/core/broker/alpaca_json.c
           ${CMAKE_SOURCE_DIR}/core/oms/order.c ${CMAKE_SOURCE_DIR}/core/util/money.c
           ${CMAKE_SOURCE_DIR}/core/util/err.c ${CMAKE_SOURCE_DIR}/core/feed/polygon_json.c
           ${CMAKE_SOURCE_DIR}/core/data/bar.c ${CMAKE_SOURCE_DIR}/core/data/symbols.c ${CMAKE_SOURCE_DIR}/core/util/hmap.c
           ${CMAKE_SOURCE_DIR}/core/broker/tws_frame.c ${CMAKE_SOURCE_DIR}/core/util/sbuf.c
           ${CMAKE_SOURCE_DIR}/core/feed/alpaca_data_json.c ${CMAKE_SOURCE_DIR}/core/data/csv.c
           ${CMAKE_SOURCE_DIR}/core/data/calendar.c
           ${CMAKE_SOURCE_DIR}/core/broker/ibkr_msg.c ${CMAKE_SOURCE_DIR}/core/broker/ibkr_bars.c
           ${CMAKE_SOURCE_DIR}/core/feed/ibkr_agg.c)
  add_custom_command(OUTPUT ${_fz}
    COMMAND ${TB_CLANG} -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
            -I${CMAKE_SOURCE_DIR}/core ${_src} -ljansson -lm -o ${_fz}
    DEPENDS ${_src} VERBATIM)
  add_custom_target(fuzzers ALL DEPENDS ${_fz})
  # New inputs go to a corpus in the build tree; the committed seeds are read only.
  add_test(NAME fuzz/vendor_json
           COMMAND sh -c "mkdir -p corpus_json && ${_fz} -max_total_time=${TB_FUZZ_SECONDS} -rss_limit_mb=1024 -artifact_prefix=fuzz- corpus_json ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus_json"
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(fuzz/vendor_json PROPERTIES LABELS fuzz TIMEOUT 120)

  # The CSV bar reader (`tradebot data import`), its own target and seeds.
  set(_fzc ${CMAKE_BINARY_DIR}/fuzz_csv)
  set(_srcc ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_csv.c ${CMAKE_SOURCE_DIR}/core/data/csv.c
            ${CMAKE_SOURCE_DIR}/core/data/bar.c ${CMAKE_SOURCE_DIR}/core/data/symbols.c ${CMAKE_SOURCE_DIR}/core/util/hmap.c
            ${CMAKE_SOURCE_DIR}/core/data/calendar.c ${CMAKE_SOURCE_DIR}/core/util/err.c)
  add_custom_command(OUTPUT ${_fzc}
    COMMAND ${TB_CLANG} -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
            -I${CMAKE_SOURCE_DIR}/core ${_srcc} -lm -o ${_fzc}
    DEPENDS ${_srcc} VERBATIM)
  add_custom_target(fuzzer_csv ALL DEPENDS ${_fzc})
  add_test(NAME fuzz/csv
           COMMAND sh -c "mkdir -p corpus_csv && ${_fzc} -max_total_time=${TB_FUZZ_SECONDS} -rss_limit_mb=1024 -artifact_prefix=fuzz-csv- corpus_csv ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus_csv"
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(fuzz/csv PROPERTIES LABELS fuzz TIMEOUT 120)

  # The session recording reader (`tradebot replay`, the Sentinel's recorded bars).
  set(_fzr ${CMAKE_BINARY_DIR}/fuzz_rec)
  set(_srcr ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_rec.c ${CMAKE_SOURCE_DIR}/core/replay/rec_read.c
            ${CMAKE_SOURCE_DIR}/core/util/err.c)
  add_custom_command(OUTPUT ${_fzr}
    COMMAND ${TB_CLANG} -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
            -I${CMAKE_SOURCE_DIR}/core ${_srcr} -lz -o ${_fzr}
    DEPENDS ${_srcr} VERBATIM)
  add_custom_target(fuzzer_rec ALL DEPENDS ${_fzr})
  add_test(NAME fuzz/rec
           COMMAND sh -c "mkdir -p corpus_rec && ${_fzr} -max_total_time=${TB_FUZZ_SECONDS} -rss_limit_mb=1024 -artifact_prefix=fuzz-rec- corpus_rec ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus_rec"
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(fuzz/rec PROPERTIES LABELS fuzz TIMEOUT 120)

  # The CSV column cache reader (`backtest --data`), its own target and seeds.
  set(_fzk ${CMAKE_BINARY_DIR}/fuzz_csv_cache)
  set(_srck ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_csv_cache.c ${CMAKE_SOURCE_DIR}/core/data/csv_cache.c
            ${CMAKE_SOURCE_DIR}/core/data/bar.c ${CMAKE_SOURCE_DIR}/core/data/symbols.c ${CMAKE_SOURCE_DIR}/core/util/hmap.c
            ${CMAKE_SOURCE_DIR}/core/util/hash64.c ${CMAKE_SOURCE_DIR}/core/util/err.c)
  add_custom_command(OUTPUT ${_fzk}
    COMMAND ${TB_CLANG} -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
            -I${CMAKE_SOURCE_DIR}/core ${_srck} -lm -o ${_fzk}
    DEPENDS ${_srck} VERBATIM)
  add_custom_target(fuzzer_csv_cache ALL DEPENDS ${_fzk})
  add_test(NAME fuzz/csv_cache
           COMMAND sh -c "mkdir -p corpus_csv_cache && ${_fzk} -max_total_time=${TB_FUZZ_SECONDS} -rss_limit_mb=1024 -artifact_prefix=fuzz-csv-cache- corpus_csv_cache ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus_csv_cache"
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(fuzz/csv_cache PROPERTIES LABELS fuzz TIMEOUT 120)
endif()
