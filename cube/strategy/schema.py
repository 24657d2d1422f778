"""The JSON Schema of strategy files, for editors (completion, key checks).

strategies/strategy.schema.json is this rendering checked in; a test keeps the two
equal, and `cube strategies schema --out` rewrites it. Each strategy file can name it
in its first line: `# yaml-language-server: $schema=strategy.schema.json`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cube.settings import PROJECT_ROOT
from cube.strategy.model import Strategy

SCHEMA_FILE = PROJECT_ROOT / "strategies" / "strategy.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def strategy_schema() -> dict[str, Any]:
    """The schema of one strategy file, keys as written in files (from / to)."""
    schema = Strategy.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "Strategy Cube strategy file",
        "description": "One strategy: see docs/strategy-dsl.md.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def render_schema() -> str:
    return json.dumps(strategy_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path) -> None:
    """Write the schema atomically (temp file, then rename)."""
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(render_schema(), encoding="utf-8")
    temp.replace(path)
