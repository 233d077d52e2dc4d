"""rerank: one native engine behind the reranking APIs Python users already write.

    from rerank import Reranker            # AnswerDotAI rerankers' API
    from rerank import CrossEncoder        # sentence-transformers' CrossEncoder API

Scores follow rerank's one score rule (docs/scores.md): ``Reranker`` returns raw scores as
rerankers does (logits for cross-encoders); ``CrossEncoder.predict`` applies
sentence-transformers' default activation (sigmoid of a logit). Errors are typed:
``InputError`` (also a ValueError), ``NotFoundError``, ``NotSupportedError`` (also a
NotImplementedError), ``ModelError``, ``NetworkError``, ... all subclasses of ``RerankError``.
"""

from rerank._rerank import (  # noqa: F401  (re-exported)
    BackendError,
    InputError,
    ModelError,
    NetworkError,
    NotFoundError,
    NotSupportedError,
    OverloadedError,
    RerankError,
    TimeoutError,
    UnauthorizedError,
    __version__,
)
from rerank.results import Document, RankedResults, Result  # noqa: F401
from rerank.reranker import Reranker  # noqa: F401
from rerank.cross_encoder import CrossEncoder  # noqa: F401
from rerank.client import Client  # noqa: F401

__all__ = [
    "Reranker", "CrossEncoder", "Client", "Document", "Result", "RankedResults",
    "RerankError", "InputError", "NotFoundError", "NotSupportedError", "ModelError", "NetworkError",
    "UnauthorizedError", "OverloadedError", "TimeoutError", "BackendError",
]
