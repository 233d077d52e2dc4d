#!/usr/bin/env bash
# Bounded libFuzzer runs of every target in BUILD_DIR (built by `make fuzz-smoke`), sharing
# TOTAL_SECONDS between them by weight. Each run starts from the curated corpus in
# fuzz/corpus/<target> (read only) plus BUILD_DIR/corpus/<target> (where new inputs go) and,
# for the server target, generated 100,000-deep nesting seeds too large to keep in git. A
# crash, leak, timeout or sanitizer report in any target fails the run; crash inputs land in
# BUILD_DIR/artifacts/. Ends with one line per target: seconds, executions, corpus size.
# Usage: fuzz/run_smoke.sh BUILD_DIR TOTAL_SECONDS
set -uo pipefail
build=${1:?usage: run_smoke.sh BUILD_DIR TOTAL_SECONDS}
total=${2:?usage: run_smoke.sh BUILD_DIR TOTAL_SECONDS}
here=$(cd "$(dirname "$0")" && pwd)

# target:weight:max_len. The server's max_len holds a 100k-deep document (about 200 KB).
targets="server_request_fuzz:26:262144 tokenizer_fuzz:16:4096 tokenizer_json_fuzz:14:16384 \
api_response_fuzz:12:262144 gguf_fuzz:12:16384 safetensors_fuzz:10:8192 model_config_fuzz:10:4096 \
http_request_fuzz:10:8192 listwise_permutation_fuzz:6:16384"
weights=0
for t in $targets; do weights=$((weights + $(echo "$t" | cut -d: -f2))); done

"$here/make_deep_seeds.sh" "$build/seeds/server_request_fuzz" "$build/seeds/api_response_fuzz"
mkdir -p "$build/artifacts"
summary=""
status=0
for t in $targets; do
  name=${t%%:*}
  weight=$(echo "$t" | cut -d: -f2)
  max_len=${t##*:}
  seconds=$((total * weight / weights))
  [ "$seconds" -lt 1 ] && seconds=1
  corpus=$build/corpus/$name
  mkdir -p "$corpus"
  dirs=("$corpus")
  [ -d "$here/corpus/$name" ] && dirs+=("$here/corpus/$name")
  [ -d "$build/seeds/$name" ] && dirs+=("$build/seeds/$name")
  echo "== $name: ${seconds}s, -max_len=$max_len, corpus ${dirs[*]}"
  log=$build/$name.log
  "$build/$name" -max_total_time="$seconds" -max_len="$max_len" -len_control=20 -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$name-" "${dirs[@]}" 2>&1 | tee "$log" | tail -n 25
  rc=${PIPESTATUS[0]}
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  summary+=$(printf '%-22s %4ss %10s execs %6s corpus files  %s' "$name" "$seconds" "${execs:-?}" \
    "$(find "$corpus" -type f | wc -l)" "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)")")$'\n'
  [ "$rc" -ne 0 ] && status=1
done
echo "== fuzz-smoke summary (${total}s in all)"
printf '%s' "$summary"
exit "$status"
