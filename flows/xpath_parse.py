"""Reading XLSForm expressions (the XPath subset ODK and Kobo use) as form expressions: ``to_expr`` (see
flows/xpath.py, which also writes them back)."""
from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_][\w.-]*)\s*\})
  | (?P<inst>instance\(\s*(?P<q>['"])(?P<list>[\w.-]+)(?P=q)\s*\)/root/item)
  | (?P<parent>\.\.(?![/\w]))
  | (?P<path>(?:\.\./)+(?P<pathname>[A-Za-z_][\w-]*)|/[A-Za-z_][\w-]*(?:/[A-Za-z_][\w-]*)+)
  | (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<step>/[A-Za-z_][\w-]*)
  | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,|\[|\])
  | (?P<self>\.(?![\w.]))
  | (?P<name>[A-Za-z_][\w.:-]*)
""", re.VERBOSE)

# XPath name → (form name, fewest arguments, most arguments; None: any number)
_FUNCS: dict[str, tuple[str, int, int | None]] = {
    "selected": ("selected", 2, 2), "count-selected": ("count", 1, 1), "count": ("count", 1, 1),
    "string-length": ("string_length", 1, 1), "today": ("today", 0, 0), "int": ("to_int", 1, 1),
    "number": ("number", 1, 1), "string": ("string", 1, 1), "round": ("round", 1, 2), "floor": ("floor", 1, 1),
    "ceiling": ("ceiling", 1, 1), "abs": ("abs", 1, 1), "min": ("min", 1, None), "max": ("max", 1, None),
    "concat": ("concat", 1, None), "substr": ("substr", 2, 3), "contains": ("contains", 2, 2),
    "starts-with": ("starts_with", 2, 2), "ends-with": ("ends_with", 2, 2), "regex": ("regex", 2, 2),
    "coalesce": ("coalesce", 2, 2), "selected-at": ("selected_at", 2, 2), "once": ("once", 1, 1),
    "sum": ("sum", 1, None), "join": ("join", 2, None), "date": ("date", 1, 1),
    "decimal-date-time": ("decimal_date_time", 1, 1), "format-date-time": ("format_date", 2, 2),
    "format-date": ("format_date", 2, 2), "now": ("now", 0, 0)}
_LISTS = {"count", "count-selected", "sum", "join", "min", "max"}     # an instance path here: every row
_CMP = {"=": ast.Eq, "!=": ast.NotEq, "<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE}
_ARITH = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "div": ast.Div, "mod": ast.Mod}


class XPathError(ValueError):
    pass


@dataclass
class Scope:
    """What an expression may refer to beyond its own text: the form's repeats, select lists and choice lists."""

    repeat_of: dict[str, str] = field(default_factory=dict)       # a question → the repeat it is in
    repeats: set[str] = field(default_factory=set)
    outer: dict[str, str] = field(default_factory=dict)            # a repeat inside a repeat → that repeat
    labels: dict[str, dict[str, str]] = field(default_factory=dict)   # a select question → {value: label}
    lists: dict[str, list[dict[str, str]]] = field(default_factory=dict)   # choice list → its rows
    here: str | None = None                                       # the repeat being read
    randoms: int = 0                                              # random() calls so far, each its own
    at: str = ""                      # the question or calculation being read: random() is numbered within it
    randoms_at: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)           # an attachment's stem → its file name


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _const(value: str | bool | int | None) -> ast.Constant:
    return ast.Constant(value=value)


def _tokens(source: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(source):
        m = _TOKEN.match(source, pos)
        if not m:
            raise XPathError(f"tidak bisa dibaca mulai dari {source[pos:pos + 15]!r}")
        pos = m.end()
        if m.group("ws"):
            continue
        if m.group("ref"):
            out.append(("ref", m.group("refname")))
        elif m.group("inst"):
            out.append(("inst", m.group("list")))
        elif m.group("path"):
            out.append(("ref", m.group("pathname") or m.group("path").rsplit("/", 1)[1]))
        elif m.group("name") and m.group("name") in ("and", "or", "div", "mod"):
            out.append(("op", m.group("name")))
        else:
            kind = next(k for k in ("parent", "step", "num", "str", "op", "self", "name") if m.group(k) is not None)
            out.append((kind, m.group(kind)))
    return out


class _Parser:
    def __init__(self, source: str, self_name: str | None, choice_columns: bool, scope: Scope | None):
        self.toks, self.i = _tokens(source), 0
        self.self_name, self.choice_columns, self.source = self_name, choice_columns, source
        self.scope = scope or Scope()

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise XPathError(f"'{value}' diharapkan" if value else "ungkapan terpotong")
        self.i += 1
        return tok

    def is_op(self, *values: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "op" and tok[1] in values

    def parse(self) -> ast.expr:
        node = self.or_()
        rest = self.peek()
        if rest is not None:
            raise XPathError(f"tidak dimengerti: {rest[1]!r}")
        return node

    def or_(self) -> ast.expr:
        values = [self.and_()]
        while self.is_op("or"):
            self.take()
            values.append(self.and_())
        return values[0] if len(values) == 1 else ast.BoolOp(op=ast.Or(), values=values)

    def and_(self) -> ast.expr:
        values = [self.equality()]
        while self.is_op("and"):
            self.take()
            values.append(self.equality())
        return values[0] if len(values) == 1 else ast.BoolOp(op=ast.And(), values=values)

    def _compare(self, left: ast.expr, op: str, right: ast.expr) -> ast.expr:
        for a, b in ((left, right), (right, left)):     # x = '' / x != '': answered or not
            if op in ("=", "!=") and isinstance(b, ast.Constant) and b.value in ("", None) \
                    and not isinstance(b.value, bool):
                filled = ast.Call(func=ast.Name(id="filled", ctx=ast.Load()), args=[a], keywords=[])
                return filled if op == "!=" else ast.UnaryOp(op=ast.Not(), operand=filled)
        return ast.Compare(left=left, ops=[_CMP[op]()], comparators=[right])

    def equality(self) -> ast.expr:
        node = self.relational()
        while self.is_op("=", "!="):
            op = self.take()[1]
            node = self._compare(node, op, self.relational())
        return node

    def relational(self) -> ast.expr:
        node = self.additive()
        while self.is_op("<", "<=", ">", ">="):
            op = self.take()[1]
            node = self._compare(node, op, self.additive())
        return node

    def additive(self) -> ast.expr:
        node = self.multiplicative()
        while self.is_op("+", "-"):
            op = self.take()[1]
            node = ast.BinOp(left=node, op=_ARITH[op](), right=self.multiplicative())
        return node

    def multiplicative(self) -> ast.expr:
        node = self.unary()
        while self.is_op("*", "div", "mod"):
            op = self.take()[1]
            node = ast.BinOp(left=node, op=_ARITH[op](), right=self.unary())
        return node

    def unary(self) -> ast.expr:
        if self.is_op("-"):
            self.take()
            return ast.UnaryOp(op=ast.USub(), operand=self.unary())
        return self.primary()

    def args(self) -> list[ast.expr]:
        self.take("(")
        out: list[ast.expr] = []
        if not self.is_op(")"):
            out.append(self.or_())
            while self.is_op(","):
                self.take()
                out.append(self.or_())
        self.take(")")
        return out

    def primary(self) -> ast.expr:
        tok = self.peek()
        if tok is None:
            raise XPathError("ungkapan terpotong")
        kind, value = tok
        if kind == "op" and value == "(":
            self.take()
            node = self.or_()
            self.take(")")
            return node
        self.take()
        if kind == "ref":
            return self.ref(value)
        if kind == "inst":
            return self.instance(value)
        if kind == "parent":
            return _const("..")
        if kind == "self":
            if not self.self_name:
                raise XPathError("'.' hanya boleh di constraint sebuah pertanyaan")
            return ast.Name(id=self.self_name, ctx=ast.Load())
        if kind == "num":
            return ast.Constant(value=float(value) if "." in value else int(value))
        if kind == "str":
            return ast.Constant(value=value[1:-1])
        if kind == "name":
            nxt = self.peek()
            if nxt == ("op", "("):
                return self.call(value)
            if self.choice_columns:
                return _call("choice", _const(value))
            if value in ("true", "false", "null"):
                return _const(None if value == "null" else value == "true")
            raise XPathError(f"nama {value!r} harus ditulis sebagai ${{{value}}}")
        raise XPathError(f"tidak dimengerti: {value!r}")

    def ref(self, name: str) -> ast.expr:
        """${x}; a question of a repeat seen from outside it: its answers in every item (for sum(), count())."""
        sc = self.scope
        seen = {sc.here, sc.outer.get(str(sc.here))}      # in a nested repeat its parent item's answers are seen too
        if name in sc.repeat_of and sc.repeat_of[name] not in seen:
            return _call("column", _const(sc.repeat_of[name]), _const(name))
        if name in sc.repeats and name != sc.here:
            return _call("column", _const(name), _const(""))
        return ast.Name(id=name, ctx=ast.Load())

    def instance(self, list_name: str) -> ast.expr:
        """instance('list')/root/item[pred]/column: a lookup in the form's own choice list."""
        if list_name not in self.scope.lists:
            raise XPathError(f"instance('{list_name}') bukan daftar pilihan formulir ini (berkas lampiran belum "
                             "didukung)")
        pred: ast.expr = _const(True)
        if self.is_op("["):
            self.take()
            outer, self.choice_columns = self.choice_columns, True
            pred = self.or_()
            self.choice_columns = outer
            self.take("]")
        column = "name"
        tok = self.peek()
        if tok is not None and tok[0] == "step":
            self.take()
            column = tok[1][1:]
        rows = json.dumps(self.scope.lists[list_name], ensure_ascii=False, separators=(",", ":"))
        return _call("lookup", _const(list_name), _const(rows), _const(column), pred)

    def pulldata(self, args: list[ast.expr]) -> ast.expr:
        """pulldata('file', 'column', 'key column', value): a lookup in an attached CSV file."""
        if len(args) != 4 or not all(isinstance(a, ast.Constant) for a in args[:3]):
            raise XPathError("pulldata() perlu 4 argumen: 'berkas', 'kolom', 'kolom kunci', nilai")
        stem, column, key = (str(getattr(a, "value", "")) for a in args[:3])
        if stem not in self.scope.files:
            raise XPathError(f"pulldata(): berkas {stem}.csv tidak ada; lampirkan dengan --attach {stem}.csv atau "
                             "taruh di folder yang sama")
        rows = json.dumps(self.scope.lists[stem], ensure_ascii=False, separators=(",", ":"))
        pred = ast.Compare(left=_call("choice", _const(key)), ops=[ast.Eq()], comparators=[args[3]])
        return _call("pulldata", _const(stem), _const(rows), _const(column), pred)

    def special(self, name: str, args: list[ast.expr]) -> ast.expr | None:
        """The functions that need the form: position(..), indexed-repeat(), jr:choice-name(), random()."""
        if name == "position":
            if args and not (isinstance(args[0], ast.Constant) and args[0].value == ".."):
                raise XPathError("position() hanya didukung sebagai position(..) (nomor item repeat)")
            return _call("position")
        if name == "random":
            if args:
                raise XPathError("random() tidak memakai argumen")
            if self.scope.at:        # named by where it is: the same after export and import, whatever the order
                n = self.scope.randoms_at[self.scope.at] = self.scope.randoms_at.get(self.scope.at, 0) + 1
                return _call("random", _const(self.scope.at if n == 1 else f"{self.scope.at}#{n}"))
            self.scope.randoms += 1
            return _call("random", _const(self.scope.randoms))
        if name == "indexed-repeat":
            if len(args) != 3:
                raise XPathError("indexed-repeat() perlu 3 argumen")
            field_node = args[0]
            if isinstance(field_node, ast.Name) and field_node.id in self.scope.repeat_of:
                field_node = _call("column", _const(self.scope.repeat_of[field_node.id]), _const(field_node.id))
            if not (isinstance(field_node, ast.Call) and isinstance(field_node.func, ast.Name)
                    and field_node.func.id == "column"):
                raise XPathError("indexed-repeat() perlu sebuah pertanyaan di dalam repeat")
            return _call("item_at", field_node, args[2])
        if name == "pulldata":
            return self.pulldata(args)
        if name == "jr:choice-name":
            if len(args) != 2:
                raise XPathError("jr:choice-name() perlu 2 argumen")
            m = re.fullmatch(r"\s*\$\{\s*(\w+)\s*\}\s*", str(getattr(args[1], "value", "")))
            if not m or m.group(1) not in self.scope.labels:
                raise XPathError("jr:choice-name() perlu nama pertanyaan pilihan sebagai '${nama}'")
            labels = json.dumps(self.scope.labels[m.group(1)], ensure_ascii=False, separators=(",", ":"))
            return _call("choice_name", args[0], _const(m.group(1)), _const(labels))
        return None

    def call(self, name: str) -> ast.expr:
        args = self.args()
        found = self.special(name, args)
        if found is not None:
            return found
        if name in _LISTS:
            args = [_call("lookup_all", *a.args) if isinstance(a, ast.Call) and isinstance(a.func, ast.Name)
                    and a.func.id == "lookup" else a for a in args]
        if name in ("true", "false") and not args:
            return ast.Constant(value=name == "true")
        if name == "not" and len(args) == 1:
            inner = args[0]
            if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.Not):
                return inner.operand
            return ast.UnaryOp(op=ast.Not(), operand=inner)
        if name == "if" and len(args) == 3:
            return ast.IfExp(test=args[0], body=args[1], orelse=args[2])
        if name in _FUNCS:
            py, low, high = _FUNCS[name]
            if len(args) < low or (high is not None and len(args) > high):
                want = str(low) if low == high else f"{low} atau lebih" if high is None else f"{low} sampai {high}"
                raise XPathError(f"{name}() perlu {want} argumen")
            return ast.Call(func=ast.Name(id=py, ctx=ast.Load()), args=args, keywords=[])
        raise XPathError(f"fungsi {name}() belum didukung Pantau")


def to_expr(source: str, self_name: str | None = None, choice_columns: bool = False,
            scope: Scope | None = None) -> str:
    """An XLSForm expression as a form expression (raises XPathError)."""
    return ast.unparse(_Parser(str(source), self_name, choice_columns, scope).parse())
