"""The progress bar of long calls (``show_progress_bar=True``): tqdm when it is installed, else
a plain one-line bar on stderr. Work is split into batches only when a bar is shown; without
one, the whole call is one engine call (the runtime packs it on real tokens)."""

import sys
from typing import Iterator, Tuple


class _PlainBar:
    """``Batches: 3/10`` redrawn in place on stderr, the last state kept on its own line."""

    def __init__(self, total: int, desc: str):
        self.total, self.desc, self.done = total, desc, 0
        self._draw()

    def update(self, n: int) -> None:
        self.done += n
        self._draw()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()

    def _draw(self) -> None:
        width = 30
        filled = width * self.done // self.total if self.total else width
        sys.stderr.write(f"\r{self.desc}: [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
        sys.stderr.flush()


def _bar(total: int, desc: str):
    try:
        from tqdm.auto import tqdm  # optional: the bar users already know
    except ImportError:
        return _PlainBar(total, desc)
    return tqdm(total=total, desc=desc)


def batches(count: int, batch_size: int, show_progress_bar: bool, desc: str = "Batches") -> Iterator[Tuple[int, int]]:
    """[start, end) ranges covering ``count`` items: one range without a bar, ``batch_size``-item
    ranges with one (the bar counts batches, as sentence-transformers' does)."""
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, not {batch_size!r}")
    if not show_progress_bar:
        if count:
            yield 0, count
        return
    bar = _bar((count + batch_size - 1) // batch_size, desc)
    try:
        for start in range(0, count, batch_size):
            yield start, min(start + batch_size, count)
            bar.update(1)
    finally:
        bar.close()
