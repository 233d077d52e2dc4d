#!/usr/bin/env bash
# Runs CTest in a build folder and closes the log with one count line:
#   "rerank tests: 412 passed, 0 failed, 93 skipped (of 505)"
# so that skipped tests (missing ../shared data or tools, see the README's Testing section)
# are never hidden behind "100% tests passed". Exits with CTest's status.
# Usage: tests/run_ctest.sh BUILD_DIR [ctest arguments...]
set -uo pipefail
build=${1:?usage: run_ctest.sh BUILD_DIR [ctest args...]}
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
(cd "$build" && ctest "$@") 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# CTest's per-test result lines: "  7/505 Test   #7: io.Foo.Bar .....   Passed    0.01 sec".
results=$(grep -E '^ *[0-9]+/[0-9]+ +Test +#[0-9]+: ' "$log")
total=$(printf '%s\n' "$results" | grep -c 'Test')
passed=$(printf '%s\n' "$results" | grep -cE ' Passed +[0-9.]+ sec')
skipped=$(printf '%s\n' "$results" | grep -cE '\*\*\*Skipped|\*\*\*Not Run \(Disabled\)')
failed=$((total - passed - skipped))
if [ "$skipped" -gt 0 ]; then
  # CTest shows no output of skipped tests: print each distinct reason the tests gave, once.
  # (GoogleTest prints the reason on the line after "file:line: Skipped"; missing_tool.sh prints it alone.)
  reasons=$(awk 'after { print; after = 0; next } /: Skipped$/ { after = 1; next } /not found: test skipped/ { print }' \
    "$build/Testing/Temporary/LastTest.log" 2>/dev/null | sort | uniq -c | sort -rn | head -n 30)
  [ -n "$reasons" ] && printf 'skip reasons (tests):\n%s\n' "$reasons"
  if [ "${RERANK_REQUIRE_SHARED:-}" = "1" ]; then
    echo "note: $skipped tests skipped (listed above) although RERANK_REQUIRE_SHARED=1: only CUDA tests without a" \
      "device and the check of a checkpoint absent from your own Hugging Face cache skip in strict mode"
  else
    echo "note: $skipped tests skipped (listed above); RERANK_REQUIRE_SHARED=1 makes those for missing ../shared" \
      "data or tools fail"
  fi
fi
# RERANK_TEST_PASS names a second pass (e.g. "AVX2 emulation") in its count line.
echo "rerank tests${RERANK_TEST_PASS:+ ($RERANK_TEST_PASS)}: $passed passed, $failed failed, $skipped skipped (of $total)"
exit "$rc"
