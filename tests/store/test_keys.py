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
