"""Evaluation reports (admin scope): which runs have one, and each run's HTML page.

The pages are the files `cube evaluate run` writes (`<reports>/evaluation/<run_id>/
report.html`, self-contained: inline CSS and SVG, no script, no network), served as
they are. A key without the admin scope gets 403 before anything is looked up, so it
cannot learn which runs exist; an unknown run is 404 with the usual error body.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PrincipalDep
from api.errors import error_responses
from api.limits import DEFAULT_PAGE, MAX_PAGE
from api.schemas import Page
from cube.evaluation import report
from cube.settings import get_settings
from cube.store import ForbiddenError, NotFoundError, Principal

router = APIRouter(prefix="/v1/reports", tags=["reports"])
# The page is data rendered as HTML: allow its inline styles and nothing else.
HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}
_REPORT = {
    "run_id": "20261101-3f9a1c0b7d",
    "period": "2026-11",
    "run_date": "2026-11-01",
    "as_of": "2026-12-01",
    "evaluated_at": "2026-12-01T06:00:00+00:00",
    "alerts": 1,
    "url": "/v1/reports/20261101-3f9a1c0b7d",
}
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="Items to skip.")]
RunId = Annotated[
    str, PathParam(pattern=report.RUN_ID_PATTERN, description="The evaluated run's id.")
]


class ReportOut(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_REPORT]})

    run_id: str
    period: str | None
    run_date: str | None = Field(description="Day the run issued its orders (YYYY-MM-DD).")
    as_of: str | None = Field(description="Evaluation date (YYYY-MM-DD).")
    evaluated_at: str | None
    alerts: int = Field(description="Alert rules breached in that evaluation.")
    url: str = Field(description="Where the HTML report is (this API, same key).")


class ReportsPage(Page):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"items": [_REPORT], "limit": 100, "offset": 0,
                                         "total": 1}]},
    )  # fmt: skip

    items: list[ReportOut]


def reports_dir(request: Request) -> Path:
    """The app's reports directory (set by create_app), else the settings' one."""
    configured = getattr(request.app.state, "reports_dir", None)
    return Path(configured) if configured is not None else get_settings().dir("reports")


def require_admin(principal: Principal) -> None:
    if not principal.admin:
        raise ForbiddenError(f"key '{principal.key_id}' has no admin scope")


@router.get(
    "",
    response_model=ReportsPage,
    summary="Evaluated runs with an HTML report",
    responses=error_responses(401, 403, 422, 429, 503),
)
def list_reports(
    principal: PrincipalDep, request: Request, limit: Limit = DEFAULT_PAGE, offset: Offset = 0
) -> ReportsPage:
    """Newest run date first; each item links to its page."""
    require_admin(principal)
    found = report.reports(reports_dir(request))
    page = [
        ReportOut(**item, url=f"{router.prefix}/{item['run_id']}")
        for item in found[offset : offset + limit]
    ]
    return ReportsPage(items=page, limit=limit, offset=offset, total=len(found))


# Response (no media type) so the errors stay documented as JSON and only 200 is HTML.
@router.get(
    "/{run_id}",
    response_class=Response,
    summary="One run's evaluation report (self-contained HTML)",
    responses={
        200: {
            "description": "The report page.",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        **error_responses(401, 403, 404, 422, 429, 503),
    },
)
def get_report(principal: PrincipalDep, request: Request, run_id: RunId) -> HTMLResponse:
    """The page `cube evaluate run` wrote: charts, alerts, results, routing feedback."""
    require_admin(principal)
    path = report.report_file(reports_dir(request), run_id)
    try:
        if path is None:
            raise FileNotFoundError(run_id)
        page = path.read_text(encoding="utf-8")
    except FileNotFoundError:  # also when a re-evaluation swaps the directory right now
        raise NotFoundError(f"no evaluation report for run '{run_id}'") from None
    return HTMLResponse(page, headers=HTML_HEADERS)
