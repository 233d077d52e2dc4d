#!/usr/bin/env python3
# Usage: scripts/check-logits-parity.py build/bin/rerank ../shared/reference/t5-mono first_step_logits
# rerank logits on a fixture whose cases hold texts, input_ids and logits at the scoring step
# (t5-mono: first_step_logits; qwen3-pointwise: last_logits): prints the largest
# |logit - transformers| and whether every input_ids list is exact.
import json, subprocess, sys
bin_, fx, key = sys.argv[1], sys.argv[2], sys.argv[3]
d = json.load(open(f"{fx}/cases.json"))
worst, exact, n = 0.0, True, 0
for c in d["cases"]:
    texts = c["texts"] if "texts" in c else [c["text"]]
    ids = c["input_ids"] if "texts" in c else [c["input_ids"]]
    refs = c[key] if "texts" in c else [c[key]]
    inp = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    args = [bin_, "logits", "-m", fx, "--threads", "2"]
    if "max_length" in c: args += ["--max-length", str(c["max_length"])]
    out = subprocess.run(args, input=inp, capture_output=True, text=True, check=True).stdout
    for line, want_ids, ref in zip(out.splitlines(), ids, refs):
        o = json.loads(line)
        exact &= o["input_ids"] == want_ids
        worst = max(worst, max(abs(a - b) for a, b in zip(o["logits"], ref)))
        n += 1
print(f"{fx.rstrip('/').split('/')[-1]}: {n} texts, max |logit - transformers| {worst:.3g}, input_ids exact {exact}")
