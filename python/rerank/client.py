"""``rerank.Client(base_url)``: a running ``rerank serve`` as a ranker.

It is the C++ ``rerank:URL`` ranker (docs/providers.md) behind the rerankers-style API, so the
HTTP client, retries, timeouts and typed errors are the ones every front end uses. Scores are
the served ranker's raw scores (``raw_scores=true``), exactly as ``Reranker`` on the same model
returns them.
"""

from typing import Any, Dict, Optional

from rerank import _rerank
from rerank.reranker import Reranker


class Client(Reranker):
    """``Client(base_url, model=None, api_key=None, timeout=None, retries=None)``."""

    def __init__(self, base_url: str, model: Optional[str] = None, api_key: Optional[str] = None,
                 timeout: Optional[float] = None, retries: Optional[int] = None):
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise _rerank.InputError(f"base_url must be an http:// or https:// URL, not {base_url!r}")
        params: Dict[str, Any] = {"raw_scores": "true"}
        if model is not None:
            params["model"] = model
        if timeout is not None:
            params["timeout"] = str(timeout)
        if retries is not None:
            params["retries"] = str(retries)
        super().__init__("rerank:" + base_url.rstrip("/"), api_key=api_key, params=params)
        self.base_url = base_url
