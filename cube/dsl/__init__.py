"""The condition language of strategy files: parse once, type-check, compile or evaluate.

expr = parse("video_mb_30d >= 10240 and lifecycle_stage in ['stable']")
errors = check_condition(expr, tag_types)   # against the catalogue
column = to_column(expr)                    # Spark, for batch matching
matches(expr, row)                          # Python, same result, for real time
"""

from cube.dsl.ast import Expr, tag_refs
from cube.dsl.errors import DslError
from cube.dsl.evaluate import evaluate, matches
from cube.dsl.parser import parse
from cube.dsl.typecheck import TagType, check, check_condition

__all__ = [
    "DslError",
    "Expr",
    "TagType",
    "check",
    "check_condition",
    "evaluate",
    "matches",
    "parse",
    "tag_refs",
]
