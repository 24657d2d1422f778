"""The input data contract: every table an operator's warehouse extract must provide.

One definition serves three readers: the data generator writes exactly these
schemas, the data-quality suites derive their expectations from them, and
docs/data-contract.md is rendered from them (a test keeps the doc in step).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DType = Literal["string", "int32", "int64", "float", "double", "boolean", "date", "timestamp"]

# The Spark SQL type each contract dtype is read as.
SPARK_TYPES: dict[DType, str] = {
    "string": "string",
    "int32": "int",
    "int64": "bigint",
    "float": "float",
    "double": "double",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "timestamp",
}

TOUCHPOINTS: tuple[str, ...] = ("outbound_call", "store_popup", "internet", "sms")
PRODUCT_CATEGORIES: tuple[str, ...] = (
    "light_addon",
    "finance",
    "terminal",
    "home_broadband",
    "content",
    "scenario",
    "retention",
    "membership",
)
NETWORKS: tuple[str, ...] = ("own", "other")
CARRIERS: tuple[str, ...] = ("own", "rival_a", "rival_b")
CONTACT_OUTCOMES: tuple[str, ...] = ("accepted", "declined", "no_answer", "ignored", "opted_out")
INTERACTION_CHANNELS: tuple[str, ...] = ("app", "store", "web")
INTERACTION_TOPICS: tuple[str, ...] = (
    "5g",
    "broadband",
    "handset",
    "content",
    "finance",
    "benefits",
    "general",
)


class ColumnSpec(BaseModel):
    """One column: type, meaning, and the rules the quality gate enforces."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    dtype: DType
    description: str
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None
    references: str | None = Field(
        default=None, description="'table.column' this column's values must exist in."
    )


class TableSpec(BaseModel):
    """One table of the contract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str
    grain: str
    key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    date_column: str | None = Field(
        default=None, description="Column whose latest value the freshness check reads."
    )
    dimension: bool = Field(
        default=False, description="Small reference table (no row-count drift check)."
    )

    def column(self, name: str) -> ColumnSpec:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name}.{name}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def column(name: str, dtype: DType, description: str, **rules: object) -> ColumnSpec:
    """A column spec; `rules` are ColumnSpec's optional fields (nullable, allowed, min, ...)."""
    return ColumnSpec(name=name, dtype=dtype, description=description, **rules)  # type: ignore[arg-type]


_c = column


_SUB = _c("subscriber_id", "int64", "Subscriber key.", references="subscribers.subscriber_id")
_TOUCHPOINT_CONSENT = tuple(
    _c(f"consent_{t}", "boolean", f"Subscriber agreed to be contacted via {t}.")
    for t in TOUCHPOINTS
)

REGIONS = TableSpec(
    name="regions",
    description="Organisation hierarchy province > city > county > grid. Ids are dotted paths, "
    "so a grid id starts with its county, city and province ids (prefix scoping).",
    grain="one row per grid",
    key=("grid_id",),
    dimension=True,
    columns=(
        _c("grid_id", "string", "Grid path, e.g. P1.C03.K021.G0412."),
        _c("grid_name", "string", "Grid display name."),
        _c("county_id", "string", "County path, e.g. P1.C03.K021."),
        _c("county_name", "string", "County display name."),
        _c("city_id", "string", "City path, e.g. P1.C03."),
        _c("city_name", "string", "City display name."),
        _c("province_id", "string", "Province id, e.g. P1."),
        _c("province_name", "string", "Province display name."),
    ),
)

PLANS = TableSpec(
    name="plans",
    description="Tariff plans own-network subscribers can hold.",
    grain="one row per plan",
    key=("plan_id",),
    dimension=True,
    columns=(
        _c("plan_id", "string", "Plan key."),
        _c("plan_name", "string", "Plan display name."),
        _c("monthly_fee", "double", "Monthly fee, CNY.", min=0),
        _c("data_gb", "double", "Included data per month, GB.", min=0),
        _c("voice_min", "int32", "Included voice minutes per month.", min=0),
        _c("is_5g", "boolean", "Plan includes 5G access."),
    ),
)

