"""Strict reading of JSON (the services' answers, datapackage.json) and of numbers in them.

:func:`loads` refuses what Python's ``json`` lets through: a key given twice (the second
would silently win), ``NaN`` and ``Infinity``, integers of more than 30 digits, floats that
overflow to infinity, and nesting deeper than :data:`MAX_DEPTH` (a few levels is all any
service sends). :func:`number` and :func:`number_text` turn a value into a float only if it
is a finite number written with ASCII digits: never a boolean, a list, or ``"١٠٠٠"``.
Each raises :class:`BodyError`, whose message the sources put in their one-line errors.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["BodyError", "MAX_DEPTH", "loads", "number", "number_text"]

MAX_DEPTH = 32
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET_RE = re.compile(r"[\[\]{}]")
_NUM_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?")


class BodyError(ValueError):
    """An answer that is not what a service sends; the message says what is wrong."""


def _depth(text: str) -> int:
    deepest = depth = 0
    for bracket in _BRACKET_RE.findall(_STRING_RE.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise BodyError(f"the key {key[:40]!r} appears twice in one object")
        out[key] = value
    return out


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 30:
        raise BodyError(f"the integer {text[:20]}... has {len(text)} digits; too large to be a real figure")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(f"the number {text[:40]} overflows")
    return value


def _constant(text: str) -> Any:
    raise BodyError(f"{text} is not a number JSON allows")


def loads(body: bytes) -> Any:
    """The JSON value of ``body`` (UTF-8), checked as the module says; :class:`BodyError` else."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyError(f"not JSON (not UTF-8 at byte {exc.start})") from None
    depth = _depth(text)
    if depth > MAX_DEPTH:
        raise BodyError(f"not JSON a service sends: it nests {depth} levels deep (at most {MAX_DEPTH})")
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise BodyError(f"not JSON ({exc})") from None
    except RecursionError:
        raise BodyError(f"not JSON a service sends: it nests more than {MAX_DEPTH} levels deep") from None


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number(value: Any, what: str) -> float:
    """A finite number from a JSON value: an int or float, never a bool, text, list or object."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BodyError(f"{what} is {_show(value)}; expected a number")
    value = float(value)
    if not math.isfinite(value):
        raise BodyError(f"{what} is {_show(value)}; expected a finite number")
    return value


def number_text(value: Any, what: str) -> float:
    """A finite number from text written with ASCII digits (``-4.5``, ``1.2e3``), nothing else.

    >>> number_text("-4.5", "x")
    -4.5
    >>> number_text("١٠٠٠", "x")
    Traceback (most recent call last):
    ...
    nkecon.strict.BodyError: x is '١٠٠٠'; expected a number written with ASCII digits such as -4.5
    """
    if not isinstance(value, str) or not _NUM_RE.fullmatch(value.strip()):
        raise BodyError(f"{what} is {_show(value)}; expected a number written with ASCII digits such as -4.5")
    number = float(value.strip())
    if not math.isfinite(number):
        raise BodyError(f"{what} is {_show(value)}; the number overflows")
    return number
