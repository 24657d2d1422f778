"""The cycle flow: tags, then match and load, then evaluate, as subflows of one run.

Each step is its own flow (its own deployment and schedule too), so the UI shows the
cycle as three child runs with their tasks and artifacts. A failed step fails the
cycle and the later steps do not run: matching on a snapshot that failed its gate, or
evaluating a run that was not loaded, would publish numbers nobody should act on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow

from flows.evaluation import evaluation_flow
from flows.matching import match_flow
from flows.tagging import Models, Source, tags_flow


@flow(name="cycle", log_prints=True)
def cycle_flow(
    snapshot_date: dt.date | None = None,
    raw_dir: str | None = None,
    source: Source = "auto",
    subscribers: int = 100_000,
    seed: int = 7,
    models: Models = "train",
    quality_gates: bool = True,
    strategies: list[str] | None = None,
    region: str | None = None,
    evaluate: bool = True,
) -> dict[str, Any]:
    """One marketing cycle on `snapshot_date` (default: CUBE_SNAPSHOT_DATE, else today).

    The parameters are those of the tags and match flows; `evaluate` also evaluates
    the run just loaded (its outcomes so far, usually none right after loading).
    """
    tags = tags_flow(
        snapshot_date=snapshot_date,
        raw_dir=raw_dir,
        source=source,
        subscribers=subscribers,
        seed=seed,
        models=models,
        quality_gates=quality_gates,
    )
    matched = match_flow(
        run_date=snapshot_date, raw_dir=raw_dir, strategies=strategies, region=region
    )
    evaluated = (
        evaluation_flow(run_id=matched["run_id"], as_of=snapshot_date, notify=False)
        if evaluate
        else None
    )
    return {"tags": tags, "match": matched, "evaluation": evaluated}
