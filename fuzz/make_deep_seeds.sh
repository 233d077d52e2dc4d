#!/usr/bin/env bash
# Writes the 100,000-deep nesting seeds (each about 200 KB, so generated rather than kept in
# git): SERVER_DIR gets a request per route (first byte) whose document object holds the
# nesting, once beside "text" and once as objects; API_DIR gets deep provider error bodies.
# Today's parsers must refuse these (400 / typed error) without recursing.
# Usage: fuzz/make_deep_seeds.sh SERVER_DIR API_DIR
set -euo pipefail
server=${1:?usage: make_deep_seeds.sh SERVER_DIR API_DIR}
api=${2:?usage: make_deep_seeds.sh SERVER_DIR API_DIR}
mkdir -p "$server" "$api"
# repeat CHAR COUNT
repeat() { head -c "$2" /dev/zero | tr '\0' "$1"; }
opens=$(repeat '[' 100000)
closes=$(repeat ']' 100000)
objects=$(for _ in $(seq 20000); do printf '{"a":'; done)
objects_end=$(repeat '}' 20000)
# Route bytes: 0 /v1/rerank, 1 /v2/rerank, 2 /rerank, 3 /v1/reranking, 4 /.
for route in 0 1 2 3 4; do
  printf "\\x0$route"'{"query":"a","documents":[{"a":%s%s}]}' "$opens" "$closes" >"$server/deep_arrays_route$route"
done
printf '\x00{"query":"a","documents":[{"text":"x","a":%s%s}]}' "$opens" "$closes" >"$server/deep_arrays_beside_text"
printf '\x02{"query":"a","texts":["x"],"truncate":%s%s}' "$opens" "$closes" >"$server/deep_arrays_tei_field"
printf '\x03{"query":"a","input":[%s1%s]}' "$objects" "$objects_end" >"$server/deep_objects_mixedbread"
# API error bodies: byte 0 dialect (0 cohere, 6 tei), byte 1 documents and status class (0x20: 400).
# (A deep 2xx body is parsed, slowly under ASan, and refused: tests/rankers/api_deep_body_test.)
printf '\x06\x20{"error":%s%s}' "$opens" "$closes" >"$api/deep_error_body"
printf '\x00\x20{"message":{"a":%s%s}}' "$opens" "$closes" >"$api/deep_message_object"
