"""Families: own-network lines grouped into shared-plan households of 2 to 5.

A household lives in one grid and shares broadband and part of its spending power,
so family members are drawn around their head rather than independently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Share of own-network lines that belong to a family plan.
FAMILY_SHARE = 0.45
FAMILY_SIZES = np.array([2, 3, 4, 5])
FAMILY_SIZE_P = np.array([0.4, 0.3, 0.2, 0.1])
SINGLE, HEAD, MEMBER = 0, 1, 2


@dataclass(frozen=True)
class Households:
    """Per line of a chunk: role, position of its household head, household size."""

    role: np.ndarray  # int8: SINGLE (incl. other network), HEAD or MEMBER
    head: np.ndarray  # int64 chunk position of the head; itself for singles and heads
    size: np.ndarray  # int8: 1 for singles

    @property
    def in_family(self) -> np.ndarray:
        return self.role != SINGLE

    @property
    def member(self) -> np.ndarray:
        return self.role == MEMBER


def assign_households(rng: np.random.Generator, own: np.ndarray) -> Households:
    """Group a random FAMILY_SHARE of the own-network lines into whole families."""
    n = own.size
    own_pos = rng.permutation(np.flatnonzero(own))
    target = int(round(FAMILY_SHARE * own_pos.size))
    sizes = rng.choice(FAMILY_SIZES, size=target // 2 + 1, p=FAMILY_SIZE_P)
    ends = np.cumsum(sizes)
    sizes = sizes[: int(np.searchsorted(ends, target, side="right"))]
    ends = ends[: sizes.size]
    starts = ends - sizes
    family = np.repeat(np.arange(sizes.size), sizes)
    in_family = own_pos[: int(sizes.sum())]
    head_pos = in_family[starts]

    role = np.full(n, SINGLE, np.int8)
    role[in_family] = MEMBER
    role[head_pos] = HEAD
    head = np.arange(n, dtype=np.int64)
    head[in_family] = head_pos[family]
    size = np.ones(n, np.int8)
    size[in_family] = sizes[family]
    return Households(role=role, head=head, size=size)


def relative_ages(rng: np.random.Generator, head_age: np.ndarray) -> np.ndarray:
    """Ages of family members around their head's: spouses, children, parents."""
    n = head_age.size
    relation = rng.choice(3, size=n, p=[0.5, 0.35, 0.15])
    spouse = head_age + rng.normal(0, 4, n)
    child = head_age - 24 - np.abs(rng.normal(0, 6, n))
    parent = head_age + 27 + np.abs(rng.normal(0, 4, n))
    age = np.choose(relation, [spouse, child, parent])
    return np.clip(np.round(age), 10, 95).astype(np.int32)
