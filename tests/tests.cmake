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

# tb_fuzz(NAME CORPUS LIBS SOURCES...): tests/fuzz/fuzz_NAME.c with the core SOURCES (paths from
# the source root), built by clang as a fuzzer (target fuzzer_NAME) and run briefly as the test
# fuzz/NAME. New inputs go to a corpus in the build tree; the committed seeds in
# tests/fuzz/CORPUS are read only. Crashing inputs are kept as fuzz-NAME-* in the build tree.
function(tb_fuzz name corpus libs)
  set(bin ${CMAKE_BINARY_DIR}/fuzz_${name})
  set(src ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_${name}.c)
  foreach(f ${ARGN})
    list(APPEND src ${CMAKE_SOURCE_DIR}/${f})
  endforeach()
  add_custom_command(OUTPUT ${bin}
    COMMAND ${TB_CLANG} -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
            -I${CMAKE_SOURCE_DIR}/core ${src} ${libs} -o ${bin}
    DEPENDS ${src} VERBATIM)
  add_custom_target(fuzzer_${name} ALL DEPENDS ${bin})
  add_test(NAME fuzz/${name}
           COMMAND sh -c "mkdir -p ${corpus} && ${bin} -max_total_time=${TB_FUZZ_SECONDS} -rss_limit_mb=1024 -artifact_prefix=fuzz-${name}- ${corpus} ${CMAKE_SOURCE_DIR}/tests/fuzz/${corpus}"
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(fuzz/${name} PROPERTIES LABELS fuzz TIMEOUT 120)
endfunction()

if(TB_CLANG)
  set(TB_FUZZ_SECONDS 10 CACHE STRING "seconds per fuzz test")
  # Every vendor message parser and the TWS framing.
  tb_fuzz(vendor_json corpus_json "-ljansson;-lm"
          core/broker/alpaca_json.c core/oms/order.c core/util/money.c core/util/err.c
          core/feed/polygon_json.c core/data/bar.c core/data/symbols.c core/broker/tws_frame.c
          core/util/sbuf.c core/feed/alpaca_data_json.c core/data/csv.c core/data/calendar.c
          core/broker/ibkr_msg.c core/broker/ibkr_bars.c core/feed/ibkr_agg.c core/util/hmap.c)
  # The CSV bar reader (`tradebot data import`).
  tb_fuzz(csv corpus_csv -lm
          core/data/csv.c core/data/bar.c core/data/symbols.c core/data/calendar.c core/util/err.c
          core/util/hmap.c)
  # The session recording reader (`tradebot replay`, the Sentinel's recorded bars).
  tb_fuzz(rec corpus_rec -lz core/replay/rec_read.c core/util/err.c)
  # The CSV column cache reader (`backtest --data`).
  tb_fuzz(csv_cache corpus_csv_cache -lm
          core/data/csv_cache.c core/data/bar.c core/data/symbols.c core/util/hash64.c
          core/util/err.c core/util/hmap.c)
endif()
