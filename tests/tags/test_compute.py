"""compute_tags on the hand-made extract: exact values, worked out in tests/tags/dataset.py."""

from __future__ import annotations

import math
from typing import Any

import pytest

from cube.catalogue import Catalogue, ModelSpec, TagSpec
from cube.errors import ConfigError
from tags.jobs.compute import ID_COLUMNS, compute_tags
from tags.jobs.context import UndeclaredReferenceError
from tests.tags.dataset import SNAPSHOT

pytestmark = pytest.mark.spark

OWN = (1, 2, 3)
OTHER = (4, 5)


def values(rows: dict[int, dict[str, Any]], tag: str) -> list[Any]:
    return [rows[i][tag] for i in sorted(rows)]


def test_one_row_per_subscriber_ids_region_then_tags(tiny_tags: Any, catalogue: Catalogue) -> None:
    assert tiny_tags.columns == [*ID_COLUMNS, *catalogue.tags]
    assert sorted(r["subscriber_id"] for r in tiny_tags.select("subscriber_id").collect()) == [
        1, 2, 3, 4, 5
    ]  # fmt: skip


def test_every_tag_has_its_declared_type(tiny_tags: Any, catalogue: Catalogue) -> None:
    spark_type = {"string": "string", "int": "int", "double": "double", "boolean": "boolean"}
    types = dict(tiny_tags.dtypes)
    assert {n: types[n] for n in catalogue.tags} == {
        n: spark_type[s.dtype] for n, s in catalogue.tags.items()
    }


def test_usage_aggregates_ignore_rows_outside_the_30_days(tiny_rows: dict) -> None:
    assert values(tiny_rows, "data_mb_30d") == [21504.0, 2370.0, 0.0, None, None]
    assert values(tiny_rows, "voice_min_30d") == [45.0, 240.0, 0.0, None, None]
    assert values(tiny_rows, "sms_count_30d") == [1, 4, 0, None, None]
    assert values(tiny_rows, "active_days_30d") == [5, 2, 0, None, None]
    assert values(tiny_rows, "active_days_7d") == [4, 1, 0, None, None]
    assert values(tiny_rows, "data_usage_band") == ["medium", "light", "none", None, None]


def test_usage_trends_and_shares(tiny_rows: dict) -> None:
    # (20480 / 7) / (1024 / 23) and (70 / 7) / (2300 / 23)
    assert values(tiny_rows, "data_trend_ratio") == pytest.approx(
        [20480 * 23 / (7 * 1024), 0.1, None, None, None]
    )
    assert values(tiny_rows, "voice_trend_ratio") == pytest.approx(
        [(25 / 7) / (20 / 23), (10 / 7) / (230 / 23), None, None, None]
    )
    assert values(tiny_rows, "data_5g_share") == pytest.approx(
        [10240 / 21504, 0.0, None, None, None]
    )
    assert values(tiny_rows, "plan_data_utilisation") == pytest.approx(
        [21504 / 1024 / 30, 2370 / 1024 / 10, 0.0, None, None]
    )
    # 2 used its line on 1 of the last 7 days; 3 not at all.
    assert values(tiny_rows, "silent_user") == [False, True, True, None, None]


def test_value_tags_use_the_6_month_window(tiny_rows: dict) -> None:
    # subscriber 2's April bill (999 CNY) is the 7th month back: left out.
    assert values(tiny_rows, "arpu_avg_6m") == [130.0, 120.0, 25.0, None, None]
    assert values(tiny_rows, "arpu_last_month") == [130.0, 90.0, 30.0, None, None]
    assert values(tiny_rows, "arpu_trend_ratio") == pytest.approx([None, 0.6, None, None, None])
    assert values(tiny_rows, "late_payments_6m") == [0, 1, 1, None, None]
    assert values(tiny_rows, "arrears_current") == [0.0, 0.0, 15.5, None, None]
    assert values(tiny_rows, "value_band") == ["high", "high", "low", None, None]
    assert values(tiny_rows, "high_value") == [True, True, False, None, None]
    assert values(tiny_rows, "products_held") == [1, 2, 0, 0, 0]
    assert values(tiny_rows, "held_products_monthly_value") == [20.0, 100.0, 0.0, 0.0, 0.0]


