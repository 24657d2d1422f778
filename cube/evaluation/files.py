"""Atomic writes: a reader sees the old file or directory or the new one, never half."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from cube.atomic import swap_in

if TYPE_CHECKING:
    import pandas as pd


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
        swap_in(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory
