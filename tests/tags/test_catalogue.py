"""The catalogue as code: loads without Spark, covers every category, declares honestly."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pydantic import ValidationError

from cube.catalogue import Catalogue, TagSpec
from cube.catalogue.spec import TagCategory

TAGS_DIR = Path(__file__).resolve().parents[2] / "tags"
STRATEGY_TAGS = (
    "heavy_video_user",
    "family_without_broadband",
    "old_non_5g_handset",
    "high_value_pre_churn",
    "port_in_interest",
    "silent_user",
)
EXPECTED_PER_CATEGORY = {
    "basic": 11,
    "usage": 12,
    "value": 12,
    "lifecycle": 8,
    "preference": 13,
    "handset": 9,
    "family": 6,
    "contactability": 12,
    "responsiveness": 22,
    "other_network": 14,
}


def test_catalogue_loads_without_importing_pyspark() -> None:
    code = (
        "import sys, tags\n"
        "from cube.catalogue import Catalogue\n"
        "catalogue = Catalogue.load()\n"
        "print(len(catalogue), 'pyspark' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    count, imported = done.stdout.split()
    assert int(count) >= 60
    assert imported == "False"


def test_no_tag_module_imports_pyspark_at_module_level() -> None:
    offenders = []
    for path in sorted(TAGS_DIR.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "pyspark"]
    assert offenders == []


def test_every_category_is_covered_with_the_expected_tag_counts() -> None:
    catalogue = Catalogue.load()
    counts = Counter(t.category for t in catalogue.tags.values() if t.kind != "model")
    assert dict(counts) == EXPECTED_PER_CATEGORY
    assert set(counts) == set(TagCategory.__args__) - {"model"}  # type: ignore[attr-defined]
    assert sum(counts.values()) >= 60


@pytest.mark.parametrize("name", STRATEGY_TAGS)
def test_tags_the_example_strategies_need_exist_as_flags(name: str) -> None:
    assert Catalogue.load().get(name).dtype == "boolean"


def test_numeric_tags_state_a_unit_and_bounded_strings_their_values() -> None:
    tags = Catalogue.load().tags.values()
    no_unit = [t.name for t in tags if t.dtype in ("int", "double") and t.kind != "model"]
    no_unit = [n for n in no_unit if Catalogue.load().get(n).unit is None]
    assert no_unit == []
    free_strings = [t.name for t in tags if t.dtype == "string" and t.allowed is None]
    # Free text on purpose: brands and plan ids are whatever the operator sells.
    assert sorted(free_strings) == ["handset_brand", "plan_id"]


def test_own_only_tags_are_declared_as_such() -> None:
    catalogue = Catalogue.load()
    assert catalogue.get("arpu_avg_6m").networks == ("own",)
    assert catalogue.get("port_in_interest_score").networks == ("other",)
    assert catalogue.get("response_rate").networks == ("own", "other")


def test_aggregate_tags_read_only_their_source_and_its_dimensions() -> None:
    spec = Catalogue.load().get("response_rate_content")
    assert spec.kind == "aggregate"
    assert spec.source == "contact_history"
    assert spec.inputs == ("products.category", "contact_history.outcome")


def test_fill_is_refused_on_row_tags() -> None:
    with pytest.raises(ValidationError, match="tag x: fill applies to aggregate tags only"):
        TagSpec(name="x", dtype="int", description="a row tag with fill", category="usage",
                owner="t", fill=0)  # fmt: skip


def test_an_unknown_dependency_is_reported_with_a_suggestion() -> None:
    spec = TagSpec(
        name="x",
        dtype="double",
        description="depends on a misspelt tag",
        category="usage",
        owner="t",
        depends_on=("data_mb_30",),
        compute=lambda ctx: None,
    )
    base = [t for t in Catalogue.load().tags.values() if t.kind != "model"]
    with pytest.raises(Exception) as raised:
        Catalogue([*base, spec])
    assert str(raised.value) == (
        "invalid tag catalogue:\n"
        "  tag 'x': depends on unknown tag 'data_mb_30' (did you mean 'data_mb_30d'?)"
    )


def test_the_reference_in_docs_is_the_rendered_catalogue() -> None:
    from tags.jobs.reference import reference_block, render_reference

    doc = TAGS_DIR.parent / "docs" / "tags.md"
    assert reference_block(doc) == render_reference(Catalogue.load()), (
        "docs/tags.md is stale: replace its reference block with `cube tags list --markdown`"
    )
