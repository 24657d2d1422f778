"""Fixtures over the shared generated operator data (tests/conftest.py `operator_home`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cube.contract import TABLES


def read_table(raw: Path, name: str) -> pa.Table:
    """All parts of one table, in part order."""
    parts = sorted((raw / name).glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(p) for p in parts])


def file_hashes(*roots: Path) -> dict[str, str]:
    """sha256 of every file under the roots, by path relative to its root."""
    hashes = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                key = f"{root.name}/{path.relative_to(root)}"
                hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney), ties broken by order."""
    ranks = np.empty(len(score))
    ranks[np.argsort(score, kind="stable")] = np.arange(1, len(score) + 1)
    positives = label.sum()
    negatives = len(label) - positives
    return float((ranks[label].sum() - positives * (positives + 1) / 2) / (positives * negatives))


@pytest.fixture(scope="session")
def tables(operator_home: Path) -> dict[str, pa.Table]:
    """Every contract table of the shared generated data."""
    return {spec.name: read_table(operator_home / "raw", spec.name) for spec in TABLES}


@pytest.fixture(scope="session")
def frames(tables: dict[str, pa.Table]) -> dict[str, pd.DataFrame]:
    """The same tables as pandas frames (for joins and group-bys)."""
    return {name: t.to_pandas(date_as_object=False) for name, t in tables.items()}


@pytest.fixture(scope="session")
def propensity(operator_home: Path) -> pd.DataFrame:
    """The hidden true logits of the shared generated data."""
    return pq.read_table(operator_home / "truth" / "propensity").to_pandas()