PRODUCTS = TableSpec(
    name="products",
    description="Products strategies can offer.",
    grain="one row per product",
    key=("product_id",),
    dimension=True,
    columns=(
        _c("product_id", "string", "Product key, e.g. LA-5GBOOST."),
        _c("product_name", "string", "Product display name."),
        _c("category", "string", "Product category.", allowed=PRODUCT_CATEGORIES),
        _c("family", "string", "Product family: a subscriber gets one offer per family a cycle."),
        _c("monthly_value", "double", "Monthly revenue to the operator once taken, CNY.", min=0),
        _c("commission", "double", "One-off channel commission per sale, CNY.", min=0),
        _c("network_scope", "string", "Who can take it.", allowed=("own", "other", "any")),
        _c("description", "string", "What the customer gets."),
    ),
)

PRODUCT_EXCLUSIONS = TableSpec(
    name="product_exclusions",
    description="Pairs of products a subscriber cannot hold together. Listed once per pair; "
    "the relation is symmetric.",
    grain="one row per excluding pair",
    key=("product_id", "excluded_product_id"),
    dimension=True,
    columns=(
        _c("product_id", "string", "First product.", references="products.product_id"),
        _c(
            "excluded_product_id",
            "string",
            "Product it excludes.",
            references="products.product_id",
        ),
    ),
)

SUBSCRIBERS = TableSpec(
    name="subscribers",
    description="Every subscriber under management: own-network (full data) and other-network "
    "(sparse data: region, carrier, observed handset, interactions). Region path on every row.",
    grain="one row per subscriber",
    key=("subscriber_id",),
    columns=(
        _c("subscriber_id", "int64", "Subscriber key (stable pseudonymous id)."),
        _c("network", "string", "own = our network; other = a rival's.", allowed=NETWORKS),
        _c("carrier", "string", "Carrier the line belongs to.", allowed=CARRIERS),
        _c("province_id", "string", "Province path.", references="regions.province_id"),
        _c("city_id", "string", "City path.", references="regions.city_id"),
        _c("county_id", "string", "County path.", references="regions.county_id"),
        _c("grid_id", "string", "Grid path.", references="regions.grid_id"),
        _c("age", "int32", "Age in years; null when unknown.", nullable=True, min=10, max=100),
        _c("gender", "string", "F or M; null when unknown.", nullable=True, allowed=("F", "M")),
        _c("status", "string", "Line status.", allowed=("active", "suspended")),
        _c("activation_date", "date", "Own-network: line activation.", nullable=True),
        _c(
            "plan_id",
            "string",
            "Own-network: current plan.",
            nullable=True,
            references="plans.plan_id",
        ),
        _c(
            "contract_end_date",
            "date",
            "Own-network: end of commitment; null if none.",
            nullable=True,
        ),
        _c("handset_brand", "string", "Handset brand (observed for other-network).", nullable=True),
        _c("handset_5g", "boolean", "Handset is 5G capable.", nullable=True),
        _c("handset_purchase_date", "date", "When the handset was first seen.", nullable=True),
        _c("has_broadband", "boolean", "Own-network: holds home broadband.", nullable=True),
        _c("family_id", "int64", "Own-network: family (shared plan) id.", nullable=True),
        _c(
            "family_role",
            "string",
            "Role in the family.",
            nullable=True,
            allowed=("head", "member"),
        ),
    ),
)

