"""API keys: stored only as the sha256 of a random secret, scoped to touchpoints,
region prefixes and an admin flag.

A key reads `cube_<key_id>_<secret>`: the key id is public (shown in lists and logs),
the secret is shown once at creation and never stored. Secrets are 256 random bits,
so a plain sha256 is enough (no password stretching needed); comparison is constant
time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import time

from pydantic import BaseModel, ConfigDict, Field

from cube.contract import TOUCHPOINTS
from cube.store.backend import Backend
from cube.store.errors import AuthError, NotFoundError
from cube.store.model import ALL_REGIONS, Principal, from_us, to_us
from cube.store.tx import Tx

_TOKEN = re.compile(r"^cube_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")
_REGION = re.compile(r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$")


class KeyInfo(BaseModel):
    """A key as listed: everything but the secret."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key_id: str
    name: str
    touchpoints: tuple[str, ...]
    region_prefixes: tuple[str, ...]
    admin: bool
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None


class NewKey(BaseModel):
    """A freshly created key: `token` is shown once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    info: KeyInfo
    token: str = Field(description="The full key; store it now, it cannot be shown again.")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_scopes(touchpoints: list[str], regions: list[str], admin: bool) -> None:
    """Refuse scopes that name unknown touchpoints or malformed regions, or grant nothing."""
    for t in touchpoints:
        if t not in TOUCHPOINTS:
            raise ValueError(f"unknown touchpoint '{t}' (known: {', '.join(TOUCHPOINTS)})")
    for r in regions:
        if r != ALL_REGIONS and not _REGION.match(r):
            raise ValueError(f"bad region prefix '{r}' (e.g. P1, P1.C03, or * for all)")
    if not admin and not (touchpoints and regions):
        raise ValueError("a key needs at least one touchpoint and one region prefix, or admin")


def create_key(
    backend: Backend,
    name: str,
    touchpoints: list[str],
    regions: list[str],
    admin: bool,
    now: dt.datetime,
) -> NewKey:
    check_scopes(touchpoints, regions, admin)
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    info = KeyInfo(
        key_id=key_id,
        name=name,
        touchpoints=tuple(sorted(set(touchpoints))),
        region_prefixes=tuple(sorted(set(regions))),
        admin=admin,
        created_at=now,
    )

    def insert(tx: Tx) -> None:
        tx.run(
            "INSERT INTO api_keys (key_id, name, secret_sha256, touchpoints, region_prefixes, "
            "admin, created_us) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                key_id,
                name,
                _hash(secret),
                json.dumps(info.touchpoints),
                json.dumps(info.region_prefixes),
                admin,
                to_us(now),
            ],
        )

    backend.transact(insert)
    return NewKey(info=info, token=f"cube_{key_id}_{secret}")


_KEY_COLUMNS = "key_id, name, touchpoints, region_prefixes, admin, created_us, revoked_us"


def _info(row: tuple) -> KeyInfo:
    return KeyInfo(
        key_id=row[0],
        name=row[1],
        touchpoints=tuple(json.loads(row[2])),
        region_prefixes=tuple(json.loads(row[3])),
        admin=bool(row[4]),
        created_at=from_us(row[5]),
        revoked_at=from_us(row[6]) if row[6] is not None else None,
    )


def list_keys(backend: Backend) -> list[KeyInfo]:
    rows = backend.transact(
        lambda tx: tx.rows(f"SELECT {_KEY_COLUMNS} FROM api_keys ORDER BY created_us, key_id"),
        write=False,
    )
    return [_info(r) for r in rows]


def revoke_key(backend: Backend, key_id: str, now: dt.datetime) -> KeyInfo:
    def revoke(tx: Tx) -> KeyInfo:
        tx.run(
            "UPDATE api_keys SET revoked_us = ? WHERE key_id = ? AND revoked_us IS NULL",
            [to_us(now), key_id],
        )
        rows = tx.rows(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_id = ?", [key_id])
        if not rows:
            raise NotFoundError(f"no API key '{key_id}'")
        return _info(rows[0])

    return backend.transact(revoke)


_AUTH_SQL = f"SELECT {_KEY_COLUMNS}, secret_sha256 FROM api_keys WHERE key_id = ?"


def authenticate(backend: Backend, token: str | None) -> Principal:
    """The principal a presented key stands for; AuthError for none, bad or revoked."""
    key_id, secret = _parse(token)
    rows = backend.transact(lambda tx: tx.rows(_AUTH_SQL, [key_id]), write=False)
    return _verified(rows, secret)


async def authenticate_async(backend: Backend, token: str | None) -> Principal:
    """`authenticate` for async callers (the key check of every API request)."""
    key_id, secret = _parse(token)
    return _verified(await backend.read_rows(_AUTH_SQL, [key_id]), secret)


def _parse(token: str | None) -> tuple[str, str]:
    match = _TOKEN.match(token or "")
    if not match:
        raise AuthError("missing or malformed API key")
    key_id, secret = match.groups()
    return key_id, secret


def _verified(rows: list[tuple], secret: str) -> Principal:
    # Hash even when the id is unknown, so timing does not tell ids apart.
    presented = _hash(secret)
    stored = rows[0][-1] if rows else _hash("")
    if not rows or not hmac.compare_digest(presented, stored) or rows[0][6] is not None:
        raise AuthError("invalid or revoked API key")
    info = _info(rows[0][:-1])
    return Principal(
        key_id=info.key_id,
        name=info.name,
        touchpoints=frozenset(info.touchpoints),  # type: ignore[arg-type]
        region_prefixes=info.region_prefixes,
        admin=info.admin,
    )


class KeyCache:
    """Keys that passed the check in the last `seconds`, by the sha256 of the whole
    token, so a wrong secret never matches. It saves the key lookup on every request
    of a busy client; the price is that a revocation by another process (`cube keys
    revoke`) takes effect there within `seconds`; in this process at once (`forget`).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, token: str | None) -> Principal | None:
        if not token or self.seconds <= 0:
            return None
        entry = self._entries.get(_hash(token))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, token: str | None, principal: Principal) -> None:
        if token and self.seconds > 0:
            if len(self._entries) > 10_000:  # bound the memory a key churn can take
                self._entries.clear()
            self._entries[_hash(token)] = (time.monotonic() + self.seconds, principal)

    def forget(self, key_id: str) -> None:
        for digest, (_, principal) in list(self._entries.items()):
            if principal.key_id == key_id:
                self._entries.pop(digest, None)
