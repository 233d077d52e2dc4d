"""The rerankers-style API's objects and typed errors (never a crash on bad input)."""

import pytest

import rerank
from conftest import shared_path


def test_bm25_ranks_documents_with_ids_and_metadata():
    ranker = rerank.Reranker("bm25")
    docs = ["the red fox jumps", "a blue whale", "red red fox"]
    results = ranker.rank("red fox", docs, doc_ids=["a", "b", "c"], metadata=[{"n": 1}, {"n": 2}, {"n": 3}])
    assert [r.doc_id for r in results.results][0] in ("a", "c")
    assert results.top_k(1)[0].rank == 1
    assert results.get_score_by_docid("b") == min(r.score for r in results.results)
    assert results.get_result_by_docid("c").metadata == {"n": 3}
    assert ranker.info["score_kind"] == "bm25"
    # results[i] is the i-th document as passed (rerankers >= 0.5.2); iteration is best first.
    assert [results[i].doc_id for i in range(3)] == ["a", "b", "c"]
    assert [r.rank for r in results] == [1, 2, 3]
    # Document objects are accepted as they are.
    again = ranker.rank("red fox", [rerank.Document(d, doc_id=i) for i, d in enumerate(docs)])
    assert sorted(r.doc_id for r in again.results) == [0, 1, 2]


def test_typed_errors():
    with pytest.raises(rerank.NotFoundError):
        rerank.Reranker("/nonexistent/model/folder")
    with pytest.raises(TypeError):
        rerank.Reranker("bm25").rank(None, ["a"])
    with pytest.raises(TypeError):
        rerank.Reranker("bm25").rank("q", [b"bytes are not text"])
    with pytest.raises(rerank.InputError):
        rerank.Reranker("bm25").rank("q", ["a"], doc_ids=[1, 2])
    with pytest.raises(TypeError):
        rerank.Reranker("bm25", no_such_option=1)
    assert issubclass(rerank.NotSupportedError, NotImplementedError)
    assert issubclass(rerank.InputError, ValueError)


def test_unsupported_backend_is_not_implemented_naming_the_type():
    with pytest.raises(NotImplementedError) as info:
        rerank.Reranker("colbert")
    assert "colbert" in str(info.value)


def test_text_that_is_not_utf8_is_a_typed_error_not_a_crash():
    directory = shared_path("reference/bert-ce")
    ranker = rerank.Reranker(str(directory))
    with pytest.raises(TypeError):
        ranker.rank("q", ["ok", "\udcff a lone surrogate"])  # no UTF-8 encoding exists
    with pytest.raises(TypeError):
        ranker.rank("q", [b"\xff\xfe not text"])


def test_many_documents_and_empty_lists():
    ranker = rerank.Reranker("bm25")
    assert len(ranker.rank("q", [])) == 0
    results = ranker.rank("doc 7", [f"doc {i}" for i in range(100000)])
    assert len(results) == 100000
    assert results.top_k(1)[0].text == "doc 7"


def test_a_fallback_chain_answers_when_the_primary_is_unreachable(monkeypatch):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("RERANK_COHERE_BASE_URL", f"http://127.0.0.1:{port}")
    docs = ["a red fox", "a blue whale"]
    chained = rerank.Reranker("cohere", api_key="k", fallbacks=["bm25"], params={"retries": "0"})
    results = chained.rank("red fox", docs)
    assert [r.score for r in results] == [r.score for r in rerank.Reranker("bm25").rank("red fox", docs)]
    with pytest.raises(rerank.NetworkError):
        rerank.Reranker("cohere", api_key="k", params={"retries": "0"}).rank("red fox", docs)
