"""What a simulation run is told: the systems and their keys, and the shape of the cycle.

The keys file (`cube simulate keys` writes one) names each touchpoint system and, per
system, one API key per region it serves. A system is one process; its keys are its
sites (a call centre per city, a pop-up per county).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from cube.errors import InputError

Touchpoint = Literal["outbound_call", "sms", "store_popup", "internet"]
BATCH_TOUCHPOINTS = ("outbound_call", "sms")


class SiteKey(BaseModel):
    """One site of a system: its region prefix and the API key scoped to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str = Field(description="Region prefix the key is scoped to, e.g. P1.C03.")
    token: str = Field(description="The API key (secret).")


class SystemSpec(BaseModel):
    """One touchpoint system: a process with one key per site."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    touchpoint: Touchpoint
    sites: tuple[SiteKey, ...] = Field(min_length=1)


class KeysFile(BaseModel):
    """Contents of a keys file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    systems: tuple[SystemSpec, ...] = Field(min_length=1)


class SimConfig(BaseModel):
    """The cycle: simulated hours, capacities, misbehaviour, and the seed of every draw."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 7
    hours: int = Field(default=8, ge=1, le=24 * 31)
    start: AwareDatetime = Field(
        default=dt.datetime(2026, 11, 1, 8, tzinfo=dt.UTC),
        description="Simulated time of hour 0; results carry simulated timestamps.",
    )
    misbehave: float = Field(
        default=0.02, ge=0.0, le=1.0, description="Share of leases that misbehave."
    )
    lease_seconds: int = Field(default=120, ge=1, le=86_400, description="Honest leases.")
    short_lease_seconds: int = Field(
        default=2, ge=1, le=600, description="Leases of agents about to vanish or post late."
    )
    agents_per_site: int = Field(default=5, ge=1, description="Call-centre agents per site.")
    calls_per_agent_hour: int = Field(default=12, ge=1, le=1000)
    sms_per_site_hour: int = Field(default=5000, ge=1)
    visit_rate: float = Field(
        default=0.01, ge=0.0, le=1.0, description="Store visits per customer per hour."
    )
    session_rate: float = Field(
        default=0.02, ge=0.0, le=1.0, description="App sessions per customer per hour."
    )
    invalid_number_rate: float = Field(
        default=0.01, ge=0.0, le=1.0, description="Subscribers whose number is dead (call, SMS)."
    )
    organic_days: int = Field(
        default=30, ge=1, le=366, description="Days organic purchases are spread over."
    )


def load_keys(path: Path) -> KeysFile:
    """Read a keys file; errors name the file and the field."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: keys file not found (make one: cube simulate keys)") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a JSON keys file: {exc}") from None
    try:
        return KeysFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise InputError(f"{path}: {where}: {first['msg']}") from None
