"""generate(): files match the contract, are reproducible, and replace old output atomically."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import cube.data.generator as generator_module
from cube.contract import TABLES
from cube.data.arrow import arrow_schema
from cube.data.generator import GenerateReport, generate
from cube.data.truth import PROPENSITY
from cube.errors import InputError
from tests.conftest import AS_OF
from tests.data.conftest import file_hashes

SMALL = 1200
CHUNK = 500  # three chunks, the last one partial


def _generate(home: Path, seed: int = 3, **kwargs: object) -> GenerateReport:
    options = {"subscribers": SMALL, "seed": seed, "as_of": AS_OF, "chunk_size": CHUNK}
    options.update(kwargs)
    return generate(home / "raw", home / "truth", **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def generated_twice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two homes generated with identical arguments."""
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    _generate(first)
    _generate(second)
    return first, second


def test_same_arguments_give_byte_identical_files(generated_twice: tuple[Path, Path]) -> None:
    first, second = generated_twice
    hashes = file_hashes(first / "raw", first / "truth")
    assert hashes == file_hashes(second / "raw", second / "truth")
    assert len(hashes) == 4 + 7 * 3 + 1 + 3  # dimensions, 7 tables x 3 chunks, params, truth


def test_another_seed_gives_other_data(generated_twice: tuple[Path, Path], tmp_path: Path) -> None:
    first, _ = generated_twice
    _generate(tmp_path, seed=4)
    before, after = file_hashes(first / "raw"), file_hashes(tmp_path / "raw")
    assert before.keys() == after.keys()
    assert before["raw/products/part-00000.parquet"] == after["raw/products/part-00000.parquet"]
    for name in ("subscribers", "usage_daily", "contact_history", "regions"):
        assert before[f"raw/{name}/part-00000.parquet"] != after[f"raw/{name}/part-00000.parquet"]


def test_ids_stay_unique_across_chunks(generated_twice: tuple[Path, Path]) -> None:
    raw = generated_twice[0] / "raw"
    subscribers = pq.read_table(raw / "subscribers").to_pandas()
    assert subscribers["subscriber_id"].is_unique and len(subscribers) == SMALL
    heads = subscribers[subscribers["family_role"] == "head"]
    assert heads["family_id"].is_unique
    contacts = pq.read_table(raw / "contact_history", columns=["contact_id"]).to_pandas()
    assert contacts["contact_id"].is_unique
    assert contacts["contact_id"].str.fullmatch(r"CT\d{15}").all()


def test_every_file_has_the_contract_schema(operator_home: Path) -> None:
    for spec in TABLES:
        parts = sorted((operator_home / "raw" / spec.name).glob("*.parquet"))
        assert [p.name for p in parts] == ["part-00000.parquet"]
        schema = pq.read_schema(parts[0])
        assert schema.remove_metadata() == arrow_schema(spec), spec.name
        for column in spec.columns:
            field = schema.field(column.name)
            assert field.nullable == column.nullable, f"{spec.name}.{column.name}"
    truth = pq.read_schema(operator_home / "truth" / "propensity" / "part-00000.parquet")
    assert truth.remove_metadata() == arrow_schema(PROPENSITY)


def test_timestamps_are_utc_microseconds(operator_home: Path) -> None:
    schema = pq.read_schema(operator_home / "raw" / "contact_history" / "part-00000.parquet")
    assert str(schema.field("contact_ts").type) == "timestamp[us, tz=UTC]"


def test_report_counts_what_was_written(tmp_path: Path) -> None:
    progress: list[int] = []
    report = _generate(tmp_path, on_progress=progress.append)
    assert progress == [500, 500, 200]
    assert report.subscribers == SMALL == report.own_subscribers + report.other_subscribers
    assert report.chunks == 3
    assert list(report.tables) == [spec.name for spec in TABLES]
    for name, table in report.tables.items():
        files = sorted((tmp_path / "raw" / name).glob("*.parquet"))
        assert table.files == len(files)
        assert table.rows == sum(pq.read_metadata(f).num_rows for f in files)
        assert table.bytes == sum(f.stat().st_size for f in files)
        assert table.path == tmp_path.absolute() / "raw" / name
    assert report.tables["subscribers"].rows == SMALL
    assert report.truth_tables["propensity"].rows == SMALL
    assert report.truth_params.is_file()
    assert report.peak_rss_mb > 0 and report.seconds > 0
    dumped = report.model_dump()
    assert set(dumped) == set(GenerateReport.model_fields)


def test_rerun_replaces_previous_output(tmp_path: Path) -> None:
    _generate(tmp_path, seed=3)
    (tmp_path / "raw" / "subscribers" / "part-00009.parquet").write_bytes(b"stale")
    _generate(tmp_path, seed=5, subscribers=400)
    assert not (tmp_path / "raw" / "subscribers" / "part-00009.parquet").exists()
    assert pq.read_table(tmp_path / "raw" / "subscribers").num_rows == 400
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw", "truth"]  # no temp leftovers


@pytest.fixture
def disk_full_on_third_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing any Parquet part of chunk 2 raises, as a full disk would."""
    real = generator_module.write_part

    def failing(spec, table, directory, part):  # type: ignore[no-untyped-def]
        if part == 2:
            raise OSError("No space left on device")
        return real(spec, table, directory, part)

    monkeypatch.setattr(generator_module, "write_part", failing)


def test_failed_run_leaves_previous_output_intact(
    tmp_path: Path, disk_full_on_third_chunk: None
) -> None:
    _generate(tmp_path, seed=3, subscribers=2 * CHUNK)  # two chunks: never reaches part 2
    before = file_hashes(tmp_path / "raw", tmp_path / "truth")
    with pytest.raises(OSError, match="No space left"):
        _generate(tmp_path, seed=9)
    assert file_hashes(tmp_path / "raw", tmp_path / "truth") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw", "truth"]


def test_refuses_to_replace_a_directory_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "thesis.docx").write_text("years of work")
    with pytest.raises(InputError, match=r"raw: will not replace .*thesis\.docx"):
        _generate(tmp_path)
    assert (tmp_path / "raw" / "thesis.docx").read_text() == "years of work"
    assert not (tmp_path / "truth").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"subscribers": 0}, "subscribers must be at least 1, got 0"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"chunk_size": 0}, "chunk_size must be at least 1"),
    ],
)
def test_rejects_bad_arguments(tmp_path: Path, arguments: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        _generate(tmp_path, **arguments)
    assert not (tmp_path / "raw").exists()


def test_rejects_truth_inside_raw(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="must be separate"):
        generate(tmp_path / "raw", tmp_path / "raw" / "truth", subscribers=10, seed=1,
                 as_of=dt.date(2026, 1, 1))  # fmt: skip
