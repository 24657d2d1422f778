"""The contact policy file: the shipped one loads; mistakes are located and explained."""

from __future__ import annotations

from pathlib import Path

import pytest

from cube.errors import DiagnosticError
from cube.matching.policy import load_policy
from cube.settings import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "strategies" / "policy" / "contact.yaml"


def test_shipped_policy_loads() -> None:
    policy, digest = load_policy(SHIPPED)
    assert policy.capacity["outbound_call"].for_city("P1.C01") == 12 * 80
    assert policy.routing.weight("store_popup", "terminal") == 1.0
    assert policy.routing.weight("sms", "terminal") == 0.5
    assert policy.reaches("internet", "other") is False
    assert policy.longest_window() == 30
    assert len(digest) == 64


def _headlines(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "contact.yaml"
    path.write_text(text)
    with pytest.raises(DiagnosticError) as caught:
        load_policy(path)
    return [d.headline().removeprefix(str(path)) for d in caught.value.diagnostics]


def test_unknown_keys_and_bad_values_are_all_reported(tmp_path: Path) -> None:
    text = (
        "frequency_caps:\n"
        "  - {touchpoint: phone, max: 1, days: 7}\n"
        "capacity:\n"
        "  sms: {seats: 3}\n"
        "  outbound_call: {dayly: 3}\n"
        "max_offers_per_subscriber: 0\n"
    )
    assert _headlines(tmp_path, text) == [
        ":2:18 P003 frequency_caps.0.touchpoint: unknown touchpoint 'phone' (known: "
        "outbound_call, store_popup, internet, sms)",
        ":4:8 P003 capacity.sms: 'seats' needs 'contacts_per_seat' and vice versa",
        ":5:19 P002 unknown key 'dayly'",
        ":6:28 P003 max_offers_per_subscriber: Input should be greater than or equal to 1",
    ]


def test_missing_and_unparseable_files(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as caught:
        load_policy(tmp_path / "nope.yaml")
    assert (
        caught.value.diagnostics[0].headline().endswith(":1:1 P001 contact policy file not found")
    )
    assert _headlines(tmp_path, "caps: [1, 2\n") == [
        ":2:1 E100 invalid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_bad_time_zone_and_empty_quiet_window_are_located(tmp_path: Path) -> None:
    text = "timezone: Mars/Olympus\nquiet_hours:\n  sms: {from: '21:00', to: '21:00'}\n"
    assert _headlines(tmp_path, text) == [
        ":1:11 P003 timezone: unknown time zone 'Mars/Olympus' (use an IANA name such as "
        "Asia/Shanghai)",
        ":3:8 P003 quiet_hours.sms: quiet window from 21:00 to 21:00 is empty: start and end "
        "must differ",
    ]
