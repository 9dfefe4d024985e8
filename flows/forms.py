"""Forms are data: a form file (YAML) becomes a validated ``Form``.

``parse_form(data, source)`` checks everything a program officer could get wrong and raises
``FormError`` naming the file, the question and the problem. Reading the files is the caller's
job (bot/catalog.py): this package does no I/O.
"""
from __future__ import annotations

from typing import Any, NoReturn

from .expr import ExprError, check, compile_expr, kind_of
# what a form is (flows/form_model.py); imported from here by the rest of the code
from .form_model import LANGS as LANGS, MORE as MORE, NUMBER_MAX as NUMBER_MAX, NUMBER_MIN as NUMBER_MIN
from .form_model import ROLES as ROLES, SYSTEM_KEYS as SYSTEM_KEYS
from .form_model import Choice as Choice, Form as Form, FormError as FormError, FormVersions as FormVersions
from .form_model import Group as Group, Question as Question
from .qtypes import TABLE

#: the types a form may give a question: one module each in flows/qtypes/
TYPES = frozenset(TABLE)


def _text(source: str, qname: str | None, value: Any, what: str, required: bool = True) -> dict[str, str]:
    if value is None and not required:
        return {}
    if isinstance(value, str):
        raise FormError(source, qname, f"{what} needs a text per language, e.g. {{id: ..., en: ...}}")
    if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) and value[lang].strip()
                                              for lang in LANGS):
        raise FormError(source, qname, f"{what} needs non-empty texts for {', '.join(LANGS)}")
    return {lang: value[lang] for lang in LANGS}


def _expr(source: str, qname: str | None, value: Any, what: str, known: set[str] | None) -> str | None:
    if value is None:
        return None
    try:
        compile_expr(str(value))
    except ExprError as exc:
        raise FormError(source, qname, f"{what}: {exc}") from None
    from .expr import names_in
    unknown = names_in(str(value)) - known if known is not None else set()
    if unknown:
        raise FormError(source, qname, f"{what} uses unknown question(s): {', '.join(sorted(unknown))}")
    return str(value)


_QUESTION_KEYS = {"name", "type", "label", "hint", "required", "choices", "choices_from", "relevant", "constraint",
                  "constraint_message", "min", "max", "pair", "not_future", "confirm_older_than_days",
                  "questions", "suggest_from_previous", "item_label", "ask_more", "short", "repeat_count",
                  "choice_filter", "default", "default_expr", "count", "groups", "calculate", "appearance"}


def _choices(source: str, name: str, raw: Any) -> tuple[Choice, ...]:
    if not isinstance(raw, list):
        raise FormError(source, name, "choices must be a list of {value, label}")
    choices: list[Choice] = []
    for c in raw:
        if not isinstance(c, dict) or not isinstance(c.get("value"), str):
            raise FormError(source, name, "each choice needs a value (text) and a label {id, en}")
        data = c.get("data") or {}
        if not isinstance(data, dict):
            raise FormError(source, name, f"choice {c['value']!r}: data must be a mapping of column to text")
        choices.append(Choice(c["value"], _text(source, name, c.get("label"), f"choice {c['value']!r} label"),
                              {str(k): str(v) for k, v in data.items()}))
    return tuple(choices)


