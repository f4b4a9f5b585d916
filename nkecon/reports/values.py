"""Convert parameter values by their declared type; YAML only for lists and mappings, bounded.

A command-line value (``-p name=VALUE``) and a scalar in a parameters file are both *text*
until the declared type says what they are: ``2020-02-15`` stays text for a ``str``
parameter and becomes a checked date for a ``"date"`` one. Only ``list`` and ``dict``
values are read as YAML, and that YAML may nest at most :data:`MAX_DEPTH` levels and hold
at most :data:`MAX_NODES` values after alias expansion (no "billion laughs").
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from ..errors import ParameterError

__all__ = ["MAX_DEPTH", "MAX_NODES", "MAX_TEXT", "load_yaml", "compose_yaml", "construct", "short_repr"]

MAX_DEPTH = 20
MAX_NODES = 10_000
MAX_TEXT = 100_000

# ASCII digits only, no '_': what the data validator accepts (Python's int() and float() take
# "1_5" and "١٠٠٠" too)
_INT_RE = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_RE = re.compile(r"[0-9]{4}-[0-9]{2}")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr`` on one line, cut to ``limit`` characters."""
    text = repr(value)
    text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _loader_class():
    import yaml

    class Loader(yaml.SafeLoader):
        """Safe YAML without implicit dates: ``2020-02-15`` stays text until its type is known."""

    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return Loader


def compose_yaml(text: str, what: str):
    """The YAML node graph of ``text`` (aliases not expanded), or a one-line ParameterError."""
    import yaml

    if len(text) > MAX_TEXT:
        raise ParameterError(f"{what} is {len(text)} characters long; at most {MAX_TEXT} are read.")
    try:
        node = yaml.compose(text, Loader=_loader_class())
    except RecursionError:
        raise ParameterError(f"{what} nests deeper than {MAX_DEPTH} levels.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParameterError(f"{what} is not valid YAML{where}: {problem}.") from None
    if node is not None:
        _measure(node, what)
    return node


def _measure(node, what: str) -> None:
    """Refuse graphs deeper than MAX_DEPTH or larger than MAX_NODES once aliases are expanded."""
    import yaml

    budget = [MAX_NODES]
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            raise ParameterError(f"{what} holds more than {MAX_NODES} values (YAML aliases count once per use).")
        if depth > MAX_DEPTH:
            raise ParameterError(f"{what} nests deeper than {MAX_DEPTH} levels.")
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            seen = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise ParameterError(f"{what} gives the key {short_repr(key.value)} twice in one mapping "
                                             f"(line {key.start_mark.line + 1}); give each key once.")
                    seen.add(key.value)
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))


def construct(node, what: str) -> Any:
    """Plain Python values (lists, dicts, str, int, float, bool, None) from a measured node."""
    import yaml

    if node is None:
        return None
    loader = _loader_class()("")
    try:
        value = loader.construct_object(node, deep=True)
    except (yaml.YAMLError, RecursionError, TypeError) as exc:
        raise ParameterError(f"{what} cannot be read: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}.") from None
    finally:
        loader.dispose()
    return value


def load_yaml(text: str, what: str) -> Any:
    """Bounded YAML: compose, measure, construct."""
    return construct(compose_yaml(text, what), what)


# ----------------------------------------------------------------------------- conversion
def plain(value: Any, where: str, depth: int = 0) -> Any:
    """Check that ``value`` holds only JSON-like values with finite numbers; return it."""
    if depth > MAX_DEPTH:
        raise ParameterError(f"{where} nests deeper than {MAX_DEPTH} levels.")
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ParameterError(f"{where} must hold finite numbers, but {short_repr(value)} was passed.")
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v, where, depth + 1) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise ParameterError(f"{where} must have text keys, but {short_repr(k)} was passed.")
            out[k] = plain(v, where, depth + 1)
        return out
    raise ParameterError(f"{where} must hold only numbers, text, true/false, lists and mappings, "
                         f"but {short_repr(value)} was passed.")


