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
import operator
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from .expr_funcs import FUNCTIONS, date_arith, num, random_for, table

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
    "once": (1, 1), "sum": (1, None), "join": (2, None), "item_at": (2, 2), "date": (1, 1),
    "decimal_date_time": (1, 1), "format_date": (2, 2), "choice_name": (3, 3), "now": (0, 0), "random": (1, 1),
    "position": (0, 0), "column": (2, 2), "lookup": (4, 4), "lookup_all": (4, 4),
    "pulldata": (4, 4)}
_FUNCS = set(_ARGS)
_NUMBERS = {"count", "string_length", "to_int", "number", "round", "floor", "ceiling", "abs", "min", "max", "sum",
            "decimal_date_time", "position", "random"}
_TEXTS = {"string", "concat", "substr", "join", "format_date", "choice_name"}
_DATES = {"today", "now", "date"}


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
            for side in (node.left, node.right):       # a date is its number of days: today() - 7
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
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _DATES:
        return "date"             # an ISO date: compared with dates and numbers of days, computed with as days
    return None


def kind_of(source: str, kinds: dict[str, str]) -> str | None:
    """What an expression gives ("number", "text", "date", "list"; None: cannot tell, e.g. an ``if()``)."""
    return _kind(compile_expr(source).body, kinds)


def names_in(source: str) -> set[str]:
    return {n.id for n in ast.walk(compile_expr(source)) if isinstance(n, ast.Name) and n.id not in _FUNCS}


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _xpath_numbers(a: Any, b: Any) -> tuple[Any, Any]:
    """As XPath compares: a number with a text that is a number compares as numbers (ODK's calculation 1 and a
    relevant ``${flag} = '1'``, a choice named 3 and ``. >= 1``); anything else is left as it is."""
    for x, y, swap in ((a, b, False), (b, a, True)):
        if _number(x) and isinstance(y, str):
            try:
                n = float(y)
            except ValueError:
                return a, b
            return (n, x) if swap else (x, n)
    return a, b


def evaluate(source: str, values: dict[str, Any]) -> Any:
    return _eval(compile_expr(source).body, values)


def _eval(node: ast.AST, values: dict[str, Any]) -> Any:
    how = _EVAL.get(type(node))
    if how is None:
        raise ExprError(f"cannot evaluate {ast.dump(node)}")
    return how(node, values)


def _bool_op(node: ast.BoolOp, values: dict[str, Any]) -> Any:
    results = [_eval(v, values) for v in node.values]
    return all(results) if isinstance(node.op, ast.And) else any(results)


def _unary(node: ast.UnaryOp, values: dict[str, Any]) -> Any:
    v = _eval(node.operand, values)
    if isinstance(node.op, ast.Not):
        return not v
    return None if v is None else -v


def _bin_op(node: ast.BinOp, values: dict[str, Any]) -> Any:
    a, b = _eval(node.left, values), _eval(node.right, values)
    if a is None or b is None or (isinstance(node.op, ast.Div) and b == 0):
        return None           # not decided (yet): a constraint passes, a condition is false
    if a.__class__ is str or b.__class__ is str:       # XPath counts with numbers: '3400' * 2, a date - 7
        return date_arith(_BIN[type(node.op)], a, b)
    try:
        return _BIN[type(node.op)](a, b)
    except TypeError:
        return date_arith(_BIN[type(node.op)], a, b)      # a date and a number of days, or nothing
    except (ZeroDivisionError, OverflowError):
        return None


def _compare(node: ast.Compare, values: dict[str, Any]) -> Any:
    left = _eval(node.left, values)
    for op, right_node in zip(node.ops, node.comparators):
        right = _eval(right_node, values)
        ok = _compare_one(op, left, right)
        if ok is None:
            return None
        if not ok:
            return False
        left = right
    return True


def _compare_one(op: ast.cmpop, left: Any, right: Any) -> Any:
    """One comparison of a chain: its result, or None when it cannot be decided (the whole chain is None)."""
    if isinstance(op, (ast.In, ast.NotIn)):
        found = left in (right or [])
        return found if isinstance(op, ast.In) else not found
    if left is None or right is None:
        return _CMP[type(op)](left, right) if isinstance(op, (ast.Eq, ast.NotEq)) else None
    a, b = left, right
    if left.__class__ is not right.__class__ and (left.__class__ is str or right.__class__ is str):
        a, b = _xpath_numbers(left, right)       # only a text beside something else: no call else
    try:
        return _CMP[type(op)](a, b)
    except TypeError:         # a date and a number of days; else refused when the form loads
        return _compare_days(_CMP[type(op)], left, right)


