"""The model registry: which fitted propensity model each score tag uses.

One JSON file, `<models_dir>/registry.json`, lists every model of the last
successful training run with its version, data, held-out quality and where the
fitted Spark `PipelineModel` lives. It is replaced only as a whole (temp file +
rename), so a failed or interrupted training never leaves a half-written
registry and the previous models stay in service.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cube.atomic import write_text_atomic
from cube.errors import CubeError
from cube.settings import Settings

REGISTRY_FILE = "registry.json"
TRAIN_HINT = "run `cube tags build --models train` (or `cube models train`)"


class RegistryError(CubeError):
    """The model registry is missing, unreadable, or does not match the catalogue."""


class Imputation(BaseModel):
    """How one feature's nulls are filled before fitting and scoring."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["numeric", "boolean", "categorical"]
    fill: float | str = Field(description="Constant that replaces null (and NaN).")
    indicator: bool = Field(description="A 0/1 '<feature> is missing' column is added.")
    null_rate: float = Field(ge=0, le=1, description="Share of training rows that were null.")
    levels: int | None = Field(default=None, description="Distinct values (categorical only).")


class ModelEntry(BaseModel):
    """One trained model: identity, data, quality and location."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    trained_at: dt.datetime
    snapshot_date: dt.date
    algorithm: Literal["logistic", "gbt"]
    target_categories: tuple[str, ...]
    networks: tuple[str, ...]
    features: tuple[str, ...]
    imputation: dict[str, Imputation]
    train_rows: int
    test_rows: int
    train_positives: int
    test_positives: int
    auc: float = Field(description="Held-out area under the ROC curve.")
    floor: float = Field(description="settings.model_auc_floor at training time.")
    train_seconds: float = Field(description="Wall time of labelling, fitting and evaluation.")
    path: str = Field(description="Directory of the fitted Spark PipelineModel.")

    @property
    def positives(self) -> int:
        return self.train_positives + self.test_positives

    @property
    def rows(self) -> int:
        return self.train_rows + self.test_rows


class Registry(BaseModel):
    """Every model of one successful training run."""

    model_config = ConfigDict(extra="forbid")

    format: Literal[1] = 1
    trained_at: dt.datetime
    snapshot_date: dt.date
    models: list[ModelEntry] = Field(default_factory=list)

    def get(self, name: str) -> ModelEntry | None:
        return next((m for m in self.models if m.name == name), None)

    def names(self) -> list[str]:
        return [m.name for m in self.models]


def registry_path(settings: Settings) -> Path:
    return settings.dir("models") / REGISTRY_FILE


def load_registry(settings: Settings) -> Registry:
    """The current registry; a clear error when there is none or it is unreadable."""
    path = registry_path(settings)
    if not path.is_file():
        raise RegistryError(f"no trained models: {path} does not exist; {TRAIN_HINT}")
    try:
        return Registry.model_validate_json(path.read_text())
    except (ValidationError, ValueError) as exc:
        first = str(exc).splitlines()[0]
        raise RegistryError(f"{path}: unreadable model registry ({first}); {TRAIN_HINT}") from None


def load_registry_or_none(settings: Settings) -> Registry | None:
    """The current registry, or None when none has been written yet."""
    return load_registry(settings) if registry_path(settings).is_file() else None


def save_registry(registry: Registry, settings: Settings) -> Path:
    """Write the registry atomically: a temp file in the same directory, then rename."""
    path = registry_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(registry.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    write_text_atomic(path, text)
    return path


def prune_versions(settings: Settings, keep: Registry, previous: Registry | None) -> list[Path]:
    """Delete fitted-model directories no registry refers to (failed runs, old versions).

    The previous registry's models are kept too, so one rollback stays possible.
    """
    root = settings.dir("models")
    wanted = {Path(m.path).resolve() for r in (keep, previous) if r for m in r.models}
    removed = []
    for version_dir in sorted(root.glob("p_*/*")):
        if version_dir.is_dir() and version_dir.resolve() not in wanted:
            shutil.rmtree(version_dir, ignore_errors=True)
            removed.append(version_dir)
    return removed
