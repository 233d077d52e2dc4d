#!/usr/bin/env python3
# Usage: scripts/check-score-parity.py build/bin/rerank ../shared/reference/modernbert-ce [--precision bf16]
# rerank score on a *-ce fixture: every case batched (one call per case) and one pair per call;
# prints the largest |logit - transformers| and whether the token counts match the fixture ids.
import json, subprocess, sys
bin_, fx = sys.argv[1], sys.argv[2]
extra = sys.argv[3:]
cases = json.load(open(f"{fx}/cases.json"))["cases"]
def run(pairs, L, tr):
    inp = "".join(json.dumps({"query": q, "document": d}) + "\n" for q, d in pairs)
    args = [bin_, "score", "-m", fx, "--max-length", str(L), "--threads", "2"] + extra
    if tr: args += ["--truncation", tr]
    out = subprocess.run(args, input=inp, capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]
for mode in ("batched", "one-at-a-time"):
    worst, toks, n = 0.0, True, 0
    for c in cases:
        if mode == "batched": outs = run(c["pairs"], c["max_length"], c.get("truncation"))
        else: outs = [run([p], c["max_length"], c.get("truncation"))[0] for p in c["pairs"]]
        for o, ids, ref in zip(outs, c["input_ids"], c["logits"]):
            ref = ref if isinstance(ref, list) else [ref]
            worst = max(worst, max(abs(a - b) for a, b in zip(o["logits"], ref)))
            toks &= o["tokens"] == len(ids)
            n += 1
    print(f"{fx.rstrip('/').split('/')[-1]} {mode} {' '.join(extra)}: {n} pairs, max |logit - transformers| {worst:.3g}, token counts equal {toks}")
