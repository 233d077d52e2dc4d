"""sentence-transformers' CrossEncoder behaviours beyond 1-label parity: a 2-label model's two
raw logits (softmax on request, rank() refused as sentence-transformers refuses it), the
activation_fn and single-pair forms, and progress bars."""

import json
import math

import numpy as np
import pytest

import rerank
from conftest import shared_path


def two_label_case():
    directory = shared_path("reference/bert-ce-2label")
    cases = json.loads((directory / "cases.json").read_text())["cases"]
    case = next(c for c in cases if c["truncation"] == "longest_first")
    return directory, case


def test_two_label_predict_returns_both_logits_and_softmax_on_request():
    directory, case = two_label_case()
    model = rerank.CrossEncoder(str(directory), max_length=case["max_length"])
    pairs = [tuple(p) for p in case["pairs"]]
    got = model.predict(pairs)
    assert got.shape == (len(pairs), 2) and got.dtype == np.float32
    np.testing.assert_allclose(got, np.asarray(case["logits"]), atol=1e-4)  # the C++ parity tolerance
    assert model.num_labels == 2
    soft = model.predict(pairs, apply_softmax=True)
    want = np.exp(case["logits"]) / np.exp(case["logits"]).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(soft, want, atol=1e-5)
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="num_labels=1"):
        model.rank(pairs[0][0], [pairs[0][1]])


def test_two_label_reranker_score_is_the_logit_difference():
    directory, case = two_label_case()
    ranker = rerank.Reranker(str(directory), max_length=case["max_length"])
    (query, doc), (l0, l1) = case["pairs"][0], case["logits"][0]
    assert ranker.score(query, doc) == pytest.approx(l1 - l0, abs=1e-4)  # docs/scores.md


def test_single_pair_activation_fn_and_list_output():
    directory = shared_path("reference/bert-ce")
    model = rerank.CrossEncoder(str(directory))
    pair = ("what is a fox", "a fox is a small wild dog")
    logit = float(model.predict(pair, activation_fn=lambda x: x))
    assert isinstance(model.predict(pair), np.float32)
    assert float(model.predict(pair)) == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-6)
    as_list = model.predict([pair, pair], convert_to_numpy=False)
    assert isinstance(as_list, list) and len(as_list) == 2
    with pytest.raises(ValueError, match="shape"):
        model.predict([pair], activation_fn=lambda x: x.sum())
    with pytest.raises(TypeError):
        model.predict([("only one text",)])
    assert model.predict([]).shape == (0,)


def test_progress_bar_counts_batches_and_scores_are_unchanged(capfd):
    directory = shared_path("reference/bert-ce")
    model = rerank.CrossEncoder(str(directory))
    pairs = [("what is a fox", f"document {i} about foxes") for i in range(10)]
    quiet = model.predict(pairs)
    capfd.readouterr()
    shown = model.predict(pairs, batch_size=4, show_progress_bar=True)
    err = capfd.readouterr().err
    assert "3/3" in err, err  # 10 pairs in batches of 4
    np.testing.assert_allclose(shown, quiet, atol=1e-6)
    ranker = rerank.Reranker(str(directory))
    ranked = ranker.rank("what is a fox", [d for _, d in pairs], show_progress_bar=True, batch_size=5)
    assert "2/2" in capfd.readouterr().err
    plain = ranker.rank("what is a fox", [d for _, d in pairs])
    assert [(r.doc_id, r.score) for r in ranked] == [(r.doc_id, r.score) for r in plain]
    with pytest.raises(ValueError):
        model.predict(pairs, batch_size=0, show_progress_bar=True)


def checkpoint_with_config(tmp_path, **extra):
    """The bert-ce fixture with keys added to its config.json (weights and tokenizer linked)."""
    source = shared_path("reference/bert-ce")
    target = tmp_path / "model"
    target.mkdir(parents=True)
    for f in source.iterdir():
        if f.name != "config.json":
            (target / f.name).symlink_to(f)
    config = json.loads((source / "config.json").read_text())
    config.update(extra)
    (target / "config.json").write_text(json.dumps(config))
    return target


def test_the_activation_named_in_config_json_is_applied_as_sentence_transformers_does(tmp_path):
    pair = ("what is a fox", "a fox is a small wild dog")
    logit = float(rerank.CrossEncoder(str(shared_path("reference/bert-ce"))).predict(pair, activation_fn=lambda x: x))
    identity = checkpoint_with_config(tmp_path / "a", sentence_transformers={"activation_fn": "torch.nn.modules.linear.Identity"})
    assert float(rerank.CrossEncoder(str(identity)).predict(pair)) == pytest.approx(logit, abs=1e-6)
    old_key = checkpoint_with_config(tmp_path / "b", sbert_ce_default_activation_function="torch.nn.modules.activation.Tanh")
    assert float(rerank.CrossEncoder(str(old_key)).predict(pair)) == pytest.approx(math.tanh(logit), abs=1e-6)
    untrusted = checkpoint_with_config(tmp_path / "c", sentence_transformers={"activation_fn": "mypackage.Custom"})
    with pytest.warns(UserWarning, match="not trusted"):
        model = rerank.CrossEncoder(str(untrusted))
    assert float(model.predict(pair)) == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-6)
    unknown = checkpoint_with_config(tmp_path / "d", sentence_transformers={"activation_fn": "torch.nn.modules.activation.GELU"})
    with pytest.raises(NotImplementedError, match="GELU"):
        rerank.CrossEncoder(str(unknown))


def test_constructor_arguments_are_honoured_or_refused_never_dropped(monkeypatch):
    directory = str(shared_path("reference/bert-ce"))
    pair = ("what is a fox", "a fox is a small wild dog")
    logit = float(rerank.CrossEncoder(directory, activation_fn=lambda x: x).predict(pair))
    assert float(rerank.CrossEncoder(directory).predict(pair)) == pytest.approx(1 / (1 + math.exp(-logit)), abs=1e-6)
    bf16 = rerank.CrossEncoder(directory, model_kwargs={"torch_dtype": "bfloat16"})
    assert bf16._ranker.info()["precision"] == "bf16"
    with pytest.raises(TypeError, match="low_cpu_mem_usage"):
        rerank.CrossEncoder(directory, model_kwargs={"low_cpu_mem_usage": True})
    with pytest.raises(NotImplementedError, match="HF_HUB_CACHE"):
        rerank.CrossEncoder(directory, cache_folder="/tmp/elsewhere")
    # A revision is part of the Hub id rerank looks up (offline here: not cached, so NotFound naming it).
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(rerank.NotFoundError, match="v9"):
        rerank.CrossEncoder("org/not-cached-model", revision="v9")
