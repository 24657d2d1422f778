"""`cube tags` commands: build the tag snapshot, list the catalogue, show the dependency graph.

`list` and `graph` need no Spark: the catalogue is plain Python (tags/).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cube.catalogue import Catalogue, DependencyGraph
from cube.catalogue.spec import TagCategory
from cube.cli.output import JSON_HELP, date_option, emit, err, out, stage
from cube.errors import ConfigError, did_you_mean
from cube.settings import get_settings

app = typer.Typer(no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
CATEGORIES: tuple[str, ...] = TagCategory.__args__  # type: ignore[attr-defined]


class ModelsMode(StrEnum):
    score = "score"
    train = "train"
    skip = "skip"


class GraphFormat(StrEnum):
    text = "text"
    dot = "dot"
    json = "json"


@app.command("build")
def build(
    snapshot_date: Annotated[
        dt.datetime | None,
        date_option(
            "--snapshot-date",
            "Business date of the snapshot (default: CUBE_SNAPSHOT_DATE, else today).",
        ),
    ] = None,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Skip the data-quality gates.")
    ] = False,
    models: Annotated[
        ModelsMode,
        typer.Option(
            "--models",
            help="score: with the trained models; train: refit them first; skip: no scores.",
        ),
    ] = ModelsMode.score,
    as_json: JsonOpt = False,
) -> None:
    """Compute every tag for every subscriber and publish the snapshot to the warehouse."""
    from tags.jobs.build import build_tags

    report = build_tags(
        get_settings(),
        snapshot_date=snapshot_date.date() if snapshot_date else None,
        validate=not no_validate,
        models=models.value,
        on_stage=stage,
    )
    data = report.model_dump(mode="json")
    emit(data, as_json, lambda: _show_build(data))


def _show_build(report: dict[str, Any]) -> None:
    total = sum(report["seconds"].values())
    out.print(
        f"snapshot {report['snapshot']}: {report['rows']:,} subscribers x {report['tags']} tags "
        f"in {total:.1f}s"
    )
    out.print(f"  tags      {report['tags_path']}")
    out.print(f"  metadata  {report['metadata_path']}")


@app.command("list")
def list_tags(
    category: Annotated[
        str | None, typer.Option("--category", help=f"Only one of: {', '.join(CATEGORIES)}.")
    ] = None,
    as_json: JsonOpt = False,
    markdown: Annotated[
        bool,
        typer.Option("--markdown", help="Print the reference block of docs/tags.md instead."),
    ] = False,
) -> None:
    """The tag catalogue; with the latest snapshot's statistics once one is built."""
    from tags.jobs.publish import SnapshotNotFoundError, load_metadata

    if markdown:
        from tags.jobs.reference import render_reference

        typer.echo(render_reference(Catalogue.load()), nl=False)
        return
    entries = Catalogue.load().describe()
    if category is not None:
        _check_category(category)
        entries = [e for e in entries if e["category"] == category]
    try:
        metadata: dict[str, Any] | None = load_metadata(get_settings().dir("warehouse"))
    except SnapshotNotFoundError:
        metadata = None
    if metadata is not None:
        for entry in entries:
            entry["stats"] = metadata["tags"].get(str(entry["name"]))
    data = {"snapshot_date": metadata["snapshot_date"] if metadata else None, "tags": entries}
    emit(data, as_json, lambda: _show_list(data))


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        hint = did_you_mean(category, CATEGORIES)
        suffix = f" (did you mean '{hint}'?)" if hint else ""
        raise ConfigError(f"unknown category '{category}'{suffix}")


def _show_list(data: dict[str, Any]) -> None:
    built = data["snapshot_date"] is not None
    title = f"snapshot {data['snapshot_date']}" if built else "not built yet: cube tags build"
    table = Table(title=f"{len(data['tags'])} tags ({title})", title_justify="left")
    table.add_column("tag", no_wrap=True)
    for header in ("category", "type", "networks", "description"):
        table.add_column(header)
    if built:
        table.add_column("null share", justify="right")
        table.add_column("distinct", justify="right")
    for entry in data["tags"]:
        cells = [
            entry["name"],
            entry["category"],
            entry["dtype"],
            "+".join(entry["networks"]),
            entry["description"],
        ]
        if built:
            stats = entry.get("stats") or {}
            share = stats.get("null_share")
            cells += [
                "-" if share is None else f"{share:.1%}",
                str(stats.get("distinct_count", "-")),
            ]
        table.add_row(*cells)
    out.print(table)


@app.command("graph")
def graph(
    tag: Annotated[
        str | None,
        typer.Option("--tag", help="Only this tag, model or input ('table.column') and its links."),
    ] = None,
    dependents: Annotated[
        bool,
        typer.Option(
            "--dependents", help="With --tag: what depends on it (default: what it needs)."
        ),
    ] = False,
    fmt: Annotated[GraphFormat, typer.Option("--format", help="Output format.")] = GraphFormat.text,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The dependency graph of inputs, tags and models: all of it, or one tag's neighbourhood."""
    full = Catalogue.load().graph
    if tag is None:
        names = _all_nodes(full)
        direction = None
    else:
        related = full.dependents(tag) if dependents else full.dependencies(tag)
        names = {tag, *related}
        direction = "dependents" if dependents else "dependencies"
    sub = _subgraph(full, names)
    fmt = GraphFormat.json if as_json else fmt
    if fmt is GraphFormat.json:
        import json

        data = {"tag": tag, "direction": direction, "order": sub.order(), **sub.to_dict()}
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif fmt is GraphFormat.dot:
        text = sub.to_dot()
    else:
        text = _as_text(sub, tag, direction)
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.write_text(text)
        err.print(f"wrote {out_file} ({len(names)} nodes)")


def _all_nodes(graph: DependencyGraph) -> set[str]:
    return set(graph.order())


def _subgraph(graph: DependencyGraph, names: set[str]) -> DependencyGraph:
    """The nodes `names` with the edges among them."""
    sub = DependencyGraph()
    for name in names:
        sub.add(name, graph.kind(name))
    for name in names:
        sub.depend(name, [d for d in graph.direct_dependencies(name) if d in names])
    return sub


def _as_text(graph: DependencyGraph, tag: str | None, direction: str | None) -> str:
    """One line per tag or model in build order: `name (kind) <- what it reads`."""
    order = graph.order()
    lines = []
    if tag is not None:
        what = "depends on" if direction == "dependencies" else "is needed by"
        lines.append(f"{tag} {what} {len(order) - 1} node(s):")
    for name in order:
        kind = graph.kind(name)
        if kind == "input":
            if tag is not None:
                lines.append(f"  {name} (input)")
            continue
        needs = graph.direct_dependencies(name)
        suffix = f" <- {', '.join(needs)}" if needs else ""
        lines.append(f"  {name} ({kind}){suffix}")
    return "\n".join(lines) + "\n"
