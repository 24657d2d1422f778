"""The naming rule: an id and a name must say business, product and period.

The operator's "smart error correction" flagged campaigns whose names omitted the
business, the product or the period, because such names cannot be searched,
compared or retired on time. The rule here is concrete enough to check:

- id:   `<business line>-<words>-<period>`: the first word is the strategy's
        business line, at least one middle word names an offered product, the last
        word is a period (2026, 2026h2, 2026q4 or 2026m11) overlapping the window;
- name: mentions the business (a word of the business line's vocabulary), an
        offered product (a word of its id, name, family or category) and a year
        within the active window.

`id_problems` and `name_problems` return what is missing, in words, or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from cube.products import Product

PERIOD = re.compile(r"^(?P<year>20\d\d)(?:(?P<kind>[qhm])(?P<n>\d{1,2}))?$")
YEAR = re.compile(r"\b(20\d\d)\b")
WORD = re.compile(r"[a-z0-9]+")
# Too common to say which product is meant.
STOPWORDS = frozenset(
    {"a", "an", "and", "by", "for", "in", "of", "offer", "on", "the", "to", "with"}
)
# Words that say the business line in a name.
BUSINESS_WORDS: dict[str, frozenset[str]] = {
    "mobile": frozenset(
        {"mobile", "5g", "4g", "plan", "data", "voice", "tariff", "loyalty", "retention"}
    ),
    "broadband": frozenset({"broadband", "fibre", "fiber", "home", "wifi", "fttr"}),
    "terminal": frozenset({"terminal", "handset", "phone", "device", "trade"}),
    "content": frozenset({"content", "video", "music", "game", "streaming"}),
    "finance": frozenset({"finance", "instalment", "instalments", "credit"}),
    "benefits": frozenset({"benefits", "benefit", "membership", "club", "coupon", "coupons"}),
    "acquisition": frozenset({"acquisition", "port", "switch", "win", "back"}),
}
PERIOD_EXAMPLES = "2026, 2026h2, 2026q4 or 2026m11"
ID_RULE = "id: <business line>-<product words>-<period>, e.g. mobile-5g-upgrade-video-2026q4"
NAME_RULE = "name: business, product and year, e.g. '5G upgrade for heavy video users, 2026 Q4'"


def product_words(products: Iterable[Product]) -> frozenset[str]:
    """Words that name one of `products`: from its id, name, family and category."""
    words: set[str] = set()
    for product in products:
        for text in (product.id, product.name, product.family, product.category):
            words.update(WORD.findall(text.lower().replace("_", " ")))
    return frozenset(w for w in words if len(w) > 1 and w not in STOPWORDS)


def period_span(token: str) -> tuple[dt.date, dt.date] | None:
    """The days a period word covers (2026q4 -> Oct 1 .. Dec 31), or None if it is none."""
    match = PERIOD.match(token)
    if not match:
        return None
    year, kind = int(match["year"]), match["kind"]
    if kind is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    n = int(match["n"])
    months = {"q": (4, 3), "h": (2, 6), "m": (12, 1)}[kind]
    if not 1 <= n <= months[0]:
        return None
    first = (n - 1) * months[1] + 1
    last = first + months[1] - 1
    end = dt.date(year + (last == 12), last % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(year, first, 1), end


def id_problems(
    strategy_id: str,
    business_line: str,
    words: frozenset[str],
    window: tuple[dt.date, dt.date] | None,
) -> list[str]:
    """What the id fails to say; `words` are the offered products' words."""
    parts = strategy_id.split("-")
    problems = []
    if parts[0] != business_line:
        problems.append(f"it does not start with the business line '{business_line}'")
    middle = parts[1:-1] if len(parts) > 2 else []
    if words and not words.intersection(middle):
        examples = ", ".join(sorted(words)[:4])
        problems.append(f"no word names an offered product (e.g. {examples})")
    span = period_span(parts[-1]) if len(parts) > 1 else None
    if span is None:
        problems.append(f"it does not end with a period ({PERIOD_EXAMPLES})")
    elif window is not None and not _overlaps(span, window):
        problems.append(f"its period '{parts[-1]}' does not overlap the active window")
    return problems


def name_problems(
    name: str,
    business_line: str,
    words: frozenset[str],
    window: tuple[dt.date, dt.date] | None,
) -> list[str]:
    """What the name fails to say; `words` are the offered products' words."""
    said = set(WORD.findall(name.lower()))
    problems = []
    if not BUSINESS_WORDS.get(business_line, frozenset()).intersection(said):
        examples = ", ".join(sorted(BUSINESS_WORDS.get(business_line, ()))[:4])
        problems.append(f"it does not say the business '{business_line}' (e.g. {examples})")
    if words and not words.intersection(said):
        examples = ", ".join(sorted(words)[:4])
        problems.append(f"it does not name an offered product (e.g. {examples})")
    years = [int(y) for y in YEAR.findall(name)]
    if not years:
        problems.append("it does not say the period (a year such as 2026)")
    elif window is not None and not any(window[0].year <= y <= window[1].year for y in years):
        problems.append("its year is outside the active window")
    return problems


def _overlaps(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]
