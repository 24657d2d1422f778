"""The generated data looks like a provincial operator's extracts and never contradicts itself."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from cube.contract import PRODUCT_CATEGORIES, TABLES, TOUCHPOINTS
from cube.data.assortment import EXCLUSIVE_FAMILIES
from tests.conftest import AS_OF, SMALL_SUBSCRIBERS

SNAPSHOT = pd.Timestamp(AS_OF)


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_keys_are_unique(tables: dict[str, pa.Table], spec) -> None:  # type: ignore[no-untyped-def]
    data = tables[spec.name]
    keys = data.group_by(list(spec.key)).aggregate([]).num_rows
    assert keys == data.num_rows > 0


@pytest.mark.parametrize("spec", TABLES, ids=lambda s: s.name)
def test_columns_follow_the_contract_rules(tables: dict[str, pa.Table], spec) -> None:  # type: ignore[no-untyped-def]
    data = tables[spec.name]
    for col in spec.columns:
        values = data[col.name]
        where = f"{spec.name}.{col.name}"
        if not col.nullable:
            assert values.null_count == 0, where
        if col.allowed is not None:
            assert set(pc.unique(values).drop_null().to_pylist()) <= set(col.allowed), where
        if col.min is not None:
            assert pc.min(values).as_py() >= col.min, where
        if col.max is not None:
            assert pc.max(values).as_py() <= col.max, where
        if col.references is not None:
            table_name, column = col.references.split(".")
            known = tables[table_name][column]
            assert pc.all(pc.is_in(values.drop_null(), known)).as_py(), where


def test_network_shares_are_forty_sixty(frames: dict[str, pd.DataFrame]) -> None:
    subs = frames["subscribers"]
    assert len(subs) == SMALL_SUBSCRIBERS
    own = (subs["network"] == "own").mean()
    assert 0.37 < own < 0.43
    assert (subs["carrier"] == "own").equals(subs["network"] == "own")
    assert set(subs.loc[subs["network"] == "other", "carrier"]) == {"rival_a", "rival_b"}


def test_region_hierarchy_is_fixed_and_prefix_consistent(frames: dict[str, pd.DataFrame]) -> None:
    regions = frames["regions"]
    assert len(regions) == 3000
    assert regions["county_id"].nunique() == 150
    assert regions["city_id"].nunique() == 11
    assert set(regions["province_id"]) == {"P1"}
    for child, parent in (
        ("grid_id", "county_id"),
        ("county_id", "city_id"),
        ("city_id", "province_id"),
    ):
        assert (regions[child].str.rsplit(".", n=1).str[0] == regions[parent]).all(), child
    assert regions["grid_id"].str.fullmatch(r"P1\.C\d{2}\.K\d{3}\.G\d{4}").all()
    subs = frames["subscribers"].merge(regions, on="grid_id", suffixes=("", "_of_grid"))
    for level in ("county_id", "city_id", "province_id"):
        assert (subs[level] == subs[f"{level}_of_grid"]).all(), level


def test_capital_city_is_the_biggest_market(frames: dict[str, pd.DataFrame]) -> None:
    by_city = frames["subscribers"]["city_id"].value_counts(normalize=True)
    assert by_city.index[0] == "P1.C01"
    assert by_city.iloc[0] > 1.5 * by_city.iloc[1]


def test_other_network_lines_are_sparse(frames: dict[str, pd.DataFrame]) -> None:
    subs = frames["subscribers"]
    other = subs[subs["network"] == "other"]
    for column in ("activation_date", "plan_id", "contract_end_date", "has_broadband",
                   "family_id", "family_role"):  # fmt: skip
        assert other[column].isna().all(), column
    assert 0.75 < other["age"].isna().mean() < 0.95
    assert 0.75 < other["gender"].isna().mean() < 0.95
    assert 0.2 < other["handset_brand"].isna().mean() < 0.4
    ids = set(other["subscriber_id"])
    for table in ("usage_daily", "billing_monthly", "holdings"):
        assert not ids & set(frames[table]["subscriber_id"]), table
    for table in ("consent", "interactions", "contact_history"):
        assert ids & set(frames[table]["subscriber_id"]), table


def test_own_network_lines_are_complete(frames: dict[str, pd.DataFrame]) -> None:
    subs = frames["subscribers"]
    own = subs[subs["network"] == "own"]
    for column in ("age", "gender", "activation_date", "plan_id", "handset_brand",
                   "handset_5g", "handset_purchase_date", "has_broadband"):  # fmt: skip
        assert own[column].notna().all(), column
    assert (own["activation_date"] <= SNAPSHOT).all()
    assert own["contract_end_date"].isna().mean() > 0.3
    assert (own["contract_end_date"].dropna() > SNAPSHOT).all()
    old = own[own["handset_purchase_date"] < SNAPSHOT - pd.Timedelta(days=5 * 365)]
    assert len(old) > 0 and (~old["handset_5g"].astype(bool)).mean() > 0.8


def test_families_have_two_to_five_lines_in_one_grid(frames: dict[str, pd.DataFrame]) -> None:
    subs = frames["subscribers"]
    families = subs.dropna(subset=["family_id"]).groupby("family_id")
    assert families.size().between(2, 5).all()
    assert (families["family_role"].apply(lambda r: (r == "head").sum()) == 1).all()
    assert (families["grid_id"].nunique() == 1).all()
    assert (families["has_broadband"].nunique() == 1).all()


def test_broadband_flag_matches_a_held_broadband_product(frames: dict[str, pd.DataFrame]) -> None:
    subs, holdings, products = frames["subscribers"], frames["holdings"], frames["products"]
    held = holdings.merge(products, on="product_id")
    broadband = set(held.loc[held["family"] == "broadband", "subscriber_id"])
    flagged = set(subs.loc[subs["has_broadband"].eq(True), "subscriber_id"])
    assert flagged == broadband
    assert len(flagged) > 0


def test_nobody_holds_two_excluding_products(frames: dict[str, pd.DataFrame]) -> None:
    pairs = frames["product_exclusions"]
    held = frames["holdings"][["subscriber_id", "product_id"]]
    both = held.merge(pairs, on="product_id").merge(
        held.rename(columns={"product_id": "excluded_product_id"}),
        on=["subscriber_id", "excluded_product_id"],
    )
    assert both.empty
    assert len(pairs) >= 8
    products = frames["products"].set_index("product_id")["family"]
    assert (pairs["product_id"].map(products) == pairs["excluded_product_id"].map(products)).all()
    assert set(pairs["product_id"].map(products)) == set(EXCLUSIVE_FAMILIES)


def test_holdings_start_after_activation_and_before_snapshot(
    frames: dict[str, pd.DataFrame],
) -> None:
    held = frames["holdings"].merge(frames["subscribers"], on="subscriber_id")
    assert (held["start_date"] >= held["activation_date"]).all()
    assert (held["start_date"] <= SNAPSHOT).all()
    assert held["product_id"].nunique() > 15


def test_catalogue_covers_every_category(frames: dict[str, pd.DataFrame]) -> None:
    products, plans = frames["products"], frames["plans"]
    assert 20 <= len(products) <= 30
    assert set(products["category"]) == set(PRODUCT_CATEGORIES)
    port_in = products[products["network_scope"] == "other"]
    assert len(port_in) >= 1 and port_in["product_id"].str.startswith("PI-").all()
    assert (products["commission"] > 0).all()
    assert len(plans) == 12 and 0 < plans["is_5g"].sum() < 12


def test_usage_covers_thirty_days_and_parts_fit_the_whole(frames: dict[str, pd.DataFrame]) -> None:
    usage = frames["usage_daily"]
    assert usage["usage_date"].max() == SNAPSHOT
    assert usage["usage_date"].min() == SNAPSHOT - pd.Timedelta(days=29)
    assert (usage["data_5g_mb"] <= usage["data_mb"]).all()
    parts = usage["video_mb"] + usage["game_mb"] + usage["music_mb"]
    assert (parts <= usage["data_mb"] * (1 + 1e-5) + 1e-3).all()
    per_line = usage.groupby("subscriber_id")[["data_mb", "video_mb"]].sum()
    heavy_video = per_line[(per_line["video_mb"] > 15 * 1024)]
    assert len(heavy_video) > 0.05 * len(per_line)
    assert usage.groupby("subscriber_id").size().max() == 30


def test_bills_cover_six_full_months_before_the_snapshot_month(
    frames: dict[str, pd.DataFrame],
) -> None:
    bills = frames["billing_monthly"]
    months = sorted(bills["bill_month"].unique())
    assert [m.strftime("%Y-%m-%d") for m in pd.to_datetime(months)] == [
        "2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01", "2026-09-01", "2026-10-01",
    ]  # fmt: skip
    latest = bills[bills["bill_month"] == months[-1]]
    assert 0.01 < (latest["arrears"] > 0).mean() < 0.08
    assert (~latest.loc[latest["arrears"] > 0, "paid_on_time"]).all()
    plans = frames["subscribers"].merge(frames["plans"], on="plan_id")
    arpu = bills.groupby("subscriber_id")["arpu"].mean().rename("arpu")
    joined = plans.join(arpu, on="subscriber_id").dropna(subset=["arpu"])
    assert np.corrcoef(joined["monthly_fee"], joined["arpu"])[0, 1] > 0.5


def test_consent_agrees_with_opt_outs(frames: dict[str, pd.DataFrame]) -> None:
    consent = frames["consent"]
    assert len(consent) == SMALL_SUBSCRIBERS
    assert 0.01 < consent["do_not_disturb"].mean() < 0.06
    assert (consent["updated_at"] <= SNAPSHOT).all()
    contacts = frames["contact_history"]
    opted = contacts[contacts["outcome"] == "opted_out"].merge(consent, on="subscriber_id")
    assert len(opted) > 0
    for touchpoint in TOUCHPOINTS:
        rows = opted[opted["touchpoint"] == touchpoint]
        assert (~rows[f"consent_{touchpoint}"]).all(), touchpoint
    assert (opted["updated_at"] >= opted["contact_ts"].dt.tz_localize(None).dt.normalize()).all()
    dnd = set(consent.loc[consent["do_not_disturb"], "subscriber_id"])
    assert not dnd & set(contacts["subscriber_id"])


def test_no_contact_after_opting_out_of_that_touchpoint(frames: dict[str, pd.DataFrame]) -> None:
    contacts = frames["contact_history"]
    first_opt_out = (
        contacts[contacts["outcome"] == "opted_out"]
        .groupby(["subscriber_id", "touchpoint"])["contact_ts"]
        .min()
        .rename("opted_at")
    )
    later = contacts.join(first_opt_out, on=["subscriber_id", "touchpoint"])
    assert not (later["contact_ts"] > later["opted_at"]).any()


def test_contact_history_spans_earlier_campaigns(frames: dict[str, pd.DataFrame]) -> None:
    contacts = frames["contact_history"]
    ts = contacts["contact_ts"]
    snapshot_utc = pd.Timestamp(AS_OF, tz="UTC")
    assert (ts < snapshot_utc).all() and (ts >= snapshot_utc - pd.Timedelta(days=180)).all()
    local_hour = (ts + pd.Timedelta(hours=8)).dt.hour
    assert local_hour.between(7, 23).all()
    assert local_hour[contacts["touchpoint"] == "outbound_call"].between(9, 19).all()
    assert 1.5 < len(contacts) / SMALL_SUBSCRIBERS < 4
    categories = contacts.merge(frames["products"], on="product_id")
    assert set(categories["category"]) == set(PRODUCT_CATEGORIES)
    assert set(contacts["touchpoint"]) == set(TOUCHPOINTS)
    per_category = categories.groupby("category")["campaign_id"].nunique()
    assert (per_category >= 4).all()
    assert contacts["outcome"].value_counts().index[0] in ("ignored", "declined")


def test_interactions_favour_other_network(frames: dict[str, pd.DataFrame]) -> None:
    inter = frames["interactions"].merge(frames["subscribers"], on="subscriber_id")
    events = (
        inter.groupby("network")["events"].sum() / frames["subscribers"]["network"].value_counts()
    )
    assert events["other"] > 1.5 * events["own"]
    assert inter["interaction_date"].min() >= SNAPSHOT - pd.Timedelta(days=29)
    assert inter["interaction_date"].max() <= SNAPSHOT
    assert isinstance(AS_OF, dt.date)
