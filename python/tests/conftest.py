"""Finds ../shared (RERANK_SHARED_DIR or next to the checkout); tests that need it skip
without it, or fail when RERANK_REQUIRE_SHARED=1 (CI's strict mode)."""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def shared_path(relative: str) -> pathlib.Path:
    root = pathlib.Path(os.environ.get("RERANK_SHARED_DIR") or REPO.parent / "shared")
    path = root / relative
    if not path.exists():
        message = f"{path} is missing (set RERANK_SHARED_DIR to the shared/ folder)"
        if os.environ.get("RERANK_REQUIRE_SHARED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path
