"""Strategy files: the model of a strategy, its checker, and the compiled form matching uses.

compile_strategies(settings=...)  -> [CompiledStrategy]  (raises DiagnosticError)
check_strategies(settings=...)    -> CheckReport         (errors, warnings, notes)
"""

from cube.strategy.check import check_strategies, compile_strategies
from cube.strategy.compiled import CompiledOffer, CompiledStrategy, ScriptTemplate
from cube.strategy.model import Strategy
from cube.strategy.report import CheckReport

__all__ = [
    "CheckReport",
    "CompiledOffer",
    "CompiledStrategy",
    "ScriptTemplate",
    "Strategy",
    "check_strategies",
    "compile_strategies",
]
