#!/usr/bin/env bash
# Side-by-side batch speed of our indicators, TA-Lib and Tulip Indicators (same machine, same
# run). Fetches TA-Lib and Tulip from the npm registry (packages `talib`, `tulind`, which ship the
# C sources) into build/vendor/ (gitignored, never committed), compiles them with $OPT (default
# -O2; OPT=-O3 for the issue's comparison) and links bench/compare_talib_tulip.c against them and
# build/libtbcore.a (built as the build's type says). TB_LIB=path/libtbcore.a compares another
# build of ours (e.g. the previous commit's) against the same peers.
#
#   bench/compare_talib_tulip.sh [N [REPS]]   compare over N values (default 10,000,000), best of
#                                             REPS runs each (default 3)
#   bench/compare_talib_tulip.sh --gen-reference
#                                             rewrite tests/data/ind_reference.h from TA-Lib
# Needs: npm, gcc, a configured build in build/ (`make -C build tbcore`).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"
opt="${OPT:--O2}"
vendor="$build/vendor${OPT:+-${OPT#-}}"
lib="${TB_LIB:-$build/libtbcore.a}"
mkdir -p "$vendor"
cd "$vendor"
if [ ! -d talib ]; then
  npm pack --silent talib@1.1.6 >/dev/null
  tar xzf talib-1.1.6.tgz && mv package talib
fi
if [ ! -d tulind ]; then
  npm pack --silent tulind@0.8.20 >/dev/null
  tar xzf tulind-0.8.20.tgz && mv package tulind
fi
ta="$vendor/talib/src/lib"
if [ ! -f libta.a ]; then
  mkdir -p ta-obj
  ls "$ta"/src/ta_func/*.c "$ta"/src/ta_common/ta_global.c "$ta"/src/ta_common/ta_retcode.c \
     "$ta"/src/ta_common/ta_version.c |
    xargs -P "$(nproc)" -I{} sh -c 'gcc '"$opt"' -w -c -I'"$ta"'/include -I'"$ta"'/src/ta_common \
       -I'"$ta"'/src/ta_func "$1" -o ta-obj/$(basename "$1" .c).o' _ {}
  ar rcs libta.a ta-obj/*.o
fi
[ -f tulip.o ] || gcc "$opt" -w -c tulind/external/tiamalgamation.c -o tulip.o

if [ "${1:-}" = "--gen-reference" ]; then
  gcc -O2 -w -I"$ta/include" "$root/tests/data/gen_ind_reference.c" libta.a -lm -o gen_ind_reference
  ./gen_ind_reference > "$root/tests/data/ind_reference.h"
  clang-format -i "$root/tests/data/ind_reference.h"
  echo "wrote tests/data/ind_reference.h"
  exit 0
fi

make -s -C "$build" tbcore
gcc "$opt" -I"$root/core" -I"$ta/include" -Itulind/external "$root/bench/compare_talib_tulip.c" \
  "$lib" libta.a tulip.o -lm -o compare_talib_tulip
./compare_talib_tulip "${1:-10000000}" "${2:-3}"