def test_lifecycle_stages(tiny_rows: dict) -> None:
    assert values(tiny_rows, "tenure_months") == [1, 81, 32, None, None]
    assert values(tiny_rows, "usage_falling_sharply") == [False, True, False, None, None]
    assert values(tiny_rows, "contract_ending_soon") == [False, True, False, None, None]
    assert values(tiny_rows, "churn_signal_count") == [0, 2, 1, None, None]
    assert values(tiny_rows, "lifecycle_stage") == [
        "onboarding",
        "pre_churn",
        "pre_churn",
        None,
        None,
    ]
    assert values(tiny_rows, "high_value_pre_churn") == [False, True, False, None, None]
    assert values(tiny_rows, "revenue_at_risk") == [0.0, 120.0, 25.0, None, None]


def test_preferences(tiny_rows: dict) -> None:
    assert values(tiny_rows, "video_mb_30d") == [16896.0, 0.0, 0.0, None, None]
    assert values(tiny_rows, "video_share") == pytest.approx([16896 / 21504, 0.0, None, None, None])
    assert values(tiny_rows, "heavy_video_user") == [True, False, False, None, None]
    assert values(tiny_rows, "video_lover") == [True, False, False, None, None]
    # 600 MB of games is a quarter of subscriber 2's data, but under the 1 GB minimum.
    assert values(tiny_rows, "game_lover") == [False, False, False, None, None]
    assert values(tiny_rows, "top_content_type") == ["video", "game", "none", None, None]
    assert values(tiny_rows, "content_lover") == [True, False, False, None, None]


def test_handset_and_family(tiny_rows: dict) -> None:
    assert values(tiny_rows, "handset_brand_tier") == [
        "flagship",
        "mid",
        None,
        "flagship",
        "budget",
    ]
    assert values(tiny_rows, "handset_age_months") == [13, 41, None, 10, 58]
    assert values(tiny_rows, "old_non_5g_handset") == [False, True, False, False, True]
    # Subscriber 5's handset is old, but the line is suspended.
    assert values(tiny_rows, "handset_upgrade_candidate") == [False, True, False, False, False]
    assert values(tiny_rows, "family_without_broadband") == [True, False, False, None, None]


def test_contactability(tiny_rows: dict) -> None:
    # 3 has no consent record (no consent, do-not-disturb); 5 is do-not-disturb and suspended.
    assert values(tiny_rows, "do_not_disturb") == [False, False, True, False, True]
    assert values(tiny_rows, "reachable_sms") == [True, True, False, False, False]
    assert values(tiny_rows, "reachable_touchpoints") == [4, 2, 0, 1, 0]
    assert values(tiny_rows, "contactable") == [True, True, False, True, False]
    assert values(tiny_rows, "consent_age_days") == [31, 31, None, 31, 31]


def test_responsiveness_counts_contacts_up_to_the_snapshot(tiny_rows: dict) -> None:
    assert values(tiny_rows, "contacts_total") == [3, 2, 0, 1, 0]
    assert values(tiny_rows, "contacts_30d") == [2, 2, 0, 1, 0]
    assert values(tiny_rows, "accepted_total") == [2, 0, 0, 0, 0]
    assert values(tiny_rows, "refusals_total") == [1, 1, 0, 0, 0]
    assert values(tiny_rows, "opted_out_ever") == [False, True, False, False, False]
    assert values(tiny_rows, "response_rate") == pytest.approx([2 / 3, 0.0, None, 0.0, None])
    assert values(tiny_rows, "response_rate_outbound_call") == [1.0, 0.0, None, None, None]
    assert values(tiny_rows, "response_rate_internet") == [None, None, None, 0.0, None]
    assert values(tiny_rows, "response_rate_light_addon") == [1.0, None, None, 0.0, None]
    assert values(tiny_rows, "response_rate_content") == [0.0, None, None, None, None]
    assert values(tiny_rows, "days_since_last_contact") == [7, 2, None, 17, None]
    assert values(tiny_rows, "last_contact_outcome") == [
        "declined",
        "opted_out",
        None,
        "ignored",
        None,
    ]
    assert values(tiny_rows, "responder_class") == [
        "high",
        "low",
        "untested",
        "untested",
        "untested",
    ]


def test_other_network_tags(tiny_rows: dict) -> None:
    assert values(tiny_rows, "carrier") == ["own", "own", "own", "rival_a", "rival_b"]
    assert values(tiny_rows, "interaction_events_30d") == [4, 0, 0, 18, 0]
    assert values(tiny_rows, "interaction_days_30d") == [1, 0, 0, 2, 0]
    assert values(tiny_rows, "store_events_30d") == [0, 0, 0, 5, 0]
    assert values(tiny_rows, "interest_5g_events_30d") == [0, 0, 0, 8, 0]
    assert values(tiny_rows, "top_interest_topic") == ["content", None, None, "5g", None]
    assert values(tiny_rows, "interaction_intensity") == ["low", "none", "none", "medium", "none"]
    # weighted events: 8 x 5g + 5 x broadband in a store (doubled) + 5 x general x 0.1 = 18.5
    score = 1 - math.exp(-18.5 / 10)
    assert values(tiny_rows, "port_in_interest_score") == pytest.approx(
        [None, None, None, score, 0.0]
    )
    assert values(tiny_rows, "port_in_interest") == [None, None, None, True, False]


