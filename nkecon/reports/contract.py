"""One parameter contract per report: declared once in the notebook's parameters cell.

papermill's own inspection reads each parameter's name, type, default and help from the
cell; nkecon reads the constraint at the end of the help (``[lo..hi]``, ``[DATASET.COLUMN]``,
``{a|b}``, for ``str`` and ``list[str]``) and the comment lines ``# rule: ...`` and
``# default: NAME = ...`` beside them.
:func:`resolve` turns given values into the full, checked parameter set before any kernel
starts: every value it accepts must build; anything else is one :class:`ParameterError`.
See ``CONTRACT`` in the README for the syntax.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ParameterError
from . import values as V
from .expr import ContractError, DataView, Expr

__all__ = ["Param", "Rule", "Contract", "parse_contract", "resolve", "accepted_values", "compact", "ContractError"]

_RANGE_RE = re.compile(r"\[([^\[\]]*)\]\s*$")
_CHOICES_RE = re.compile(r"\{([^{}]+)\}\s*$")
_DATA_COL_RE = re.compile(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*")
_LITERAL_BOUND_RE = re.compile(r"[+-]?\d+(\.\d+)?|\d{4}-\d{2}(-\d{2})?")
_RULE_RE = re.compile(r"^\s*#\s*rule:\s*(?P<expr>.+?)\s*(?:--\s*(?P<msg>.*?))?\s*$")
_DEFAULT_RE = re.compile(r"^\s*#\s*default:\s*(?P<name>\w+)\s*=\s*(?P<expr>.+?)\s*$")


@dataclass(frozen=True)
class Bound:
    text: str
    literal: Any = None
    expr: Expr | None = None

    def value(self, values: dict[str, Any], data: DataView) -> Any:
        return self.literal if self.expr is None else self.expr.evaluate(values, data)


@dataclass(frozen=True)
class Param:
    """One declared parameter: type, declared default, help, constraint, computed default."""

    name: str
    type: str
    default: Any
    help: str = ""
    lo: Bound | None = None
    hi: Bound | None = None
    choices: tuple[str, ...] | None = None
    computed: Expr | None = None
    line: int = 0

    def constraint_text(self) -> str:
        if self.lo is not None:
            return f"[{self.lo.text}..{self.hi.text}]"
        if self.choices:
            return "{" + "|".join(self.choices) + "}"
        return ""

    def describe(self) -> str:
        text = f"{self.name}: {self.type} = {self.default!r}  # {self.help}"
        if self.constraint_text():
            text += " " + self.constraint_text()
        if self.computed is not None:
            text += f" (when not given: {self.computed.text})"
        return text


@dataclass(frozen=True)
class Rule:
    expr: Expr
    message: str
    line: int


@dataclass(frozen=True)
class Contract:
    params: dict[str, Param] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    cell: int = 0  # 1-based number of the parameters cell


def _parse_bound(text: str, names: set[str], where: str, base: str) -> Bound:
    text = text.strip()
    if _LITERAL_BOUND_RE.fullmatch(text):
        if base in ("date", "month"):
            return Bound(text, literal=text)
        try:
            return Bound(text, literal=int(text))
        except ValueError:
            return Bound(text, literal=float(text))
    return Bound(text, expr=Expr(text, names, where))


def parse_contract(nb: Any, notebook: str) -> Contract:
    """The contract of a notebook node; :class:`ContractError` (one line) when malformed."""
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return Contract()
    if len(tagged) > 1:
        raise ContractError(f"{len(tagged)} cells are tagged 'parameters'; expected one")
    index = tagged[0]
    cell = nb.cells[index]
    if cell.get("cell_type") != "code":
        raise ContractError(f"the cell tagged 'parameters' (cell {index + 1}) is not a code cell")
    source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
    from papermill.translators import papermill_translators  # the reader behind papermill's inspect_notebook

    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ContractError(f"the parameters cell is not valid Python ({exc.msg}, line {exc.lineno})") from None
    assigned = {}
    for node in tree.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None):
            raise ContractError(f"parameters cell line {node.lineno} must read `name: type = value  # help`")
        assigned[node.target.id] = node.lineno
    inferred = {p.name: p for p in papermill_translators.find_translator("python3", "python").inspect(cell)}
    names = set(inferred)
    if set(assigned) != names:
        missing = sorted(set(assigned) - names)
        raise ContractError(f"papermill cannot read the declaration of {missing[0]!r} (one assignment per line, "
                            "no '=' in the help)")
    params: dict[str, Param] = {}
    lines = source.splitlines()
    computed: dict[str, Expr] = {}
    rules: list[Rule] = []
    for lineno, line in enumerate(lines, 1):
        m = _DEFAULT_RE.match(line)
        if m:
            name = m.group("name")
            if name not in names:
                raise ContractError(f"parameters cell line {lineno}: `# default:` names unknown parameter {name!r}")
            computed[name] = Expr(m.group("expr"), names, f"parameters cell line {lineno}")
            continue
        m = _RULE_RE.match(line)
        if m:
            expr = Expr(m.group("expr"), names, f"parameters cell line {lineno}")
            rules.append(Rule(expr, (m.group("msg") or "").strip(), lineno))
    for name, p in inferred.items():
        where = f"parameter {name!r} (parameters cell line {assigned[name]})"
        type_name = p.inferred_type_name.strip().strip("'\"")
        if not V.valid_type(type_name):
            raise ContractError(f"{where} has type {type_name!r}; expected one of {', '.join(V.TYPES)} "
                                "(or list[int], list[float], list[str])")
        try:
            default = ast.literal_eval(p.default)
        except (ValueError, SyntaxError):
            raise ContractError(f"{where} has a default that is not a plain literal: {p.default}") from None
        try:
            default = V.check_object(type_name, default, f"the declared default of `{name}`")
        except ParameterError as exc:
            raise ContractError(f"{where}: {exc}") from None
        help_text = p.help
        lo = hi = None
        choices = None
        base, _ = V.split_type(type_name)
        m = _RANGE_RE.search(help_text)
        if m:
            inner = m.group(1).strip()
            help_text = help_text[: m.start()].strip()
            if ".." in inner and not _DATA_COL_RE.fullmatch(inner):
                lo_text, hi_text = _split_range(inner)
                lo = _parse_bound(lo_text, names, where, base)
                hi = _parse_bound(hi_text, names, where, base)
            elif _DATA_COL_RE.fullmatch(inner):
                lo = Bound(f"min(data('{inner}'))", expr=Expr(f"min(data('{inner}'))", names, where))
                hi = Bound(f"max(data('{inner}'))", expr=Expr(f"max(data('{inner}'))", names, where))
            else:
                raise ContractError(f"{where}: range [{inner}] must read [LO..HI] or [DATASET.COLUMN]")
            if base in ("bool", "str", "dict") or (base == "list" and _ is None):
                raise ContractError(f"{where}: a range applies to int, float, date, month or list[int|float] only")
        else:
            m = _CHOICES_RE.search(help_text)
            if m and (base == "str" or (base == "list" and _ == "str")):
                choices = tuple(c.strip() for c in m.group(1).split("|"))
                help_text = help_text[: m.start()].strip()
        params[name] = Param(name, type_name, default, help_text, lo, hi, choices, computed.get(name), assigned[name])
    return Contract(params, tuple(rules), index + 1)


def _split_range(inner: str) -> tuple[str, str]:
    # split on the '..' that is outside quotes (data('a.b') holds single dots only)
    quote = None
    for i in range(len(inner) - 1):
        ch = inner[i]
        if quote:
            if ch == quote:
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif inner[i: i + 2] == "..":
            return inner[:i], inner[i + 2:]
    raise ContractError(f"range [{inner}] must read [LO..HI]")


def _where(name: str, notebook: str) -> str:
    return f"The value for `{name}` of report {notebook!r}"


def convert_given(param: Param, value: Any, notebook: str) -> Any:
    """A given value (text from the command line or a YAML scalar, or a typed YAML value)."""
    where = _where(param.name, notebook)
    if isinstance(value, str):
        return V.from_text(param.type, value, where)
    return V.check_object(param.type, value, where)


def resolve(params: Mapping[str, Param], rules: tuple[Rule, ...], notebook: str, given: Mapping[str, Any],
            data: DataView) -> dict[str, Any]:
    """The full, checked parameter set: given values converted, computed defaults filled in,
    ranges and rules checked. Raises :class:`ParameterError` (one line) for a bad value and
    :class:`ContractError` when the notebook's own declaration cannot be evaluated."""
    unknown = [k for k in given if k not in params]
    if unknown:
        raise ParameterError(f"Report {notebook!r} has no parameter {V.short_repr(unknown[0])}; its parameters are: "
                             f"{', '.join(params) or '(none)'}.")
    values: dict[str, Any] = {}
    pending = []
    for name, p in params.items():
        if name in given:
            values[name] = _as_set(p, convert_given(p, given[name], notebook), notebook)
            if p.computed is not None and values[name] == p.default:
                pending.append(name)
        else:
            values[name] = p.default
            if p.computed is not None:
                pending.append(name)
    for name in pending:
        p = params[name]
        raw = p.computed.evaluate(values, data)
        try:
            values[name] = V.check_object(p.type, _pythonic(raw), f"the computed default of `{name}`")
        except ParameterError as exc:
            raise ContractError(f"{exc}") from None
    for name, p in params.items():
        _check_constraint(p, values, notebook, data)
    for rule in rules:
        try:
            ok = rule.expr.evaluate(values, data)
        except ParameterError as exc:  # raised by a check() the rule calls
            why = rule.message or f"`{rule.expr.text}`"
            detail = " ".join(str(exc).split())
            detail = detail if len(detail) <= 300 else detail[:297] + "..."
            raise ParameterError(f"Report {notebook!r}: {why}: {detail} (parameters cell line {rule.line}).") from None
        if not ok:
            shown = ", ".join(f"{n}={V.short_repr(values[n], 40)}" for n in params if n in rule.expr.names)
            why = rule.message or f"the parameters must satisfy `{rule.expr.text}`"
            raise ParameterError(f"Report {notebook!r}: {why}, but {shown} was passed (rule `{rule.expr.text}`, "
                                 f"parameters cell line {rule.line}).")
    return values


