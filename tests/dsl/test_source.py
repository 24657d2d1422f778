"""The position-keeping YAML loader: values, marks, and located syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cube.dsl.source import YamlSyntaxError, load_yaml


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return path


def test_values_and_marks(tmp_path):
    data, positions = load_yaml(write(tmp_path, "id: a\nactive:\n  from: 2026-11-01\n"), "s.yaml")

    assert str(data["active"]["from"]) == "2026-11-01"
    mark = positions.value(("active", "from"))
    assert (mark.line, mark.col, mark.width) == (3, 9, 10)
    assert (positions.key(("active",)).line, positions.key(("active",)).col) == (2, 1)


def test_impossible_date_is_a_located_error(tmp_path):
    path = write(tmp_path, "active:\n  from: 2026-11-01\n  to: 2026-12-32\n")

    with pytest.raises(YamlSyntaxError) as info:
        load_yaml(path, "s.yaml")

    assert info.value.diagnostic.render() == (
        "s.yaml:3:7 E100 invalid value '2026-12-32': day is out of range for month\n"
        "   3 |   to: 2026-12-32\n"
        "     |       ^^^^^^^^^^"
    )


def test_duplicate_key_is_a_located_error(tmp_path):
    with pytest.raises(YamlSyntaxError) as info:
        load_yaml(write(tmp_path, "id: a\nid: b\n"), "s.yaml")

    assert info.value.diagnostic.headline() == "s.yaml:2:1 E101 duplicate key 'id'"
