"""rerank.Client against a running `rerank serve` (a child process on a free port): the same
raw scores as Reranker on the same model, a named model, and typed errors."""

import os
import pathlib
import re
import subprocess

import pytest

import rerank
from conftest import shared_path

DOCS = ["the red fox", "a blue whale", "red red fox"]


def rerank_cli() -> str:
    # The CLI beside the build tree's package: build/python/rerank -> build/bin/rerank.
    here = pathlib.Path(rerank.__file__).resolve().parent
    cli = here.parents[1] / "bin" / "rerank"
    if not cli.exists():
        pytest.skip(f"{cli} not built")
    return str(cli)


@pytest.fixture
def server():
    bert = shared_path("reference/bert-ce")
    process = subprocess.Popen([rerank_cli(), "serve", "--model", "bm25", "--model", str(bert),
                                "--served-model-name", f"{bert}=org/bert", "--port", "0", "--threads", "2"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        match = re.search(r"listening on (http://[^:]+:\d+)", line)
        assert match, f"no listening line: {line!r}"
        yield match.group(1), bert
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_client_scores_like_the_local_ranker(server):
    url, bert = server
    local = {r.doc_id: r.score for r in rerank.Reranker("bm25").rank("red fox", DOCS).results}
    remote = rerank.Client(url).rank("red fox", DOCS)
    assert {r.doc_id: r.score for r in remote.results} == pytest.approx(local, abs=1e-9)
    local_bert = {r.doc_id: r.score for r in rerank.Reranker(str(bert)).rank("red fox", DOCS).results}
    remote_bert = rerank.Client(url, model="org/bert").rank("red fox", DOCS)
    assert {r.doc_id: r.score for r in remote_bert.results} == pytest.approx(local_bert, abs=1e-5)


def test_client_errors_are_typed(server):
    url, _ = server
    with pytest.raises(rerank.NotFoundError) as info:
        rerank.Client(url, model="BAAI/bge-reranker-v2-m3", retries=0).rank("q", DOCS)
    assert "not loaded" in str(info.value)
    with pytest.raises(rerank.NetworkError):
        rerank.Client("http://127.0.0.1:9", retries=0, timeout=2).rank("q", DOCS)
    with pytest.raises(rerank.InputError):
        rerank.Client("ftp://example")
