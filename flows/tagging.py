"""The tags flow: get the operator's data (generate or ingest), gate it, build tags and models.

The engine does the work (`cube.data.generator.generate`, `tags.jobs.build.build_tags`,
whose quality gates run inside the build); the flow sequences it, retries transient
failures, and publishes the data-quality summary and the build summary as artifacts.
A failed gate publishes its report too, then fails the run without retrying.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.logging import get_run_logger

from cube.errors import InputError
from cube.settings import Settings
from flows import artifacts
from flows.parameters import settings_for
from flows.retry import TRANSIENT_RETRY
from flows.stages import log_stage

if TYPE_CHECKING:
    from tags.jobs.build import BuildReport

Source = Literal["auto", "generate", "ingest"]
Models = Literal["train", "score", "skip"]
EXTRACT_MARKER = "subscribers"
"""The contract table whose presence means the raw directory holds an extract."""


@task(name="prepare operator data", cache_policy=NO_CACHE, **TRANSIENT_RETRY)
def prepare_data(settings: Settings, source: Source, subscribers: int, seed: int) -> str:
    """Generate the operator's extract, or check there is one to ingest; says which."""
    raw = settings.dir("raw")
    present = (raw / EXTRACT_MARKER).exists()
    if source == "ingest" or (source == "auto" and present):
        if not present:
            raise InputError(
                f"{raw}: no operator extract to ingest (set the raw_dir parameter or "
                "CUBE_RAW_DIR, or run with source=generate)"
            )
        get_run_logger().info("ingesting the extract in %s", raw)
        return "ingest"
    from cube.data.generator import generate

    with log_stage("generate operator data") as info:
        report = generate(
            raw,
            settings.dir("truth"),
            subscribers=subscribers,
            seed=seed,
            as_of=settings.snapshot_date,
        )
        info["detail"] = f"{report.subscribers:,} subscribers in {raw}"
    return "generate"


@task(name="build tags", cache_policy=NO_CACHE, **TRANSIENT_RETRY)
def build(settings: Settings, models: Models, validate: bool) -> BuildReport:
    """Gate the inputs, compute tags (and models), gate the tags, publish the snapshot."""
    from cube.quality.gate import DataQualityError
    from tags.jobs.build import build_tags

    started = dt.datetime.now(dt.UTC)
    date = settings.snapshot_date
    try:
        report = build_tags(settings, models=models, validate=validate, on_stage=log_stage)
    except DataQualityError:
        artifacts.publish_quality(artifacts.quality_reports(settings, date, started))
        raise
    artifacts.publish_quality(artifacts.quality_reports(settings, date, started))
    artifacts.publish_build(report)
    return report


@flow(name="tags", log_prints=True)
def tags_flow(
    snapshot_date: dt.date | None = None,
    raw_dir: str | None = None,
    source: Source = "auto",
    subscribers: int = 100_000,
    seed: int = 7,
    models: Models = "train",
    quality_gates: bool = True,
) -> dict[str, object]:
    """Build the tag snapshot of `snapshot_date` (default: CUBE_SNAPSHOT_DATE, else today).

    source: "auto" ingests the extract in raw_dir and generates one only when there is
    none (the embedded set-up); "ingest" never generates (production); "generate"
    always writes a fresh generated operator of `subscribers` lines (seed `seed`).
    models: "train" fits the propensity models on this snapshot, "score" uses the
    registry's, "skip" builds no model scores. quality_gates: run the data-quality gates
    (off only to rebuild a snapshot whose failures an operator has accepted).
    """
    settings = settings_for(raw_dir=raw_dir, snapshot_date=snapshot_date)
    used = prepare_data(settings, source, subscribers, seed)
    report = build(settings, models, quality_gates)
    return {
        "snapshot": report.snapshot.isoformat(),
        "source": used,
        "subscribers": report.rows,
        "tags": report.tags,
        "tags_path": str(report.tags_path),
    }
