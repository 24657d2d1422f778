"""The evaluation flow: evaluate a loaded match run (default the latest) against its outcomes.

`cube.evaluation.engine.evaluate_run` does the work (funnel, conversion, uplift, ROI,
routing feedback, alerts, report files); the flow picks the run, retries transient
store failures and publishes the results per strategy and touchpoint, the alerts and a
link to the report. Scheduled hourly, it completes with a note when no run is loaded.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.logging import get_run_logger

from cube.errors import ConfigError
from cube.settings import Settings
from flows import artifacts
from flows.parameters import settings_for
from flows.retry import TRANSIENT_RETRY
from flows.stages import log_stage

if TYPE_CHECKING:
    from cube.store import Store

FLOWS = "prefect-flow"


@task(name="evaluate run", cache_policy=NO_CACHE, **TRANSIENT_RETRY)
def evaluate(
    settings: Settings, run_id: str | None, as_of: dt.date | None, notify: bool
) -> dict[str, Any] | None:
    """Evaluate `run_id` (default: the run loaded last); None when no run is loaded yet."""
    from cube.store.store import open_store

    evaluate_run = _engine()
    store = open_store(settings)
    try:
        run_id = run_id or _latest_run(store)
        if run_id is None:
            return _nothing_loaded()
        store.check_schema()
        with log_stage(f"evaluate {run_id}") as info:
            result = evaluate_run(settings, run_id, store=store, as_of=as_of, notify=notify)
            info["detail"] = f"{len(result.metrics):,} metric rows"
    finally:
        store.close()
    artifacts.publish_evaluation(result.summary, result.path)
    return result.summary | {"path": str(result.path)}


def _latest_run(store: Store) -> str | None:
    """The run loaded into the store last; None on a fresh (even unmigrated) store."""
    from cube.store.model import Principal

    if store.schema_version()[0] == 0:
        return None
    runs = store.runs(Principal(key_id=FLOWS, name="flows", admin=True))
    return max(runs, key=lambda r: (r.loaded_at, r.run_id)).run_id if runs else None


def _nothing_loaded() -> None:
    """An hourly run before the first match: complete, and say why nothing happened."""
    get_run_logger().info("no match run loaded yet: nothing to evaluate")
    artifacts.publish_note(artifacts.EVALUATION, "No match run loaded yet: nothing to evaluate.")


def _engine() -> Any:
    """The evaluation centre's entry point, imported when the flow runs."""
    try:
        from cube.evaluation.engine import evaluate_run
    except ImportError as exc:
        raise ConfigError(
            f"the evaluation centre is not installed (cube.evaluation.engine: {exc})"
        ) from exc
    return evaluate_run


@flow(name="evaluation", log_prints=True)
def evaluation_flow(
    run_id: str | None = None,
    as_of: dt.date | None = None,
    notify: bool = True,
) -> dict[str, Any] | None:
    """Evaluate a match run's outcomes so far.

    run_id: the run to evaluate (default: the run loaded into the store last).
    as_of: evaluation date (default: CUBE_SNAPSHOT_DATE, else today).
    notify: post alert breaches to the configured webhook.
    """
    settings = settings_for(snapshot_date=as_of)
    return evaluate(settings, run_id, as_of, notify)
