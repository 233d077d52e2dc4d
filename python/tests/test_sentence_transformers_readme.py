"""sentence-transformers' README ("Reranker Models", github.com/UKPLab/sentence-transformers),
run unchanged except for the import line, offline: the model name resolves through a Hugging
Face cache mapping it to the bert-ce fixture (a BERT cross-encoder, as the real one is). The
printed numbers differ (random fixture weights), so the test checks what the README shows:
one score per passage, and rank() listing every passage best first with its text."""

import contextlib
import io
import math

import numpy as np
import pytest

from readme_support import build_hub_cache

README = '''
from rerank import CrossEncoder  # was: from sentence_transformers import CrossEncoder

# 1. Load a pretrained CrossEncoder model
model = CrossEncoder("cross-encoder/ms-marco-MiniLM-L6-v2")

# The texts for which to predict similarity scores
query = "How many people live in Berlin?"
passages = [
    "Berlin had a population of 3,520,031 registered inhabitants in an area of 891.82 square kilometers.",
    "Berlin has a yearly total of about 135 million day visitors, making it one of the most-visited cities in the European Union.",
    "In 2013 around 600,000 Berliners were registered in one of the more than 2,300 sport and fitness clubs.",
]

# 2a. predict scores for pairs of texts
scores = model.predict([(query, passage) for passage in passages])
print(scores)

# 2b. Rank a list of passages for a query
ranks = model.rank(query, passages, return_documents=True)

print("Query:", query)
for rank in ranks:
    print(f"- #{rank['corpus_id']} ({rank['score']:.2f}): {rank['text']}")
'''


def test_the_reranker_models_example_runs_unchanged(tmp_path, monkeypatch):
    cache = build_hub_cache(tmp_path / "hub", {"cross-encoder/ms-marco-MiniLM-L6-v2": "bert-ce"})
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    namespace = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(README, namespace)  # noqa: S102 (the README's own code)
    scores, ranks, passages = namespace["scores"], namespace["ranks"], namespace["passages"]
    assert isinstance(scores, np.ndarray) and scores.shape == (3,)
    assert [r["corpus_id"] for r in ranks] == list(np.argsort(-scores, kind="stable"))
    for r in ranks:
        assert r["text"] == passages[r["corpus_id"]]
        assert r["score"] == pytest.approx(scores[r["corpus_id"]])
    lines = printed.getvalue().splitlines()
    assert lines[-4] == "Query: How many people live in Berlin?"
    assert lines[-3].startswith(f"- #{ranks[0]['corpus_id']} (")
    # The model is the fixture: its logit through the default (sigmoid) activation.
    import rerank

    logit = rerank.Reranker("cross-encoder/ms-marco-MiniLM-L6-v2").score(namespace["query"], passages[0])
    assert float(scores[0]) == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-6)
