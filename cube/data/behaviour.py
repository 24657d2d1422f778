"""How generated subscribers behave: the default truth parameters.

Each category's base logit is an intercept plus weighted features (computed per subscriber
by `cube.data.features`), so appetite follows what the data shows: 5G upgrades appeal to
heavy video users with a 5G handset on a 4G plan, broadband to families without it,
handsets to owners of old or 4G-only phones, retention offers to lines whose usage is
falling or whose commitment ends soon. `openness` (general responsiveness to marketing) is
shared by every category, so past responses predict future ones.

Touchpoint effects follow the operator's stated affinity (outbound call for light add-ons,
store pop-up for finance, terminals and home broadband, internet for content, SMS for
scenario packs) with one deliberate exception: home broadband sells best by outbound call,
so learning from outcomes beats the static affinity table.
"""

from __future__ import annotations

from cube.contract import PRODUCT_CATEGORIES
from cube.data.truth import TruthParams

OPENNESS = {"openness": 1.0}

OWN_TERMS: dict[str, dict[str, float]] = {
    "light_addon": {
        "intercept": -2.9, "overage": 0.9, "five_g_gap": 0.9, "video_share": 0.35,
        "data_volume": 0.3, "young": 0.2, **OPENNESS,
    },
    "finance": {
        "intercept": -3.5, "handset_age": 0.6, "handset_not_5g": 0.3, "arrears": -1.4,
        "value": 0.25, "interest_finance": 0.5, "tenure": 0.2, **OPENNESS,
    },
    "terminal": {
        "intercept": -3.7, "handset_not_5g": 1.1, "handset_age": 0.5, "interest_handset": 0.5,
        "value": 0.3, **OPENNESS,
    },
    "home_broadband": {
        "intercept": -3.5, "family_no_broadband": 1.4, "household_broadband": -2.0,
        "family_head": 0.5, "interest_broadband": 0.5, "tenure": 0.2, **OPENNESS,
    },
    "content": {
        "intercept": -3.1, "video_share": 0.8, "music_share": 0.4, "game_share": 0.3,
        "young": 0.4, "interest_content": 0.5, **OPENNESS,
    },
    "scenario": {
        "intercept": -3.3, "young": 0.5, "data_volume": 0.4, "value": 0.3, "travel": 0.6,
        **OPENNESS,
    },
    "retention": {
        "intercept": -3.5, "usage_decline": 1.0, "contract_ending": 1.3, "arrears": 0.5,
        "tenure": 0.3, "value": 0.2, **OPENNESS,
    },
    "membership": {
        "intercept": -3.9, "value": 0.8, "interest_benefits": 0.6, "tenure": 0.5,
        "app_activity": 0.6,
        "family_head": 0.3, "senior": 0.2, **OPENNESS,
    },
}  # fmt: skip

# Other-network subscribers can take only port-in and open ("any") products; what we can
# see of them is interactions, the observed handset and the carrier.
OTHER_TERMS: dict[str, dict[str, float]] = {
    "light_addon": {"intercept": -4.5, **OPENNESS},
    "finance": {"intercept": -4.5, **OPENNESS},
    "terminal": {
        "intercept": -3.4, "interest_5g": 0.7, "interest_handset": 0.5, "store_affinity": 0.5,
        "handset_not_5g": 0.6, "young": 0.3, "rival_b": 0.3, **OPENNESS,
    },
    "home_broadband": {
        "intercept": -3.8, "interest_broadband": 0.9, "store_affinity": 0.4, **OPENNESS,
    },
    "content": {"intercept": -3.7, "interest_content": 0.8, "young": 0.4, **OPENNESS},
    "scenario": {"intercept": -4.5, **OPENNESS},
    "retention": {"intercept": -4.5, **OPENNESS},
    "membership": {"intercept": -4.0, "interest_benefits": 0.7, **OPENNESS},
}  # fmt: skip

# Columns: light_addon, finance, terminal, home_broadband, content, scenario, retention,
# membership. Per-contact value also depends on reach (see REACH).
TOUCHPOINT_EFFECT: dict[str, tuple[float, ...]] = {
    "outbound_call": (0.9, -0.4, -0.2, 1.3, -0.5, -0.3, 1.1, 0.0),
    "store_popup": (0.0, 0.6, 0.7, 0.2, -0.4, -0.5, 0.3, 0.0),
    "internet": (0.3, -0.5, 0.0, -0.5, 1.2, 0.3, -0.3, 1.4),
    "sms": (0.3, -0.8, -0.6, -0.7, 0.2, 0.9, 0.0, 0.3),
}
REACH = {"outbound_call": 0.55, "store_popup": 0.92, "internet": 0.35, "sms": 0.6}
UNREACHED = {"outbound_call": "no_answer", "store_popup": "ignored", "internet": "ignored",
             "sms": "ignored"}  # fmt: skip
REFUSAL_SHARE = {
    "outbound_call": {"declined": 0.93, "ignored": 0.0, "opted_out": 0.07},
    "store_popup": {"declined": 0.97, "ignored": 0.02, "opted_out": 0.01},
    "internet": {"declined": 0.08, "ignored": 0.9, "opted_out": 0.02},
    "sms": {"declined": 0.1, "ignored": 0.85, "opted_out": 0.05},
}
# Buying without a contact is far rarer than accepting a good offer, so uplift is positive.
ORGANIC_SHIFT = {
    "light_addon": -2.0, "finance": -3.0, "terminal": -2.5, "home_broadband": -3.0,
    "content": -2.0, "scenario": -2.0, "retention": -3.5, "membership": -2.5,
}  # fmt: skip
NOISE_SD = 0.6


def default_params() -> TruthParams:
    """The behaviour every generated world follows."""
    return TruthParams(
        logit_terms={"own": OWN_TERMS, "other": OTHER_TERMS},
        noise_sd=dict.fromkeys(PRODUCT_CATEGORIES, NOISE_SD),
        touchpoint_effect={
            tp: dict(zip(PRODUCT_CATEGORIES, effects, strict=True))
            for tp, effects in TOUCHPOINT_EFFECT.items()
        },
        reach=REACH,
        unreached_outcome=UNREACHED,
        refusal_share=REFUSAL_SHARE,
        organic_shift=ORGANIC_SHIFT,
    )
