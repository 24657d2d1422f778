"""Warnings about how a strategy is declared: expired but active, naming rule.

They read the raw data, so a file with errors elsewhere still gets them; a value
of the wrong type just skips the warning that needs it (validation reports it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cube.strategy import naming
from cube.strategy.files import StrategyFile
from cube.strategy.semantics import Catalogues


def warn_expired(found: StrategyFile, today: dt.date) -> None:
    """W201: marked active (the default), but the window ended before the business date."""
    data, positions = found.data, found.positions
    if not isinstance(data, dict) or positions is None:
        return
    window = _window(data)
    if data.get("status", "active") != "active" or window is None:
        return
    end = window[1]
    if end >= today:
        return
    message = f"strategy is marked active but its window ended on {end} (business date {today})"
    hint = "set status: paused, or move active.to"
    mark = positions.value(("active", "to"))
    found.add(positions.diagnostic(mark, "W201", message, severity="warning", hint=hint))


def warn_naming(found: StrategyFile, known: Catalogues) -> None:
    """W202 / W203: id and name must say business, product and period."""
    data, positions = found.data, found.positions
    if not isinstance(data, dict) or positions is None:
        return
    cube = data.get("cube")
    line = cube.get("business_line") if isinstance(cube, dict) else None
    if not isinstance(line, str) or line not in naming.BUSINESS_WORDS:
        return
    offered = [known.products[p] for p in _products(data) if p in known.products]
    words = naming.product_words(offered)
    window = _window(data)
    strategy_id, name = data.get("id"), data.get("name")
    checks = []
    if isinstance(strategy_id, str):
        problems = naming.id_problems(strategy_id, line, words, window)
        checks.append(("id", "W202", problems, naming.ID_RULE))
    if isinstance(name, str):
        problems = naming.name_problems(name, line, words, window)
        checks.append(("name", "W203", problems, naming.NAME_RULE))
    for key, code, problems, rule in checks:
        if problems:
            message = f"{key} does not follow the naming rule: " + "; ".join(problems)
            mark = positions.value((key,))
            found.add(positions.diagnostic(mark, code, message, severity="warning", hint=rule))


def _window(data: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The active window if it is two dates in order."""
    active = data.get("active")
    if not isinstance(active, dict):
        return None
    start, end = active.get("from"), active.get("to")
    # A reversed window is an error (E123); warnings that need the window skip it.
    if isinstance(start, dt.date) and isinstance(end, dt.date) and start <= end:
        return start, end
    return None


def _products(data: dict[str, Any]) -> list[str]:
    offers = data.get("offers")
    if not isinstance(offers, list):
        return []
    return [
        o["product"] for o in offers if isinstance(o, dict) and isinstance(o.get("product"), str)
    ]
