"""Keys for the simulated systems: one system per touchpoint, one scoped key per site.

Sites follow the operator's organisation: a call centre per city, an SMS gateway and an
app backend per province, store pop-ups per county. Each key sees only its touchpoint
and its region, as the real systems' keys would.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from cube.errors import InputError
from cube.simulators.config import KeysFile, SiteKey, SystemSpec

if TYPE_CHECKING:
    from cube.store import Store

# system name -> (touchpoint, regions column naming its sites)
SYSTEMS: dict[str, tuple[str, str]] = {
    "call-centre": ("outbound_call", "city_id"),
    "sms-gateway": ("sms", "province_id"),
    "store-popups": ("store_popup", "county_id"),
    "app": ("internet", "province_id"),
}


def site_regions(raw_dir: Path) -> dict[str, list[str]]:
    """Distinct region ids per level, from the regions extract."""
    import pyarrow.parquet as pq

    path = raw_dir / "regions"
    if not path.exists():
        raise InputError(f"{path}: missing (the simulators' sites come from the regions)")
    table = pq.read_table(path, columns=["province_id", "city_id", "county_id"])
    return {c: sorted(set(table[c].to_pylist())) for c in table.column_names}


def provision(store: Store, raw_dir: Path, out: Path) -> KeysFile:
    """Create every site's key in the store and write the keys file (owner-only, atomic)."""
    levels = site_regions(raw_dir)
    systems = []
    for name, (touchpoint, level) in SYSTEMS.items():
        sites = []
        for region in levels[level]:
            new = store.create_key(f"simulator {name} {region}", [touchpoint], [region], False)
            sites.append(SiteKey(region=region, token=new.token))
        systems.append(SystemSpec(name=name, touchpoint=touchpoint, sites=tuple(sites)))  # type: ignore[arg-type]
    keys = KeysFile(systems=tuple(systems))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(keys.model_dump(mode="json"), indent=2))
    os.replace(tmp, out)
    return keys
