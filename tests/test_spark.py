"""The Spark session factory: profiles, placeholders, one session for everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from cube.errors import ConfigError
from cube.settings import Settings
from cube.spark import read_profile, resolve_conf


def test_local_profile_is_the_default_and_small_machine_friendly(tmp_path: Path) -> None:
    conf = resolve_conf(Settings(home=tmp_path))
    assert conf["spark.master"] == "local[*]"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert int(conf["spark.sql.shuffle.partitions"]) <= 8
    assert conf["spark.local.dir"] == f"{tmp_path.resolve()}/spark-tmp"


def test_cluster_profile_takes_the_master_url(tmp_path: Path) -> None:
    settings = Settings(
        home=tmp_path, spark_profile="cluster", spark_master_url="spark://127.0.0.1:7077"
    )
    assert resolve_conf(settings)["spark.master"] == "spark://127.0.0.1:7077"


def test_cluster_profile_without_url_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="set CUBE_SPARK_MASTER_URL"):
        resolve_conf(Settings(home=tmp_path, spark_profile="cluster"))


def test_overrides_win_over_the_profile(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, spark_conf={"spark.sql.shuffle.partitions": "3"})
    assert resolve_conf(settings)["spark.sql.shuffle.partitions"] == "3"


def test_malformed_profile_line_is_named(tmp_path: Path) -> None:
    profile = tmp_path / "broken.conf"
    profile.write_text("# comment\nspark.master\n")
    with pytest.raises(ConfigError) as caught:
        read_profile(profile)
    assert str(caught.value) == f"{profile}:2: expected 'key value', got 'spark.master'"


@pytest.mark.spark
def test_session_runs_in_utc_with_the_profile(spark) -> None:
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.range(5).count() == 5
