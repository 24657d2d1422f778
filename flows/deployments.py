"""The deployments and their schedules, defined in code next to the flows they run.

Why code rather than prefect.yaml: `serve` registers these deployments and executes
their runs in one process, with no work pool, image or pull step to configure, which
is what the embedded set-up and a single orchestration host need. The same
`RunnerDeployment` objects are what `cube flows serve` starts and the tests check.

Schedules (cron, in `SCHEDULE_TIMEZONE`):
- tags        daily at 02:00   build the day's tag snapshot
- match       daily at 05:00   match and load the work orders (after the tags)
- evaluation  hourly at :15    evaluate the latest loaded run's outcomes so far
- cycle       on demand        all three in one run
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from prefect.types.entrypoint import EntrypointType

from flows.cycle import cycle_flow
from flows.evaluation import evaluation_flow
from flows.matching import match_flow
from flows.tagging import tags_flow

if TYPE_CHECKING:
    from prefect import Flow
    from prefect.deployments.runner import RunnerDeployment

SCHEDULE_TIMEZONE = "UTC"
"""Cron times are UTC, like the engine's business dates."""


@dataclass(frozen=True)
class Plan:
    """One deployment: which flow, its name, its cron schedule (None: on demand)."""

    flow: Flow[..., Any]
    name: str
    cron: str | None
    description: str

    @property
    def full_name(self) -> str:
        """What `prefect deployment run` and `cube flows run` take: flow/deployment."""
        return f"{self.flow.name}/{self.name}"


PLANS: tuple[Plan, ...] = (
    Plan(tags_flow, "daily", "0 2 * * *", "Build the day's tag snapshot behind the gates."),
    Plan(match_flow, "daily", "0 5 * * *", "Match the strategies and load the work orders."),
    Plan(evaluation_flow, "hourly", "15 * * * *", "Evaluate the latest loaded run."),
    Plan(cycle_flow, "on-demand", None, "Tags, match and evaluation in one run."),
)


def plan(name: str) -> Plan:
    """A deployment by its full name (flow/deployment) or its flow's name."""
    for found in PLANS:
        if name in (found.full_name, found.flow.name):
            return found
    known = ", ".join(p.full_name for p in PLANS)
    from cube.errors import ConfigError

    raise ConfigError(f"unknown deployment '{name}' (known: {known})")


def deployments(
    paused: bool = False, parameters: dict[str, dict[str, Any]] | None = None
) -> list[RunnerDeployment]:
    """The RunnerDeployments to serve; `parameters` overrides defaults per flow name."""
    from prefect.client.schemas.schedules import CronSchedule

    found = []
    for item in PLANS:
        schedules = [CronSchedule(cron=item.cron, timezone=SCHEDULE_TIMEZONE)] if item.cron else []
        found.append(
            item.flow.to_deployment(
                item.name,
                schedules=schedules,
                paused=paused,
                parameters=(parameters or {}).get(item.flow.name),
                description=item.description,
                tags=["strategy-cube"],
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    return found


def serve(limit: int = 1, paused: bool = False) -> None:
    """Register the deployments and run their flow runs until interrupted.

    limit: flow runs at once (1 by default: runs share the Spark driver's memory and
    the embedded SQLite store; raise it on a bigger host).
    paused: register the schedules paused (trigger runs by hand only).
    """
    from prefect import serve as prefect_serve

    prefect_serve(*deployments(paused=paused), limit=limit)
