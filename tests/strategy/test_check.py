"""The checker on broken files: exact rendered diagnostics, every problem in one run.

Each fixture is the valid file of conftest.py with one thing broken; its name says what.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cube.errors import DiagnosticError
from cube.products import ProductCatalogue
from cube.settings import Settings
from cube.strategy import check_strategies, compile_strategies
from tests.strategy.conftest import Write, edit


def rendered(paths: list[Path], settings: Settings, products: ProductCatalogue) -> list[str]:
    """Every diagnostic of a check without data, rendered as the CLI prints it."""
    report = check_strategies(paths, settings=settings, products=products, data=False)
    return [d.render() for d in report.diagnostics]


def only(path: Path, settings: Settings, products: ProductCatalogue) -> str:
    (text,) = rendered([path], settings, products)
    return text


def test_the_valid_file_compiles(write: Write, settings: Settings, products) -> None:
    (compiled,) = compile_strategies([write()], settings=settings, products=products)
    assert compiled.id == "mobile-5g-upgrade-video-2026q4"
    assert [o.product_id for o in compiled.offers] == ["LA-5GUP-S", "LA-5GUP-L"]
    assert compiled.offers[0].rank is None and compiled.offers[1].rank is not None
    assert compiled.scripts["sms"].placeholders == (("video_mb_30d", 14),)
    assert compiled.strategy.active.start.isoformat() == "2026-10-01"
    assert rendered([write()], settings, products) == []


@pytest.fixture
def yaml_syntax_error(write: Write) -> Path:
    return write(edit("allowed: [outbound_call, sms]", "allowed: [outbound_call, sms"))


def test_yaml_syntax_error(yaml_syntax_error: Path, settings, products) -> None:
    assert only(yaml_syntax_error, settings, products) == (
        "s.yaml:22:8 E100 invalid YAML: expected ',' or ']', but got ':'\n"
        "  22 | holdout: 0.1\n"
        "     |        ^"
    )


@pytest.fixture
def duplicate_key(write: Write) -> Path:
    return write(edit("holdout: 0.1\n", "holdout: 0.1\nholdout: 0.2\n"))


def test_duplicate_key(duplicate_key: Path, settings, products) -> None:
    assert only(duplicate_key, settings, products) == (
        "s.yaml:23:1 E101 duplicate key 'holdout'\n  23 | holdout: 0.2\n     | ^^^^^^^"
    )


@pytest.fixture
def misspelled_key(write: Write) -> Path:
    return write(edit("holdout: 0.1", "holdot: 0.1"))


def test_misspelled_key(misspelled_key: Path, settings, products) -> None:
    assert only(misspelled_key, settings, products) == (
        "s.yaml:22:1 E102 unknown key 'holdot' (did you mean 'holdout'?)\n"
        "  22 | holdot: 0.1\n"
        "     | ^^^^^^"
    )


@pytest.fixture
def unknown_nested_key(write: Write) -> Path:
    return write(edit("  direction: revenue_lift", "  direction: revenue_lift\n  colour: red"))


def test_unknown_nested_key_lists_the_known_ones(
    unknown_nested_key: Path, settings, products
) -> None:
    assert only(unknown_nested_key, settings, products) == (
        "s.yaml:13:3 E102 unknown key 'colour' in 'cube'\n"
        "  13 |   colour: red\n"
        "     |   ^^^^^^\n"
        "     = hint: known keys: business_line, scenario, lifecycle, direction"
    )


@pytest.fixture
def missing_segment(write: Write) -> Path:
    return write(edit("segment: |\n  heavy_video_user\n  and not plan_is_5g\n", ""))


def test_missing_segment(missing_segment: Path, settings, products) -> None:
    assert only(missing_segment, settings, products) == (
        "s.yaml:1:1 E107 missing required key 'segment'\n"
        "   1 | # yaml-language-server: $schema=strategy.schema.json\n"
        "     | ^"
    )


@pytest.fixture
def missing_window_end(write: Write) -> Path:
    return write(edit("  to: 2026-12-31\n", ""))


def test_missing_window_end(missing_window_end: Path, settings, products) -> None:
    assert only(missing_window_end, settings, products) == (
        "s.yaml:5:1 E107 missing required key 'to' in 'active'\n   5 | active:\n     | ^^^^^^"
    )


@pytest.fixture
def unknown_tag_in_block_segment(write: Write) -> Path:
    return write(edit("  and not plan_is_5g", "  and not plan_is_5gg"))


def test_unknown_tag_in_block_segment(unknown_tag_in_block_segment: Path, settings, products):
    assert only(unknown_tag_in_block_segment, settings, products) == (
        "s.yaml:15:11 E103 unknown tag 'plan_is_5gg' (did you mean 'plan_is_5g'?)\n"
        "  15 |   and not plan_is_5gg\n"
        "     |           ^^^^^^^^^^^"
    )


@pytest.fixture
def string_compared_with_boolean_tag(write: Write) -> Path:
    return write(edit("  and not plan_is_5g", "  and plan_is_5g == 'no'"))


def test_type_mismatch(string_compared_with_boolean_tag: Path, settings, products) -> None:
    assert only(string_compared_with_boolean_tag, settings, products) == (
        "s.yaml:15:7 E104 cannot compare boolean with string\n"
        "  15 |   and plan_is_5g == 'no'\n"
        "     |       ^^^^^^^^^^^^^^^^^^"
    )


@pytest.fixture
def segment_syntax_error(write: Write) -> Path:
    return write(
        edit(
            "segment: |\n  heavy_video_user\n  and not plan_is_5g\n",
            'segment: "heavy_video_user and"\n',
        )
    )


def test_segment_syntax_error_in_a_quoted_scalar(segment_syntax_error: Path, settings, products):
    assert only(segment_syntax_error, settings, products) == (
        "s.yaml:13:31 E110 expected a value, found end of condition\n"
        '  13 | segment: "heavy_video_user and"\n'
        "     |                               ^"
    )


@pytest.fixture
def unknown_product(write: Write) -> Path:
    return write(edit("product: LA-5GUP-S", "product: LA-5GUP-XL"))


def test_unknown_product(unknown_product: Path, settings, products) -> None:
    assert only(unknown_product, settings, products) == (
        "s.yaml:17:14 E120 unknown product 'LA-5GUP-XL' (did you mean 'LA-5GUP-L'?)\n"
        "  17 |   - product: LA-5GUP-XL\n"
        "     |              ^^^^^^^^^^"
    )


@pytest.fixture
def unknown_touchpoint(write: Write) -> Path:
    return write(edit("allowed: [outbound_call, sms]", "allowed: [outbound_call, smss]"))


def test_unknown_touchpoint(unknown_touchpoint: Path, settings, products) -> None:
    assert only(unknown_touchpoint, settings, products) == (
        "s.yaml:21:28 E121 unknown touchpoint 'smss' (did you mean 'sms'?)\n"
        "  21 |   allowed: [outbound_call, smss]\n"
        "     |                            ^^^^"
    )


@pytest.fixture
def unknown_touchpoint_as_script_key(write: Write) -> Path:
    return write(edit('  sms: "You', '  mms: "You'))


def test_unknown_touchpoint_as_a_key(unknown_touchpoint_as_script_key: Path, settings, products):
    assert only(unknown_touchpoint_as_script_key, settings, products) == (
        "s.yaml:24:3 E121 unknown touchpoint 'mms' (did you mean 'sms'?)\n"
        '  24 |   mms: "You streamed {video_mb_30d} MB of video: add 5G for 10 CNY."\n'
        "     |   ^^^"
    )


@pytest.fixture
def two_files_with_one_id(write: Write) -> list[Path]:
    other = edit("name: 5G upgrade for", "name: Another 5G upgrade for")
    return [write(name="a.yaml"), write(other, name="b.yaml")]


def test_duplicate_id_points_at_both_files(two_files_with_one_id, settings, products) -> None:
    assert rendered(two_files_with_one_id, settings, products) == [
        "a.yaml:2:5 E122 strategy id 'mobile-5g-upgrade-video-2026q4' is also used in "
        "b.yaml:2:5\n"
        "   2 | id: mobile-5g-upgrade-video-2026q4\n"
        "     |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        "b.yaml:2:5 E122 strategy id 'mobile-5g-upgrade-video-2026q4' is also used in "
        "a.yaml:2:5\n"
        "   2 | id: mobile-5g-upgrade-video-2026q4\n"
        "     |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
    ]


@pytest.fixture
def reversed_window(write: Write) -> Path:
    return write(edit("  to: 2026-12-31", "  to: 2026-09-30"))


def test_reversed_window(reversed_window: Path, settings, products) -> None:
    assert only(reversed_window, settings, products) == (
        "s.yaml:7:7 E123 active window ends (2026-09-30) before it starts (2026-10-01)\n"
        "   7 |   to: 2026-09-30\n"
        "     |       ^^^^^^^^^^"
    )


@pytest.fixture
def impossible_window_date(write: Write) -> Path:
    return write(edit("  to: 2026-12-31", "  to: 2026-12-32"))


def test_impossible_window_date(impossible_window_date: Path, settings, products) -> None:
    assert only(impossible_window_date, settings, products) == (
        "s.yaml:7:7 E100 invalid value '2026-12-32': day is out of range for month\n"
        "   7 |   to: 2026-12-32\n"
        "     |       ^^^^^^^^^^"
    )


@pytest.fixture
def placeholder_not_a_tag(write: Write) -> Path:
    return write(edit("{video_mb_30d}", "{video_mb_30days}"))


def test_placeholder_not_a_tag(placeholder_not_a_tag: Path, settings, products) -> None:
    assert only(placeholder_not_a_tag, settings, products) == (
        "s.yaml:24:22 E124 placeholder '{video_mb_30days}' is not a tag "
        "(did you mean 'video_mb_30d'?)\n"
        '  24 |   sms: "You streamed {video_mb_30days} MB of video: add 5G for 10 CNY."\n'
        "     |                      ^^^^^^^^^^^^^^^^^"
    )


@pytest.fixture
def malformed_placeholders(write: Write) -> Path:
    return write(edit("add 5G for 10 CNY.", "add {5G} for {{10}} CNY {"))


def test_malformed_placeholders(malformed_placeholders: Path, settings, products) -> None:
    line = '  24 |   sms: "You streamed {video_mb_30d} MB of video: add {5G} for {{10}} CNY {"\n'
    assert rendered([malformed_placeholders], settings, products) == [
        "s.yaml:24:54 E125 '{5G}' is not a placeholder: use {tag_name} (lower case, digits, _)\n"
        + line
        + "     |                                                      ^^^^",
        "s.yaml:24:74 E125 unmatched '{': write {{ for a literal brace\n"
        + line
        + "     |                                                                          ^",
    ]


@pytest.fixture
def holdout_above_half(write: Write) -> Path:
    return write(edit("holdout: 0.1", "holdout: 0.6"))


def test_holdout_above_half(holdout_above_half: Path, settings, products) -> None:
    assert only(holdout_above_half, settings, products) == (
        "s.yaml:22:10 E126 holdout 0.6 is outside [0, 0.5]\n"
        "  22 | holdout: 0.6\n"
        "     |          ^^^"
    )


@pytest.fixture
def boolean_rank(write: Write) -> Path:
    return write(edit("rank: p_5g_upgrade * video_share", "rank: video_share > 0.5"))


def test_rank_not_numeric(boolean_rank: Path, settings, products) -> None:
    assert only(boolean_rank, settings, products) == (
        "s.yaml:19:11 E127 rank must be a number, not a boolean\n"
        "  19 |     rank: video_share > 0.5\n"
        "     |           ^^^^^^^^^^^^^^^^^"
    )


@pytest.fixture
def port_in_product_for_own_network_segment(write: Write) -> Path:
    return write(edit("product: LA-5GUP-S", "product: PI-SWITCH5G"))


def test_product_out_of_reach_of_the_segment(
    port_in_product_for_own_network_segment: Path, settings, products
) -> None:
    assert only(port_in_product_for_own_network_segment, settings, products) == (
        "s.yaml:17:14 E128 product 'PI-SWITCH5G' reaches other-network subscribers only, but "
        "the segment needs heavy_video_user, which other-network subscribers do not have\n"
        "  17 |   - product: PI-SWITCH5G\n"
        "     |              ^^^^^^^^^^^"
    )


def test_a_clause_true_on_nulls_is_not_out_of_reach(write: Write, settings, products) -> None:
    text = edit("product: LA-5GUP-S", "product: PI-SWITCH5G")
    text = edit(
        "  heavy_video_user\n  and not plan_is_5g\n",
        "  heavy_video_user or heavy_video_user is null\n",
        text,
    )
    assert rendered([write(text)], settings, products) == []


@pytest.fixture
def product_offered_twice(write: Write) -> Path:
    return write(edit("product: LA-5GUP-L", "product: LA-5GUP-S"))


def test_product_offered_twice(product_offered_twice: Path, settings, products) -> None:
    assert only(product_offered_twice, settings, products) == (
        "s.yaml:18:14 E129 product 'LA-5GUP-S' is already offered (line 17)\n"
        "  18 |   - product: LA-5GUP-S\n"
        "     |              ^^^^^^^^^"
    )


@pytest.fixture
def script_for_touchpoint_not_allowed(write: Write) -> Path:
    return write(edit("allowed: [outbound_call, sms]", "allowed: [outbound_call]"))


def test_script_for_touchpoint_not_allowed(script_for_touchpoint_not_allowed, settings, products):
    assert only(script_for_touchpoint_not_allowed, settings, products) == (
        "s.yaml:24:3 E130 a script for 'sms', which is not in touchpoints.allowed\n"
        '  24 |   sms: "You streamed {video_mb_30d} MB of video: add 5G for 10 CNY."\n'
        "     |   ^^^"
    )


@pytest.fixture
def fixed_routing_without_order(write: Write) -> Path:
    return write(
        edit("  allowed: [outbound_call, sms]", "  allowed: [outbound_call, sms]\n  choose: fixed")
    )


def test_fixed_routing_without_order(fixed_routing_without_order: Path, settings, products):
    assert only(fixed_routing_without_order, settings, products) == (
        "s.yaml:22:11 E130 choose: fixed needs an 'order' of touchpoints\n"
        "  22 |   choose: fixed\n"
        "     |           ^^^^^"
    )


@pytest.fixture
def many_problems(write: Write) -> list[Path]:
    text = edit("holdout: 0.1", "holdout: 0.9\npriority: high")
    text = edit("  and not plan_is_5g", "  and not plan_is_5gg", text)
    text = edit("product: LA-5GUP-S", "product: LA-5GUP", text)
    text = edit("owner: P1", "ownr: P1", text)
    other = edit("id: mobile-5g-upgrade-video-2026q4", "id: mobile-5g-upgrade-video")
    other = edit("  to: 2026-12-31", "  to: 2025-12-31", other)
    return [write(text, name="a.yaml"), write(other, name="b.yaml")]


def test_every_problem_of_every_file_in_one_run(many_problems, settings, products) -> None:
    with pytest.raises(DiagnosticError) as info:
        compile_strategies(many_problems, settings=settings, products=products)
    assert [d.headline() for d in info.value.diagnostics] == [
        "a.yaml:4:1 E102 unknown key 'ownr' (did you mean 'owner'?)",
        "a.yaml:15:11 E103 unknown tag 'plan_is_5gg' (did you mean 'plan_is_5g'?)",
        "a.yaml:17:14 E120 unknown product 'LA-5GUP' (did you mean 'LA-5GUP-S'?)",
        "a.yaml:22:10 E126 holdout 0.9 is outside [0, 0.5]",
        "a.yaml:23:11 E108 invalid priority: input should be a valid integer, "
        "unable to parse string as an integer",
        "b.yaml:7:7 E123 active window ends (2025-12-31) before it starts (2026-10-01)",
    ]
    assert str(info.value) == "6 error(s)"


@pytest.fixture
def misspelled_key_in_an_offer(write: Write) -> Path:
    return write(edit("  - product: LA-5GUP-S", "  - prodcut: LA-5GUP-S"))


def test_misspelled_key_in_a_list_item(misspelled_key_in_an_offer: Path, settings, products):
    assert only(misspelled_key_in_an_offer, settings, products) == (
        "s.yaml:17:5 E102 unknown key 'prodcut' in 'offers[0]' (did you mean 'product'?)\n"
        "  17 |   - prodcut: LA-5GUP-S\n"
        "     |     ^^^^^^^"
    )


@pytest.fixture
def order_outside_allowed(write: Write) -> Path:
    return write(
        edit(
            "  allowed: [outbound_call, sms]",
            "  allowed: [outbound_call, sms]\n  choose: fixed\n  order: [sms, internet]",
        )
    )


def test_order_names_a_touchpoint_not_allowed(order_outside_allowed: Path, settings, products):
    assert only(order_outside_allowed, settings, products) == (
        "s.yaml:23:16 E130 touchpoint 'internet' is in order but not in allowed\n"
        "  23 |   order: [sms, internet]\n"
        "     |                ^^^^^^^^"
    )


@pytest.fixture
def empty_file(write: Write) -> Path:
    return write("")


def test_empty_file(empty_file: Path, settings, products) -> None:
    assert only(empty_file, settings, products) == "s.yaml:1:1 E108 the file is empty"
