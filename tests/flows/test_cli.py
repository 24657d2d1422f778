"""`cube flows`: list the deployments, parse parameters, refuse the ephemeral API.

Triggering a run through `cube flows run` is tested against a real server in
test_deployments.py."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cube.cli.flows import api_url, app, parse_params
from cube.errors import ConfigError
from tests.flows.test_deployments import EXPECTED


def test_list_shows_every_deployment_and_schedule() -> None:
    result = CliRunner().invoke(app, ["list", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert {row["deployment"]: row["cron"] for row in listed} == EXPECTED
    cycle = next(row for row in listed if row["deployment"] == "cycle/on-demand")
    assert cycle["parameters"]["source"] == "auto"
    assert cycle["parameters"]["subscribers"] == 100_000


def test_params_parse_json_values_and_keep_text() -> None:
    parsed = parse_params(["subscribers=500", 'strategies=["a.yaml"]', "region=P1.C03"])
    assert parsed == {"subscribers": 500, "strategies": ["a.yaml"], "region": "P1.C03"}
    with pytest.raises(ConfigError, match=r"--param 'subscribers': expected name=value"):
        parse_params(["subscribers"])


def test_commands_need_a_prefect_server() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        with pytest.raises(ConfigError) as caught:
            api_url()
    assert str(caught.value) == (
        "PREFECT_API_URL is not set: start a server (`prefect server start`) and run "
        "`prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api`"
    )


def test_unknown_deployment_names_the_known_ones() -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # The name is checked before the server is asked anything.
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = CliRunner().invoke(app, ["run", "nightly", "--json"])
    assert result.exit_code == 1
    assert str(result.exception) == (
        "unknown deployment 'nightly' (known: tags/daily, match/daily, evaluation/hourly, "
        "cycle/on-demand)"
    )
