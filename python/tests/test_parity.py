"""Reranker (raw logits, as rerankers returns them) and CrossEncoder.predict (sentence-
transformers' default: sigmoid of a 1-label model's logit) on every longest_first case of the
1-label cross-encoder fixtures, against transformers' logits: within 1e-4 (the C++ parity
tolerance; the binding adds no arithmetic)."""

import json
import math

import numpy as np
import pytest

import rerank
from conftest import shared_path

ONE_LABEL_FIXTURES = ["bert-ce", "xlmr-ce", "electra-ce", "modernbert-ce"]


def longest_first_cases(fixture):
    directory = shared_path(f"reference/{fixture}")
    cases = json.loads((directory / "cases.json").read_text())["cases"]
    return directory, [c for c in cases if c["truncation"] == "longest_first"]


@pytest.mark.parametrize("fixture", ONE_LABEL_FIXTURES)
def test_reranker_scores_are_the_raw_logits(fixture):
    directory, cases = longest_first_cases(fixture)
    assert cases, f"{fixture} has no longest_first case"
    for case in cases:
        ranker = rerank.Reranker(str(directory), model_type="cross-encoder", max_length=case["max_length"],
                                 params={})
        for (query, doc), logits in zip(case["pairs"], case["logits"]):
            assert ranker.score(query, doc) == pytest.approx(logits[0], abs=1e-4)
        # rank(): every pair of one query, best first, scores unchanged.
        query = case["pairs"][0][0]
        same = [(i, d) for i, (q, d) in enumerate(case["pairs"]) if q == query]
        results = ranker.rank(query, [d for _, d in same], doc_ids=[i for i, _ in same])
        assert [r.rank for r in results.results] == list(range(1, len(same) + 1))
        for r in results.results:
            assert r.score == pytest.approx(case["logits"][r.doc_id][0], abs=1e-4)
        assert all(a.score >= b.score for a, b in zip(results.results, results.results[1:]))


@pytest.mark.parametrize("fixture", ONE_LABEL_FIXTURES)
def test_cross_encoder_predict_is_the_sigmoid(fixture):
    directory, cases = longest_first_cases(fixture)
    for case in cases:
        model = rerank.CrossEncoder(str(directory), max_length=case["max_length"])
        got = model.predict([tuple(p) for p in case["pairs"]])
        assert isinstance(got, np.ndarray) and got.dtype == np.float32
        want = [1 / (1 + math.exp(-l[0])) for l in case["logits"]]
        np.testing.assert_allclose(got, want, atol=1e-5)
        ranked = model.rank(case["pairs"][0][0], [d for q, d in case["pairs"] if q == case["pairs"][0][0]],
                            return_documents=True, top_k=2)
        assert len(ranked) <= 2 and {"corpus_id", "score", "text"} <= set(ranked[0])