def test_own_only_tags_are_null_for_other_network_and_the_reverse(
    tiny_rows: dict, catalogue: Catalogue
) -> None:
    leaks = [
        (spec.name, sid)
        for spec in catalogue.tags.values()
        for sid in (
            OTHER if spec.networks == ("own",) else OWN if spec.networks == ("other",) else ()
        )
        if tiny_rows[sid][spec.name] is not None
    ]
    assert leaks == []


def test_one_grouped_pass_per_source_and_no_python(tiny_frames: dict, catalogue: Catalogue) -> None:
    plan = compute_tags(tiny_frames, catalogue, SNAPSHOT)._jdf.queryExecution()
    optimized = plan.analyzed().toString()
    assert optimized.count("Aggregate [subscriber_id") == 5
    assert "Python" not in optimized


def _tag(name: str, compute: Any, **fields: Any) -> TagSpec:
    return TagSpec(name=name, dtype="double", description=f"test tag {name}", category="usage",
                   owner="test", compute=compute, **fields)  # fmt: skip


def test_an_undeclared_column_is_refused(tiny_frames: dict) -> None:
    sneaky = _tag("sneaky", lambda ctx: ctx.col("plans.monthly_fee"), inputs=("subscribers.age",))
    with pytest.raises(UndeclaredReferenceError) as raised:
        compute_tags(tiny_frames, Catalogue([sneaky]), SNAPSHOT)
    assert str(raised.value) == (
        "tag 'sneaky': ctx.col('plans.monthly_fee') is not declared in its inputs or depends_on"
    )


def test_a_declared_but_unread_column_is_refused(tiny_frames: dict) -> None:
    idle = _tag("idle", lambda ctx: ctx.col("plans.monthly_fee"),
                inputs=("plans.monthly_fee", "subscribers.age"))  # fmt: skip
    with pytest.raises(UndeclaredReferenceError) as raised:
        compute_tags(tiny_frames, Catalogue([idle]), SNAPSHOT)
    assert str(raised.value) == (
        "tag 'idle': declares 'subscribers.age' but its compute function never reads it"
    )


def _model(name: str, networks: tuple[str, ...]) -> ModelSpec:
    return ModelSpec(name=name, description=f"test model {name}", owner="test",
                     target_categories=("content",), features=("video_share", "data_mb_30d"),
                     networks=networks)  # fmt: skip


def test_model_layers_are_scored_and_masked_to_their_networks(
    tiny_frames: dict, catalogue: Catalogue
) -> None:
    from pyspark.sql import functions as F

    calls: list[list[str]] = []

    def fake_scores(df: Any, specs: list[ModelSpec]) -> Any:
        calls.append([s.name for s in specs])
        return df.withColumns({s.name: F.lit(0.25) for s in specs})

    models = [_model("p_test_own", ("own",)), _model("p_test_all", ("own", "other"))]
    features = [catalogue.get(n) for n in ("data_mb_30d", "video_mb_30d", "video_share")]
    with_models = Catalogue(features, models)
    rows = compute_tags(tiny_frames, with_models, SNAPSHOT, score_models=fake_scores).collect()
    assert calls == [["p_test_all", "p_test_own"]]
    by_id = {r["subscriber_id"]: r for r in rows}
    assert [by_id[i]["p_test_own"] for i in range(1, 6)] == [0.25, 0.25, 0.25, None, None]
    assert [by_id[i]["p_test_all"] for i in range(1, 6)] == [0.25] * 5


def test_model_tags_without_a_scorer_are_refused(tiny_frames: dict, catalogue: Catalogue) -> None:
    with_models = Catalogue(catalogue.tags.values(), [_model("p_test_own", ("own",))])
    with pytest.raises(ConfigError) as raised:
        compute_tags(tiny_frames, with_models, SNAPSHOT)
    assert str(raised.value) == (
        "the catalogue has model tags (p_test_own) but no score_models function was given; "
        "pass score_models, or build with models='skip'"
    )
