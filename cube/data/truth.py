"""The hidden ground truth of generated operator data: who takes what, through which touchpoint.

The generator draws every outcome in `contact_history` from these functions; touchpoint
simulators and evaluation tests call the same functions, so a simulated campaign behaves
like the history the models learnt from. Nothing in the production pipeline reads it.

A subscriber's appetite for a product category is one number, the base logit, written per
subscriber to `truth_dir/propensity/` (`logit_<category>`). It is a linear function of the
subscriber's attributes (`base_logits`, coefficients in `TruthParams.logit_terms`) plus
individual noise. Around it:

- reach: a contact reaches the person at all (calls go unanswered, banners unseen);
- acceptance, once reached: sigmoid(base logit + touchpoint x category effect);
- organic take-up within a cycle, never contacted: sigmoid(base logit + organic shift).

The base logit is appetite, not eligibility: a simulator must still refuse an offer of a
product the subscriber holds, one that excludes a held product (product_exclusions), or one
outside the product's network_scope.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from cube.contract import (
    CONTACT_OUTCOMES,
    NETWORKS,
    PRODUCT_CATEGORIES,
    TOUCHPOINTS,
    ColumnSpec,
    TableSpec,
)
from cube.errors import InputError

PARAMS_FILE = "params.json"
PROPENSITY_DIR = "propensity"
REFUSALS = ("declined", "ignored", "opted_out")


def logit_column(category: str) -> str:
    """Name of a category's base-logit column in the propensity files."""
    return f"logit_{category}"


PROPENSITY = TableSpec(
    name="propensity",
    description="True base logit of every subscriber for every product category (hidden).",
    grain="one row per subscriber",
    key=("subscriber_id",),
    columns=(
        ColumnSpec(name="subscriber_id", dtype="int64", description="Subscriber key."),
        *(
            ColumnSpec(name=logit_column(c), dtype="float", description=f"Base logit, {c}.")
            for c in PRODUCT_CATEGORIES
        ),
    ),
)

# A category or touchpoint: one name, an array of names, or integer positions in
# PRODUCT_CATEGORIES / TOUCHPOINTS (the fast path for millions of contacts).
Labels = str | np.ndarray


class TruthParams(BaseModel):
    """Every parameter of the behaviour model; `params.json` holds one plus its provenance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # network -> category -> term -> coefficient; the term "intercept" is the constant.
    logit_terms: dict[str, dict[str, dict[str, float]]]
    # Standard deviation of each category's individual noise, added to the linear part.
    noise_sd: dict[str, float]
    # touchpoint -> category -> shift of the acceptance logit once reached.
    touchpoint_effect: dict[str, dict[str, float]]
    # touchpoint -> probability a contact reaches the person.
    reach: dict[str, float]
    # touchpoint -> outcome recorded when the contact does not reach (no_answer or ignored).
    unreached_outcome: dict[str, str]
    # touchpoint -> refusal outcome -> share among reached, not accepted contacts.
    refusal_share: dict[str, dict[str, float]]
    # category -> shift of the logit for taking the product without any contact.
    organic_shift: dict[str, float]

    @model_validator(mode="after")
    def _check_complete(self) -> TruthParams:
        """Every network, category and touchpoint is covered; probabilities are valid."""
        problems = []
        for network in NETWORKS:
            missing = set(PRODUCT_CATEGORIES) - set(self.logit_terms.get(network, {}))
            if missing:
                problems.append(f"logit_terms.{network} lacks {sorted(missing)}")
        for name in ("noise_sd", "organic_shift"):
            if set(getattr(self, name)) != set(PRODUCT_CATEGORIES):
                problems.append(f"{name} must cover exactly {PRODUCT_CATEGORIES}")
        for tp in TOUCHPOINTS:
            if set(self.touchpoint_effect.get(tp, {})) != set(PRODUCT_CATEGORIES):
                problems.append(f"touchpoint_effect.{tp} must cover every category")
            if not 0.0 < self.reach.get(tp, -1.0) <= 1.0:
                problems.append(f"reach.{tp} must be in (0, 1]")
            if self.unreached_outcome.get(tp) not in ("no_answer", "ignored"):
                problems.append(f"unreached_outcome.{tp} must be no_answer or ignored")
            shares = self.refusal_share.get(tp, {})
            if set(shares) != set(REFUSALS) or abs(sum(shares.values()) - 1.0) > 1e-9:
                problems.append(f"refusal_share.{tp} must split 1.0 over {REFUSALS}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class TruthManifest(BaseModel):
    """Contents of `params.json`: the parameters and the run that drew the world."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    subscribers: int
    seed: int
    as_of: dt.date
    chunk_size: int
    params: TruthParams


