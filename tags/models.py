"""Propensity models of the catalogue: each `ModelSpec` is scored into a `p_*` tag.

Trained by `tags/jobs/train.py` on `contact_history`: a subscriber reached with an
offer in a target category is a positive if they accepted one. Features are tags
of the snapshot, chosen for what drives the decision. Left out because they would
leak the label: tags computed from the contact history itself (response rates,
refusals, last outcome, contact counts) and holdings that accepting the offer
creates (has_broadband, holds_*_product, family_without_broadband, content_lover).

A model covers only the networks its labels come from: rivals' subscribers were
offered port-in products only, so content and membership are own-network models.
Algorithms were chosen on held-out AUC on generated data (docs/models.md): GBT where
thresholds and interactions drive the decision, logistic regression elsewhere.
The tag build reads `MODELS` through `tags/__init__.py`.
"""

from cube.catalogue import ModelSpec

OWNER = "models"

MODELS: list[ModelSpec] = [
    ModelSpec(
        name="p_5g_upgrade",
        description="Probability of accepting a light add-on (5G upgrade add-on first, also "
        "data boosters and voice packs) when offered one; own network.",
        owner=OWNER,
        target_categories=("light_addon",),
        features=(
            "handset_is_5g",
            "plan_is_5g",
            "plan_5g_handset_4g",
            "plan_data_utilisation",
            "data_mb_30d",
            "video_share",
            "interest_5g_events_30d",
            "age_band",
            "plan_monthly_fee",
        ),
        algorithm="logistic",
        networks=("own",),
    ),
    ModelSpec(
        name="p_home_broadband",
        description="Probability of taking home broadband (or whole-home Wi-Fi) when offered "
        "it; own network.",
        owner=OWNER,
        target_categories=("home_broadband",),
        features=(
            "in_family",
            "is_family_head",
            "interest_broadband_events_30d",
            "tenure_months",
            "arpu_avg_6m",
            "age_band",
        ),
        algorithm="logistic",
        networks=("own",),
    ),
    ModelSpec(
        name="p_handset_upgrade",
        description="Probability of taking a handset deal or trade-in (terminal) when "
        "offered one; own network.",
        owner=OWNER,
        target_categories=("terminal",),
        features=(
            "handset_is_5g",
            "handset_age_months",
            "interest_handset_events_30d",
            "arpu_avg_6m",
            "value_band",
            "handset_brand_tier",
            "age_band",
        ),
        algorithm="logistic",
        networks=("own",),
    ),
    ModelSpec(
        name="p_retention",
        description="Probability of accepting a retention offer (loyalty discount, renewal "
        "bonus) when offered one; own network.",
        owner=OWNER,
        target_categories=("retention",),
        features=(
            "contract_days_left",
            "has_contract",
            "usage_falling_sharply",
            "data_trend_ratio",
            "voice_trend_ratio",
            "contract_ending_soon",
            "has_arrears",
            "late_payments_6m",
            "tenure_months",
            "arpu_avg_6m",
            "value_band",
            "plan_monthly_fee",
        ),
        algorithm="gbt",
        networks=("own",),
    ),
    ModelSpec(
        name="p_content",
        description="Probability of taking a content membership (video, music, game) when "
        "offered one; own network (the history has no content offers to rivals' subscribers).",
        owner=OWNER,
        target_categories=("content",),
        features=(
            "video_share",
            "music_share",
            "game_share",
            "interest_content_events_30d",
            "age_band",
        ),
        algorithm="logistic",
        networks=("own",),
    ),
    ModelSpec(
        name="p_membership",
        description="Probability of joining a benefits club (membership) when offered one; "
        "own network (the history has no membership offers to rivals' subscribers).",
        owner=OWNER,
        target_categories=("membership",),
        features=(
            "arpu_avg_6m",
            "interest_benefits_events_30d",
            "tenure_months",
            "is_family_head",
            "age_years",
        ),
        algorithm="gbt",
        networks=("own",),
    ),
    ModelSpec(
        name="p_port_in",
        description="Probability that a rival's subscriber takes the port-in 5G switch offer "
        "(terminal category) when offered it; other network.",
        owner=OWNER,
        target_categories=("terminal",),
        features=(
            "interest_5g_events_30d",
            "interest_handset_events_30d",
            "interest_broadband_events_30d",
            "store_events_30d",
            "interaction_events_30d",
            "handset_is_5g",
            "handset_age_months",
            "age_band",
            "carrier",
        ),
        algorithm="logistic",
        networks=("other",),
    ),
]
