#!/usr/bin/env bash
# The installed library, as a program outside the tree sees it:
#   1. `cmake --install` into a temporary prefix; nothing but include/rerank/*.hpp is a header there;
#   2. each public header compiles on its own with only the installed include/ on the path;
#   3. a consumer builds with find_package(rerank), runs, and ranks bm25 results in order;
#   4. the same program builds with `pkg-config --cflags --libs rerank` and runs.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null

headers=$(cd "$prefix" && find . -name '*.h' -o -name '*.hpp' -o -name '*.cuh' | sort)
stray=$(printf '%s\n' "$headers" | grep -v '^\./include/rerank/[a-z_]*\.hpp$' || true)
if [[ -n "$stray" ]]; then
  echo "FAIL: headers installed outside include/rerank/:"; echo "$stray"; exit 1
fi
expected=$(cd "$source/include" && find rerank -name '*.hpp' | sort)
installed=$(cd "$prefix/include" && find rerank -name '*.hpp' | sort)
if [[ "$expected" != "$installed" ]]; then
  echo "FAIL: installed headers differ from include/rerank/"; diff <(echo "$expected") <(echo "$installed"); exit 1
fi
echo "installed headers: $(echo "$installed" | wc -l), all under include/rerank/"

for h in $installed; do
  echo "#include <$h>" | g++ -std=c++20 -fsyntax-only -Wall -Wextra -I"$prefix/include" -x c++ - \
    || { echo "FAIL: $h does not compile on its own"; exit 1; }
done
echo "each public header compiles on its own"

libdir=$(dirname "$(find "$prefix" -name 'librerank.so' | head -1)")
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

cmake -S "$source/tests/install/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/consumer" >/dev/null
"$work/consumer/consumer"
echo "find_package(rerank): built and ran"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
g++ "$source/tests/install/consumer/main.cpp" -o "$work/consumer_pc" $(pkg-config --cflags --libs rerank)
"$work/consumer_pc"
echo "pkg-config --cflags --libs rerank: built and ran"