def _choice_lists(source: str, raw: Any) -> dict[str, tuple[Choice, ...]]:
    """The form's shared choice lists (``choice_lists: {name: [choices]}``), each parsed once: a long list
    that many questions offer is stored and held in memory once."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise FormError(source, None, "choice_lists must be a mapping of list name to choices")
    return {str(name): _choices(source, f"choice list {name}", items) for name, items in raw.items()}


def _question(source: str, raw: Any, known: set[str], depth: int = 0, calcs: frozenset[str] = frozenset(),
              lists: dict[str, tuple[Choice, ...]] | None = None) -> Question:
    name, qtype = _name_and_type(source, raw, depth)
    choices, choice_list = _select_choices(source, name, qtype, raw, lists or {})
    counts, lo, hi = _bounds(source, name, qtype, raw)
    sub, item_calcs = _repeat(source, name, raw, known, depth, calcs, lists) if qtype == "repeat" else ((), [])
    return Question(
        name=name, type=qtype,
        label=_text(source, name, raw.get("label"), "label"),
        hint=_text(source, name, raw.get("hint"), "hint", required=False),
        required=bool(raw.get("required", TABLE[qtype].required)),
        choices=choices, choices_from=raw.get("choices_from"), choice_list=choice_list,
        relevant=_expr(source, name, raw.get("relevant"), "relevant", known | calcs),
        constraint=_expr(source, name, raw.get("constraint"), "constraint", None),
        constraint_message=_text(source, name, raw.get("constraint_message"), "constraint_message",
                                 required=bool(raw.get("constraint"))),
        minimum=lo, maximum=hi, pair=raw.get("pair"),
        not_future=bool(raw.get("not_future", False)),
        confirm_older_than_days=raw.get("confirm_older_than_days"),
        questions=sub, suggest_from_previous=bool(raw.get("suggest_from_previous", False)),
        item_label=sub[0].name if sub and not raw.get("repeat_count") and not raw.get("ask_more") else None,
        ask_more=bool(raw.get("ask_more")),
        short=_text(source, name, raw.get("short"), "short", required=False),
        repeat_count=_expr(source, name, raw.get("repeat_count"), "repeat_count", known),
        choice_filter=_expr(source, name, raw.get("choice_filter"), "choice_filter", known),
        default=None if raw.get("default") is None else str(raw["default"]),
        default_expr=_expr(source, name, raw.get("default_expr"), "default", known | calcs),
        count=counts, groups=_groups(source, name, raw.get("groups")), calculate=tuple(item_calcs),
        appearance=None if raw.get("appearance") in (None, "") else str(raw["appearance"]),
    )


def _name_and_type(source: str, raw: Any, depth: int) -> tuple[str, str]:
    if not isinstance(raw, dict):
        raise FormError(source, None, f"each question must be a mapping, got {raw!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.isidentifier():
        raise FormError(source, str(name), "name must be a simple identifier such as 'men' or 'meeting_date'")
    extra = set(raw) - _QUESTION_KEYS
    if extra:
        raise FormError(source, name, f"unknown field(s): {', '.join(sorted(extra))}")
    qtype = raw.get("type")
    if qtype not in TYPES:
        raise FormError(source, name, f"type {qtype!r} is not one of {', '.join(sorted(TYPES))}")
    if qtype == "repeat" and depth > 1:
        raise FormError(source, name, "a repeat can be inside one repeat, not inside a repeat inside a repeat")
    return name, str(qtype)


def _select_choices(source: str, name: str, qtype: str, raw: dict[str, Any], lists: dict[str, tuple[Choice, ...]]
                    ) -> tuple[tuple[Choice, ...], str | None]:
    """A select's choices (its own, or a shared list by name) and the name of that list."""
    choices: tuple[Choice, ...] = ()
    choice_list = None
    if TABLE[qtype].choices and not raw.get("choices_from"):
        if not raw.get("choices"):
            raise FormError(source, name, f"{qtype} needs choices")
        if isinstance(raw["choices"], str):
            choice_list = raw["choices"]
            if choice_list not in lists:
                raise FormError(source, name, f"choices: no choice list {choice_list!r} in choice_lists")
            choices = lists[choice_list]
        else:
            choices = _choices(source, name, raw["choices"])
        if len({c.value for c in choices}) != len(choices) and not raw.get("choice_filter"):
            raise FormError(source, name, "choice values must be unique (a value may repeat only under a "
                            "choice_filter, once per parent)")
    if qtype == "select_one" and raw.get("default") is not None and str(raw["default"]) not in {c.value for c in choices}:
        raise FormError(source, name, f"default {raw['default']!r} is not one of the choices")
    return choices, choice_list


