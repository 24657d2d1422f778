"""The one Settings object. Every knob has an environment variable `CUBE_<NAME>`.

Nothing else in the project reads the environment for configuration; code asks
`get_settings()` and tests clear its cache after changing the environment.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Locations, Spark profile, model and data-quality thresholds."""

    model_config = SettingsConfigDict(env_prefix="CUBE_", extra="forbid", validate_default=True)

    home: Path = Field(
        default=PROJECT_ROOT / "var", description="Root of all data the cube writes."
    )
    raw_dir: Path | None = Field(
        default=None,
        description="Operator extracts (the data contract); default <home>/raw. "
        "Point this at a real operator's Parquet extracts.",
    )
    truth_dir: Path | None = Field(
        default=None,
        description="Hidden ground truth of generated data; default <home>/truth. "
        "Only the generator and the touchpoint simulators touch it.",
    )
    warehouse_dir: Path | None = Field(
        default=None, description="Tag snapshots and catalogue metadata; default <home>/warehouse."
    )
    models_dir: Path | None = Field(
        default=None, description="Model registry and fitted models; default <home>/models."
    )
    reports_dir: Path | None = Field(
        default=None, description="Data-quality and evaluation reports; default <home>/reports."
    )
    runs_dir: Path | None = Field(
        default=None, description="Match runs (work orders, holdout, funnel); default <home>/runs."
    )
    strategies_dir: Path = Field(
        default=PROJECT_ROOT / "strategies", description="Strategy files (*.yaml)."
    )
    policy_file: Path = Field(
        default=PROJECT_ROOT / "strategies" / "policy" / "contact.yaml",
        description="Contact policy: frequency caps, refusal pause, quiet hours, capacity.",
    )
    database_url: str | None = Field(
        default=None,
        description="Work-order store: sqlite:///path (default <home>/cube.db) or "
        "postgresql://user@host:port/db.",
    )
    store_lease_seconds: int = Field(
        default=300, ge=1, le=86_400, description="How long a leased work order stays reserved."
    )
    store_max_attempts: int = Field(
        default=3,
        ge=1,
        description="Leases that lapse unanswered before an order is dead-lettered.",
    )
    api_rate_per_second: float = Field(
        default=1000.0, ge=0, description="Requests per second per API key; 0 turns limiting off."
    )
    api_rate_burst: int = Field(default=2000, ge=1, description="Burst allowance per API key.")
    api_key_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="How long a server process trusts an API key it has checked: a key "
        "revoked elsewhere is refused there within this time; 0 checks every request.",
    )
    snapshot_date: dt.date = Field(
        default_factory=dt.date.today, description="Business date of the build (UTC)."
    )

    spark_profile: Literal["local", "cluster"] = Field(
        default="local", description="Which spark-conf/<profile>.conf every Spark entry point uses."
    )
    spark_conf_dir: Path = Field(default=PROJECT_ROOT / "spark-conf")
    spark_master_url: str | None = Field(
        default=None, description="Standalone master for the cluster profile, e.g. spark://h:7077."
    )
    spark_conf: dict[str, str] = Field(
        default_factory=dict, description="Extra Spark settings (JSON), applied over the profile."
    )

    model_auc_floor: float = Field(
        default=0.6, ge=0.5, le=1.0, description="A model below this held-out AUC fails the build."
    )
    dq_row_count_drift: float = Field(
        default=0.2,
        ge=0,
        description="Allowed relative change of a table's rows between snapshots.",
    )
    dq_freshness_days: int = Field(
        default=2, ge=0, description="Latest dated row must be at most this many days old."
    )

    @model_validator(mode="after")
    def _fill_dirs(self) -> Settings:
        """Derive unset locations from `home` so one variable moves everything."""
        for name, sub in (
            ("raw_dir", "raw"),
            ("truth_dir", "truth"),
            ("warehouse_dir", "warehouse"),
            ("models_dir", "models"),
            ("reports_dir", "reports"),
            ("runs_dir", "runs"),
        ):
            if getattr(self, name) is None:
                object.__setattr__(self, name, self.home / sub)
        if self.database_url is None:
            object.__setattr__(self, "database_url", f"sqlite:///{self.home / 'cube.db'}")
        return self

    def dir(self, name: Literal["raw", "truth", "warehouse", "models", "reports", "runs"]) -> Path:
        """A derived location, typed as a plain Path."""
        value = getattr(self, f"{name}_dir")
        assert value is not None
        return Path(value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