@dataclass(frozen=True)
class Truth:
    """A loaded truth directory: its manifest and a reader for the per-subscriber logits."""

    directory: Path
    manifest: TruthManifest

    @property
    def params(self) -> TruthParams:
        return self.manifest.params

    def propensity(self, columns: list[str] | None = None) -> pa.Table:
        """subscriber_id and logit_<category> for every subscriber (or just `columns`)."""
        return pq.read_table(self.directory / PROPENSITY_DIR, columns=columns)


def load_truth(truth_dir: Path) -> Truth:
    """Read `params.json` and check the propensity files exist; errors name the file."""
    path = Path(truth_dir) / PARAMS_FILE
    if not path.is_file():
        raise InputError(f"{path}: truth parameters not found (run `cube data generate`)")
    try:
        manifest = TruthManifest.model_validate(json.loads(path.read_text()))
    except (ValueError, ValidationError) as exc:
        raise InputError(f"{path}: invalid truth parameters: {exc}") from None
    if not any((Path(truth_dir) / PROPENSITY_DIR).glob("*.parquet")):
        raise InputError(f"{Path(truth_dir) / PROPENSITY_DIR}: no propensity files")
    return Truth(Path(truth_dir), manifest)


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """The logistic function, safe for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def _index(labels: Labels, names: tuple[str, ...], what: str) -> np.ndarray:
    """Positions of `labels` in `names`: a name, an array of names, or integer positions."""
    array = np.asarray(labels)
    if np.issubdtype(array.dtype, np.integer):
        if array.size and (array.min() < 0 or array.max() >= len(names)):
            raise ValueError(f"{what} positions must be in [0, {len(names)})")
        return array.astype(np.int64, copy=False)
    uniques, inverse = np.unique(np.asarray(labels, dtype=object), return_inverse=True)
    unknown = [str(u) for u in uniques if u not in names]
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; expected one of {names}")
    return np.array([names.index(u) for u in uniques], dtype=np.int64)[inverse]


def _effect_matrix(params: TruthParams) -> np.ndarray:
    return np.array(
        [[params.touchpoint_effect[t][c] for c in PRODUCT_CATEGORIES] for t in TOUCHPOINTS]
    )


def base_logits(
    features: Mapping[str, np.ndarray], own: np.ndarray, params: TruthParams
) -> dict[str, np.ndarray]:
    """Linear part of each category's base logit (no noise), by network.

    `features` maps every term named in `params.logit_terms` to one value per subscriber;
    `own` says which coefficients (own or other network) apply to each subscriber.
    """
    own = np.asarray(own, dtype=bool)
    logits = {}
    for category in PRODUCT_CATEGORIES:
        parts = []
        for network in NETWORKS:
            terms = params.logit_terms[network][category]
            total = np.full(own.shape, terms.get("intercept", 0.0))
            for term, coefficient in terms.items():
                if term == "intercept":
                    continue
                if term not in features:
                    raise KeyError(f"logit term '{term}' ({network}/{category}) has no feature")
                total += coefficient * np.asarray(features[term], dtype=np.float64)
            parts.append(total)
        logits[category] = np.where(own, parts[0], parts[1])
    return logits


def touchpoint_effect(category: Labels, touchpoint: Labels, params: TruthParams) -> np.ndarray:
    """The acceptance-logit shift of offering `category` via `touchpoint`."""
    tp = _index(touchpoint, TOUCHPOINTS, "touchpoint")
    cat = _index(category, PRODUCT_CATEGORIES, "category")
    return _effect_matrix(params)[tp, cat]


def accept_probability(
    base_logit: np.ndarray, category: Labels, touchpoint: Labels, params: TruthParams
) -> np.ndarray:
    """P(accept | reached with an offer of `category` via `touchpoint`)."""
    return sigmoid(base_logit + touchpoint_effect(category, touchpoint, params))


def reach_probability(touchpoint: Labels, params: TruthParams) -> np.ndarray:
    """P(a contact via `touchpoint` reaches the person): answered, read, seen."""
    reach = np.array([params.reach[t] for t in TOUCHPOINTS])
    return reach[_index(touchpoint, TOUCHPOINTS, "touchpoint")]


def organic_probability(
    base_logit: np.ndarray, category: Labels, params: TruthParams
) -> np.ndarray:
    """P(taking a product of `category` within the cycle without any contact)."""
    shift = np.array([params.organic_shift[c] for c in PRODUCT_CATEGORIES])
    return sigmoid(base_logit + shift[_index(category, PRODUCT_CATEGORIES, "category")])


def conversion_probability(
    base_logit: np.ndarray, category: Labels, touchpoint: Labels | None, params: TruthParams
) -> np.ndarray:
    """P(taking the product within the cycle): organic only when `touchpoint` is None (a
    holdout), else accepting the contact or, failing that, buying on one's own."""
    organic = organic_probability(base_logit, category, params)
    if touchpoint is None:
        return organic
    contacted = reach_probability(touchpoint, params) * accept_probability(
        base_logit, category, touchpoint, params
    )
    return 1.0 - (1.0 - contacted) * (1.0 - organic)


