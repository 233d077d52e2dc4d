"""rank_async and Python threads: the engine runs with the GIL released, concurrent calls give
the same results as one at a time (within 1e-5: the runtime may merge them into one forward
pass, whose GEMMs can sum in another order)."""

import asyncio
import threading

import pytest

import rerank
from conftest import shared_path

DOCS = ["foxes live in dens", "dogs live in kennels", "cats sleep all day", "a fox is a canid"]


def test_rank_async_and_threads_match_sequential_results():
    ranker = rerank.Reranker(str(shared_path("reference/bert-ce")))
    queries = [f"where do foxes live {i}" for i in range(8)]
    want = {q: [(r.doc_id, r.score) for r in ranker.rank(q, DOCS).results] for q in queries}

    async def all_async():
        return await asyncio.gather(*(ranker.rank_async(q, DOCS) for q in queries))

    def same(got, expected):
        assert [d for d, _ in got] == [d for d, _ in expected]
        assert [s for _, s in got] == pytest.approx([s for _, s in expected], abs=1e-5)

    for q, got in zip(queries, asyncio.run(all_async())):
        same([(r.doc_id, r.score) for r in got.results], want[q])

    got_threads = {}

    def work(q):
        got_threads[q] = [(r.doc_id, r.score) for r in ranker.rank(q, DOCS).results]

    threads = [threading.Thread(target=work, args=(q,)) for q in queries]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(got_threads) == set(want)
    for q in queries:
        same(got_threads[q], want[q])
