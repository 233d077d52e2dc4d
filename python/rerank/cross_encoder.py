"""sentence-transformers' ``CrossEncoder`` API over rerank's engine.

``predict`` applies sentence-transformers' default activation through rerank's one score
rule (docs/scores.md): the sigmoid of a 1-label model's logit; an n-label model returns its n
raw logits per pair (sentence-transformers' Identity), softmax rows with ``apply_softmax``.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from rerank import _rerank
from rerank.progress import batches


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
        self.num_labels = num_labels if num_labels is not None else 1  # the model's count after predict
        self.max_length = max_length
        self._ranker = _rerank.Ranker(model_name_or_path, options)

    def predict(self, sentences: Union[Tuple[str, str], Sequence[Tuple[str, str]]], batch_size: int = 32,
                show_progress_bar: Optional[bool] = None, activation_fn: Optional[Callable] = None,
                apply_softmax: bool = False, convert_to_numpy: bool = True, convert_to_tensor: bool = False):
        """Scores of (query, document) pairs, as sentence-transformers returns them: a 1-label
        model's sigmoid (the one score rule), an n-label model's n raw logits per pair (softmax
        with ``apply_softmax``); ``activation_fn`` is applied to the (pairs, labels) logit array."""
        single = isinstance(sentences, (list, tuple)) and len(sentences) > 0 and isinstance(sentences[0], str)
        pairs = [tuple(sentences)] if single else [tuple(p) for p in sentences]
        for i, p in enumerate(pairs):
            if len(p) != 2 or not all(isinstance(s, str) for s in p):
                raise TypeError(f"pair {i} must be two str (query, document)")
        raw = [0.0] * len(pairs)  # the ranker's score (a 1-label model's logit)
        logits: List[List[float]] = [[] for _ in pairs]
        classifier = self._ranker.info()["type"] == "cross-encoder"
        for start, end in batches(len(pairs), batch_size, bool(show_progress_bar)):
            # One engine call per distinct query of the batch (its documents share the query's tokens).
            by_query: Dict[str, List[int]] = {}
            for i in range(start, end):
                by_query.setdefault(pairs[i][0], []).append(i)
            for q, indices in by_query.items():
                texts = [pairs[i][1] for i in indices]
                scores, outputs = self._ranker.score_outputs(q, texts)
                for k, i in enumerate(indices):
                    raw[i] = scores[k]
                    # A classifier's logits are its labels; other rankers (T5, LLMs, BM25, APIs)
                    # have one score per pair.
                    logits[i] = list(outputs[k]) if classifier and outputs[k] else [scores[k]]
        labels = len(logits[0]) if logits else 1
        if any(len(row) != labels for row in logits):
            raise _rerank.BackendError("the model returned a different number of outputs for different pairs")
        if activation_fn is not None:
            shown = np.asarray(activation_fn(np.asarray(logits, dtype=np.float32)), dtype=np.float32)
            if shown.shape != (len(pairs), labels):
                raise ValueError(f"activation_fn returned shape {shown.shape}, not {(len(pairs), labels)}")
        elif labels == 1:
            shown = np.asarray(self._ranker.shown(raw, False), dtype=np.float32).reshape(len(pairs), 1)
        else:
            shown = np.asarray(logits, dtype=np.float32)  # sentence-transformers' Identity for n labels
        if apply_softmax and labels > 1:
            shifted = np.exp(shown - shown.max(axis=1, keepdims=True))
            shown = shifted / shifted.sum(axis=1, keepdims=True)
        self.num_labels = labels
        out = shown[:, 0] if labels == 1 else shown
        if single:
            return out[0] if convert_to_numpy else out[0].tolist()
        return out if convert_to_numpy else out.tolist()

    def rank(self, query: str, documents: Sequence[str], top_k: Optional[int] = None,
             return_documents: bool = False, batch_size: int = 32, show_progress_bar: Optional[bool] = None,
             activation_fn: Optional[Callable] = None, apply_softmax: bool = False,
             convert_to_numpy: bool = True, convert_to_tensor: bool = False) -> List[Dict[str, Any]]:
        if not isinstance(query, str):
            raise TypeError(f"query must be a str, not {type(query).__name__}")
        documents = list(documents)
        if not documents:
            return []
        scores = self.predict([(query, d) for d in documents], batch_size=batch_size,
                              show_progress_bar=show_progress_bar, activation_fn=activation_fn,
                              convert_to_numpy=False)
        if self.num_labels != 1:
            raise ValueError("CrossEncoder.rank() only works for models with num_labels=1. "
                             "Consider using CrossEncoder.predict() with input pairs instead.")
        order = _rerank.ranking_order([float(s) for s in scores])
        out = []
        for i in order[:top_k] if top_k is not None else order:
            entry: Dict[str, Any] = {"corpus_id": i, "score": np.float32(scores[i]) if convert_to_numpy else scores[i]}
            if return_documents:
                entry["text"] = documents[i]
            out.append(entry)
        return out
