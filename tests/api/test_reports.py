"""Evaluation reports over HTTP: listed and served to admin keys only, 404 for unknown runs.

The store backend plays no part beyond authenticating the key, so these run on SQLite
only (the key checks themselves are tested on both backends in test_deps/test_admin).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cube.settings import Settings
from tests.api.conftest import Api

PAGE = '<!DOCTYPE html>\n<html><body><svg data-chart="funnel"></svg> r &lt;new&gt;</body></html>\n'


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'store.db'}"


def _evaluated(settings: Settings, run_id: str, run_date: str, alerts: int, page: bool) -> Path:
    """An evaluation directory as `cube evaluate run` leaves it (summary, maybe a report)."""
    directory = settings.dir("reports") / "evaluation" / run_id
    directory.mkdir(parents=True)
    summary = {"run_id": run_id, "period": run_date[:7], "run_date": run_date,
               "as_of": "2026-12-01", "evaluated_at": "2026-12-01T06:00:00+00:00",
               "alerts": [{"rule": f"r{i}"} for i in range(alerts)]}  # fmt: skip
    (directory / "summary.json").write_text(json.dumps(summary))
    if page:
        (directory / "report.html").write_text(PAGE.replace("r &lt;new&gt;", run_id))
    return directory


@pytest.fixture
def evaluated(settings: Settings) -> Settings:
    """Two runs with a report, one evaluated before reports existed, one half-written."""
    _evaluated(settings, "20261001-aaa", "2026-10-01", 0, page=True)
    _evaluated(settings, "20261101-bbb", "2026-11-01", 2, page=True)
    _evaluated(settings, "20260901-old", "2026-09-01", 0, page=False)
    _evaluated(settings, ".20261201-ccc.1f2e.tmp", "2026-12-01", 0, page=True)
    return settings


def test_admin_lists_runs_with_a_report_newest_first(api: Api, evaluated: Settings) -> None:
    admin = api.client("admin")
    listed = admin.get("/v1/reports").json()
    assert listed == {
        "items": [
            {"run_id": "20261101-bbb", "period": "2026-11", "run_date": "2026-11-01",
             "as_of": "2026-12-01", "evaluated_at": "2026-12-01T06:00:00+00:00", "alerts": 2,
             "url": "/v1/reports/20261101-bbb"},
            {"run_id": "20261001-aaa", "period": "2026-10", "run_date": "2026-10-01",
             "as_of": "2026-12-01", "evaluated_at": "2026-12-01T06:00:00+00:00", "alerts": 0,
             "url": "/v1/reports/20261001-aaa"},
        ],
        "limit": 100,
        "offset": 0,
        "total": 2,
    }  # fmt: skip
    second = admin.get("/v1/reports", params={"limit": 1, "offset": 1}).json()
    assert ([i["run_id"] for i in second["items"]], second["total"]) == (["20261001-aaa"], 2)


def test_admin_gets_the_page_as_html(api: Api, evaluated: Settings) -> None:
    url = api.client("admin").get("/v1/reports").json()["items"][0]["url"]
    r = api.client("admin", header="x-api-key").get(url)
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.text == PAGE.replace("r &lt;new&gt;", "20261101-bbb")
    assert r.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    )
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_key_without_admin_scope_is_refused_before_any_lookup(
    api: Api, evaluated: Settings
) -> None:
    call = api.client("call")
    expected = f"key '{api.key_ids['call']}' has no admin scope"
    for path in ("/v1/reports", "/v1/reports/20261101-bbb", "/v1/reports/no-such-run"):
        r = call.get(path)
        assert (r.status_code, r.json()["error"], r.json()["message"]) == (
            403,
            "forbidden",
            expected,
        ), path
    assert api.client().get("/v1/reports/20261101-bbb").status_code == 401


def test_unknown_unreported_and_malformed_runs(api: Api, evaluated: Settings) -> None:
    admin = api.client("admin")
    for run_id in ("no-such-run", "20260901-old"):  # never evaluated; evaluated, no page
        r = admin.get(f"/v1/reports/{run_id}")
        assert r.status_code == 404
        assert r.json()["error"] == "not_found"
        assert r.json()["message"] == f"no evaluation report for run '{run_id}'"
        assert r.json()["request_id"] == r.headers["x-request-id"]
    hidden = admin.get("/v1/reports/.20261201-ccc.1f2e.tmp")
    assert hidden.status_code == 422
    assert hidden.json()["fields"] == [
        {"field": "run_id", "message": "String should match pattern "
         "'^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'"}
    ]  # fmt: skip
    assert admin.get("/v1/reports/..%2F..%2Fcube.db").status_code == 404


def test_no_reports_yet_is_an_empty_list(api: Api, settings: Settings) -> None:
    listed = api.client("admin").get("/v1/reports").json()
    assert listed == {"items": [], "limit": 100, "offset": 0, "total": 0}
