"""The second cycle without learning: the counterfactual that isolates what routing learnt.

Comparing cycle 2 with cycle 1 mixes two effects: what routing learnt, and that cycle 2
works a depleted population (the keenest subscribers bought in cycle 1, so every
touchpoint converts less). To measure the learning alone, the demo plays cycle 2 twice
from the same starting state: once as the real cycle (routing with the efficiency
weights), once in a copy of the home without them (routing by affinity only, as cycle
1 did). Same subscribers, same day, same store history, same customers' behaviour;
the only difference is the weights.

The copy holds what a cycle writes (the extracts the simulators and the contact export
append to, the store, runs and reports); the truth, the tag snapshot and the models are
read in place.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from cube.demo.cycle import CycleResult, run_cycle
from cube.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from cube.matching.engine import Stage

BASELINE_DIR = "demo-baseline"


def baseline_settings(settings: Settings) -> Settings:
    """Settings of the copy: its own extracts, store, runs and reports; the rest shared."""
    home = settings.home / BASELINE_DIR
    return settings.model_copy(
        update={
            "home": home,
            "raw_dir": home / "raw",
            "runs_dir": home / "runs",
            "reports_dir": home / "reports",
            "database_url": f"sqlite:///{home / 'cube.db'}",
        }
    )


def copy_state(settings: Settings, into: Settings) -> None:
    """Copy the extracts and the store as they are now (between two cycles)."""
    home = into.home
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    shutil.copytree(settings.dir("raw"), into.dir("raw"))
    from cube.store.backend import sqlite_path

    database = sqlite_path(settings.database_url or "")
    assert database is not None  # run_demo's prepare() refused any other store
    _backup_sqlite(database, home / "cube.db")


def _backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (the online backup API, not a file copy)."""
    import sqlite3
    from contextlib import closing

    # sqlite3's own context manager commits but does not close.
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def run_baseline(
    spark: SparkSession,
    settings: Settings,
    *,
    index: int,
    run_date: dt.date,
    keys_file: Path,
    seed: int,
    stage: Stage,
) -> CycleResult:
    """Play cycle `index` in a copy of the home without the learnt routing weights."""
    copy = baseline_settings(settings)
    with stage(f"cycle {index} without learning: copy the extracts and the store") as info:
        copy_state(settings, copy)
        info["detail"] = str(copy.home)
    return run_cycle(spark, copy, index=index, run_date=run_date, keys_file=keys_file,
                     seed=seed, stage=stage, label=f"cycle {index} without learning")  # fmt: skip