def outcome_probabilities(
    base_logit: np.ndarray, category: Labels, touchpoint: Labels, params: TruthParams
) -> np.ndarray:
    """P(each outcome of one contact), shape (n, 5), columns in CONTACT_OUTCOMES order."""
    base_logit = np.atleast_1d(np.asarray(base_logit, dtype=np.float64))
    tp = np.broadcast_to(_index(touchpoint, TOUCHPOINTS, "touchpoint"), base_logit.shape)
    reach = reach_probability(touchpoint, params) * np.ones_like(base_logit)
    accept = accept_probability(base_logit, category, touchpoint, params) * reach
    probs = np.zeros((base_logit.size, len(CONTACT_OUTCOMES)))
    probs[:, CONTACT_OUTCOMES.index("accepted")] = accept
    refused = reach - accept
    for outcome in REFUSALS:
        share = np.array([params.refusal_share[t][outcome] for t in TOUCHPOINTS])
        probs[:, CONTACT_OUTCOMES.index(outcome)] += refused * share[tp]
    unreached = np.array([CONTACT_OUTCOMES.index(params.unreached_outcome[t]) for t in TOUCHPOINTS])
    np.add.at(probs, (np.arange(base_logit.size), unreached[tp]), 1.0 - reach)
    return probs


def draw_outcomes(
    rng: np.random.Generator,
    base_logit: np.ndarray,
    category: Labels,
    touchpoint: Labels,
    params: TruthParams,
) -> np.ndarray:
    """One outcome per contact, as int8 indices into CONTACT_OUTCOMES."""
    cumulative = np.cumsum(outcome_probabilities(base_logit, category, touchpoint, params), 1)
    u = rng.random(cumulative.shape[0])[:, None]
    drawn = (u >= cumulative[:, :-1]).sum(axis=1)
    return drawn.astype(np.int8)


def expected_conversion(
    base_logit: np.ndarray | float, category: Labels, touchpoint: Labels, params: TruthParams
) -> np.ndarray:
    """P(accepted) per contact: reach x acceptance (what a touchpoint is worth per contact)."""
    return reach_probability(touchpoint, params) * accept_probability(
        base_logit, category, touchpoint, params
    )


def best_touchpoint(category: str, params: TruthParams, base_logit: float = -2.5) -> str:
    """The touchpoint with the highest acceptance per contact for a typical subscriber."""
    rates = [float(expected_conversion(base_logit, category, t, params)) for t in TOUCHPOINTS]
    return TOUCHPOINTS[int(np.argmax(rates))]
