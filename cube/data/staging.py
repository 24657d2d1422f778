"""Atomic replacement of output directories.

Outputs are built in hidden temporary siblings of their targets (same file system, so
renames are atomic) and swapped in only when everything is written. A failure leaves the
previous outputs untouched; a directory holding files the generator did not write is never
replaced, so a mistyped --out cannot wipe someone's data.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from cube.errors import InputError


@contextmanager
def staged(targets: Mapping[Path, frozenset[str]]) -> Iterator[list[Path]]:
    """Yield one empty temporary directory per target; swap them in if the block succeeds.

    `targets` maps each output directory to the entry names it may already hold.
    """
    for target, allowed in targets.items():
        check_replaceable(target, allowed)
    temps: list[Path] = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            temps.append(
                Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
            )
        yield temps
        _swap_in(list(zip(temps, targets, strict=True)))
    finally:
        for temp in temps:
            shutil.rmtree(temp, ignore_errors=True)


def check_replaceable(target: Path, allowed: frozenset[str]) -> None:
    """Refuse targets that are files or hold entries the generator would not write."""
    if not target.exists():
        return
    if not target.is_dir():
        raise InputError(f"{target}: exists and is not a directory")
    foreign = sorted(p.name for p in target.iterdir() if p.name not in allowed)
    if foreign:
        shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        raise InputError(
            f"{target}: will not replace a directory holding files the generator did not "
            f"write ({shown}); choose an empty or new directory"
        )


def _swap_in(pairs: list[tuple[Path, Path]]) -> None:
    """Rename each temp onto its target; on an error put every previous target back."""
    done: list[tuple[Path, Path, Path | None]] = []
    try:
        for temp, target in pairs:
            retired = None
            if target.exists():
                retired = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:12]}")
                target.rename(retired)
            done.append((temp, target, retired))
            temp.rename(target)
    except OSError:
        for temp, target, retired in reversed(done):
            if target.exists() and not temp.exists():
                target.rename(temp)  # our new output: back to the temp, removed by the caller
            if retired is not None:
                retired.rename(target)
        raise
    for _, _, retired in done:
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
