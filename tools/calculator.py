"""The ``calculator`` tool: arithmetic a language model cannot be trusted to do in its head.

The expression is parsed with :mod:`ast` and evaluated by walking the tree ourselves; nothing is
ever passed to ``eval``. Only numbers, the operators ``+ - * / // % **``, parentheses and a short
list of functions and constants are understood; everything else is refused with a sentence that
says what is wrong.

The tool runs in a worker thread that cannot be killed, so every refusal that protects the machine
happens *before* the costly step: the text length and the number of tree nodes are bounded, and an
integer power is estimated (``exponent * log10(base)``) before it is computed. No value, final or
intermediate, may exceed ``MAX_MAGNITUDE`` in absolute value, so ``9**9**9`` is refused at once.

Habits of French writers that are accepted:

- ``×``, ``÷``, ``−`` (the typographic minus) and ``^`` (power, as on every pocket calculator);
- a comma between two digits is a decimal separator (``3,5 * 2`` gives 7), but only when the
  expression calls no function: in ``max(3,5)`` the comma separates arguments, so decimals inside
  a function call must be written with a point (``max(2.5, 3)``).

``round`` rounds halves away from zero (``round(2.5)`` is 3, ``round(2.675, 2)`` is 2.68), as people
expect, rather than Python's round-half-to-even on binary floats.
"""

from __future__ import annotations

import ast
import decimal
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.errors import UserError
from agents.i18n import t
from tools.registry import NoConfig, ToolDefinition

MAX_LENGTH = 500
MAX_NODES = 200
MAX_MAGNITUDE = 10**100
MAX_DIGITS = 100  # log10(MAX_MAGNITUDE), for the power estimate
LIMIT_TEXT = "10^100"
MAX_ROUND_DIGITS = 100
SIGNIFICANT_DIGITS = 12

Number = int | float

MODEL_DESCRIPTION = (
    "Calcule une expression arithmétique et renvoie le résultat exact. Utilisez cet outil pour "
    "tout calcul plutôt que de calculer de tête. Opérateurs : + - * / // % ** (ou ^) et "
    "parenthèses ; fonctions : sqrt, abs, round, min, max, floor, ceil, log, log10, exp, sin, "
    "cos, tan ; constantes : pi, e. Écrivez les décimales avec un point, par exemple "
    "« (12.5 + 3) * 2 » ou « round(100 * 17 / 23, 1) »."
)


class CalculatorArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    expression: str = Field(
        min_length=1,
        max_length=MAX_LENGTH,
        description="Expression arithmétique à calculer, par exemple « (12.5 + 3) * 2 ».",
    )


# --- functions and constants -------------------------------------------------------------------


@dataclass(frozen=True)
class _Function:
    impl: Callable[..., Any]
    min_args: int
    max_args: int | None  # None: any number


def _round(value: Number, ndigits: Number | None = None) -> Number:
    """Round half away from zero, on the decimal text of the number (2.675 -> 2.68)."""
    if ndigits is None:
        ndigits = 0
        whole = True
    else:
        whole = False
        if not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS:
            raise UserError("tool.calculator.round_digits", max=MAX_ROUND_DIGITS)
    if isinstance(value, int) and ndigits >= 0:
        return value
    context = decimal.Context(prec=2 * MAX_DIGITS + 2 * MAX_ROUND_DIGITS, rounding="ROUND_HALF_UP")
    exact = decimal.Decimal(repr(value)).quantize(
        decimal.Decimal(1).scaleb(-ndigits), context=context
    )
    if whole or ndigits <= 0:
        return int(exact)
    return float(exact)


def _min(*values: Number) -> Number:
    return min(values)


def _max(*values: Number) -> Number:
    return max(values)


FUNCTIONS: dict[str, _Function] = {
    "sqrt": _Function(math.sqrt, 1, 1),
    "abs": _Function(abs, 1, 1),
    "round": _Function(_round, 1, 2),
    "min": _Function(_min, 1, None),
    "max": _Function(_max, 1, None),
    "floor": _Function(math.floor, 1, 1),
    "ceil": _Function(math.ceil, 1, 1),
    "log": _Function(math.log, 1, 2),
    "log10": _Function(math.log10, 1, 1),
    "exp": _Function(math.exp, 1, 1),
    "sin": _Function(math.sin, 1, 1),
    "cos": _Function(math.cos, 1, 1),
    "tan": _Function(math.tan, 1, 1),
}

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

_KNOWN_NAMES = ", ".join([*FUNCTIONS, *CONSTANTS])

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}


# --- entry points ------------------------------------------------------------------------------


def run(args: CalculatorArgs, config: NoConfig) -> dict[str, Any]:
    """The tool function: ``{"expression": "6*7", "result": 42}``."""
    return {"expression": args.expression.strip(), "result": evaluate(args.expression)}


DEFINITION = ToolDefinition(
    id="calculator",
    title=t("tool.calculator.title", "fr"),
    description=MODEL_DESCRIPTION,
    args_model=CalculatorArgs,
    run=run,
    timeout_s=5.0,
    inline=True,
    effects=("computes",),
)


