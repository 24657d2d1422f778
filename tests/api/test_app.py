"""The app as a whole: a complete OpenAPI, the store it builds from settings, and
schemathesis against the served OpenAPI with zero 5xx (when schemathesis is installed)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis.errors import Unsatisfiable

from api.app import create_app
from cube.contract import TOUCHPOINTS
from cube.settings import Settings
from cube.store import Cap, CapPolicy, StoreError
from tests.api.conftest import Api, running_api
from tests.store.builder import order

try:
    import schemathesis
except ImportError:  # a dev extra; the fuzz test says so and skips
    schemathesis = None


@pytest.fixture
def spec(settings: Settings) -> dict[str, Any]:
    app = create_app()
    app.state.store.close()
    return app.openapi()


def test_every_schema_has_examples_and_requests_forbid_extras(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert [name for name, s in schemas.items() if not s.get("examples")] == []
    for name in ("LeaseRequest", "ResultItem", "ResultsRequest", "ImpressionRequest"):
        assert schemas[name]["additionalProperties"] is False, name


def test_every_route_documents_its_errors_and_auth(spec: dict[str, Any]) -> None:
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            if not path.startswith("/v1/"):
                assert op.get("security") is None, path
                continue
            assert {"200", "401", "422", "429", "503"} <= codes, (method, path)
            assert op["security"] == [{"HTTPBearer": []}, {"APIKeyHeader": []}], path
            assert op["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert set(spec["paths"]["/v1/results"]["post"]["responses"]) >= {"409"}
    assert set(spec["paths"]["/v1/impressions"]["post"]["responses"]) >= {"404", "409"}


def test_the_default_store_has_the_contact_policys_caps(settings: Settings) -> None:
    app = create_app()
    try:
        assert app.state.store.caps == CapPolicy(
            touchpoints={
                "outbound_call": Cap(limit=1, window_days=7),
                "sms": Cap(limit=4, window_days=30),
                "store_popup": Cap(limit=2, window_days=7),
                "internet": Cap(limit=6, window_days=7),
            },
            total=Cap(limit=8, window_days=30),
            timezone="Asia/Shanghai",
            quiet_hours={
                "outbound_call": {"start": "21:00", "end": "09:00"},
                "sms": {"start": "21:00", "end": "08:00"},
            },
        )
        assert app.state.store.backend.name == "sqlite"
    finally:
        app.state.store.close()


def test_the_app_refuses_to_start_on_an_unmigrated_store(settings: Settings) -> None:
    app = create_app()

    async def start() -> None:
        async with app.router.lifespan_context(app):
            pass

    with pytest.raises(StoreError) as refused:
        asyncio.run(start())
    assert str(refused.value) == (
        "store schema is at version 0, this cube needs "
        f"{app.state.store.schema_version()[1]}: run `cube store migrate`"
    )
    app.state.store.close()


# -- schemathesis ---------------------------------------------------------------------------

# Per operation and mode; generating big result batches is the slow part.
FUZZ_EXAMPLES = 6


@pytest.fixture
def fuzz_api(database_url: str, tmp_path: Any) -> Iterator[Api]:
    """A served app with orders on every touchpoint and a key that sees everything."""
    with running_api(database_url, tmp_path) as api:
        rows = [
            order("r1", s, touchpoint=t, region="P1.C01.K001.G0001", score=float(s))
            for s in range(1, 4)
            for t in TOUCHPOINTS
        ]
        api.load("r1", rows)
        key = api.store.create_key("fuzz", list(TOUCHPOINTS), ["*"], admin_scope=True)
        api.tokens["fuzz"] = key.token
        yield api


@pytest.mark.slow
def test_schemathesis_finds_no_server_errors(fuzz_api: Api) -> None:
    """Positive and negative cases for every operation: no 5xx, documented status codes,
    content types and bodies. Driven through Hypothesis directly (schemathesis's lazy
    pytest fixture loader does not run on pytest 9)."""
    if schemathesis is None:
        pytest.skip("schemathesis is not installed (add it to the dev extra)")
    schema = schemathesis.openapi.from_url(f"{fuzz_api.url}/openapi.json")
    headers = {"Authorization": f"Bearer {fuzz_api.tokens['fuzz']}"}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13
    for operation in operations:
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            try:
                _fuzz(operation.as_strategy(mode), headers)
            except Unsatisfiable:  # no way to make a request to it invalid (e.g. /healthz)
                assert mode == schemathesis.GenerationMode.NEGATIVE, operation.label
            except BaseExceptionGroup as exc:  # collect every operation's failures, then report
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert failures == []


def _fuzz(strategy: Any, headers: dict[str, str]) -> None:
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    run()
