"""Flow parameters shared by the flows, and the Settings they select.

Every parameter defaults to None, meaning "what the settings say" (CUBE_* of the
process that runs the flow; on the embedded set-up, everything under var/). An
operator overrides one from the UI or `prefect deployment run --param` without
touching the environment of the serving process.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cube.settings import Settings, get_settings


def settings_for(
    *,
    raw_dir: str | None = None,
    snapshot_date: dt.date | None = None,
    strategies_dir: str | None = None,
) -> Settings:
    """The process settings with the run's overrides applied (validated like the env)."""
    overrides: dict[str, Any] = {
        "raw_dir": Path(raw_dir) if raw_dir else None,
        "snapshot_date": snapshot_date,
        "strategies_dir": Path(strategies_dir) if strategies_dir else None,
    }
    chosen = {name: value for name, value in overrides.items() if value is not None}
    base = get_settings()
    if not chosen:
        return base
    # Re-validate from the base's explicit values so derived paths follow the override.
    given = base.model_dump(exclude_unset=True)
    return Settings(**(given | chosen))


def strategy_paths(paths: list[str] | None) -> list[Path] | None:
    """Strategy files or directories to match; None means the settings' strategies dir."""
    return [Path(p) for p in paths] if paths else None