USAGE_DAILY = TableSpec(
    name="usage_daily",
    description="Own-network daily usage for the 30 days up to the snapshot date.",
    grain="one row per own-network subscriber and day",
    key=("subscriber_id", "usage_date"),
    date_column="usage_date",
    columns=(
        _SUB,
        _c("usage_date", "date", "Day of usage (UTC)."),
        _c("data_mb", "float", "Mobile data, MB.", min=0),
        _c("data_5g_mb", "float", "Of which on 5G cells, MB.", min=0),
        _c("voice_min", "float", "Voice minutes.", min=0),
        _c("sms_count", "int32", "SMS sent.", min=0),
        _c("video_mb", "float", "Video streaming traffic, MB.", min=0),
        _c("game_mb", "float", "Gaming traffic, MB.", min=0),
        _c("music_mb", "float", "Music streaming traffic, MB.", min=0),
    ),
)

BILLING_MONTHLY = TableSpec(
    name="billing_monthly",
    description="Own-network bills for the last 6 months.",
    grain="one row per own-network subscriber and month",
    key=("subscriber_id", "bill_month"),
    date_column="bill_month",
    columns=(
        _SUB,
        _c("bill_month", "date", "First day of the billed month."),
        _c("arpu", "double", "Revenue from the subscriber that month, CNY.", min=0),
        _c("arrears", "double", "Unpaid balance at month end, CNY.", min=0),
        _c("paid_on_time", "boolean", "Bill settled by its due date."),
    ),
)

HOLDINGS = TableSpec(
    name="holdings",
    description="Products each subscriber currently holds.",
    grain="one row per subscriber and held product",
    key=("subscriber_id", "product_id"),
    columns=(
        _SUB,
        _c("product_id", "string", "Held product.", references="products.product_id"),
        _c("start_date", "date", "When it was taken."),
    ),
)

CONSENT = TableSpec(
    name="consent",
    description="Marketing consent per touchpoint and do-not-disturb, own- and other-network.",
    grain="one row per subscriber",
    key=("subscriber_id",),
    columns=(
        _SUB,
        *_TOUCHPOINT_CONSENT,
        _c("do_not_disturb", "boolean", "Subscriber is on the do-not-disturb list: no outreach."),
        _c("updated_at", "date", "Last change of any flag."),
    ),
)

CONTACT_HISTORY = TableSpec(
    name="contact_history",
    description="Contacts of earlier campaigns and their responses (model training, "
    "frequency caps, responsiveness tags).",
    grain="one row per contact",
    key=("contact_id",),
    date_column="contact_ts",
    columns=(
        _c("contact_id", "string", "Contact key."),
        _SUB,
        _c("campaign_id", "string", "Campaign (strategy) that made the contact."),
        _c("product_id", "string", "Product offered.", references="products.product_id"),
        _c("touchpoint", "string", "Touchpoint used.", allowed=TOUCHPOINTS),
        _c("contact_ts", "timestamp", "When the contact happened (UTC)."),
        _c("outcome", "string", "Response.", allowed=CONTACT_OUTCOMES),
    ),
)

INTERACTIONS = TableSpec(
    name="interactions",
    description="Observed app, store and web interactions by topic (the main signal for "
    "other-network subscribers), last 30 days.",
    grain="one row per subscriber, day, channel and topic",
    key=("subscriber_id", "interaction_date", "channel", "topic"),
    date_column="interaction_date",
    columns=(
        _SUB,
        _c("interaction_date", "date", "Day of the interactions."),
        _c("channel", "string", "Where it was observed.", allowed=INTERACTION_CHANNELS),
        _c("topic", "string", "What it was about.", allowed=INTERACTION_TOPICS),
        _c("events", "int32", "Number of events that day.", min=1),
    ),
)

TABLES: tuple[TableSpec, ...] = (
    REGIONS,
    PLANS,
    PRODUCTS,
    PRODUCT_EXCLUSIONS,
    SUBSCRIBERS,
    USAGE_DAILY,
    BILLING_MONTHLY,
    HOLDINGS,
    CONSENT,
    CONTACT_HISTORY,
    INTERACTIONS,
)
TABLES_BY_NAME: dict[str, TableSpec] = {t.name: t for t in TABLES}


def table(name: str) -> TableSpec:
    """The contract of one table, by name."""
    return TABLES_BY_NAME[name]
