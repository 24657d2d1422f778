"""Tag and model definitions: what a tag is, independent of how Spark computes it.

A tag is computed either as an aggregate over one source table grouped by
subscriber (`source` set), or as a row expression over the subscriber-grain
frame and earlier tags. `compute` receives a `TagContext`, which hands out
pyspark columns only for declared inputs and tags, so the declared dependencies
are the real ones. This module never imports pyspark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

TagDType = Literal["string", "int", "double", "boolean", "date"]
TagCategory = Literal[
    "basic",
    "usage",
    "value",
    "lifecycle",
    "preference",
    "handset",
    "family",
    "contactability",
    "responsiveness",
    "other_network",
    "model",
]
TAG_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"

# Tables whose rows are one per subscriber: row tags may read their columns directly.
SUBSCRIBER_GRAIN = ("subscribers", "consent", "plans")
# Aggregate sources and the dimension tables joined onto them before grouping.
AGGREGATE_SOURCES: dict[str, tuple[str, ...]] = {
    "usage_daily": (),
    "billing_monthly": (),
    "holdings": ("products",),
    "contact_history": ("products",),
    "interactions": (),
}


class TagContext(Protocol):
    """What a tag's compute function may use (implemented by the Spark build)."""

    F: Any  # pyspark.sql.functions
    snapshot: Any  # Column: the snapshot date as a DATE literal

    def col(self, ref: str) -> Any:
        """A declared input ('table.column') or declared tag, as a Column."""


Compute = Callable[[TagContext], Any]


class TagSpec(BaseModel):
    """One tag of the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=TAG_NAME_PATTERN)
    dtype: TagDType
    description: str = Field(min_length=10)
    category: TagCategory
    owner: str
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    inputs: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    source: str | None = None
    fill: bool | int | float | str | None = Field(
        default=None,
        description="Aggregate tags: the value for a subscriber with no rows in the source "
        "(0 for counts and sums); None leaves it null.",
    )
    networks: tuple[Literal["own", "other"], ...] = ("own", "other")
    compute: Compute | None = Field(default=None, exclude=True, repr=False)

    @model_validator(mode="after")
    def _check_shape(self) -> TagSpec:
        if self.source is not None:
            if self.source not in AGGREGATE_SOURCES:
                raise ValueError(f"tag {self.name}: unknown aggregate source {self.source!r}")
            if self.depends_on:
                raise ValueError(f"tag {self.name}: aggregate tags cannot depend on other tags")
            readable = (self.source, *AGGREGATE_SOURCES[self.source])
        else:
            readable = SUBSCRIBER_GRAIN
            if self.fill is not None:
                raise ValueError(f"tag {self.name}: fill applies to aggregate tags only")
        for ref in self.inputs:
            table = ref.split(".", 1)[0]
            if "." not in ref or table not in readable:
                raise ValueError(
                    f"tag {self.name}: input {ref!r} is not readable here "
                    f"(allowed tables: {', '.join(readable)})"
                )
        if self.allowed is not None and self.dtype != "string":
            raise ValueError(f"tag {self.name}: allowed values need dtype string")
        return self

    @property
    def kind(self) -> Literal["aggregate", "row", "model"]:
        if self.category == "model":
            return "model"
        return "aggregate" if self.source else "row"

    def describe(self) -> dict[str, object]:
        """The catalogue entry as plain data (for --json and the docs)."""
        return self.model_dump(mode="json", exclude={"compute"}) | {"kind": self.kind}


class ModelSpec(BaseModel):
    """A propensity model trained on contact history and scored into tag `name`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^p_[a-z0-9_]+$")
    description: str = Field(min_length=10)
    owner: str
    target_categories: tuple[str, ...] = Field(
        min_length=1, description="Product categories whose acceptance is the positive label."
    )
    features: tuple[str, ...] = Field(min_length=2)
    algorithm: Literal["logistic", "gbt"] = "logistic"
    networks: tuple[Literal["own", "other"], ...] = ("own", "other")

    def as_tag(self) -> TagSpec:
        """The score column this model publishes into the tag table."""
        return TagSpec(
            name=self.name,
            dtype="double",
            description=self.description,
            category="model",
            owner=self.owner,
            min=0.0,
            max=1.0,
            depends_on=self.features,
            networks=self.networks,
        )


class TagSet:
    """A module's group of tags: `@tags.tag(...)` on a compute function registers one."""

    def __init__(self, category: TagCategory, owner: str):
        self.category = category
        self.owner = owner
        self.specs: list[TagSpec] = []

    def tag(
        self, name: str, dtype: TagDType, description: str, **fields: Any
    ) -> Callable[[Compute], Compute]:
        def register(fn: Compute) -> Compute:
            self.specs.append(
                TagSpec(
                    name=name,
                    dtype=dtype,
                    description=description,
                    category=fields.pop("category", self.category),
                    owner=fields.pop("owner", self.owner),
                    compute=fn,
                    **fields,
                )
            )
            return fn

        return register
