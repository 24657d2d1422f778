"""Severity policy of the data-quality gates: what blocks a build and what only warns.

One place, so docs/data-quality.md and the suites cannot drift apart. The rule of
thumb: anything that makes downstream tags *wrong* (broken keys, missing columns,
impossible values, ids that join to nothing) is critical; anything that makes them
*thinner* (rare nulls, a stray category value, a soft table arriving late, volume
moving a bit) is a warning that lands in the report.
"""

from __future__ import annotations

from typing import Literal

Severity = Literal["critical", "warning"]

CheckKind = Literal[
    "table_present",
    "column_present",
    "column_type",
    "not_empty",
    "key_not_null",
    "key_unique",
    "not_null",
    "in_set",
    "reference",
    "non_negative",
    "in_range",
    "row_count_drift",
    "freshness",
    "tag_present",
    "null_share",
]

# Tiered checks fail as a warning on any violation and as critical once the violating
# share of (non-null) rows exceeds RARE_SHARE: a handful of odd rows in millions should
# not stop the daily build, a broken extract should.
RARE_SHARE = 0.01
TIERED: frozenset[str] = frozenset({"not_null", "in_set", "in_range"})

# Fixed severities. Keys, structure, negative money/volumes and unknown regions or
# products corrupt every tag built on them, whatever their share.
FIXED: dict[str, Severity] = {
    "table_present": "critical",
    "column_present": "critical",
    "not_empty": "critical",
    "key_not_null": "critical",
    "key_unique": "critical",
    "reference": "critical",
    "non_negative": "critical",
    "tag_present": "warning",
    "null_share": "warning",
}

# Tables whose staleness or volume swing is critical; for the others it is a warning.
# Usage is the freshest signal most tags read (30-day windows); the subscriber base is
# the population every strategy targets, so a large swing there is a broken extract.
FRESHNESS_CRITICAL: frozenset[str] = frozenset({"usage_daily"})
DRIFT_CRITICAL: frozenset[str] = frozenset({"subscribers"})

# A tag null for more than this share of the population it applies to (its `networks`)
# is reported as a warning: usually a join or source problem, sometimes legitimate.
TAG_NULL_SHARE = 0.95


def freshness_severity(table: str) -> Severity:
    """Severity of a stale `date_column` on `table`."""
    return "critical" if table in FRESHNESS_CRITICAL else "warning"


def drift_severity(table: str) -> Severity:
    """Severity of a row-count change beyond `Settings.dq_row_count_drift` on `table`."""
    return "critical" if table in DRIFT_CRITICAL else "warning"


def type_severity(actual_kind: str, expected_kind: str) -> Severity:
    """A type of another family (e.g. string for a number) breaks value checks and tags;
    a width difference (int vs bigint, float vs double) is only worth a warning."""
    return "warning" if actual_kind == expected_kind else "critical"
