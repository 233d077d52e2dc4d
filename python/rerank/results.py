"""Result objects with the attributes AnswerDotAI rerankers' users read."""

from typing import Any, Dict, List, Optional, Union


class Document:
    """A document to rank: its text, an id and free-form metadata (rerankers' Document)."""

    def __init__(self, text: str, doc_id: Optional[Union[str, int]] = None,
                 metadata: Optional[Dict[str, Any]] = None):
        if not isinstance(text, str):
            raise TypeError(f"Document text must be a str, not {type(text).__name__}")
        self.text = text
        self.doc_id = doc_id
        self.metadata = metadata if metadata is not None else {}

    def __repr__(self) -> str:
        return f"Document(text={self.text!r}, doc_id={self.doc_id!r}, metadata={self.metadata!r})"


class Result:
    """One ranked document: .document, .score, .rank (1 = best)."""

    def __init__(self, document: Document, score: Optional[float] = None, rank: Optional[int] = None):
        self.document = document
        self.score = score
        self.rank = rank

    @property
    def text(self) -> str:
        return self.document.text

    @property
    def doc_id(self):
        return self.document.doc_id

    @property
    def metadata(self) -> Dict[str, Any]:
        return self.document.metadata

    def __repr__(self) -> str:
        return f"Result(document={self.document!r}, score={self.score!r}, rank={self.rank!r})"


class RankedResults:
    """Results best first (ties keep input order, as rerank's one ranking rule orders them).
    ``results[i]`` is the result of the i-th document as passed (rerankers >= 0.5.2), not the
    i-th best: use ``top_k`` for that."""

    def __init__(self, results: List[Result], query: str, has_scores: bool = True,
                 input_order: Optional[List[Result]] = None):
        self.results = results
        self.query = query
        self.has_scores = has_scores
        self._input_order = input_order if input_order is not None else results

    def __iter__(self):
        return iter(self.results)

    def __getitem__(self, index):
        return self._input_order[index]

    def __len__(self) -> int:
        return len(self.results)

    def top_k(self, k: int) -> List[Result]:
        return self.results[:k]

    def get_result_by_docid(self, doc_id) -> Optional[Result]:
        for r in self.results:
            if r.document.doc_id == doc_id:
                return r
        return None

    def get_score_by_docid(self, doc_id) -> Optional[float]:
        r = self.get_result_by_docid(doc_id)
        return None if r is None else r.score

    def __repr__(self) -> str:
        return f"RankedResults(query={self.query!r}, results={self.results!r})"
