"""AnswerDotAI rerankers' ``Reranker`` API over rerank's engine.

The model name goes through rerank's own spec resolution (the C++ one: local folders, Hub
ids, aliases such as ``"cross-encoder"`` or ``"t5"``, ``provider:model`` for hosted APIs), so
it resolves exactly as ``rerank rank -m NAME`` does. Scores are raw, as rerankers returns
them (a cross-encoder's logit; see docs/scores.md).
"""

import asyncio
import functools
from typing import Any, Dict, List, Optional, Sequence, Union

from rerank import _rerank
from rerank.progress import batches
from rerank.results import Document, RankedResults, Result

# rerankers' model_type names that differ from rerank's ranker types.
_MODEL_TYPES = {"rankgpt": "listwise", "rankllm": "listwise", "transformer": "cross-encoder",
                "TransformerRanker": "cross-encoder", "flashrank": "cross-encoder"}


def _precision(dtype) -> Optional[str]:
    """A torch dtype or its name as rerank's precision ("fp32", "bf16", "fp16")."""
    if dtype is None:
        return None
    name = str(dtype).replace("torch.", "")
    return {"float32": "fp32", "float": "fp32", "bfloat16": "bf16", "float16": "fp16", "half": "fp16"}.get(name, name)


def _as_documents(docs, doc_ids=None, metadata=None) -> List[Document]:
    if isinstance(docs, (str, Document)):
        docs = [docs]
    if docs is None:
        raise TypeError("docs must be a list of str or Document, not None")
    docs = list(docs)
    if doc_ids is not None and len(doc_ids) != len(docs):
        raise _rerank.InputError(f"{len(doc_ids)} doc_ids for {len(docs)} documents")
    if metadata is not None and len(metadata) != len(docs):
        raise _rerank.InputError(f"{len(metadata)} metadata entries for {len(docs)} documents")
    out = []
    for i, d in enumerate(docs):
        if isinstance(d, Document):
            out.append(d)
            continue
        if not isinstance(d, str):
            raise TypeError(f"document {i} must be a str or Document, not {type(d).__name__}")
        out.append(Document(d, doc_id=doc_ids[i] if doc_ids is not None else i,
                            metadata=metadata[i] if metadata is not None else None))
    return out


class Reranker:
    """``Reranker(model_name, model_type=None, lang=None, device=None, dtype=None, api_key=None, **kwargs)``.

    kwargs: ``max_length``, ``batch_size`` (accepted; the runtime sizes batches by tokens),
    ``params`` (a dict of rerank ``--param`` settings), ``endpoint``, ``threads``,
    ``fallbacks`` (specs tried in order when this one fails: ``["cohere:rerank-v3.5", "bm25"]``),
    ``api_provider`` (a hosted API for a custom model name: ``provider:model_name``).
    """

    def __init__(self, model_name: str, model_type: Optional[str] = None, lang: Optional[str] = None,
                 device: Optional[str] = None, dtype: Any = None, api_key: Optional[str] = None, verbose: int = 1,
                 **kwargs):
        if not isinstance(model_name, str):
            raise TypeError(f"model_name must be a str, not {type(model_name).__name__}")
        params = {str(k): str(v) for k, v in (kwargs.pop("params", None) or {}).items()}
        kwargs.pop("batch_size", None)
        options: Dict[str, Any] = {
            "type": _MODEL_TYPES.get(model_type, model_type),
            "device": device,
            "precision": _precision(dtype),
            "api_key": api_key,
            "max_length": kwargs.pop("max_length", None),
            # rerankers' transformer rankers tokenise pairs with truncation=True: longest_first.
            "truncation": kwargs.pop("truncation", "longest_first"),
            "endpoint": kwargs.pop("endpoint", None),
            "threads": kwargs.pop("threads", None),
            "fallbacks": kwargs.pop("fallbacks", None),
            "params": params,
        }
        api_provider = kwargs.pop("api_provider", None)
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        self.model_name = model_name
        self.lang = lang
        self.verbose = verbose
        # rerankers' api_provider="cohere" with a custom model name is rerank's provider:model spec.
        spec = f"{api_provider}:{model_name}" if api_provider else model_name
        try:
            self._ranker = _rerank.Ranker(spec, options)
        except _rerank.NotSupportedError as e:
            if model_type is not None and options["type"] != model_type:  # say the name the caller used
                raise _rerank.NotSupportedError(f"model_type '{model_type}' (rerank's '{options['type']}' "
                                                f"ranker): {e}") from None
            raise

    @property
    def info(self) -> Dict[str, Any]:
        return self._ranker.info()

    def rank(self, query: str, docs: Union[str, Document, Sequence[Union[str, Document]]],
             doc_ids: Optional[Sequence[Union[str, int]]] = None,
             metadata: Optional[Sequence[Dict[str, Any]]] = None, show_progress_bar: bool = False,
             batch_size: int = 64) -> RankedResults:
        """Documents best first with raw scores. ``show_progress_bar=True`` scores them in
        ``batch_size``-document batches under a bar (without it, one engine call)."""
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, not {type(query).__name__}")
        documents = _as_documents(docs, doc_ids, metadata)
        texts = [d.text for d in documents]
        raw: List[float] = []
        for start, end in batches(len(texts), batch_size, show_progress_bar, desc="Documents"):
            raw.extend(self._ranker.score(query, texts[start:end]))
        order = _rerank.ranking_order(raw)
        by_input = [Result(d, raw[i]) for i, d in enumerate(documents)]
        for position, i in enumerate(order):
            by_input[i].rank = position + 1
        return RankedResults([by_input[i] for i in order], query=query, has_scores=True, input_order=by_input)

    async def rank_async(self, query: str, docs: Union[str, Document, Sequence[Union[str, Document]]],
                         doc_ids: Optional[Sequence[Union[str, int]]] = None,
                         metadata: Optional[Sequence[Dict[str, Any]]] = None) -> RankedResults:
        """rank() on the event loop's executor: the engine runs with the GIL released, so the loop
        (and other rank_async calls, which the runtime merges) keep going meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self.rank, query, docs, doc_ids, metadata))

    def score(self, query: str, doc: Union[str, Document]) -> float:
        text = doc.text if isinstance(doc, Document) else doc
        if not isinstance(query, str) or not isinstance(text, str):
            raise TypeError("query and doc must be str (or a Document)")
        return self._ranker.score(query, [text])[0]
