"""The strategy checker: every problem of every file in one run, then one verdict.

`compile_strategies` is what matching and the API use: structural and catalogue
checks, all errors raised at once as a DiagnosticError, compiled strategies back.
`check_strategies` is what `cube strategies check` shows: the same errors plus the
warnings (expiry, naming, data-based audience checks) and notes on checks not run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cube.errors import ConfigError, Diagnostic, DiagnosticError
from cube.products import ProductCatalogue, load_products
from cube.settings import Settings
from cube.strategy.compiled import CompiledStrategy
from cube.strategy.files import StrategyFile, read_strategy_file
from cube.strategy.report import CheckReport, Note
from cube.strategy.semantics import Catalogues
from cube.strategy.warnings import warn_expired, warn_naming

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def compile_strategies(
    paths: Sequence[Path] | None = None,
    *,
    settings: Settings,
    products: ProductCatalogue | None = None,
) -> list[CompiledStrategy]:
    """Check and compile strategy files (default: settings.strategies_dir/*.yaml).

    Raises DiagnosticError with every error of every file; warnings do not stop it.
    """
    files, _ = read_strategies(paths, settings=settings, products=products)
    errors = [d for f in files for d in f.diagnostics if d.severity == "error"]
    if errors:
        raise DiagnosticError(errors)
    return [f.compile() for f in files]


def check_strategies(
    paths: Sequence[Path] | None = None,
    *,
    settings: Settings,
    products: ProductCatalogue | None = None,
    data: bool = True,
    strict: bool = False,
    spark: SparkSession | None = None,
) -> CheckReport:
    """Errors, warnings and notes of strategy files; `data` runs the snapshot checks."""
    files, known = read_strategies(paths, settings=settings, products=products)
    for found in files:
        warn_expired(found, settings.snapshot_date)
        warn_naming(found, known)
    report = CheckReport(files=[f.display for f in files], strict=strict)
    if not data:
        report.notes.append(Note("N302", "data-based checks skipped (--no-data)"))
    elif files:
        from cube.strategy.data_checks import check_audience

        check_audience(files, known.products, settings, report, spark)
    diagnostics = [d for f in files for d in sorted(f.diagnostics, key=_place)]
    if strict:
        diagnostics = [dataclasses.replace(d, severity="error") for d in diagnostics]
    report.diagnostics = diagnostics
    return report


def read_strategies(
    paths: Sequence[Path] | None,
    *,
    settings: Settings,
    products: ProductCatalogue | None,
) -> tuple[list[StrategyFile], Catalogues]:
    """Every file read and checked on its own, then the duplicate-id check across files."""
    known = catalogues(settings, products)
    files = [read_strategy_file(p, display_path(p), known) for p in strategy_paths(paths, settings)]
    _check_duplicate_ids(files)
    return files, known


def strategy_paths(paths: Sequence[Path] | None, settings: Settings) -> list[Path]:
    """Files to check: given files, *.yaml of given directories, default the strategies dir.

    Only the directory's own *.yaml: policy/ and other subdirectories are not strategies.
    """
    if not paths:
        paths = [settings.strategies_dir]
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.glob("*.yaml") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise ConfigError(f"{path}: no such strategy file or directory")
    return list(dict.fromkeys(found))


def catalogues(settings: Settings, products: ProductCatalogue | None) -> Catalogues:
    """Tag types and networks from the catalogue, products from the extract."""
    from cube.catalogue import Catalogue
    from cube.dsl import TagType
    from cube.dsl.typecheck import TAG_TYPES

    specs = Catalogue.load().tags.values()
    return Catalogues(
        tags={s.name: TagType(TAG_TYPES[s.dtype], s.allowed) for s in specs},
        networks={s.name: tuple(s.networks) for s in specs},
        products=products if products is not None else load_products(settings.dir("raw")),
    )


def display_path(path: Path) -> str:
    """The path as the user would write it: relative to the working directory if inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check_duplicate_ids(files: list[StrategyFile]) -> None:
    """E122 on every file sharing an id, each pointing at the others."""
    by_id: dict[str, list[StrategyFile]] = {}
    for found in files:
        strategy_id = found.data.get("id") if isinstance(found.data, dict) else None
        if isinstance(strategy_id, str):
            by_id.setdefault(strategy_id, []).append(found)
    for strategy_id, group in by_id.items():
        if len(group) < 2:
            continue
        for found in group:
            assert found.positions is not None
            others = ", ".join(_where(o, ("id",)) for o in group if o is not found)
            message = f"strategy id '{strategy_id}' is also used in {others}"
            found.add(found.positions.diagnostic(found.positions.value(("id",)), "E122", message))


def _place(diagnostic: Diagnostic) -> tuple[int, int]:
    return diagnostic.line, diagnostic.col


def _where(found: StrategyFile, path: tuple[str | int, ...]) -> str:
    assert found.positions is not None
    mark = found.positions.value(path)
    return f"{found.display}:{mark.line}:{mark.col}"
