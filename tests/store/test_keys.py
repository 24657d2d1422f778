"""API keys: hashes only, scopes, revocation."""

from __future__ import annotations

import hashlib

import pytest

from cube.errors import InputError
from cube.store import AuthError, Principal, Store


def test_created_key_authenticates_to_its_scopes(store: Store) -> None:
    new = store.create_key("call centre", ["outbound_call"], ["P1.C03", "P1.C01"])
    assert store.authenticate(new.token) == Principal(
        key_id=new.info.key_id,
        name="call centre",
        touchpoints=frozenset({"outbound_call"}),
        region_prefixes=("P1.C01", "P1.C03"),
        admin=False,
    )


def test_only_the_hash_is_stored(store: Store) -> None:
    new = store.create_key("sms", ["sms"], ["P1"])
    secret = new.token.split("_", 2)[2]
    rows = store.backend.transact(lambda tx: tx.rows("SELECT * FROM api_keys"), write=False)
    flat = [str(v) for row in rows for v in row]
    assert hashlib.sha256(secret.encode()).hexdigest() in flat
    assert not any(secret in v for v in flat)


@pytest.mark.parametrize(
    "token",
    [None, "", "Bearer x", "cube_000000000000_" + "a" * 43],
)
def test_unknown_or_malformed_keys_are_refused(store: Store, token: str | None) -> None:
    with pytest.raises(AuthError):
        store.authenticate(token)


def test_wrong_secret_and_revoked_keys_are_refused(store: Store) -> None:
    new = store.create_key("app", ["internet"], ["*"])
    with pytest.raises(AuthError) as wrong:
        store.authenticate(new.token[:-4] + "AAAA")
    assert str(wrong.value) == "invalid or revoked API key"
    assert store.revoke_key(new.info.key_id).revoked_at == store.clock()
    with pytest.raises(AuthError) as revoked:
        store.authenticate(new.token)
    assert str(revoked.value) == "invalid or revoked API key"
    assert [k.revoked_at is not None for k in store.list_keys()] == [True]


@pytest.mark.parametrize(
    ("touchpoints", "regions", "admin", "message"),
    [
        (
            ["fax"],
            ["P1"],
            False,
            "unknown touchpoint 'fax' (known: outbound_call, store_popup, internet, sms)",
        ),
        (["sms"], ["P1..C2"], False, "bad region prefix 'P1..C2' (e.g. P1, P1.C03, or * for all)"),
        (["sms"], [], False, "a key needs at least one touchpoint and one region prefix, or admin"),
    ],
)
def test_bad_scopes_are_refused(
    store: Store, touchpoints: list[str], regions: list[str], admin: bool, message: str
) -> None:
    with pytest.raises(InputError) as err:
        store.create_key("x", touchpoints, regions, admin)
    assert str(err.value) == message


def test_admin_reads_need_the_admin_scope(store: Store) -> None:
    from cube.store import ForbiddenError

    user = store.authenticate(store.create_key("c", ["sms"], ["P1"]).token)
    with pytest.raises(ForbiddenError) as err:
        store.counts(user)
    assert str(err.value) == f"key '{user.key_id}' has no admin scope"
    boss = store.authenticate(store.create_key("boss", [], [], admin_scope=True).token)
    assert store.counts(boss) == {}


def test_key_cache_trusts_a_checked_key_for_its_seconds_only(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revocation by another process reaches a caching process when the entry lapses;
    a revocation in the same process, and a wrong secret, at once."""
    import asyncio

    from cube.store import keys
    from cube.store.backend import open_backend

    serving = Store(open_backend(database_url), key_cache_seconds=1.0)
    admin = Store(open_backend(database_url))
    serving.migrate()
    now = [1000.0]
    monkeypatch.setattr(keys.time, "monotonic", lambda: now[0])
    try:
        new = admin.create_key("app", ["internet"], ["*"])
        assert asyncio.run(serving.authenticate_async(new.token)).key_id == new.info.key_id
        admin.revoke_key(new.info.key_id)
        now[0] += 0.9
        assert serving.authenticate(new.token).key_id == new.info.key_id  # still trusted
        with pytest.raises(AuthError):
            serving.authenticate(new.token[:-4] + "AAAA")
        now[0] += 0.2
        with pytest.raises(AuthError) as lapsed:
            asyncio.run(serving.authenticate_async(new.token))
        assert str(lapsed.value) == "invalid or revoked API key"
        again = admin.create_key("app2", ["internet"], ["*"])
        serving.authenticate(again.token)
        serving.revoke_key(again.info.key_id)
        with pytest.raises(AuthError):
            serving.authenticate(again.token)
    finally:
        serving.close()
        admin.close()
