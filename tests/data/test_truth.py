"""The hidden truth: its API, and that the history and the data follow it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from cube.contract import CONTACT_OUTCOMES, PRODUCT_CATEGORIES, TOUCHPOINTS
from cube.data.behaviour import default_params
from cube.data.campaigns import OPERATOR_AFFINITY
from cube.data.truth import (
    PARAMS_FILE,
    TruthParams,
    accept_probability,
    base_logits,
    best_touchpoint,
    conversion_probability,
    draw_outcomes,
    load_truth,
    logit_column,
    organic_probability,
    outcome_probabilities,
    reach_probability,
)
from cube.errors import InputError
from tests.conftest import AS_OF, SMALL_SEED, SMALL_SUBSCRIBERS
from tests.data.conftest import auc

PARAMS = default_params()


@pytest.fixture(scope="module")
def contacts_with_truth(frames: dict[str, pd.DataFrame], propensity: pd.DataFrame) -> pd.DataFrame:
    """Every contact with its product category and the contacted line's true logit for it."""
    contacts = frames["contact_history"].merge(frames["products"], on="product_id")
    contacts = contacts.merge(propensity, on="subscriber_id")
    columns = [logit_column(c) for c in PRODUCT_CATEGORIES]
    position = contacts["category"].map(PRODUCT_CATEGORIES.index).to_numpy()
    contacts["true_logit"] = contacts[columns].to_numpy()[np.arange(len(contacts)), position]
    contacts["accepted"] = contacts["outcome"] == "accepted"
    return contacts


def test_load_truth_reads_what_generate_wrote(operator_home: Path, frames) -> None:  # type: ignore[no-untyped-def]
    truth = load_truth(operator_home / "truth")
    assert truth.manifest.subscribers == SMALL_SUBSCRIBERS
    assert truth.manifest.seed == SMALL_SEED
    assert truth.manifest.as_of == AS_OF
    assert truth.params == PARAMS
    logits = truth.propensity().to_pandas()
    assert list(logits.columns) == ["subscriber_id", *(logit_column(c) for c in PRODUCT_CATEGORIES)]
    assert set(logits["subscriber_id"]) == set(frames["subscribers"]["subscriber_id"])
    assert len(logits) == SMALL_SUBSCRIBERS


def test_accepted_contacts_have_higher_true_logits(contacts_with_truth: pd.DataFrame) -> None:
    means = contacts_with_truth.groupby(["category", "accepted"])["true_logit"].mean().unstack()
    assert set(means.index) == set(PRODUCT_CATEGORIES)
    assert (means[True] > means[False] + 0.3).all(), means
    overall = auc(
        contacts_with_truth["true_logit"].to_numpy(), contacts_with_truth["accepted"].to_numpy()
    )
    assert overall > 0.7


def test_acceptance_rates_are_plausible(contacts_with_truth: pd.DataFrame) -> None:
    rate = contacts_with_truth["accepted"].mean()
    assert 0.04 < rate < 0.15
    no_answer = contacts_with_truth.loc[contacts_with_truth["outcome"] == "no_answer", "touchpoint"]
    assert set(no_answer) == {"outbound_call"}


def test_base_logits_follow_the_subscriber_situation(
    frames: dict[str, pd.DataFrame], propensity: pd.DataFrame
) -> None:
    subs = (
        frames["subscribers"]
        .merge(frames["plans"], on="plan_id")
        .merge(propensity, on="subscriber_id")
    )
    gap = subs["handset_5g"].astype(bool) & ~subs["is_5g"]
    assert (
        subs.loc[gap, "logit_light_addon"].mean() > subs.loc[~gap, "logit_light_addon"].mean() + 0.5
    )
    family = subs["family_id"].notna()
    no_bb = family & ~subs["has_broadband"].astype(bool)
    with_bb = family & subs["has_broadband"].astype(bool)
    assert (
        subs.loc[no_bb, "logit_home_broadband"].mean()
        > subs.loc[with_bb, "logit_home_broadband"].mean()
    )
    old = ~subs["handset_5g"].astype(bool)
    assert subs.loc[old, "logit_terminal"].mean() > subs.loc[~old, "logit_terminal"].mean() + 0.5


