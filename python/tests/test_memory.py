"""1,000 rank calls in a loop do not grow the process's resident memory: no document, result
or session is leaked by the binding (issue 37's memory test)."""

import os

import rerank
from conftest import shared_path


def resident_kib() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def test_a_thousand_rank_calls_do_not_grow_rss():
    ranker = rerank.Reranker(str(shared_path("reference/bert-ce")))
    docs = [f"document {i} about foxes and dogs " * 4 for i in range(20)]
    for _ in range(50):  # warm up: the session pool, allocator arenas, the tokenizer's caches
        ranker.rank("where do foxes live", docs)
    before = resident_kib()
    for i in range(1000):
        results = ranker.rank(f"where do foxes live {i % 7}", docs)
        assert len(results) == 20
    grown = resident_kib() - before
    # 1,000 calls x 20 documents: a leak of even one copy of each document per call would add
    # ~3 MiB; allow allocator noise below that.
    assert grown < 3 * 1024, f"RSS grew by {grown} KiB over 1,000 rank calls"