def evaluate(expression: str) -> Number:
    """The value of ``expression``, or a ``UserError`` saying in plain words why not."""
    if len(expression) > MAX_LENGTH:
        raise UserError("tool.calculator.too_long", length=len(expression), max=MAX_LENGTH)
    source = normalise(expression)
    if not source:
        raise UserError("tool.calculator.empty")
    tree = _parse(source)
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise UserError("tool.calculator.too_complex", max=MAX_NODES)
    return _tidy(_Evaluator(source).visit(tree.body))


def normalise(expression: str) -> str:
    """Accept the typographic operators and, when unambiguous, the decimal comma."""
    text = expression.strip()
    for habit, operator in (("×", "*"), ("÷", "/"), ("−", "-"), ("^", "**")):
        text = text.replace(habit, operator)
    if not re.search(r"[A-Za-z_]", text):
        text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    return text


def _parse(source: str) -> ast.Expression:
    try:
        return ast.parse(source, mode="eval")
    except SyntaxError:
        raise UserError("tool.calculator.syntax") from None
    except (ValueError, RecursionError, MemoryError):
        raise UserError("tool.calculator.too_complex", max=MAX_NODES) from None


def _tidy(value: Number) -> Number:
    """Floats to 12 significant digits, and whole floats as ints (``10 / 2`` gives 5)."""
    if isinstance(value, int):
        return value
    value = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    if value.is_integer() and abs(value) < 10**15:
        return int(value)
    return value


# --- the tree walk -----------------------------------------------------------------------------


class _Evaluator:
    def __init__(self, source: str) -> None:
        self.source = source

    def visit(self, node: ast.expr) -> Number:
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
            operand = self.visit(node.operand)
            return operand if isinstance(node.op, ast.UAdd) else _checked(-operand)
        if isinstance(node, ast.BinOp) and type(node.op) in (*_BINARY, ast.Pow):
            return self._binary(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        raise UserError("tool.calculator.not_allowed", what=self._text(node))

    def _constant(self, node: ast.Constant) -> Number:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError("tool.calculator.not_a_number", what=self._text(node))
        return _checked(value)

    def _name(self, node: ast.Name) -> Number:
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise UserError("tool.calculator.function_without_call", function=node.id)
        raise UserError("tool.calculator.unknown_name", name=node.id, known=_KNOWN_NAMES)

    def _binary(self, node: ast.BinOp) -> Number:
        left = self.visit(node.left)
        right = self.visit(node.right)
        try:
            if isinstance(node.op, ast.Pow):
                return _checked(_power(left, right))
            return _checked(_BINARY[type(node.op)](left, right))
        except ZeroDivisionError:
            raise UserError("tool.calculator.division_by_zero") from None
        except OverflowError:
            raise UserError("tool.calculator.too_large", limit=LIMIT_TEXT) from None

    def _call(self, node: ast.Call) -> Number:
        if not isinstance(node.func, ast.Name):
            raise UserError("tool.calculator.not_allowed", what=self._text(node.func))
        name = node.func.id
        function = FUNCTIONS.get(name)
        if function is None:
            if name in CONSTANTS:
                raise UserError("tool.calculator.not_a_function", name=name)
            raise UserError("tool.calculator.unknown_name", name=name, known=_KNOWN_NAMES)
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise UserError("tool.calculator.not_allowed", what=self._text(node))
        count = len(node.args)
        if count < function.min_args or (
            function.max_args is not None and count > function.max_args
        ):
            raise _arity_error(name, function, count)
        values = [self.visit(arg) for arg in node.args]
        try:
            return _checked(function.impl(*values))
        except ZeroDivisionError:
            raise UserError("tool.calculator.division_by_zero") from None
        except OverflowError:
            raise UserError("tool.calculator.too_large", limit=LIMIT_TEXT) from None
        except ValueError:
            raise UserError("tool.calculator.domain", function=name) from None

    def _text(self, node: ast.AST) -> str:
        text = ast.get_source_segment(self.source, node) or type(node).__name__
        return text if len(text) <= 40 else text[:37] + "..."


def _arity_error(name: str, function: _Function, count: int) -> UserError:
    low, high = function.min_args, function.max_args
    if high is None:
        return UserError("tool.calculator.arity_min", function=name, min=low, count=count)
    if low == high:
        return UserError("tool.calculator.arity_exact", function=name, expected=low, count=count)
    return UserError("tool.calculator.arity_range", function=name, min=low, max=high, count=count)


def _power(base: Number, exponent: Number) -> Number:
    """``base ** exponent``, refusing before computing when the result would be too large."""
    if isinstance(base, int) and isinstance(exponent, int):
        if exponent < 0:
            return float(base) ** exponent
        if abs(base) > 1 and exponent * math.log10(abs(base)) > MAX_DIGITS + 1:
            raise UserError("tool.calculator.too_large", limit=LIMIT_TEXT)
        return int(base**exponent)
    return float(base) ** float(exponent)  # float power is a single, bounded operation


def _checked(value: Any) -> Number:
    """Every value, intermediate or final, must be a finite real number within bounds."""
    if isinstance(value, complex):
        raise UserError("tool.calculator.not_real")
    if isinstance(value, float) and math.isnan(value):
        raise UserError("tool.calculator.not_real")
    if isinstance(value, float) and math.isinf(value):
        raise UserError("tool.calculator.too_large", limit=LIMIT_TEXT)
    if abs(value) > MAX_MAGNITUDE:
        raise UserError("tool.calculator.too_large", limit=LIMIT_TEXT)
    return value
