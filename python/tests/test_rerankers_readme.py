"""AnswerDotAI rerankers' README (its "Usage" section, github.com/AnswerDotAI/rerankers at
commit of 2025-05-28), run unchanged except for the import line, offline:

- model names resolve through a Hugging Face cache (HF_HUB_CACHE, HF_HUB_OFFLINE=1) that maps
  each README name to a ../shared/reference checkpoint of the same architecture;
- hosted APIs reach one local fake server through RERANK_<PROVIDER>_BASE_URL;
- lines that are not valid Python are rewritten minimally (marked "rewritten" below);
- t5-mono's tiny vocabulary gets the two pieces monoT5 scores (see ``offline``).

Every loading line either loads a ranker of the expected type and model, or, for a backend
rerank does not run, raises NotImplementedError naming it. The ranking examples then run on
every ranker that loaded."""

import asyncio
import math

import pytest

from conftest import shared_path
from readme_support import build_hub_cache, fake_score, start_fake_api_server

# The Usage block, verbatim but for the marked lines.
USAGE = '''
from rerank import Reranker  # was: from rerankers import Reranker

# Cross-encoder default. You can specify a 'lang' parameter to load a multilingual version!
ranker = Reranker('cross-encoder')

# Specific cross-encoder
ranker = Reranker('mixedbread-ai/mxbai-rerank-large-v1', model_type='cross-encoder')

# FlashRank default. You can specify a 'lang' parameter to load a multilingual version!
ranker = Reranker('flashrank')

# Specific flashrank model.
ranker = Reranker('ce-esci-MiniLM-L12-v2', model_type='flashrank')

# Default T5 Seq2Seq reranker
ranker = Reranker("t5")

# Specific T5 Seq2Seq reranker
ranker = Reranker("unicamp-dl/InRanker-base", model_type = "t5")

# API (Cohere)
ranker = Reranker("cohere", lang='en', api_key = API_KEY)  # rewritten: lang='en' (or 'other')

# Custom Cohere model? No problem!
ranker = Reranker("my_model_name", api_provider = "cohere", api_key = API_KEY)

# API (Pinecone)
ranker = Reranker("pinecone", api_key = API_KEY)

# API (Jina)
ranker = Reranker("jina", api_key = API_KEY)

# API (Isaacus)
ranker = Reranker("isaacus", api_key = API_KEY)

# RankGPT4-turbo
ranker = Reranker("rankgpt", api_key = API_KEY)

# RankGPT3-turbo
ranker = Reranker("rankgpt3", api_key = API_KEY)

# RankGPT with another LLM provider
ranker = Reranker("MY_LLM_NAME", model_type = "rankgpt", api_key = API_KEY)  # rewritten: "MY_LLM_NAME" (check litellm docs)

# RankLLM with default GPT (GPT-4o)
ranker = Reranker("rankllm", api_key = API_KEY)

# RankLLM with specified GPT models
ranker = Reranker('gpt-4-turbo', model_type="rankllm", api_key = API_KEY)

# ColBERTv2 reranker
ranker = Reranker("colbert")

# LLM Layerwise Reranker
ranker = Reranker('llm-layerwise')

# ... Or a non-default colbert model:
ranker = Reranker(model_name_or_path, model_type = "colbert")
'''

# What each loading line must give: (ranker type, model) or the NotImplementedError's words.
EXPECTED = [
    ("cross-encoder", "cross-encoder/ms-marco-MiniLM-L6-v2"),
    NotImplementedError("DebertaV2ForSequenceClassification"),  # DeBERTa: a planned family
    ("cross-encoder", "cross-encoder/ms-marco-TinyBERT-L2-v2"),
    ("cross-encoder", "metarank/ce-esci-MiniLM-L12-v2"),
    ("t5", "unicamp-dl/InRanker-base"),
    ("t5", "unicamp-dl/InRanker-base"),
    ("cohere", "rerank-v3.5"),
    ("cohere", "my_model_name"),
    ("pinecone", "bge-reranker-v2-m3"),
    ("jina", "jina-reranker-v2-base-multilingual"),
    ("isaacus", "kanon-universal-classifier"),
    ("listwise", "gpt-4o-mini"),  # the listwise LLMs, at the fake server's chat endpoint
    ("listwise", "gpt-3.5-turbo"),
    ("listwise", "MY_LLM_NAME"),
    ("listwise", "castorini/rank_zephyr_7b_v1_full"),
    ("listwise", "gpt-4-turbo"),
    NotImplementedError("colbert"),
    NotImplementedError("llm-layerwise"),
    NotImplementedError("colbert"),
]

# The Hub names the README loads, each mapped to a fixture of its architecture.
HUB = {
    "cross-encoder/ms-marco-MiniLM-L6-v2": "bert-ce",
    "cross-encoder/ms-marco-TinyBERT-L2-v2": "bert-ce",
    "metarank/ce-esci-MiniLM-L12-v2": "bert-ce",
    "mixedbread-ai/mxbai-rerank-large-v1": "deberta-v2-ce",
    "unicamp-dl/InRanker-base": "t5-mono",
    "colbert-ir/colbertv2.0": "colbert",
}

# The ranking examples, with the "> " prompts and printed outputs left out.
RANKING = '''
results = ranker.rank(query="I love you", docs=["I hate you", "I really like you"], doc_ids=[0,1])
results = ranker.rank(query="I love you", docs=["I hate you", "I really like you"], doc_ids=[0,1], metadata=[{'source': 'twitter'}, {'source': 'reddit'}])
from rerank import Document  # was: from rerankers import Document
docs = [Document(text="I really like you", doc_id=0, metadata={'source': 'twitter'}), Document(text="I hate you", doc_id=1, metadata={'source': 'reddit'})]
results = ranker.rank(query="I love you", docs=docs)
results.top_k(1)
results.top_k(1)[0].text
'''

