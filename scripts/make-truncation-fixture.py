#!/usr/bin/env python3
"""Pair-truncation cases from Hugging Face tokenizers itself (issue #13), for the project's
own fixture tests/data/truncation/cases.json. Run it where `tokenizers` (0.23) is installed,
e.g. the GPU machine (scripts/device-check STEPS=truncation), over tokenizer folders:

    scripts/make-truncation-fixture.py OUT.json DIR [DIR...]

For each tokenizer it builds queries and documents from words of the tokenizer's own text
that split into several pieces, so that the early exit (tokenize_with_limit) overshoots by
different amounts, and encodes them under every strategy, both directions, odd and even
max lengths and strides 0 and 1. A case records the ids (or that the reference failed) and
whether comparing *full* lengths would have kept a different split (`hits_early_exit`), so
the test can check that enough cases exercise the rule. Deterministic (seeded).
"""
import json
import random
import sys

import tokenizers
from tokenizers import Tokenizer

WORDS = ("reranking", "tokenisation", "interchangeability", "photosynthesis", "a", "of", "the",
         "Zürich", "naïve", "multilingual", "cross-encoder", "2026", "électricité", "日本語",
         "transformers", "uncharacteristically", "x", "retrieval", "BM25", "embeddings")


def pieces(tok, word):
    return len(tok.encode(word, add_special_tokens=False).ids)


def longest_first(n1, n2, budget):
    """truncate_encodings' longest_first lengths (utils/truncation.rs)."""
    if n1 + n2 <= budget:
        return n1, n2
    swap = n1 > n2
    a, b = (n2, n1) if swap else (n1, n2)
    b = a if a > budget else max(a, budget - a)
    if a + b > budget:
        a, b = budget // 2, budget // 2 + budget % 2
    return (b, a) if swap else (a, b)


def main():
    out_path, dirs = sys.argv[1], sys.argv[2:]
    rng = random.Random(13)
    cases = []
    for d in dirs:
        base = Tokenizer.from_file(f"{d}/tokenizer.json")
        multi = [w for w in WORDS if pieces(base, w) > 1] or list(WORDS)
        single = [w for w in WORDS if pieces(base, w) == 1] or ["a"]
        specials = base.post_processor.num_special_tokens_to_add(True) if base.post_processor else 0
        for _ in range(40):
            q = " ".join(rng.choice(single + multi) for _ in range(rng.randint(3, 30)))
            doc = " ".join(rng.choice(single + multi) for _ in range(rng.randint(3, 40)))
            max_length = rng.randint(specials + 3, 40)
            full1 = len(base.encode(q, add_special_tokens=False).ids)
            full2 = len(base.encode(doc, add_special_tokens=False).ids)
            for strategy in ("longest_first", "only_first", "only_second"):
                for direction in ("right", "left"):
                    for stride in (0, 1):
                        t = Tokenizer.from_str(base.to_str())
                        t.no_padding()
                        case = {"tokenizer": d.rstrip("/").split("/")[-1], "query": q, "doc": doc,
                                "max_length": max_length, "truncation": strategy, "direction": direction,
                                "stride": stride}
                        try:
                            t.enable_truncation(max_length=max_length, strategy=strategy, direction=direction,
                                                stride=stride)
                            enc = t.encode(q, doc)
                            case["input_ids"] = enc.ids
                            case["token_type_ids"] = enc.type_ids
                            kept1 = sum(1 for s in enc.sequence_ids if s == 0)
                            case["hits_early_exit"] = strategy == "longest_first" and (
                                kept1 != longest_first(full1, full2, max_length - specials)[0])
                        except BaseException as e:  # a Rust panic (stride) is not an Exception
                            case["error"] = str(e)[:200]
                        cases.append(case)
    hits = sum(1 for c in cases if c.get("hits_early_exit"))
    json.dump({"tokenizers_version": tokenizers.__version__, "hits_early_exit": hits, "cases": cases},
              open(out_path, "w"), ensure_ascii=False, indent=0)
    print(f"{len(cases)} cases, {hits} hit the early exit, tokenizers {tokenizers.__version__}")


if __name__ == "__main__":
    main()
