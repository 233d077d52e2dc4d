"""sentence-transformers' ``CrossEncoder`` API over rerank's engine.

``predict`` applies sentence-transformers' default activation through rerank's one score
rule (docs/scores.md): the sigmoid of a 1-label model's logit; an n-label model returns its n
raw logits per pair (sentence-transformers' Identity), softmax rows with ``apply_softmax``. A
checkpoint whose config.json names an activation for sentence-transformers (Identity in older
ms-marco cross-encoders) gets that one instead, as sentence-transformers applies it.
"""

import json
import pathlib
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from rerank import _rerank
from rerank.progress import batches
from rerank.reranker import _precision


# The activations a checkpoint's config.json may name (sentence-transformers stores the class
# path); sentence-transformers trusts only torch.* paths without trust_remote_code.
_CONFIG_ACTIVATIONS = {
    "torch.nn.modules.linear.Identity": "identity",
    "torch.nn.modules.activation.Sigmoid": "sigmoid",
    "torch.nn.modules.activation.Tanh": "tanh",
}


def _configured_activation(directory: str) -> Optional[str]:
    """The activation the checkpoint's config.json names for sentence-transformers ("identity",
    "sigmoid", "tanh"), or None for the default (sigmoid for 1 label, identity otherwise).
    Read as sentence-transformers reads it: ``sentence_transformers.activation_fn``, else the
    pre-4.0 key ``sbert_ce_default_activation_function``."""
    if not directory:
        return None
    try:
        config = json.loads((pathlib.Path(directory) / "config.json").read_text())
    except (OSError, ValueError):
        return None  # the model loaded, so the engine read it; nothing more to learn here
    section = config.get("sentence_transformers")
    path = section.get("activation_fn") if isinstance(section, dict) else None
    if path is None:
        path = config.get("sbert_ce_default_activation_function")
    if not isinstance(path, str):
        return None
    if not path.startswith("torch."):
        warnings.warn(f"activation function '{path}' in {directory}/config.json is not trusted "
                      "(sentence-transformers needs trust_remote_code for it); using the default")
        return None
    if path not in _CONFIG_ACTIVATIONS:
        raise _rerank.NotSupportedError(f"activation function '{path}' in {directory}/config.json is not "
                                        f"supported (supported: {', '.join(sorted(_CONFIG_ACTIVATIONS))}); "
                                        "pass activation_fn= to predict")
    return _CONFIG_ACTIVATIONS[path]


class CrossEncoder:
    """``CrossEncoder(model_name_or_path, num_labels=None, max_length=None, device=None, ...)``."""

    def __init__(self, model_name_or_path: str, num_labels: Optional[int] = None, max_length: Optional[int] = None,
                 activation_fn: Optional[Callable] = None, device: Optional[str] = None,
                 revision: Optional[str] = None, model_kwargs: Optional[Dict[str, Any]] = None, **kwargs):
        if not isinstance(model_name_or_path, str):
            raise TypeError(f"model_name_or_path must be a str, not {type(model_name_or_path).__name__}")
        options: Dict[str, Any] = {"device": device, "max_length": max_length,
                                   "truncation": "longest_first"}  # sentence-transformers' pair truncation
        model_kwargs = dict(model_kwargs or {})
        if "torch_dtype" in model_kwargs or "dtype" in model_kwargs:
            options["precision"] = _precision(model_kwargs.pop("torch_dtype", None) or model_kwargs.pop("dtype", None))
        model_kwargs.pop("attn_implementation", None)  # how torch computes attention; rerank has one kernel
        if model_kwargs:
            raise TypeError(f"model_kwargs not supported by rerank: {', '.join(sorted(model_kwargs))}")
        if "cache_folder" in kwargs:
            raise _rerank.NotSupportedError("cache_folder: rerank reads the Hugging Face cache that HF_HUB_CACHE "
                                            "or HF_HOME names; set it there")
        # Arguments that change nothing in rerank's results: remote code (rerank runs its own
        # implementation), offline mode (HF_HUB_OFFLINE decides), torch/ONNX/OpenVINO backends.
        for no_effect in ("trust_remote_code", "local_files_only", "backend", "tokenizer_kwargs", "config_kwargs",
                          "automodel_args", "tokenizer_args", "config_args", "token", "use_auth_token"):
            kwargs.pop(no_effect, None)
        activation_fn = kwargs.pop("default_activation_function", None) or activation_fn  # its pre-4.0 name
        if kwargs:
            raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(kwargs))}")
        spec = model_name_or_path
        if revision is not None and not pathlib.Path(model_name_or_path).is_dir():
            spec = f"{model_name_or_path}@{revision}"  # rerank's Hub id spelling of a revision
        self.model_name = model_name_or_path
        self.num_labels = num_labels if num_labels is not None else 1  # the model's count after predict
        self.max_length = max_length
        self.activation_fn = activation_fn  # None: the checkpoint's configured one, else the default
        self._ranker = _rerank.Ranker(spec, options)
        self._configured_activation = _configured_activation(self._ranker.info()["directory"])

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
        activation_fn = activation_fn if activation_fn is not None else self.activation_fn
        if activation_fn is not None:
            shown = np.asarray(activation_fn(np.asarray(logits, dtype=np.float32)), dtype=np.float32)
            if shown.shape != (len(pairs), labels):
                raise ValueError(f"activation_fn returned shape {shown.shape}, not {(len(pairs), labels)}")
        elif self._configured_activation == "identity" or (self._configured_activation is None and labels > 1):
            shown = np.asarray(logits, dtype=np.float32)  # sentence-transformers' Identity
        elif self._configured_activation == "tanh":
            shown = np.tanh(np.asarray(logits, dtype=np.float64)).astype(np.float32)
        elif labels == 1:
            # The one score rule (docs/scores.md): the sigmoid of a logit.
            shown = np.asarray(self._ranker.shown(raw, False), dtype=np.float32).reshape(len(pairs), 1)
        else:
            shown = 1 / (1 + np.exp(-np.asarray(logits, dtype=np.float64)))  # configured Sigmoid, n labels
            shown = shown.astype(np.float32)
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