def test_operator_affinity_is_right_for_all_but_home_broadband() -> None:
    best = {c: best_touchpoint(c, PARAMS) for c in PRODUCT_CATEGORIES}
    wrong = {c: tp for c, tp in best.items() if tp != OPERATOR_AFFINITY[c]}
    assert wrong == {"home_broadband": "outbound_call"}
    assert OPERATOR_AFFINITY["home_broadband"] == "store_popup"


@pytest.mark.parametrize("category", PRODUCT_CATEGORIES)
def test_contact_beats_organic_take_up(category: str) -> None:
    logits = np.linspace(-6.0, 0.0, 25)
    organic = conversion_probability(logits, category, None, PARAMS)
    assert np.array_equal(organic, organic_probability(logits, category, PARAMS))
    for touchpoint in TOUCHPOINTS:
        contacted = conversion_probability(logits, category, touchpoint, PARAMS)
        assert (contacted > 1.5 * organic).all(), touchpoint


def test_outcome_probabilities_are_a_distribution() -> None:
    logits = np.linspace(-5, 2, 8)
    for touchpoint in TOUCHPOINTS:
        probs = outcome_probabilities(logits, "content", touchpoint, PARAMS)
        assert probs.shape == (8, len(CONTACT_OUTCOMES))
        np.testing.assert_allclose(probs.sum(axis=1), 1.0)
        accepted = probs[:, CONTACT_OUTCOMES.index("accepted")]
        expected = reach_probability(touchpoint, PARAMS) * accept_probability(
            logits, "content", touchpoint, PARAMS
        )
        np.testing.assert_allclose(accepted, expected)
    calls = outcome_probabilities(logits, "content", "outbound_call", PARAMS)
    np.testing.assert_allclose(
        calls[:, CONTACT_OUTCOMES.index("no_answer")], 1 - PARAMS.reach["outbound_call"]
    )


def test_draw_outcomes_matches_the_probabilities() -> None:
    rng = np.random.default_rng(1)
    n = 200_000
    logits = np.full(n, -1.5)
    drawn = draw_outcomes(rng, logits, "light_addon", "sms", PARAMS)
    frequency = np.bincount(drawn, minlength=len(CONTACT_OUTCOMES)) / n
    expected = outcome_probabilities(logits[:1], "light_addon", "sms", PARAMS)[0]
    np.testing.assert_allclose(frequency, expected, atol=0.004)


def test_labels_may_be_names_arrays_or_positions() -> None:
    logits = np.array([-2.0, -1.0, 0.0])
    by_name = accept_probability(logits, "terminal", "store_popup", PARAMS)
    by_array = accept_probability(
        logits, np.array(["terminal"] * 3), np.array(["store_popup"] * 3), PARAMS
    )
    by_position = accept_probability(logits, np.array([2, 2, 2]), np.array([1, 1, 1]), PARAMS)
    np.testing.assert_allclose(by_name, by_array)
    np.testing.assert_allclose(by_name, by_position)
    with pytest.raises(ValueError, match="unknown touchpoint \\['fax'\\]"):
        accept_probability(logits, "terminal", "fax", PARAMS)


def test_base_logits_name_a_missing_feature() -> None:
    with pytest.raises(KeyError, match="overage"):
        base_logits({"openness": np.zeros(2)}, np.array([True, False]), PARAMS)


def test_params_must_cover_every_touchpoint_and_category() -> None:
    data = PARAMS.model_dump()
    del data["touchpoint_effect"]["sms"]["content"]
    data["reach"]["internet"] = 1.5
    with pytest.raises(ValidationError) as info:
        TruthParams.model_validate(data)
    assert "touchpoint_effect.sms must cover every category" in str(info.value)
    assert "reach.internet must be in (0, 1]" in str(info.value)


def test_load_truth_names_the_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=f"{tmp_path / PARAMS_FILE}: truth parameters not found"):
        load_truth(tmp_path)
    (tmp_path / PARAMS_FILE).write_text(json.dumps({"version": 1}))
    with pytest.raises(InputError, match="invalid truth parameters"):
        load_truth(tmp_path)
