"""`cube keys` commands: create, list and revoke the API keys touchpoint systems use."""

from __future__ import annotations

from typing import Annotated

import typer

from cube.cli.output import JSON_HELP, emit, err, out
from cube.cli.store import open_cli_store

app = typer.Typer(no_args_is_help=True)


@app.command()
def create(
    name: Annotated[str, typer.Option(help="Who uses it, e.g. 'call centre P1.C03'.")],
    touchpoint: Annotated[
        list[str] | None, typer.Option(help="Touchpoint it may serve (repeat for more).")
    ] = None,
    region: Annotated[
        list[str] | None,
        typer.Option(help="Region prefix it may see, e.g. P1.C03 (repeat; * for all)."),
    ] = None,
    admin: Annotated[bool, typer.Option(help="Grant admin reads (runs, counts).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Create a key; its secret is printed once and only its hash is stored."""
    store = open_cli_store()
    try:
        new = store.create_key(name, touchpoint or [], region or [], admin)
    finally:
        store.close()

    def human() -> None:
        out.print(new.token)
        err.print(f"key {new.info.key_id} created; store the line above now, it is not kept")

    emit(new.model_dump(mode="json"), as_json, human)


@app.command(name="list")
def list_(as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False) -> None:
    """List keys (ids and scopes, never secrets)."""
    store = open_cli_store()
    try:
        infos = store.list_keys()
    finally:
        store.close()

    def human() -> None:
        for k in infos:
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            scope = ",".join(k.touchpoints) or "-"
            regions = ",".join(k.region_prefixes) or "-"
            admin = " admin" if k.admin else ""
            out.print(f"{k.key_id}  {k.name:<28} {scope:<30} {regions:<20}{admin}  {state}")

    emit([k.model_dump(mode="json") for k in infos], as_json, human)


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="Key id (the part after cube_).")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Revoke a key at once; requests with it get 401 from then on."""
    store = open_cli_store()
    try:
        info = store.revoke_key(key_id)
    finally:
        store.close()
    emit(info.model_dump(mode="json"), as_json, lambda: out.print(f"key {key_id} revoked"))
