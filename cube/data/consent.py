"""Marketing consent per touchpoint and the do-not-disturb list.

Consent is drawn per line, then updated by the contact history: a contact answered with
"opted_out" withdraws consent for that touchpoint from that day on, so the consent table
and the history never contradict each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cube.contract import TOUCHPOINTS
from cube.data.population import Population

# Share consenting per touchpoint (TOUCHPOINTS order), own and other network.
CONSENT_OWN = np.array([0.80, 0.92, 0.85, 0.82])
CONSENT_OTHER = np.array([0.55, 0.70, 0.75, 0.60])
DO_NOT_DISTURB_SHARE = 0.03
# Other-network consent was collected when the person registered on the app or web.
OTHER_CONSENT_YEARS = 3


@dataclass(frozen=True)
class Consent:
    """Per line: consent flags (n, touchpoints), do-not-disturb, last change day."""

    flags: np.ndarray
    do_not_disturb: np.ndarray
    updated_day: np.ndarray  # int32 days since epoch

    def opted_out(self, sub: np.ndarray, touchpoint: np.ndarray, day: np.ndarray) -> Consent:
        """Consent after these (line, touchpoint) opt-outs on these days."""
        flags = self.flags.copy()
        flags[sub, touchpoint] = False
        updated = self.updated_day.copy()
        np.maximum.at(updated, sub, day.astype(np.int32))
        return Consent(flags, self.do_not_disturb, updated)


def draw_consent(rng: np.random.Generator, pop: Population, as_of_day: int) -> Consent:
    """Initial consent: own-network lines agree more often than rivals' subscribers."""
    n = pop.n
    share = np.where(pop.own[:, None], CONSENT_OWN, CONSENT_OTHER)
    flags = rng.random((n, len(TOUCHPOINTS))) < share
    first = np.where(
        pop.own, pop.accounts.activation_day, as_of_day - OTHER_CONSENT_YEARS * 365
    ).astype(np.int64)
    updated = first + np.floor(rng.random(n) * (as_of_day - first + 1)).astype(np.int64)
    return Consent(
        flags=flags,
        do_not_disturb=rng.random(n) < DO_NOT_DISTURB_SHARE,
        updated_day=np.minimum(updated, as_of_day).astype(np.int32),
    )
