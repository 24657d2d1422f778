"""The hourly evaluation flow: a note when nothing is loaded, a clear error on a bad run."""

from __future__ import annotations

import pytest

from cube.errors import InputError
from cube.settings import Settings
from cube.store import open_store
from flows.evaluation import evaluation_flow
from tests.flows.conftest import artifacts_of, task_runs_of


@pytest.mark.slow
def test_nothing_loaded_completes_with_a_note(prefect_api: str, settings: Settings) -> None:
    state = evaluation_flow(return_state=True)
    assert state.is_completed()
    assert state.result() is None
    found = artifacts_of([state.state_details.flow_run_id])
    assert found["evaluation"].data == "No match run loaded yet: nothing to evaluate.\n"


@pytest.mark.slow
def test_unknown_run_fails_at_once(prefect_api: str, settings: Settings) -> None:
    store = open_store(settings)
    store.migrate()
    store.close()
    state = evaluation_flow(run_id="20261101-missing", return_state=True)
    assert state.is_failed()
    with pytest.raises(InputError) as caught:
        state.result()
    missing = settings.dir("runs") / "20261101-missing"
    assert str(caught.value) == f"run '20261101-missing': no such directory ({missing})"
    runs = task_runs_of(state.state_details.flow_run_id)
    assert runs["evaluate run"].run_count == 1
