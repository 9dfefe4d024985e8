"""XLSForm expressions (the XPath subset ODK and Kobo use) to and from the form expression language.

``to_expr("${age} >= 18 and selected(${fr}, 'apel')")`` → ``"age >= 18 and selected(fr, 'apel')"``;
``to_xpath`` is the reverse (for export). Supported: ``${name}`` references (also ``../name``),
``.`` for the question itself, numbers, strings, ``= != < <= > >=``, ``+ - * div mod``, ``and``,
``or``, ``not()``, ``true()``, ``false()``, ``selected()``, ``count-selected()``, ``count()``,
``string-length()``, ``today()``, ``if()`` and the functions in ``_FUNCS``. With a ``Scope`` (the form's repeats
and choice lists) also ``sum(${x})``/``join()``/``count()`` over a repeat's answers (``column('rep', 'x')``),
``indexed-repeat()``, ``position(..)``, ``jr:choice-name()``, ``random()`` and
``instance('list')/root/item[pred]/col`` (``lookup(...)``, the list written into the expression as JSON). In a
``choice_filter`` a bare name is a column of the choices sheet (``choice('color')``). Anything else raises
``XPathError`` saying what.
Comparing with the empty string means "answered or not": ``${x} != ''`` is ``filled(x)``.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .xpath_parse import _FUNCS, Scope, XPathError, to_expr

__all__ = ["Scope", "XPathError", "to_expr", "to_xpath"]


# ------------------------------------------------------------------ back to XLSForm

_PREC_OR, _PREC_AND, _PREC_EQ, _PREC_REL, _PREC_ADD, _PREC_MUL, _PREC_UNARY, _PREC_ATOM = range(1, 9)
_CMP_BACK = {ast.Eq: ("=", _PREC_EQ), ast.NotEq: ("!=", _PREC_EQ), ast.Lt: ("<", _PREC_REL),
             ast.LtE: ("<=", _PREC_REL), ast.Gt: (">", _PREC_REL), ast.GtE: (">=", _PREC_REL)}
_ARITH_BACK = {ast.Add: ("+", _PREC_ADD), ast.Sub: ("-", _PREC_ADD), ast.Mult: ("*", _PREC_MUL),
               ast.Div: ("div", _PREC_MUL), ast.Mod: ("mod", _PREC_MUL)}
_CALL_BACK = {py: name for name, (py, _, _) in _FUNCS.items() if name not in ("count", "format-date-time")}


def to_xpath(source: str, self_name: str | None = None) -> str:
    """A form expression as an XLSForm expression (the question itself as ``.``)."""
    return _emit(ast.parse(source, mode="eval").body, self_name)[0]


def _wrap(part: tuple[str, int], prec: int, strict: bool = False) -> str:
    text, p = part
    return f"({text})" if p < prec or (strict and p == prec) else text


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true()" if value else "false()"
    if isinstance(value, str):
        return f"'{value}'" if "'" not in value else f'"{value}"'
    if isinstance(value, float):        # XPath has no 3.8e-07: written out, it reads back as the same number
        text = format(Decimal(repr(value)), "f")
        return text if "." in text else f"{text}.0"
    return repr(value)


def _emit(node: ast.AST, me: str | None) -> tuple[str, int]:
    """A form expression's node as XLSForm text and its precedence (raises XPathError)."""
    emit = _EMITTERS.get(type(node))
    found = emit(node, me) if emit is not None else None
    if found is None:
        raise XPathError(f"{ast.unparse(node)} tidak bisa ditulis untuk XLSForm")
    return found


def _emit_name(node: ast.Name, me: str | None) -> tuple[str, int]:
    return ("." if node.id == me else f"${{{node.id}}}"), _PREC_ATOM


def _emit_constant(node: ast.Constant, me: str | None) -> tuple[str, int]:
    return _literal(node.value), _PREC_ATOM


def _emit_bool(node: ast.BoolOp, me: str | None) -> tuple[str, int]:
    prec, word = (_PREC_AND, " and ") if isinstance(node.op, ast.And) else (_PREC_OR, " or ")
    return word.join(_wrap(_emit(v, me), prec) for v in node.values), prec


def _emit_unary(node: ast.UnaryOp, me: str | None) -> tuple[str, int] | None:
    if isinstance(node.op, ast.Not):
        return f"not({_emit(node.operand, me)[0]})", _PREC_ATOM
    if isinstance(node.op, ast.USub):
        return f"-{_wrap(_emit(node.operand, me), _PREC_UNARY)}", _PREC_UNARY
    return None


def _emit_arith(node: ast.BinOp, me: str | None) -> tuple[str, int] | None:
    if type(node.op) not in _ARITH_BACK:
        return None
    word, prec = _ARITH_BACK[type(node.op)]
    return f"{_wrap(_emit(node.left, me), prec)} {word} {_wrap(_emit(node.right, me), prec, True)}", prec


