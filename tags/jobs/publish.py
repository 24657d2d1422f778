"""Publishing tag snapshots to the warehouse, atomically, and reading them back.

Layout under the warehouse directory:
    tags/snapshot_date=YYYY-MM-DD/           the tag table (Parquet)
    catalogue/snapshot_date=YYYY-MM-DD.json  per-tag metadata of that table
Both are written next to their final place first and renamed in, so readers see
the previous snapshot or the new one, never half of one; a failed run leaves the
previous snapshot untouched and a re-run for the same date replaces it.
Renames are atomic on one POSIX filesystem, so the warehouse must be one (local
disk or a shared mount), not an object store.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.atomic import swap_in
from cube.errors import CubeError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SNAPSHOT_DIR = re.compile(r"^snapshot_date=(\d{4}-\d{2}-\d{2})$")
STAGING_DIR = re.compile(r"^\.staging-(\d{4}-\d{2}-\d{2})-[0-9a-f]+$")
BUILD_HINT = "run `cube tags build`"


class SnapshotNotFoundError(CubeError):
    """No published tag snapshot (for the requested date)."""


def tags_dir(warehouse_dir: Path, snapshot_date: dt.date) -> Path:
    return warehouse_dir / "tags" / f"snapshot_date={snapshot_date.isoformat()}"


def metadata_file(warehouse_dir: Path, snapshot_date: dt.date) -> Path:
    return warehouse_dir / "catalogue" / f"snapshot_date={snapshot_date.isoformat()}.json"


def publish(
    df: DataFrame, metadata: dict[str, Any], warehouse_dir: Path, snapshot_date: dt.date
) -> Path:
    """Write the tag table and its metadata for `snapshot_date`; returns the table's directory."""
    return commit_staging(write_staging(df, warehouse_dir, snapshot_date), metadata, warehouse_dir)


def write_staging(df: DataFrame, warehouse_dir: Path, snapshot_date: dt.date) -> Path:
    """Write `df` as Parquet beside its final place (not yet visible); returns that directory.

    The build writes here first and profiles and gates the written files, so the table is
    computed once and never held in memory.
    """
    target = tags_dir(warehouse_dir, snapshot_date)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Dot-prefixed: Spark's partition discovery and snapshot listing both skip these.
    staging = target.parent / f".staging-{snapshot_date.isoformat()}-{uuid.uuid4().hex[:12]}"
    try:
        df.write.parquet(str(staging))
    except BaseException:
        discard_staging(staging)
        raise
    return staging


def commit_staging(staging: Path, metadata: dict[str, Any], warehouse_dir: Path) -> Path:
    """Rename a staged table and its metadata into place, replacing that date's snapshot.

    On any failure the staged files are removed and the previous snapshot stays as it was.
    """
    match = STAGING_DIR.match(staging.name)
    assert match, f"not a staging directory: {staging}"
    snapshot_date = dt.date.fromisoformat(match.group(1))
    target = tags_dir(warehouse_dir, snapshot_date)
    meta_target = metadata_file(warehouse_dir, snapshot_date)
    token = staging.name.rsplit("-", 1)[1]
    retired = target.parent / f".retired-{snapshot_date.isoformat()}-{token}"
    meta_staging = meta_target.parent / f".staging-{token}.json"
    meta_target.parent.mkdir(parents=True, exist_ok=True)
    try:
        document = {"snapshot_date": snapshot_date.isoformat(), **metadata}
        meta_staging.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        had_target = swap_in(staging, target, retired)
        try:
            os.replace(meta_staging, meta_target)
        except BaseException:
            # Put the previous table back so table and metadata stay a pair.
            os.rename(target, staging)
            if had_target:
                os.rename(retired, target)
            raise
    finally:
        discard_staging(staging)
        meta_staging.unlink(missing_ok=True)
    shutil.rmtree(retired, ignore_errors=True)
    return target


def discard_staging(staging: Path) -> None:
    """Remove a staged table that will not be published (missing is fine)."""
    shutil.rmtree(staging, ignore_errors=True)


def snapshot_dates(warehouse_dir: Path) -> list[dt.date]:
    """Dates with a published tag table, oldest first."""
    root = warehouse_dir / "tags"
    if not root.is_dir():
        return []
    found = (SNAPSHOT_DIR.match(p.name) for p in root.iterdir() if p.is_dir())
    return sorted(dt.date.fromisoformat(m.group(1)) for m in found if m)


def resolve_snapshot(warehouse_dir: Path, snapshot_date: dt.date | None) -> dt.date:
    """The requested snapshot date if published, else the latest; a clear error if none."""
    dates = snapshot_dates(warehouse_dir)
    if snapshot_date is None:
        if not dates:
            raise SnapshotNotFoundError(
                f"no tag snapshot under {warehouse_dir / 'tags'}; {BUILD_HINT}"
            )
        return dates[-1]
    if snapshot_date not in dates:
        have = ", ".join(d.isoformat() for d in dates) or "none"
        raise SnapshotNotFoundError(
            f"no tag snapshot for {snapshot_date.isoformat()} under {warehouse_dir / 'tags'} "
            f"(published: {have}); {BUILD_HINT}"
        )
    return snapshot_date


def load_snapshot(
    spark: SparkSession, warehouse_dir: Path, snapshot_date: dt.date | None = None
) -> DataFrame:
    """The published tag table of `snapshot_date` (latest when None)."""
    date = resolve_snapshot(warehouse_dir, snapshot_date)
    return spark.read.parquet(str(tags_dir(warehouse_dir, date)))


def load_metadata(warehouse_dir: Path, snapshot_date: dt.date | None = None) -> dict[str, Any]:
    """The metadata document of `snapshot_date` (latest published table when None)."""
    date = resolve_snapshot(warehouse_dir, snapshot_date)
    path = metadata_file(warehouse_dir, date)
    if not path.is_file():
        raise SnapshotNotFoundError(f"{path}: metadata of snapshot {date} is missing; {BUILD_HINT}")
    return json.loads(path.read_text())
