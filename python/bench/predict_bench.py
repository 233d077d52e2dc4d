#!/usr/bin/env python3
"""The binding's cost, measured side by side in one run (issue 37): CrossEncoder.predict and
Reranker.rank on the pairs `rerank bench` scores (query i // 100 with passage 7i mod 2000 of
the first 2000 passages), then `rerank bench` itself, then four Python threads against one.

    PYTHONPATH=build/python /usr/bin/python3 python/bench/predict_bench.py \
        --data ../shared/datasets/scifact --model shape:minilm-l6 --pairs 1000

Prints pairs/s of each and the ratios. A benchmark, not a test: machines are noisy.
"""

import argparse
import gzip
import json
import pathlib
import re
import subprocess
import threading
import time

import rerank


def read_queries(data: pathlib.Path):
    path = data / "queries.test.jsonl"
    if not path.exists():
        path = data / "queries.jsonl"
    return [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]


def read_passages(data: pathlib.Path, limit: int):
    out = []
    with gzip.open(data / "corpus.jsonl.gz", "rt") as f:
        for line in f:
            if len(out) >= limit:
                break
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if isinstance(j, dict) and isinstance(j.get("text"), str):
                title = j.get("title") if isinstance(j.get("title"), str) else ""
                out.append((title + ". " + j["text"]).strip())
    return out


def timed(fn, repeat=1):
    fn()  # warm-up, as rerank bench does
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--model", default="shape:minilm-l6")
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--cli", default=str(pathlib.Path(rerank.__file__).resolve().parents[2] / "bin" / "rerank"))
    args = parser.parse_args()
    data = pathlib.Path(args.data)
    queries, passages = read_queries(data), read_passages(data, 2000)
    groups = {}
    for i in range(args.pairs):
        groups.setdefault(queries[i // 100], []).append(passages[(7 * i) % len(passages)])
    pairs = [(q, d) for q, docs in groups.items() for d in docs]

    cross_encoder = rerank.CrossEncoder(args.model)
    reranker = rerank.Reranker(args.model)
    predict_s = timed(lambda: cross_encoder.predict(pairs))
    rank_s = timed(lambda: [reranker.rank(q, docs) for q, docs in groups.items()])

    out = subprocess.run([args.cli, "bench", "-m", args.model, "--data", str(data), "--pairs", str(args.pairs)],
                         check=True, capture_output=True, text=True).stdout
    bench = float(re.search(r"throughput\s+([0-9.]+) pairs/s", out).group(1))

    # Four Python threads, each ranking every query group, against one thread doing the same.
    items = list(groups.items())

    def work():
        for q, docs in items:
            reranker.rank(q, docs)

    one_s = timed(work)
    threads = [threading.Thread(target=work) for _ in range(4)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    four_s = time.perf_counter() - t0

    n = len(pairs)
    print(f"model {args.model}, {n} pairs, {len(groups)} queries")
    print(f"rerank bench            {bench:10.1f} pairs/s")
    print(f"CrossEncoder.predict    {n / predict_s:10.1f} pairs/s  ({n / predict_s / bench:.3f} of rerank bench)")
    print(f"Reranker.rank per query {n / rank_s:10.1f} pairs/s  ({n / rank_s / bench:.3f} of rerank bench)")
    print(f"4 threads x rank        {4 * n / four_s:10.1f} pairs/s  ({(4 * n / four_s) / (n / one_s):.2f}x one thread)")


if __name__ == "__main__":
    main()