def _call(node: ast.Call, values: dict[str, Any]) -> Any:
    assert isinstance(node.func, ast.Name)     # compile_expr allows no other call
    name = node.func.id
    if name in ("lookup", "lookup_all", "pulldata") and len(node.args) == 4:
        return _lookup(node, values)
    args = [_eval(a, values) for a in node.args]
    low, high = _ARGS[name]
    if len(args) < low or (high is not None and len(args) > high):
        return None
    if name in FUNCTIONS:
        return FUNCTIONS[name](*args)
    special = _SPECIAL.get(name)
    if special is None:
        raise ExprError(f"cannot evaluate {ast.dump(node)}")
    return special(args, values)


def _selected(args: list[Any], values: dict[str, Any]) -> Any:
    value, wanted = args
    return wanted == value or (isinstance(value, list) and wanted in value)


# the functions that read more than their arguments (the day, the item's position, …) or that are simple here
_SPECIAL: dict[str, Callable[[list[Any], dict[str, Any]], Any]] = {
    "selected": _selected,
    "count": lambda args, values: len(args[0] or []),
    "filled": lambda args, values: args[0] not in (None, "", []),
    "string_length": lambda args, values: 0 if args[0] is None else len(str(args[0])),
    "today": lambda args, values: values.get("$today"),
    # the day: a chat's expressions know the day, not the hour
    "now": lambda args, values: values.get("$now") or values.get("$today"),
    "position": lambda args, values: values.get("$position"),
    # inside a repeat item: one number per item, as ODK draws (the item's place in its repeats joins the key)
    "random": lambda args, values: random_for(values.get("$seed"), f"{args[0]}@{values['$item']}" if "$item" in values
                                              else args[0]),
    "column": lambda args, values: _column(values.get("$answers"), args[0], args[1]),
    "choice": lambda args, values: (values.get("$choice") or {}).get(args[0]),
}

# how each kind of node is evaluated (compile_expr allows no other)
_EVAL: dict[type[ast.AST], Callable[[Any, dict[str, Any]], Any]] = {
    ast.Constant: lambda node, values: node.value,
    ast.Name: lambda node, values: values.get(node.id),
    ast.List: lambda node, values: [_eval(e, values) for e in node.elts],
    ast.Tuple: lambda node, values: [_eval(e, values) for e in node.elts],
    ast.BoolOp: _bool_op,
    ast.UnaryOp: _unary,
    ast.BinOp: _bin_op,
    ast.IfExp: lambda node, values: _eval(node.body, values) if _eval(node.test, values) else _eval(node.orelse, values),
    ast.Compare: _compare,
    ast.Call: _call,
}


def _compare_days(op: Any, left: Any, right: Any) -> bool | None:
    """A text compared with a number, as XPath does: a date (``. >= today() - 7``) as its days since 1970-01-01,
    a number written as text (a choice list's column, ``jiwa > 2000``) as that number; else not known."""
    a, b = num(left), num(right)
    if a is None or b is None:
        return None
    return bool(op(a, b))


def _column(answers: Any, repeat: Any, name: Any) -> list[Any]:
    """The answers to one question in every item of a repeat (``name`` empty: the items themselves)."""
    items = answers.get(str(repeat)) if isinstance(answers, dict) else None
    if not isinstance(items, list):
        return []
    return list(items) if not name else [i.get(str(name)) if isinstance(i, dict) else None for i in items]


def _lookup(node: ast.Call, values: dict[str, Any]) -> Any:
    """``instance('list')/root/item[pred]/column``: the column of the first row of the form's own choice list
    where ``pred`` holds (``lookup_all``: of every such row). In ``pred`` ``choice('c')`` is the row's column."""
    rows, column = table(str(_eval(node.args[1], values))), str(_eval(node.args[2], values))
    pred = node.args[3]
    wanted_column = _choice_column(pred) if isinstance(pred, ast.Compare) else None
    if isinstance(pred, ast.Compare) and wanted_column is not None:   # the usual [name = ${x}]: evaluated once
        other = pred.comparators[0] if _choice_column(pred.left) is not None else pred.left
        want = _eval(other, values)
        key = "" if want is None else str(int(want)) if isinstance(want, float) and want.is_integer() else str(want)
        found = [r for r in rows if str(r.get(wanted_column, "")) == key]
    else:
        found = [r for r in rows if _eval(pred, {**values, "$choice": r})]
    if isinstance(node.func, ast.Name) and node.func.id == "lookup_all":
        return [r.get(column) for r in found]
    return found[0].get(column) if found else None


def _choice_column(node: ast.AST) -> str | None:
    """'c' when ``node`` is ``choice('c')`` or ``choice('c') == <no choice column>`` (either side)."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "choice" \
            and node.args and isinstance(node.args[0], ast.Constant):
        return str(node.args[0].value)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        left, right = _choice_column(node.left), _choice_column(node.comparators[0])
        if (left is None) != (right is None):
            other = node.comparators[0] if left is not None else node.left
            if not any(_choice_column(n) for n in ast.walk(other)):
                return left or right
    return None
