"""`run_demo`: the main job on embedded defaults, from an empty home to two evaluated cycles.

Generate an operator, build its tags and models behind the quality gates, then play two
monthly cycles (cube.demo.cycle): the second matches with the routing weights the first
one's evaluation learned. The second cycle is also played without those weights in a
copy of the home (cube.demo.baseline), so the summary can say by how much the learning
moved conversion per contact and ROI on the same population.

The demo owns its home: it refuses a home whose raw extracts are an operator's (no
generated truth beside them) or whose store is not the embedded SQLite file, and it
clears what a previous demo left (runs, evaluations, store) so a re-run starts clean.
The data, tags, models and first match repeat exactly for a seed and date; the
touchpoints' day runs over HTTP on a wall clock, so its contacts can differ slightly.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cube.demo.baseline import BASELINE_DIR, run_baseline
from cube.demo.cycle import CycleResult, run_cycle
from cube.errors import ConfigError
from cube.settings import Settings

if TYPE_CHECKING:
    from cube.matching.engine import Stage
    from tags.jobs.build import ModelsMode

# The demo operator's business day: inside every example strategy's validity, so the
# demo gives the same run whatever day it is run on (`--date` moves it).
DEMO_DATE = dt.date(2026, 11, 2)
CYCLE_DAYS = 30
KEYS_FILE = "demo-keys.json"

Progress = Callable[[str, int], AbstractContextManager[Any]]


@dataclass(frozen=True)
class DemoResult:
    """The generated operator, the user centre's build and the two cycles."""

    settings: Settings
    subscribers: int
    own_network: int
    tags: int
    models: dict[str, float]
    build_seconds: float
    cycles: list[CycleResult]
    baseline: CycleResult


def run_demo(
    settings: Settings,
    *,
    subscribers: int,
    seed: int,
    date: dt.date = DEMO_DATE,
    stage: Stage | None = None,
    progress: Progress | None = None,
    models: ModelsMode = "train",
) -> DemoResult:
    """Run the whole demo in `settings.home`; `stage` reports each step as it runs and
    `progress(description, total)` yields the generator's advance callback. `models` is
    the tag build's mode ("skip" builds no model tags: for strategies that need none)."""
    from cube.data.generator import generate
    from cube.spark import spark_session
    from tags.jobs.build import build_tags

    step = stage or (lambda name: nullcontext({}))
    settings = settings.model_copy(update={"snapshot_date": date})
    with step("prepare the demo home") as info:
        info["detail"] = str(prepare(settings))
    bar = progress or (lambda description, total: nullcontext(None))
    with step("generate operator data") as info, bar("subscribers", subscribers) as advance:
        generated = generate(settings.dir("raw"), settings.dir("truth"), subscribers=subscribers,
                             seed=seed, as_of=date, on_progress=advance)  # fmt: skip
        info["detail"] = f"{generated.subscribers:,} subscribers"
    built = build_tags(settings, models=models, on_stage=step)
    keys_file = provision_keys(settings, step)
    spark = spark_session(settings)
    days = [date + dt.timedelta(days=CYCLE_DAYS * i) for i in range(2)]
    common = {"keys_file": keys_file, "stage": step}
    first = run_cycle(spark, settings, index=1, run_date=days[0], seed=seed, **common)
    # The counterfactual first, from the state cycle 1 left, then the real cycle 2.
    baseline = run_baseline(spark, settings, index=2, run_date=days[1], seed=seed + 1, **common)
    second = run_cycle(spark, settings, index=2, run_date=days[1], seed=seed + 1, **common)
    return DemoResult(
        settings=settings,
        subscribers=generated.subscribers,
        own_network=generated.own_subscribers,
        tags=built.tags,
        models={m.name: round(m.auc, 3) for m in registry_models(settings, models)},
        build_seconds=built.seconds,
        cycles=[first, second],
        baseline=baseline,
    )


def registry_models(settings: Settings, models: ModelsMode) -> list[Any]:
    """The registry's models (none when the build skipped them)."""
    from tags.jobs.registry import load_registry

    return [] if models == "skip" else list(load_registry(settings).models)


def prepare(settings: Settings) -> Path:
    """Refuse a home that is not the demo's to take; clear the previous demo's state."""
    from cube.store.backend import sqlite_path

    database = sqlite_path(settings.database_url or "")
    if database is None:
        raise ConfigError(
            "the demo runs on the embedded SQLite store; unset CUBE_DATABASE_URL "
            "(it names another database) or point CUBE_HOME at an empty directory"
        )
    raw, truth = settings.dir("raw"), settings.dir("truth")
    if raw.is_dir() and any(raw.iterdir()) and not truth.is_dir():
        raise ConfigError(
            f"{raw} holds operator extracts (no generated truth beside them): the demo would "
            "replace them; point CUBE_HOME at an empty directory"
        )
    for path in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        path.unlink(missing_ok=True)
    shutil.rmtree(settings.dir("runs"), ignore_errors=True)
    shutil.rmtree(settings.dir("reports") / "evaluation", ignore_errors=True)
    (settings.home / KEYS_FILE).unlink(missing_ok=True)
    shutil.rmtree(settings.home / BASELINE_DIR, ignore_errors=True)
    return settings.home


def provision_keys(settings: Settings, stage: Stage) -> Path:
    """One scoped key per simulated site in the fresh store, and the keys file."""
    from cube.simulators.provision import provision
    from cube.store.store import open_store

    path = settings.home / KEYS_FILE
    with stage("create the touchpoint systems' keys") as info:
        store = open_store(settings)
        try:
            store.migrate()
            keys = provision(store, settings.dir("raw"), path)
        finally:
            store.close()
        info["detail"] = f"{sum(len(s.sites) for s in keys.systems)} site keys -> {path}"
    return path
