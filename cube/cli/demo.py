"""`cube demo`: the main job on embedded defaults, from nothing to published results.

Today it runs the user centre end to end: generate operator data, gate it, build
tags, train and score the propensity models, gate the tag table, publish. It is
safe to re-run: every step replaces its output atomically.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cube.cli.output import JSON_HELP, emit, out, progress, stage
from cube.settings import get_settings


def demo(
    subscribers: Annotated[int, typer.Option(help="Subscribers to generate.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed of the generated operator.")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Generate an operator, build its tags and models behind the quality gates, summarise."""
    from cube.data.generator import generate
    from tags.jobs.build import build_tags
    from tags.jobs.registry import load_registry

    settings = get_settings()
    with stage("generate operator data") as info, progress("subscribers", subscribers) as step:
        generated = generate(
            settings.dir("raw"),
            settings.dir("truth"),
            subscribers=subscribers,
            seed=seed,
            as_of=settings.snapshot_date,
            on_progress=step,
        )
        info["detail"] = f"{generated.subscribers:,} subscribers"
    built = build_tags(settings, models="train", on_stage=stage)
    registry = load_registry(settings)
    summary: dict[str, Any] = {
        "snapshot": settings.snapshot_date.isoformat(),
        "subscribers": generated.subscribers,
        "own_network": generated.own_subscribers,
        "other_network": generated.other_subscribers,
        "tags": built.tags,
        "models": {m.name: round(m.auc, 3) for m in registry.models},
        "seconds": built.seconds,
        "tag_table": str(built.tags_path),
        "quality_reports": str(settings.dir("reports") / "dq" / settings.snapshot_date.isoformat()),
    }

    def human() -> None:
        out.print(f"\n[bold]Strategy Cube demo[/bold], snapshot {summary['snapshot']}")
        out.print(
            f"  subscribers  {summary['subscribers']:,} "
            f"({summary['own_network']:,} own-network, {summary['other_network']:,} other)"
        )
        out.print(f"  tags         {summary['tags']} per subscriber -> {summary['tag_table']}")
        for name, auc in summary["models"].items():
            out.print(f"  model        {name:<22} held-out AUC {auc:.3f}")
        out.print(f"  quality      reports in {summary['quality_reports']}")
        out.print("\nNext: cube tags list --category lifecycle | cube tags graph --tag p_churn")

    emit(summary, as_json, human)
