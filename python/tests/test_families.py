"""Every model family rerank runs works through Python: T5 against its transformers fixture,
Qwen3-Reranker against `rerank rank` on the same documents (the C++ path its own fixture tests
cover), ModernBERT and the BERT family in test_parity.py."""

import json
import pathlib
import re
import subprocess

import pytest

import rerank
from conftest import shared_path

CLI = pathlib.Path(rerank.__file__).resolve().parents[2] / "bin" / "rerank"


def test_t5_scores_are_the_first_step_logit_difference():
    directory = shared_path("reference/t5-mono")
    fixture = json.loads((directory / "cases.json").read_text())
    assert fixture["template"] == "Query: {query} Document: {document} Relevant:"
    vocab = json.loads((directory / "tokenizer.json").read_text())["model"]["vocab"]
    # The fixture's 1,011-piece vocabulary has no "\u2581true"/"\u2581false": score two pieces it has.
    true_piece, false_piece = "\u2581see", "\u2581thought"
    true_id = next(i for i, (p, _) in enumerate(vocab) if p == true_piece)
    false_id = next(i for i, (p, _) in enumerate(vocab) if p == false_piece)
    checked = 0
    for case in fixture["cases"]:
        ranker = rerank.Reranker(str(directory), model_type="t5", max_length=case["max_length"],
                                 params={"true_token": true_piece, "false_token": false_piece})
        for text, ids, logits in zip(case["texts"], case["input_ids"], case["first_step_logits"]):
            if len(ids) >= case["max_length"]:
                continue  # cut by the reference's tokenizer call; the ranker cuts the document only
            query, doc = re.fullmatch(r"Query: (.*) Document: (.*) Relevant:", text, re.DOTALL).groups()
            want = logits[true_id] - logits[false_id]
            assert ranker.score(query, doc) == pytest.approx(want, abs=1e-4)  # the C++ T5 parity tolerance
            checked += 1
    assert checked > 0


def test_qwen3_reranker_scores_as_the_cli_does(tmp_path):
    if not CLI.exists():
        pytest.skip(f"{CLI} is not built")
    directory = shared_path("reference/qwen3-pointwise")
    params = {"yes_token": "\u0120yes"}  # the fixture vocabulary has no plain "yes"
    docs = ["The moon's gravity pulls the oceans.", "Paris is in France.", "ends with a newline\n", ""]
    docs_file = tmp_path / "docs.jsonl"
    docs_file.write_text("".join(json.dumps({"text": d}) + "\n" for d in docs))
    query = "what causes tides?"
    cli = subprocess.run([str(CLI), "rank", "-m", str(directory), "--param", f"yes_token={params['yes_token']}",
                          "-q", query, "-d", str(docs_file), "-f", "json"], capture_output=True, text=True, check=True)
    want = {r["index"]: r["score"] for r in json.loads(cli.stdout)["results"]}
    ranker = rerank.Reranker(str(directory), params=params)
    assert ranker.info["type"] == "llm"
    results = ranker.rank(query, docs)
    assert len(results) == len(docs)
    for r in results.results:
        assert r.score == pytest.approx(want[r.doc_id], abs=1e-5)
    # The instruction a caller passes changes the prompt, so the score.
    instructed = rerank.Reranker(str(directory), params={**params, "instruction": "Find a physics passage"})
    assert instructed.score(query, docs[0]) != pytest.approx(ranker.score(query, docs[0]), abs=1e-6)