ASYNC_RANKING = '''
async def main():
    results = await ranker.rank_async(query="I love you", docs=["I hate you", "I really like you"], doc_ids=[0,1])
    return results
'''


@pytest.fixture(scope="module")
def offline(tmp_path_factory):
    # monoT5's recipe scores the pieces "▁true"/"▁false", which t5-mono's 1,011-piece
    # vocabulary lacks: its copy names two other pieces so.
    cache = build_hub_cache(tmp_path_factory.mktemp("hub"), HUB,
                            {"t5-mono": {"▁see": "▁true", "▁thought": "▁false"}})
    server = start_fake_api_server()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    env = {"HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "RERANK_COHERE_BASE_URL": url,
           "RERANK_JINA_BASE_URL": url, "RERANK_PINECONE_BASE_URL": url, "RERANK_ISAACUS_BASE_URL": url,
           "OPENAI_BASE_URL": url + "/v1"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        yield server
    server.shutdown()


def run_usage_lines():
    """Each statement of USAGE on its own: the ranker it made, or the exception it raised."""
    namespace = {"API_KEY": "test-key", "model_name_or_path": "colbert-ir/colbertv2.0"}
    outcomes = []
    for line in USAGE.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            exec(line, namespace)  # noqa: S102 (the README's own lines)
        except Exception as e:  # noqa: BLE001 (recorded and checked below)
            outcomes.append(e)
            continue
        if line.startswith("ranker ="):
            outcomes.append(namespace.pop("ranker"))
    return outcomes


def test_every_loading_line_loads_its_ranker_or_names_the_unsupported_type(offline):
    outcomes = run_usage_lines()
    assert len(outcomes) == len(EXPECTED)
    for line_no, (got, want) in enumerate(zip(outcomes, EXPECTED)):
        if isinstance(want, Exception):
            assert isinstance(got, NotImplementedError), (line_no, got)
            assert str(want) in str(got), (line_no, str(got))
        else:
            assert not isinstance(got, Exception), (line_no, got)
            assert (got.info["type"], got.info["model"]) == want, line_no


def test_the_ranking_examples_run_on_every_ranker_that_loads(offline):
    rankers = [r for r in run_usage_lines() if not isinstance(r, Exception)]
    assert len(rankers) == sum(not isinstance(e, Exception) for e in EXPECTED)
    for ranker in rankers:
        namespace = {"ranker": ranker}
        exec(RANKING, namespace)  # noqa: S102
        results = namespace["results"]
        assert results.has_scores and results.query == "I love you"
        assert [r.rank for r in results.results] == [1, 2]
        assert results.results[0].score >= results.results[1].score
        assert results.top_k(1)[0].text == results.results[0].document.text
        assert {r.doc_id: r.metadata for r in results.results} == {0: {"source": "twitter"}, 1: {"source": "reddit"}}
        # Scores are the ranker's own, document by document (a listwise LLM's are positions:
        # 1 / rank, so they exist only for the whole list).
        if ranker.info["type"] == "listwise":
            assert [r.score for r in results.results] == [1.0, 0.5]
        else:
            for r in results.results:
                assert r.score == pytest.approx(ranker.score("I love you", r.text), abs=1e-5)
        exec(ASYNC_RANKING, namespace)  # noqa: S102
        async_results = asyncio.run(namespace["main"]())
        assert [(r.doc_id, r.score) for r in async_results.results] == [
            (r.doc_id, r.score) for r in ranker.rank("I love you", ["I hate you", "I really like you"], doc_ids=[0, 1])]


def test_hosted_examples_reach_the_provider_with_the_key_and_return_its_scores(offline):
    outcomes = run_usage_lines()
    api = [r for r in outcomes if not isinstance(r, Exception) and r.info["type"] in ("cohere", "pinecone", "jina", "isaacus")]
    # The listwise LLMs send their window to the chat endpoint with the key, and follow its answer.
    llms = [r for r in outcomes if not isinstance(r, Exception) and r.info["type"] == "listwise"]
    assert len(llms) == 5
    for ranker in llms:
        offline.requests.clear()
        results = ranker.rank("I love you", ["I hate you", "I really like you"])
        assert len(offline.requests) == 1 and offline.requests[0][0] == "/v1/chat/completions"
        assert "test-key" in offline.requests[0][1]
        assert results.top_k(1)[0].text == "I really like you"  # the fake answers "[2] > [1]"
    assert len(api) == 5
    for ranker in api:
        offline.requests.clear()
        results = ranker.rank("I love you", ["I hate you", "I really like you"])
        assert len(offline.requests) == 1
        path, auth, body = offline.requests[0]
        assert "test-key" in auth
        for r in results.results:
            assert r.score == pytest.approx(fake_score("I love you", r.text))
    # The custom Cohere model name is sent as the model.
    offline.requests.clear()
    custom = next(r for r in api if r.info["model"] == "my_model_name")
    custom.rank("q", ["d"])
    assert offline.requests[0][2]["model"] == "my_model_name"


def test_loaded_models_score_as_the_fixture_checkpoints(offline):
    """The cache really maps the names: the default cross-encoder scores as bert-ce does."""
    import rerank

    by_name = rerank.Reranker("cross-encoder").score("I love you", "I really like you")
    by_folder = rerank.Reranker(str(shared_path("reference/bert-ce"))).score("I love you", "I really like you")
    assert by_name == by_folder and math.isfinite(by_name)
