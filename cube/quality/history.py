"""Row-count history: each passed input gate records its tables' row counts per snapshot.

<warehouse>/dq/row_counts/<snapshot_date>.json holds `{"snapshot_date", "tables":
{name: rows}}`. The drift rule compares against the latest snapshot strictly before
the one being checked, so re-running a day never compares the day with itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

from cube.atomic import write_text_atomic
from cube.settings import Settings


def counts_dir(settings: Settings) -> Path:
    return settings.dir("warehouse") / "dq" / "row_counts"


def previous_counts(
    settings: Settings, snapshot_date: dt.date
) -> tuple[dt.date, dict[str, int]] | None:
    """The latest recorded counts before `snapshot_date`, or None on the first snapshot."""
    directory = counts_dir(settings)
    if not directory.is_dir():
        return None
    earlier = []
    for path in directory.glob("*.json"):
        try:
            day = dt.date.fromisoformat(path.stem)
        except ValueError:
            continue  # not a snapshot file
        if day < snapshot_date:
            earlier.append((day, path))
    if not earlier:
        return None
    day, path = max(earlier)
    tables = json.loads(path.read_text(encoding="utf-8")).get("tables", {})
    return day, {str(name): int(rows) for name, rows in tables.items()}


def record_counts(settings: Settings, snapshot_date: dt.date, counts: Mapping[str, int]) -> Path:
    """Write (replace) the counts of `snapshot_date`."""
    path = counts_dir(settings) / f"{snapshot_date.isoformat()}.json"
    payload = {"snapshot_date": snapshot_date.isoformat(), "tables": dict(sorted(counts.items()))}
    write_text_atomic(path, json.dumps(payload, indent=2) + "\n")
    return path
