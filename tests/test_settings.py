"""Settings: one object, env prefix CUBE_, locations derived from home."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cube.settings import Settings


def test_locations_derive_from_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.dir("raw") == tmp_path / "raw"
    assert settings.dir("warehouse") == tmp_path / "warehouse"


def test_env_prefix_sets_every_knob(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUBE_HOME", str(tmp_path))
    monkeypatch.setenv("CUBE_RAW_DIR", str(tmp_path / "extracts"))
    monkeypatch.setenv("CUBE_SPARK_PROFILE", "cluster")
    monkeypatch.setenv("CUBE_SPARK_CONF", '{"spark.sql.shuffle.partitions": "8"}')
    monkeypatch.setenv("CUBE_MODEL_AUC_FLOOR", "0.7")
    settings = Settings()
    assert settings.dir("raw") == tmp_path / "extracts"
    assert settings.dir("truth") == tmp_path / "truth"
    assert settings.spark_profile == "cluster"
    assert settings.spark_conf == {"spark.sql.shuffle.partitions": "8"}
    assert settings.model_auc_floor == 0.7


def test_unknown_profile_is_rejected() -> None:
    with pytest.raises(ValidationError, match="spark_profile"):
        Settings(spark_profile="yarn")  # type: ignore[arg-type]


def test_unknown_field_is_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Settings(spark_profil="local")  # type: ignore[call-arg]
