"""Atomic writes: a reader sees the old file or directory or the new one, never half."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_tables(directory: Path, tables: dict[str, pd.DataFrame], texts: dict[str, str]) -> Path:
    """Write `<name>.parquet` and `<name>.csv` per table plus text files into a fresh
    directory beside `directory`, then swap it into place (replacing an older one)."""
    parent = directory.parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = parent / f".{directory.name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir()
    try:
        for name, frame in tables.items():
            frame.to_parquet(staging / f"{name}.parquet", index=False)
            frame.to_csv(staging / f"{name}.csv", index=False)
        for name, text in texts.items():
            (staging / name).write_text(text, encoding="utf-8")
        _swap(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def _swap(staging: Path, directory: Path) -> None:
    """Rename `staging` to `directory`; an existing one is moved aside first, then removed."""
    old = None
    if directory.exists():
        old = directory.parent / f".{directory.name}.{uuid.uuid4().hex}.old"
        os.replace(directory, old)
    os.replace(staging, directory)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
