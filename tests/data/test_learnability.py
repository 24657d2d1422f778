"""Propensity is learnable: a plain logistic model on visible attributes predicts the history.

This is the property the whole product rests on (the models engineer's AUC floor is 0.6):
outcomes were drawn from hidden logits that depend on what the tables show, so a model fitted
on the tables, never on the truth, must rank held-out contacts well above chance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cube.contract import PRODUCT_CATEGORIES, TOUCHPOINTS
from cube.data.generator import generate
from tests.conftest import AS_OF
from tests.data.conftest import auc, read_table

SUBSCRIBERS = 20_000
SNAPSHOT = pd.Timestamp(AS_OF)
TOPICS = ("5g", "broadband", "handset", "content", "finance", "benefits")


@pytest.fixture(scope="module")
def larger_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pd.DataFrame]:
    """A world big enough for per-category held-out AUCs (a few hundred acceptances each)."""
    home = tmp_path_factory.mktemp("larger")
    generate(home / "raw", home / "truth", subscribers=SUBSCRIBERS, seed=23, as_of=AS_OF)
    names = ("subscribers", "plans", "usage_daily", "billing_monthly", "interactions",
             "contact_history", "products")  # fmt: skip
    return {n: read_table(home / "raw", n).to_pandas(date_as_object=False) for n in names}


def visible_features(world: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per subscriber, what a tag build would compute from the tables (no truth)."""
    subs = world["subscribers"].merge(world["plans"], on="plan_id", how="left")
    usage = world["usage_daily"]
    recent = usage["usage_date"] > SNAPSHOT - pd.Timedelta(days=7)
    usage = usage.assign(recent=np.where(recent, usage["data_mb"], 0.0))
    u = usage.groupby("subscriber_id")[["data_mb", "video_mb", "music_mb", "game_mb",
                                        "data_5g_mb", "voice_min", "recent"]].sum()  # fmt: skip
    bills = (
        world["billing_monthly"]
        .groupby("subscriber_id")
        .agg(arpu=("arpu", "mean"), arrears=("arrears", "max"))
    )
    inter = world["interactions"]
    by_topic = inter.pivot_table(index="subscriber_id", columns="topic", values="events",
                                 aggfunc="sum", fill_value=0)  # fmt: skip
    store = inter[inter["channel"] == "store"].groupby("subscriber_id")["events"].sum()
    subs = subs.drop(columns=["voice_min"])  # the plan's allowance; usage's is wanted
    f = subs.set_index("subscriber_id").join(u).join(bills).join(by_topic)
    f["store_events"] = store
    f = f.fillna(dict.fromkeys([*u.columns, *bills.columns, *by_topic.columns, "store_events"], 0))
    data = f["data_mb"] + 1
    out = pd.DataFrame(index=f.index)
    out["own"] = f["network"] == "own"
    out["rival_b"] = f["carrier"] == "rival_b"
    out["age"] = f["age"].fillna(35)
    out["handset_5g"] = f["handset_5g"].eq(True)
    out["handset_unknown"] = f["handset_5g"].isna()
    out["handset_days"] = (SNAPSHOT - f["handset_purchase_date"]).dt.days.fillna(700)
    out["tenure"] = np.log1p((SNAPSHOT - f["activation_date"]).dt.days.fillna(0))
    out["contract_days"] = (f["contract_end_date"] - SNAPSHOT).dt.days.clip(upper=800).fillna(800)
    out["plan_5g"] = f["is_5g"].eq(True)
    out["gap"] = out["handset_5g"] & ~out["plan_5g"] & out["own"]
    out["fee"] = f["monthly_fee"].fillna(0)
    out["overage"] = np.log2(data / 1024 / (f["data_gb"].fillna(1) + 0.1)).clip(-3, 3) * out["own"]
    out["log_data"] = np.log1p(f["data_mb"])
    for kind in ("video", "music", "game", "data_5g"):
        out[f"{kind}_share"] = f[f"{kind}_mb"] / data
    out["log_voice"] = np.log1p(f["voice_min"])
    out["trend"] = (f["recent"] / 7 + 1) / ((f["data_mb"] - f["recent"]) / 23 + 1)
    out["log_arpu"] = np.log1p(f["arpu"])
    out["arrears"] = f["arrears"] > 0
    out["family"] = f["family_id"].notna()
    out["head"] = f["family_role"].eq("head")
    out["broadband"] = f["has_broadband"].eq(True)
    for topic in TOPICS:
        out[f"topic_{topic}"] = np.log1p(f.get(topic, 0))
    out["store"] = np.log1p(f["store_events"])
    out["events"] = np.log1p(f[list(by_topic.columns)].sum(axis=1))
    return out.astype(float)


def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float = 1.0) -> np.ndarray:
    """Ridge logistic regression by Newton steps; returns weights (intercept first)."""
    z = np.column_stack([np.ones(len(x)), x])
    w = np.zeros(z.shape[1])
    for _ in range(15):
        p = 1 / (1 + np.exp(-z @ w))
        hessian = (z * (p * (1 - p))[:, None]).T @ z + ridge * np.eye(len(w))
        step = np.linalg.solve(hessian, z.T @ (y - p) - ridge * w)
        w += step
        if np.abs(step).max() < 1e-4:
            break
    return w


def held_out_auc(features: pd.DataFrame, contacts: pd.DataFrame) -> float:
    """Fit on 70 % of subscribers, score the other 30 %."""
    x = features.loc[contacts["subscriber_id"]].to_numpy()
    touchpoints = [(contacts["touchpoint"] == t).to_numpy(float) for t in TOUCHPOINTS[1:]]
    x = np.column_stack([x, *touchpoints])
    mean, std = x.mean(0), x.std(0) + 1e-9
    x = (x - mean) / std
    y = (contacts["outcome"] == "accepted").to_numpy(float)
    test = (contacts["subscriber_id"] % 10 < 3).to_numpy()
    w = fit_logistic(x[~test], y[~test])
    score = np.column_stack([np.ones(test.sum()), x[test]]) @ w
    return auc(score, y[test].astype(bool))


def test_each_category_is_learnable_from_visible_data(
    larger_world: dict[str, pd.DataFrame],
) -> None:
    features = visible_features(larger_world)
    contacts = larger_world["contact_history"].merge(larger_world["products"], on="product_id")
    scores = {}
    for category in PRODUCT_CATEGORIES:
        rows = contacts[contacts["category"] == category]
        scores[category] = held_out_auc(features, rows.reset_index(drop=True))
    # Every category well above chance at this size (about 150 to 900 acceptances each);
    # with 100k subscribers the per-category AUCs are 0.65 to 0.85.
    assert min(scores.values()) > 0.58, scores
    assert np.mean(list(scores.values())) > 0.68, scores