def _bounds(source: str, name: str, qtype: str, raw: dict[str, Any]) -> tuple[bool, int, int]:
    """Whether an integer is a count, and its min and max; the fields only some types may have checked."""
    if raw.get("repeat_count") and qtype != "repeat":
        raise FormError(source, name, "repeat_count is only for a repeat")
    if raw.get("choices_from") not in (None, "rounds"):
        raise FormError(source, name, "choices_from can only be 'rounds'")
    counts = raw.get("count", True)
    if not isinstance(counts, bool) or (not counts and qtype != "integer"):
        raise FormError(source, name, "count (true or false) is only for an integer question")
    if raw.get("default") is not None and raw.get("default_expr") is not None:
        raise FormError(source, name, "a question has either a default or a default_expr, not both")
    lo, hi = raw.get("min", 0 if counts else NUMBER_MIN), raw.get("max", 100_000 if counts else NUMBER_MAX)
    if not (isinstance(lo, int) and isinstance(hi, int) and lo <= hi):
        raise FormError(source, name, "min and max must be whole numbers with min <= max")
    if raw.get("calculate") and qtype != "repeat":
        raise FormError(source, name, "calculate inside a question is only for a repeat (values per item)")
    return counts, lo, hi


def _repeat(source: str, name: str, raw: dict[str, Any], known: set[str], depth: int, calcs: frozenset[str],
            lists: dict[str, tuple[Choice, ...]] | None) -> tuple[tuple[Question, ...], list[tuple[str, str]]]:
    """A repeat's questions and its calculations per item."""
    inner_known = set(known)
    subs = []
    item_calcs: list[tuple[str, str]] = []
    item_raw = raw.get("calculate") or {}
    if not isinstance(item_raw, dict):
        raise FormError(source, name, "calculate must be a mapping of name to expression")
    # an item's calculations are computed at every position of the item: its questions' relevant may read them
    item_calc_names = calcs | frozenset(str(c) for c in item_raw)
    for r in raw.get("questions") or []:
        q = _question(source, r, inner_known, depth + 1, item_calc_names, lists)
        inner_known.add(q.name)
        subs.append(q)
    for cname, cexpr in item_raw.items():
        if not str(cname).isidentifier() or cname in inner_known:
            raise FormError(source, str(cname), "a calculate name must be a new simple identifier")
        item_calcs.append((str(cname), str(_expr(source, str(cname), cexpr, "calculate", inner_known))))
        inner_known.add(str(cname))
    if not subs:
        raise FormError(source, name, "a repeat needs questions")
    if subs[0].type != "text" and not raw.get("repeat_count") and not raw.get("ask_more"):
        raise FormError(source, name, "the first question of a repeat names the item and must be text "
                        "(or the repeat has ask_more: true)")
    if raw.get("ask_more"):
        subs.append(_more_question(_text(source, name, raw.get("label"), "label")))
    return tuple(subs), item_calcs


