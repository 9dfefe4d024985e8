"""A tiny, safe expression language for form files: ``relevant``, ``constraint``, ``calculate``.

Examples: ``status != 'berjalan'``, ``youth <= men + women``, ``selected(support_from, 'desa')``.
Unanswered names are None; arithmetic or comparison with None yields None (treated as "not
decided yet": a constraint passes, a condition is false). Arithmetic that cannot be done (a
division by zero, a number plus a text) is None too: evaluation never raises.

For forms from XLSForm (see flows/xpath.py): ``a % b``, ``x if c else y``, ``string_length(x)``,
``today()`` (the ISO date in ``values["$today"]``, put there by the caller: evaluation stays pure)
and, in a choice filter, ``choice('column')`` (a column of the choice being filtered, from
``values["$choice"]``).
"""
from __future__ import annotations

import ast
import math
import operator
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Mod: operator.mod}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge}
# name → (fewest, most) arguments (most None: any number)
_ARGS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2), "count": (1, 1), "filled": (1, 1), "string_length": (1, 1), "today": (0, 0), "choice": (1, 1),
    "to_int": (1, 1), "number": (1, 1), "string": (1, 1), "round": (1, 2), "floor": (1, 1), "ceiling": (1, 1),
    "abs": (1, 1), "min": (1, None), "max": (1, None), "concat": (1, None), "substr": (2, 3), "contains": (2, 2),
    "starts_with": (2, 2), "ends_with": (2, 2), "regex": (2, 2), "coalesce": (2, 2), "selected_at": (2, 2),
    "once": (1, 1)}
_FUNCS = set(_ARGS)
_NUMBERS = {"count", "string_length", "to_int", "number", "round", "floor", "ceiling", "abs", "min", "max"}
_TEXTS = {"string", "concat", "substr"}


class ExprError(ValueError):
    pass


