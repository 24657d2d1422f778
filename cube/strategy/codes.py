"""Every code the strategy checker reports, with its severity and what it means.

docs/strategy-dsl.md documents each one (a test keeps the two in step). E1xx are
errors, W2xx warnings (errors under --strict), N3xx notes about checks not run.
"""

from __future__ import annotations

CODES: dict[str, str] = {
    "E100": "invalid YAML",
    "E101": "duplicate key in a mapping",
    "E102": "unknown key",
    "E103": "unknown tag in a condition",
    "E104": "type mismatch in a condition",
    "E105": "value not allowed for a tag",
    "E106": "unknown function or wrong number of arguments",
    "E107": "missing required key",
    "E108": "invalid value",
    "E110": "condition syntax error",
    "E111": "invalid date literal in a condition",
    "E120": "unknown product",
    "E121": "unknown touchpoint",
    "E122": "duplicate strategy id across files",
    "E123": "invalid or reversed active window",
    "E124": "placeholder that is not a tag",
    "E125": "malformed placeholder",
    "E126": "holdout outside [0, 0.5]",
    "E127": "rank is not numeric",
    "E128": "product out of reach of the segment's network",
    "E129": "product offered twice",
    "E130": "touchpoint used but not allowed",
    "W201": "expired strategy still marked active",
    "W202": "id does not follow the naming rule",
    "W203": "name does not follow the naming rule",
    "W204": "segment matches nobody or almost nobody",
    "W205": "segment matches nearly everybody",
    "W206": "conflicting products offered to overlapping segments",
    "N301": "data-based checks skipped: no tag snapshot",
    "N302": "data-based checks skipped: --no-data",
    "N303": "data-based checks skipped for a strategy: tags missing from the snapshot",
    "N304": "data-based checks skipped for a strategy: it has errors",
}