def _lower(text: str) -> str:
    """'Anggota keluarga' → 'anggota keluarga' inside a sentence ('KK' stays)."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _more_question(label: dict[str, str]) -> Question:
    """The last question of each item of a repeat with ``ask_more``: "ya" asks one more item, "tidak" ends."""
    return Question(name=MORE, type="select_one",
                    label={"id": f"Tambah satu {_lower(label['id'])} lagi?", "en": f"Add another {_lower(label['en'])}?"},
                    choices=(Choice("ya", {"id": "Ya", "en": "Yes"}), Choice("tidak", {"id": "Tidak", "en": "No"})))


def _groups(source: str, qname: str, raw: Any) -> tuple[Group, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(g, dict) and isinstance(g.get("name"), str) for g in raw):
        raise FormError(source, qname, "groups must be a list of {name, label}")
    return tuple(Group(g["name"], _text(source, qname, g.get("label"), f"group {g['name']!r} label")) for g in raw)


def _numbered(q: Question) -> bool:
    """A select_one whose choices are all named by numbers (1, 2, 3): as in ODK, it may be compared with a
    number (``. >= 1``), so it is neither text nor number to the check."""
    def is_number(value: str) -> bool:
        try:
            float(value)
        except ValueError:
            return False
        return True
    return q.type == "select_one" and bool(q.choices) and all(is_number(c.value) for c in q.choices)


def _check_expressions(source: str, questions: list[Question], calcs: list[tuple[str, str]]) -> None:
    """Every expression checked as it will run (wrong arguments, division by zero, a number compared with
    text), naming the file and the question."""
    kinds = {s.name: kind for q in questions for s in (q, *q.questions)
             if (kind := TABLE[s.type].kind) is not None and not _numbered(s)}
    for name, calc in calcs:           # what each calculation gives, as far as its expression tells
        kind = kind_of(calc, kinds)
        if kind:
            kinds[name] = kind
    for q in [sub for top in questions for sub in (top, *top.questions)]:
        for what, expr in (("relevant", q.relevant), ("constraint", q.constraint), ("default", q.default_expr),
                           *(("calculate", e) for _, e in q.calculate)):
            if expr:
                try:
                    check(expr, kinds)
                except ExprError as exc:
                    raise FormError(source, q.name, f"{what}: {exc}") from None
    for name, expr in calcs:
        try:
            check(expr, kinds)
        except ExprError as exc:
            raise FormError(source, name, f"calculate: {exc}") from None


def _form_questions(source: str, data: dict[str, Any]) -> tuple[list[Question], set[str]]:
    """The form's questions, and every name they define (their items' questions and calculations too)."""
    known: set[str] = set()
    questions = []
    calc_names = frozenset(str(c) for c in data["calculate"]) if isinstance(data.get("calculate"), dict) else frozenset()
    lists = _choice_lists(source, data.get("choice_lists"))
    for raw in data["questions"] or []:
        q = _question(source, raw, known, calcs=calc_names, lists=lists)
        if q.name in known:
            raise FormError(source, q.name, "the name is used twice")
        known.add(q.name)
        known.update(s.name for s in q.questions)
        known.update(c for c, _ in q.calculate)
        questions.append(q)
    for q in questions:
        if q.pair:
            if q.pair not in known or q.type != "integer":
                raise FormError(source, q.name, f"pair must name another integer question, got {q.pair!r}")
    return questions, known


def _form_calcs(source: str, data: dict[str, Any], known: set[str]) -> list[tuple[str, str]]:
    """The form's calculations, in order: each may use the questions and the calculations before it."""
    calcs: list[tuple[str, str]] = []
    for cname, cexpr in (data.get("calculate") or {}).items():
        if not str(cname).isidentifier() or cname in known:
            raise FormError(source, str(cname), "a calculate name must be a new simple identifier")
        calcs.append((str(cname), str(_expr(source, cname, cexpr, "calculate", known | {c for c, _ in calcs}))))
    return calcs


def parse_form(data: Any, source: str) -> Form:
    """Validate a form file's content (already parsed from YAML) into a ``Form``."""
    if not isinstance(data, dict):
        raise FormError(source, None, "a form file must be a mapping with id, version, title, key, questions")
    for required in ("id", "version", "title", "questions"):
        if required not in data:
            raise FormError(source, None, f"missing '{required}'")
    if not isinstance(data["version"], int) or data["version"] < 1:
        raise FormError(source, None, "version must be a whole number >= 1 (raise it on every change)")
    questions, known = _form_questions(source, data)
    calcs = _form_calcs(source, data, known)
    known.update(c for c, _ in calcs)          # a calculation may use those before it (they run in order)
    for q in questions:   # constraints may use calculated values: check them again now
        if q.constraint:
            _expr(source, q.name, q.constraint, "constraint", known)
    _check_expressions(source, questions, calcs)
    key = tuple(data.get("key") or ["$started"])
    for k in key:
        if k not in known and k not in SYSTEM_KEYS:
            raise FormError(source, None, f"key field {k!r} is not a question of the form")
    roles = tuple(data.get("roles") or ROLES)
    if set(roles) - set(ROLES):
        raise FormError(source, None, f"roles must be among {', '.join(ROLES)}")
    from .summary_spec import parse_summary

    def summary_error(problem: str) -> NoReturn:
        raise FormError(source, None, problem)
    by_name = {q.name: q for q in questions} | {s.name: s for q in questions for s in q.questions}
    return Form(id=str(data["id"]), version=data["version"], title=_text(source, None, data["title"], "title"),
                questions=tuple(questions), key=key, roles=roles, source=source, calculate=tuple(calcs),
                order=int(data.get("order", 100)), summary=parse_summary(data.get("summary"), by_name, summary_error))
