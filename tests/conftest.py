"""Shared fixtures: isolated settings, one Spark session per test run, small operator data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from cube.settings import Settings, get_settings

AS_OF = dt.date(2026, 11, 1)
SMALL_SUBSCRIBERS = 3000
SMALL_SEED = 11

# Small JVM and few partitions: the test data is tiny and CI has 2 cores.
TEST_SPARK_CONF = {
    "spark.driver.memory": "2g",
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
}


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings whose every location is under a fresh temporary home."""
    monkeypatch.setenv("CUBE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CUBE_SNAPSHOT_DATE", AS_OF.isoformat())
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory):
    """One local Spark session for the whole run (JVM start is the expensive part)."""
    from cube.spark import spark_session

    home = tmp_path_factory.mktemp("spark-home")
    session = spark_session(Settings(home=home, spark_conf=TEST_SPARK_CONF))
    yield session
    session.stop()


@pytest.fixture(scope="session")
def operator_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding generated operator data (raw + truth); read-only for tests."""
    from cube.data.generator import generate

    home = tmp_path_factory.mktemp("operator")
    generate(
        home / "raw",
        home / "truth",
        subscribers=SMALL_SUBSCRIBERS,
        seed=SMALL_SEED,
        as_of=AS_OF,
    )
    return home


@pytest.fixture
def operator_settings(
    operator_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings reading the shared generated data and writing under a fresh home."""
    monkeypatch.setenv("CUBE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CUBE_RAW_DIR", str(operator_home / "raw"))
    monkeypatch.setenv("CUBE_TRUTH_DIR", str(operator_home / "truth"))
    monkeypatch.setenv("CUBE_SNAPSHOT_DATE", AS_OF.isoformat())
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