def _emit_compare(node: ast.Compare, me: str | None) -> tuple[str, int]:
    parts, left = [], node.left
    for op, right in zip(node.ops, node.comparators):
        if isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.List, ast.Tuple)):
            lhs = _wrap(_emit(left, me), _PREC_EQ, True)
            alts = " or ".join(f"{lhs} = {_wrap(_emit(e, me), _PREC_EQ, True)}" for e in right.elts)
            parts.append((f"({alts})" if isinstance(op, ast.In) else f"not({alts})", _PREC_ATOM))
        elif type(op) in _CMP_BACK:
            word, prec = _CMP_BACK[type(op)]
            parts.append((f"{_wrap(_emit(left, me), prec)} {word} {_wrap(_emit(right, me), prec, True)}", prec))
        else:
            raise XPathError(f"{type(op).__name__} tidak bisa ditulis untuk XLSForm")
        left = right
    if len(parts) == 1:
        return parts[0]
    return " and ".join(_wrap(p, _PREC_AND, True) for p in parts), _PREC_AND


def _emit_if(node: ast.IfExp, me: str | None) -> tuple[str, int]:
    return (f"if({_emit(node.test, me)[0]}, {_emit(node.body, me)[0]}, {_emit(node.orelse, me)[0]})",
            _PREC_ATOM)


def _emit_call(node: ast.Call, me: str | None) -> tuple[str, int] | None:
    if not isinstance(node.func, ast.Name):
        return None
    name = node.func.id
    if name == "choice" and len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
        return str(node.args[0].value), _PREC_ATOM
    if name == "filled" and len(node.args) == 1:
        return f"{_wrap(_emit(node.args[0], me), _PREC_EQ, True)} != ''", _PREC_EQ
    found = _emit_special(name, node.args, me)
    if found is not None:
        return found, _PREC_ATOM
    if name in _CALL_BACK:
        return f"{_CALL_BACK[name]}({', '.join(_emit(a, me)[0] for a in node.args)})", _PREC_ATOM
    return None


#: a node's type → how it is written (None: it cannot be)
_EMITTERS: dict[type[ast.AST], Callable[[Any, str | None], tuple[str, int] | None]] = {
    ast.Name: _emit_name, ast.Constant: _emit_constant, ast.BoolOp: _emit_bool, ast.UnaryOp: _emit_unary,
    ast.BinOp: _emit_arith, ast.Compare: _emit_compare, ast.IfExp: _emit_if, ast.Call: _emit_call}


def _emit_special(name: str, args: list[ast.expr], me: str | None) -> str | None:
    """The functions ``Parser.special`` and ``Parser.instance`` make, written back as the form wrote them."""
    consts = [str(a.value) if isinstance(a, ast.Constant) and a.value is not None else "" for a in args]
    if name == "column" and len(args) == 2:
        return f"${{{consts[1] or consts[0]}}}"
    if name == "position":
        return "position(..)"
    if name == "count" and len(args) == 1 and isinstance(args[0], ast.Call) and isinstance(args[0].func, ast.Name) \
            and args[0].func.id in ("column", "lookup_all"):
        return f"count({_emit(args[0], me)[0]})"     # items of a repeat, rows of a list: not count-selected()
    if name == "random":
        return "random()"
    if name == "item_at" and len(args) == 2 and isinstance(args[0], ast.Call) and len(args[0].args) == 2:
        repeat, question = (str(a.value) if isinstance(a, ast.Constant) else "" for a in args[0].args)
        return f"indexed-repeat(${{{question}}}, ${{{repeat}}}, {_emit(args[1], me)[0]})"
    if name == "choice_name" and len(args) == 3:
        return f"jr:choice-name({_emit(args[0], me)[0]}, '${{{consts[1]}}}')"
    if name == "pulldata" and len(args) == 4 and isinstance(args[3], ast.Compare) and args[3].comparators:
        key = args[3].left.args[0] if isinstance(args[3].left, ast.Call) and args[3].left.args else None
        key_text = str(key.value) if isinstance(key, ast.Constant) else ""
        return f"pulldata('{consts[0]}', '{consts[2]}', '{key_text}', {_emit(args[3].comparators[0], me)[0]})"
    if name in ("lookup", "lookup_all") and len(args) == 4:
        every = isinstance(args[3], ast.Constant) and args[3].value is True
        pred = "" if every else f"[{_emit(args[3], me)[0]}]"
        step = "" if consts[2] == "name" and pred and name == "lookup_all" else f"/{consts[2]}"
        return f"instance('{consts[0]}')/root/item{pred}{step}"
    return None
