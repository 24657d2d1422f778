"""Atomic writes: a reader sees the old file or directory or the new one, never half.

Every report, registry, snapshot and run the cube writes goes through these two
functions, so a crash or a full disk leaves the previous state in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file in the same directory, flushed to disk, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def swap_in(staging: Path, target: Path, retired: Path | None = None) -> bool:
    """Rename the directory `staging` to `target`, replacing an existing one.

    An existing target is first renamed to `retired` (a dot-prefixed sibling by
    default), restored if the final rename fails, and removed afterwards unless the
    caller named `retired` itself (then the caller removes it when it is done).
    Returns whether there was a previous target.
    """
    owned = retired is None
    retired = retired or target.parent / f".retired-{target.name}-{uuid.uuid4().hex[:8]}"
    had_target = target.exists()
    if had_target:
        os.rename(target, retired)
    try:
        os.rename(staging, target)
    except BaseException:
        if had_target:
            os.rename(retired, target)
        raise
    if had_target and owned:
        shutil.rmtree(retired, ignore_errors=True)
    return had_target
