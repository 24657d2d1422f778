"""`cube models list`: the registry for people and for machines (no Spark needed)."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from cube.cli import models as models_cli
from cube.settings import Settings
from tags.jobs.registry import Imputation, ModelEntry, Registry, RegistryError, save_registry

TRAINED_AT = dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)


def _entry(name: str, auc: float) -> ModelEntry:
    return ModelEntry(
        name=name,
        version="20261101-0123abcd",
        trained_at=TRAINED_AT,
        snapshot_date=dt.date(2026, 11, 1),
        algorithm="logistic",
        target_categories=("content",),
        networks=("own", "other"),
        features=("video_share", "age_band"),
        imputation={
            "video_share": Imputation(kind="numeric", fill=0.0, indicator=True, null_rate=0.1),
            "age_band": Imputation(
                kind="categorical", fill="(missing)", indicator=False, null_rate=0.0, levels=5
            ),
        },
        train_rows=8000,
        test_rows=2000,
        train_positives=800,
        test_positives=200,
        auc=auc,
        floor=0.6,
        path=f"/models/{name}/20261101-0123abcd",
        train_seconds=12.5,
    )


def test_list_json_shows_every_registry_field(settings: Settings) -> None:
    registry = Registry(
        trained_at=TRAINED_AT,
        snapshot_date=dt.date(2026, 11, 1),
        models=[_entry("p_content", 0.71), _entry("p_retention", 0.66)],
    )
    save_registry(registry, settings)

    result = CliRunner().invoke(models_cli.app, ["list", "--json"])

    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [m["name"] for m in listed["models"]] == ["p_content", "p_retention"]
    first = listed["models"][0]
    assert first["auc"] == 0.71 and first["floor"] == 0.6
    assert first["rows"] == 10000 and first["positives"] == 1000
    assert first["features"] == ["video_share", "age_band"]
    assert first["snapshot_date"] == "2026-11-01" and first["version"] == "20261101-0123abcd"


def test_list_for_people_is_a_table(settings: Settings) -> None:
    registry = Registry(
        trained_at=TRAINED_AT, snapshot_date=dt.date(2026, 11, 1), models=[_entry("p_x", 0.7)]
    )
    save_registry(registry, settings)

    result = CliRunner().invoke(models_cli.app, ["list"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    assert "p_x" in result.stdout and "0.700" in result.stdout and "10,000" in result.stdout


def test_list_without_registry_says_how_to_train(settings: Settings) -> None:
    result = CliRunner().invoke(models_cli.app, ["list", "--json"])

    assert isinstance(result.exception, RegistryError)
    assert "run `cube tags build --models train` (or `cube models train`)" in str(result.exception)
