"""sentence-transformers' ``CrossEncoder`` API over rerank's engine.

``predict`` applies sentence-transformers' default activation through rerank's one score
rule (docs/scores.md): the sigmoid of a 1-label model's logit. A 2-label model's score is
``logit[1] - logit[0]``, whose sigmoid is sentence-transformers' softmax column 1 (it returns
both logits; rerank returns their difference).
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from rerank import _rerank


class CrossEncoder:
    """``CrossEncoder(model_name_or_path, num_labels=None, max_length=None, device=None, ...)``."""

    def __init__(self, model_name_or_path: str, num_labels: Optional[int] = None, max_length: Optional[int] = None,
                 device: Optional[str] = None, **kwargs):
        if not isinstance(model_name_or_path, str):
            raise TypeError(f"model_name_or_path must be a str, not {type(model_name_or_path).__name__}")
        options: Dict[str, Any] = {"device": device, "max_length": max_length,
                                   "truncation": "longest_first"}  # sentence-transformers' pair truncation
        for accepted in ("trust_remote_code", "revision", "local_files_only", "automodel_args", "tokenizer_args",
                         "config_args", "cache_folder", "default_activation_function", "backend", "model_kwargs",
                         "tokenizer_kwargs", "config_kwargs", "activation_fn"):
            kwargs.pop(accepted, None)
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        self.model_name = model_name_or_path
        self.max_length = max_length
        self._ranker = _rerank.Ranker(model_name_or_path, options)

    def predict(self, sentences: Union[Tuple[str, str], Sequence[Tuple[str, str]]], batch_size: int = 32,
                show_progress_bar: Optional[bool] = None, activation_fn: Optional[Callable] = None,
                apply_softmax: bool = False, convert_to_numpy: bool = True, convert_to_tensor: bool = False):
        single = len(sentences) == 2 and all(isinstance(s, str) for s in sentences)
        pairs = [tuple(sentences)] if single else [tuple(p) for p in sentences]
        for i, p in enumerate(pairs):
            if len(p) != 2 or not all(isinstance(s, str) for s in p):
                raise TypeError(f"pair {i} must be two str (query, document)")
        raw = [0.0] * len(pairs)
        # One engine call per distinct query (its documents share the query's tokens).
        by_query: Dict[str, List[int]] = {}
        for i, (q, _) in enumerate(pairs):
            by_query.setdefault(q, []).append(i)
        for q, indices in by_query.items():
            scores = self._ranker.score(q, [pairs[i][1] for i in indices])
            for i, s in zip(indices, scores):
                raw[i] = s
        shown = self._ranker.shown(raw, False) if activation_fn is None else [float(activation_fn(s)) for s in raw]
        if single:
            return np.float32(shown[0]) if convert_to_numpy else shown[0]
        return np.asarray(shown, dtype=np.float32) if convert_to_numpy else shown

    def rank(self, query: str, documents: Sequence[str], top_k: Optional[int] = None,
             return_documents: bool = False, batch_size: int = 32, show_progress_bar: Optional[bool] = None,
             activation_fn: Optional[Callable] = None, apply_softmax: bool = False,
             convert_to_numpy: bool = True, convert_to_tensor: bool = False) -> List[Dict[str, Any]]:
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, not {type(query).__name__}")
        documents = list(documents)
        if not documents:
            return []
        scores = self.predict([(query, d) for d in documents], activation_fn=activation_fn, convert_to_numpy=False)
        order = _rerank.ranking_order([float(s) for s in scores])
        out = []
        for i in order[:top_k] if top_k is not None else order:
            entry: Dict[str, Any] = {"corpus_id": i, "score": np.float32(scores[i]) if convert_to_numpy else scores[i]}
            if return_documents:
                entry["text"] = documents[i]
            out.append(entry)
        return out