def from_text(type_name: str, text: str, where: str) -> Any:
    """A value of ``type_name`` from text (the command line, or a YAML scalar)."""
    base, item = split_type(type_name)
    if base == "str":
        return text
    if base in ("list", "dict"):
        return check_object(type_name, load_yaml(text, where), where)
    stripped = text.strip()
    if base == "int":
        if not _INT_RE.fullmatch(stripped):
            raise ParameterError(f"{where} must be a whole number such as 2020, but {short_repr(text)} was passed.")
        return int(stripped)
    if base == "float":
        if not _FLOAT_RE.fullmatch(stripped):
            raise ParameterError(f"{where} must be a number such as 0.5 (ASCII digits, no '_' or thousands "
                                 f"separator), but {short_repr(text)} was passed.")
        value = float(stripped)
        if not math.isfinite(value):
            raise ParameterError(f"{where} must be a finite number, but {short_repr(text)} was passed.")
        return value
    if base == "bool":
        low = stripped.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ParameterError(f"{where} must be true or false, but {short_repr(text)} was passed.")
    if base == "date":
        return _date(stripped, where)
    if base == "month":
        return _month(stripped, where)
    raise ParameterError(f"{where} has unknown type {type_name!r}.")


def check_object(type_name: str, value: Any, where: str) -> Any:
    """Check an already-typed value (a declared default, a computed default, a YAML list)."""
    base, item = split_type(type_name)
    if base == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParameterError(f"{where} must be a whole number such as 2020, but {short_repr(value)} was passed.")
        return int(value)
    if base == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"{where} must be a number such as 0.5, but {short_repr(value)} was passed.")
        if not math.isfinite(value):
            raise ParameterError(f"{where} must be a finite number, but {short_repr(value)} was passed.")
        return float(value)
    if base == "bool":
        if not isinstance(value, bool):
            raise ParameterError(f"{where} must be true or false, but {short_repr(value)} was passed.")
        return value
    if base == "str":
        if not isinstance(value, str):
            raise ParameterError(f"{where} must be text, but {short_repr(value)} was passed.")
        return value
    if base == "date":
        if isinstance(value, date):
            value = value.isoformat()
        if not isinstance(value, str):
            raise ParameterError(f"{where} must be a date such as 2020-01-31, but {short_repr(value)} was passed.")
        return _date(value, where)
    if base == "month":
        if not isinstance(value, str):
            raise ParameterError(f"{where} must be a month such as 2019-01, but {short_repr(value)} was passed.")
        return _month(value, where)
    if base == "list":
        if not isinstance(value, (list, tuple)):
            raise ParameterError(f"{where} must be a list such as [1, 0, 0], but {short_repr(value)} was passed.")
        value = plain(list(value), where)
        if item is not None:
            value = [check_object(item, v, f"{where[:-1] if where.endswith('`') else where} item {i + 1}")
                     for i, v in enumerate(value)]
        return value
    if base == "dict":
        if not isinstance(value, dict):
            raise ParameterError(f"{where} must be a mapping such as {{a: 1}}, but {short_repr(value)} was passed.")
        return plain(value, where)
    raise ParameterError(f"{where} has unknown type {type_name!r}.")


TYPES = ("int", "float", "bool", "str", "date", "month", "list", "dict")
ITEM_TYPES = ("int", "float", "str")


def split_type(type_name: str) -> tuple[str, str | None]:
    """``list[int]`` -> (``list``, ``int``); ``int`` -> (``int``, None)."""
    m = re.fullmatch(r"\s*(\w+)\s*(?:\[\s*(\w+)\s*\])?\s*", type_name or "")
    if not m:
        return type_name, None
    return m.group(1), m.group(2)


def valid_type(type_name: str) -> bool:
    base, item = split_type(type_name)
    if base not in TYPES:
        return False
    if item is not None:
        return base == "list" and item in ITEM_TYPES
    return True


def _date(text: str, where: str) -> str:
    if not _DATE_RE.fullmatch(text):
        raise ParameterError(f"{where} must be a date written YYYY-MM-DD such as 2020-01-31, but {short_repr(text)} was passed.")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ParameterError(f"{where} must be a real calendar date, but {short_repr(text)} was passed.") from None


def _month(text: str, where: str) -> str:
    if not _MONTH_RE.fullmatch(text) or not 1 <= int(text[5:7]) <= 12:
        raise ParameterError(f"{where} must be a month written YYYY-MM such as 2019-01, but {short_repr(text)} was passed.")
    return text
