"""The one Spark session factory. Every Spark entry point goes through `spark_session`.

The profile (spark-conf/<profile>.conf, spark-defaults format) is chosen by
`Settings.spark_profile`; `{placeholders}` in values are filled from settings, and
`Settings.spark_conf` overrides single keys. pyspark is imported lazily so the
rest of the engine loads without a JVM.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cube.errors import ConfigError
from cube.settings import Settings, get_settings

# Aggregates per Spark aggregation. Past ~100 in one aggregation Spark drops whole-stage
# code generation and evaluates them all through one huge projection (measured ~1.7x the
# CPU for the tag gate's checks, ~3.5x for the tag profile), so callers chunk.
AGGREGATES_PER_PASS = 60

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def read_profile(path: Path) -> dict[str, str]:
    """Parse a spark-defaults style file: `key value` per line, `#` comments."""
    if not path.is_file():
        raise ConfigError(f"{path}: Spark profile not found")
    conf: dict[str, str] = {}
    for lineno, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) != 2:
            raise ConfigError(f"{path}:{lineno}: expected 'key value', got {line!r}")
        conf[parts[0]] = parts[1].strip()
    return conf


def resolve_conf(settings: Settings) -> dict[str, str]:
    """The effective Spark configuration for the chosen profile, placeholders filled."""
    path = settings.spark_conf_dir / f"{settings.spark_profile}.conf"
    conf = read_profile(path)
    values = {
        "home": str(settings.home.resolve()),
        "python": sys.executable,
        "spark_master_url": settings.spark_master_url or "",
        "spark_conf_dir": str(settings.spark_conf_dir.resolve()),
    }
    resolved: dict[str, str] = {}
    for key, value in conf.items():
        try:
            resolved[key] = value.format(**values)
        except KeyError as exc:
            raise ConfigError(f"{path}: {key} uses unknown placeholder {exc}") from None
    if not resolved.get("spark.master"):
        raise ConfigError(
            f"{path}: spark.master is empty; set CUBE_SPARK_MASTER_URL "
            "(e.g. spark://127.0.0.1:7077) for the cluster profile"
        )
    resolved.update(settings.spark_conf)
    return resolved


def spark_session(settings: Settings | None = None) -> SparkSession:
    """Get or create the process's Spark session for the configured profile."""
    settings = settings or get_settings()
    conf = resolve_conf(settings)
    # Executors must run the same interpreter as the driver (the project's venv).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if conf.get("spark.driver.bindAddress", "").startswith("127."):
        # Stops Spark warning that the hostname resolves to loopback on every start.
        os.environ.setdefault("SPARK_LOCAL_IP", conf["spark.driver.bindAddress"])
    for key in ("spark.local.dir", "spark.sql.warehouse.dir"):
        if key in conf and "://" not in conf[key]:
            Path(conf[key]).mkdir(parents=True, exist_ok=True)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop_spark() -> None:
    """Stop the active session, if any (tests that switch profiles need a fresh JVM conf)."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
