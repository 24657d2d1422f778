"""Fixtures of the tag tests: the hand-made extract, its tag table, a feature-only catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cube.catalogue import Catalogue
from tags.jobs.compute import compute_tags, without_models
from tests.tags.dataset import SNAPSHOT, frames, write_raw


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The shipped catalogue without model tags (those need a trained registry)."""
    return without_models(Catalogue.load())


@pytest.fixture(scope="session")
def tiny_frames(spark: Any) -> dict[str, Any]:
    """The hand-made extract as in-memory DataFrames."""
    return frames(spark)


@pytest.fixture(scope="session")
def tiny_raw(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-made extract as Parquet folders, like an operator delivers (read-only)."""
    return write_raw(spark, tmp_path_factory.mktemp("tiny") / "raw")


@pytest.fixture(scope="session")
def tiny_tags(tiny_frames: dict[str, Any], catalogue: Catalogue) -> Any:
    """The tag table of the hand-made extract, computed once (cached)."""
    return compute_tags(tiny_frames, catalogue, SNAPSHOT).cache()


@pytest.fixture(scope="session")
def tiny_rows(tiny_tags: Any) -> dict[int, dict[str, Any]]:
    """Tag values by subscriber id."""
    return {r["subscriber_id"]: r.asDict() for r in tiny_tags.collect()}