@lru_cache(maxsize=512)
def compile_expr(source: str) -> ast.Expression:
    """Parse and check an expression; raises ExprError naming what is not allowed."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ExprError(f"cannot parse {source!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        ok = isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub,
                               ast.BinOp, ast.Compare, ast.Name, ast.Load, ast.Constant, ast.Call, ast.In,
                               ast.NotIn, ast.List, ast.Tuple, ast.IfExp, *_BIN, *_CMP))
        if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _FUNCS):
            ok = False
        if not ok:
            raise ExprError(f"{type(node).__name__} is not allowed in {source!r}")
    return tree


def check(source: str, kinds: dict[str, str]) -> None:
    """Refuse what would fail when the form runs: a function with the wrong number of arguments, a division
    by zero, a number compared with text. ``kinds``: name → "number", "text" or "list" (unknown: no check)."""
    tree = compile_expr(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            low, high = _ARGS[node.func.id]
            if len(node.args) < low or (high is not None and len(node.args) > high) or node.keywords:
                want = str(low) if low == high else f"{low} or more" if high is None else f"{low} to {high}"
                raise ExprError(f"{node.func.id}() takes {want} argument{'s' if want != '1' else ''} in {source!r}")
            if node.func.id == "regex" and isinstance(node.args[1], ast.Constant):
                try:
                    re.compile(str(node.args[1].value))
                except re.error as exc:
                    raise ExprError(f"regex() pattern {node.args[1].value!r}: {exc}") from None
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Mod)) and isinstance(node.right, ast.Constant) \
                and node.right.value == 0:
            raise ExprError(f"division by zero in {source!r}")
        if isinstance(node, ast.BinOp):
            for side in (node.left, node.right):
                if _kind(side, kinds) in ("text", "list"):
                    raise ExprError(f"arithmetic on text in {source!r}")
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, a, b in zip(node.ops, operands, operands[1:]):
                if isinstance(op, (ast.In, ast.NotIn)):
                    continue
                ka, kb = _kind(a, kinds), _kind(b, kinds)
                if {ka, kb} == {"number", "text"}:
                    raise ExprError(f"compares a number with text in {source!r}")


def _kind(node: ast.AST, kinds: dict[str, str]) -> str | None:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or node.value is None:
            return None
        return "number" if isinstance(node.value, (int, float)) else "text" if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        return kinds.get(node.id)
    if isinstance(node, ast.BinOp) or (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)):
        return "number"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _NUMBERS:
        return "number"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _TEXTS:
        return "text"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "today":
        return "text"             # an ISO date: compared with dates, never computed with
    return None


def names_in(source: str) -> set[str]:
    return {n.id for n in ast.walk(compile_expr(source)) if isinstance(n, ast.Name) and n.id not in _FUNCS}


def evaluate(source: str, values: dict[str, Any]) -> Any:
    return _eval(compile_expr(source).body, values)


def _eval(node: ast.AST, values: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, values) for e in node.elts]
    if isinstance(node, ast.BoolOp):
        results = [_eval(v, values) for v in node.values]
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, values)
        if isinstance(node.op, ast.Not):
            return not v
        return None if v is None else -v
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, values), _eval(node.right, values)
        if a is None or b is None or (isinstance(node.op, ast.Div) and b == 0):
            return None           # not decided (yet): a constraint passes, a condition is false
        try:
            return _BIN[type(node.op)](a, b)
        except (TypeError, ZeroDivisionError, OverflowError):
            return None
    if isinstance(node, ast.IfExp):
        return _eval(node.body, values) if _eval(node.test, values) else _eval(node.orelse, values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, values)
            if isinstance(op, (ast.In, ast.NotIn)):
                found = left in (right or [])
                ok = found if isinstance(op, ast.In) else not found
            elif left is None or right is None:
                if isinstance(op, (ast.Eq, ast.NotEq)):
                    ok = _CMP[type(op)](left, right)
                else:
                    return None
            else:
                try:
                    ok = _CMP[type(op)](left, right)
                except TypeError:         # refused when the form loads (expr.check); never a crash
                    return None
            if not ok:
                return False
            left = right
        return True
    if isinstance(node, ast.Call):
        args = [_eval(a, values) for a in node.args]
        assert isinstance(node.func, ast.Name)     # compile_expr allows no other call
        name = node.func.id
        low, high = _ARGS[name]
        if len(args) < low or (high is not None and len(args) > high):
            return None
        if name in _MORE:
            return _MORE[name](*args)
        if name == "selected":
            value, wanted = args
            return wanted == value or (isinstance(value, list) and wanted in value)
        if name == "count":
            return len(args[0] or [])
        if name == "filled":
            return args[0] not in (None, "", [])
        if name == "string_length":
            return 0 if args[0] is None else len(str(args[0]))
        if name == "today":
            return values.get("$today")
        if name == "choice":
            return (values.get("$choice") or {}).get(args[0])
    raise ExprError(f"cannot evaluate {ast.dump(node)}")


# ------------------------------------------------------------------ XPath's other functions (flows/xpath.py)

def _num(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, list):
        return None
    try:
        return float(str(value).replace(",", ".")) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _whole(value: float | None, how: Any) -> int | None:
    return None if value is None or math.isinf(value) or math.isnan(value) else int(how(value))


def _round(value: Any, digits: Any = 0) -> float | int | None:
    x, d = _num(value), _num(digits)
    if x is None or d is None or math.isinf(x) or math.isnan(x):
        return None
    try:
        out = Decimal(str(x)).quantize(Decimal(1).scaleb(-int(d)), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return int(out) if int(d) <= 0 else float(out)


def _extreme(pick: Any, *args: Any) -> float | None:
    values = [_num(v) for a in args for v in (a if isinstance(a, list) else [a])]
    return None if not values or None in values else pick(v for v in values if v is not None)


def _substr(value: Any, start: Any, end: Any = None) -> str:
    text, a, b = _text(value), _num(start), _num(end)
    return text[max(0, int(a or 0)):None if b is None else max(0, int(b))]


def _regex(value: Any, pattern: Any) -> bool | None:
    try:
        return re.search(str(pattern), _text(value)) is not None
    except re.error:
        return None


def _selected_at(value: Any, index: Any) -> str:
    items = value if isinstance(value, list) else _text(value).split()
    i = _num(index)
    return str(items[int(i)]) if i is not None and 0 <= int(i) < len(items) else ""


_MORE: dict[str, Any] = {
    "to_int": lambda v: _whole(_num(v), math.trunc), "number": _num, "string": _text, "round": _round,
    "floor": lambda v: _whole(_num(v), math.floor), "ceiling": lambda v: _whole(_num(v), math.ceil),
    "abs": lambda v: None if _num(v) is None else abs(_num(v) or 0), "min": lambda *a: _extreme(min, *a),
    "max": lambda *a: _extreme(max, *a), "concat": lambda *a: "".join(_text(v) for v in a), "substr": _substr,
    "contains": lambda a, b: _text(b) in _text(a), "starts_with": lambda a, b: _text(a).startswith(_text(b)),
    "ends_with": lambda a, b: _text(a).endswith(_text(b)), "regex": _regex,
    "coalesce": lambda a, b: a if a not in (None, "", []) else b, "selected_at": _selected_at, "once": lambda v: v,
}
