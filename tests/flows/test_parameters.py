"""Flow parameters override single settings; derived locations follow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cube.settings import Settings
from flows.parameters import settings_for, strategy_paths


def test_no_override_is_the_process_settings(settings: Settings) -> None:
    assert settings_for() is settings


def test_overrides_apply_and_keep_the_rest(settings: Settings, tmp_path: Path) -> None:
    chosen = settings_for(
        raw_dir=str(tmp_path / "extract"),
        snapshot_date=dt.date(2026, 11, 2),
        strategies_dir=str(tmp_path / "strategies"),
    )
    assert chosen.dir("raw") == tmp_path / "extract"
    assert chosen.snapshot_date == dt.date(2026, 11, 2)
    assert chosen.strategies_dir == tmp_path / "strategies"
    assert chosen.home == settings.home
    assert chosen.dir("warehouse") == settings.home / "warehouse"
    assert chosen.database_url == settings.database_url


def test_strategy_paths() -> None:
    assert strategy_paths(None) is None
    assert strategy_paths([]) is None
    assert strategy_paths(["a.yaml", "dir"]) == [Path("a.yaml"), Path("dir")]