def _as_set(p: Param, value: Any, notebook: str) -> Any:
    """A ``list[str]`` with choices is a set: each item once, one of the choices, and the
    value put in the declared order, so that the same set given in another order is the
    same build."""
    if p.choices is None or not isinstance(value, list):
        return value
    where = _where(p.name, notebook)
    for item in value:
        if item not in p.choices:
            raise ParameterError(f"{where} must hold items among {', '.join(p.choices)}, but "
                                 f"{V.short_repr(item)} was passed.")
    if len(set(value)) != len(value):
        raise ParameterError(f"{where} names an item twice: {V.short_repr(value)}; give each once.")
    return [c for c in p.choices if c in value]


def _pythonic(value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        return value.item()
    return value


def _check_constraint(p: Param, values: dict[str, Any], notebook: str, data: DataView) -> None:
    value = values[p.name]
    where = _where(p.name, notebook)
    if p.choices is not None and not isinstance(value, list) and value not in p.choices:
        raise ParameterError(f"{where} must be one of {', '.join(p.choices)}, but {V.short_repr(value)} was passed.")
    if p.lo is None:
        return
    lo, hi = _pythonic(p.lo.value(values, data)), _pythonic(p.hi.value(values, data))
    items = value if isinstance(value, list) else [value]
    for item in items:
        try:
            ok = lo <= item <= hi
        except TypeError:
            raise ContractError(f"parameter {p.name!r}: its range {p.constraint_text()} does not compare with "
                                f"{V.short_repr(item)}") from None
        if not ok:
            what = "every item of " if isinstance(value, list) else ""
            raise ParameterError(f"{where} must be {what}between {lo} and {hi}, but {V.short_repr(value)} was passed.")


def changed_values(params: Mapping[str, Param], resolved: Mapping[str, Any], data: DataView) -> dict[str, Any]:
    """The values that differ from what each parameter would be if it were not given."""
    changed = {}
    for name, p in params.items():
        default = p.default
        if p.computed is not None:
            try:
                default = _pythonic(p.computed.evaluate(dict(resolved), data))
            except ContractError:
                default = p.default
        if resolved[name] != default:
            changed[name] = resolved[name]
    return changed


#: Integer parameters whose range spans at most this many values are checked value by value.
MAX_ENUMERATED = 400


def accepted_values(params: Mapping[str, Param], rules: tuple[Rule, ...], notebook: str, name: str,
                    data: DataView) -> list[int] | None:
    """The values of integer parameter ``name`` that the contract accepts when it alone is
    given (every other parameter at its default): each value of its range, checked by
    :func:`resolve` like a given value. ``None`` when it has no range, is not an integer or
    spans more than :data:`MAX_ENUMERATED` values."""
    p = params[name]
    if p.type != "int" or p.lo is None:
        return None
    defaults = {n: q.default for n, q in params.items()}
    try:
        lo, hi = _pythonic(p.lo.value(defaults, data)), _pythonic(p.hi.value(defaults, data))
    except (ContractError, ParameterError):
        return None
    if not isinstance(lo, int) or not isinstance(hi, int) or hi - lo >= MAX_ENUMERATED:
        return None
    ok = []
    for value in range(lo, hi + 1):
        try:
            resolve(params, rules, notebook, {name: value}, data)
        except ParameterError:
            continue
        ok.append(value)
    return ok


def compact(values: list[int]) -> str:
    """``2012, 2013, 2015, 2017..2024``: runs of three or more as ``lo..hi``."""
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{values[i]}..{values[j]}")
        else:
            parts.extend(str(v) for v in values[i:j + 1])
        i = j + 1
    return ", ".join(parts) if parts else "(none)"
