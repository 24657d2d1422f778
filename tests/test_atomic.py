"""Atomic writes: old or new, never half, and nothing left behind."""

from __future__ import annotations

import os

import pytest

from cube.atomic import swap_in, write_text_atomic


def test_write_text_atomic_replaces_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "dq" / "inputs.json"
    write_text_atomic(path, "one")
    write_text_atomic(path, "two")

    assert path.read_text() == "two"
    assert [p.name for p in path.parent.iterdir()] == ["inputs.json"]


def test_swap_in_replaces_a_directory_and_removes_the_old_one(tmp_path):
    target, staging = tmp_path / "run", tmp_path / ".staging"
    target.mkdir()
    (target / "old.txt").write_text("old")
    staging.mkdir()
    (staging / "new.txt").write_text("new")

    assert swap_in(staging, target) is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    assert [p.name for p in target.iterdir()] == ["new.txt"]


def test_swap_in_restores_the_old_directory_when_the_rename_fails(tmp_path, monkeypatch):
    target, staging = tmp_path / "run", tmp_path / ".staging"
    target.mkdir()
    (target / "old.txt").write_text("old")
    staging.mkdir()
    real = os.rename

    def failing(src, dst):
        if str(src) == str(staging):
            raise OSError("disk full")
        return real(src, dst)

    monkeypatch.setattr(os, "rename", failing)
    with pytest.raises(OSError, match="disk full"):
        swap_in(staging, target)

    assert [p.name for p in target.iterdir()] == ["old.txt"]
