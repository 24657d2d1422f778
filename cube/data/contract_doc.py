"""The data contract as documents: Markdown for docs/data-contract.md, a dict for --json.

Both are rendered from `cube.contract`, never written by hand; a test asserts the
committed Markdown equals `render_markdown()`, so the document cannot drift from the code.
"""

from __future__ import annotations

from typing import Any

from cube.contract import (
    CARRIERS,
    CONTACT_OUTCOMES,
    INTERACTION_CHANNELS,
    INTERACTION_TOPICS,
    NETWORKS,
    PRODUCT_CATEGORIES,
    TABLES,
    TOUCHPOINTS,
    ColumnSpec,
    TableSpec,
)

ENUMERATIONS: dict[str, tuple[str, ...]] = {
    "networks": NETWORKS,
    "carriers": CARRIERS,
    "touchpoints": TOUCHPOINTS,
    "product categories": PRODUCT_CATEGORIES,
    "contact outcomes": CONTACT_OUTCOMES,
    "interaction channels": INTERACTION_CHANNELS,
    "interaction topics": INTERACTION_TOPICS,
}
# Contract type -> (Parquet physical/logical type, Spark SQL type).
TYPE_MAPPING: dict[str, tuple[str, str]] = {
    "string": ("BYTE_ARRAY (STRING, UTF-8)", "string"),
    "int32": ("INT32", "int"),
    "int64": ("INT64", "bigint"),
    "float": ("FLOAT (32-bit)", "float"),
    "double": ("DOUBLE (64-bit)", "double"),
    "boolean": ("BOOLEAN", "boolean"),
    "date": ("INT32 (DATE, days since 1970-01-01)", "date"),
    "timestamp": ("INT64 (TIMESTAMP, microseconds, UTC-adjusted)", "timestamp"),
}

INTRO = """\
# Data contract

<!-- Generated from cube/contract.py by `cube data contract --markdown`. Do not edit by hand:
a test fails when this file and the rendering differ. -->

Every table an operator's warehouse extract must provide, with the rules the data-quality
gate enforces. The same definition (`cube/contract.py`) drives the synthetic data generator
(`cube data generate`), the quality suites and this page, so they cannot disagree.

## Layout and conventions

- **Location.** One directory per table under `CUBE_RAW_DIR` (default `var/raw`):
  `<raw>/<table>/*.parquet`, any number of Parquet parts, columns named and typed as below
  (the generator also writes them in this order).
- **Nulls.** A column not marked nullable must hold no nulls (the generator writes such
  columns as Parquet `REQUIRED`). Nullable columns say when they are null.
- **Keys and references.** The key columns of a table are unique together. A column with a
  reference holds only values present in the referenced column.
- **Dates and times.** Dates are calendar dates; timestamps are UTC, microsecond precision.
  The snapshot date (`CUBE_SNAPSHOT_DATE`) is the business date of the extract: daily usage and
  interactions cover the 30 days up to and including it; bills cover the 6 full months before
  the snapshot's month; contact history holds the earlier campaigns' contacts before it.
- **State is as of the snapshot.** Subscriber attributes, holdings and consent show the state
  on the snapshot date, after the contact history: a line that accepted a broadband offer in
  the history now has `has_broadband = true`. Features for a model of a product family should
  not read the holdings of that same family.
- **Regions.** Ids are dotted paths (`P1.C03.K021.G0412`): a grid id starts with its county,
  city and province ids, so a prefix selects a whole organisation unit.
- **Networks.** `own` lines (our subscribers) have full data: plan, usage, bills, holdings,
  family. `other` lines (rivals' subscribers under management) carry region, carrier, what we
  observed of the handset, consent and interactions; their own-network columns are null and
  they have no usage, billing or holdings rows.
- **Households.** Home broadband is a household product: every line of a family holds it and
  carries `has_broadband = true`; it is billed to the family head.
"""

TYPES_SECTION = """\
## Types

| contract type | Parquet | Spark |
|---|---|---|
"""

GENERATED_SECTION = """\
## Generated data

`cube data generate --subscribers N --seed S` writes every table above for a synthetic
provincial operator (about 40 % own-network lines), deterministic for a seed. The responses in
`contact_history` are drawn from a hidden ground truth (per-subscriber propensities and
touchpoint effects) written to `CUBE_TRUTH_DIR`, which is not part of this contract: the
pipeline never reads it; only the touchpoint simulators and the evaluation's correctness tests
do (`cube.data.truth`).
"""


def render_markdown() -> str:
    """The whole docs/data-contract.md."""
    parts = [INTRO, _types(), _enumerations(), _overview()]
    parts += [_table_section(spec) for spec in TABLES]
    parts.append(GENERATED_SECTION)
    return "\n".join(parts)


def contract_dict() -> dict[str, Any]:
    """The contract as plain data (what `cube data contract --json` prints)."""
    return {
        "tables": [spec.model_dump(mode="json") for spec in TABLES],
        "enumerations": {name: list(values) for name, values in ENUMERATIONS.items()},
        "types": {
            dtype: {"parquet": parquet, "spark": spark}
            for dtype, (parquet, spark) in TYPE_MAPPING.items()
        },
    }


def rules(col: ColumnSpec, quote: str = "`") -> str:
    """A column's quality rules in a few words; names wrapped in `quote` (Markdown code)."""
    out = []
    if col.allowed is not None:
        out.append("one of " + ", ".join(f"{quote}{v}{quote}" for v in col.allowed))
    if col.min is not None:
        out.append(f">= {_number(col.min)}")
    if col.max is not None:
        out.append(f"<= {_number(col.max)}")
    if col.references is not None:
        out.append(f"in {quote}{col.references}{quote}")
    return "; ".join(out)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _types() -> str:
    rows = [f"| `{t}` | {parquet} | `{spark}` |" for t, (parquet, spark) in TYPE_MAPPING.items()]
    return TYPES_SECTION + "\n".join(rows) + "\n"


def _enumerations() -> str:
    lines = ["## Enumerations", ""]
    for name, values in ENUMERATIONS.items():
        lines.append(f"- **{name}**: " + ", ".join(f"`{v}`" for v in values))
    return "\n".join(lines) + "\n"


def _overview() -> str:
    lines = ["## Tables", "", "| table | grain | key | kind |", "|---|---|---|---|"]
    for spec in TABLES:
        kind = "dimension" if spec.dimension else "fact"
        key = ", ".join(f"`{k}`" for k in spec.key)
        lines.append(f"| [`{spec.name}`](#{spec.name}) | {spec.grain} | {key} | {kind} |")
    return "\n".join(lines) + "\n"


def _table_section(spec: TableSpec) -> str:
    lines = [f"### {spec.name}", "", _escape(spec.description), ""]
    lines.append(f"- grain: {spec.grain}")
    lines.append("- key: " + ", ".join(f"`{k}`" for k in spec.key))
    if spec.date_column:
        lines.append(f"- freshness column: `{spec.date_column}`")
    lines += ["", "| column | type | nullable | rules | description |", "|---|---|---|---|---|"]
    for col in spec.columns:
        nullable = "yes" if col.nullable else "no"
        lines.append(
            f"| `{col.name}` | `{col.dtype}` | {nullable} | {rules(col)} | "
            f"{_escape(col.description)} |"
        )
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    """Keep table cells intact."""
    return text.replace("|", "\\|")
