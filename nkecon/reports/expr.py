"""The small, safe expression language of report contracts: bounds, computed defaults, rules.

A subset of Python (literals, arithmetic, comparisons, ``and``/``or``/``not``, ``in``,
conditional expressions, lists, indexing) over the parameter values, plus a few functions;
see :data:`FUNCTIONS` and ``CONTRACT`` in the README. Nothing else can be named or called.
"""

from __future__ import annotations

import ast
import importlib
import operator
import os
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import NkeconError, ParameterError

__all__ = ["Expr", "DataView", "ContractError"]


class ContractError(NkeconError):
    """A report notebook's contract is malformed (the notebook's fault, not the user's)."""


_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
        ast.Mod: operator.mod, ast.Div: operator.truediv}
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
        ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b}
FUNCTIONS = ("len", "min", "max", "abs", "sorted", "all", "any", "data", "months", "month", "year", "day", "count",
             "prev_month", "next_month", "today", "check")


class DataView:
    """Columns of the data folder in use, read once through ``nkecon.load``."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self._frames: dict[str, Any] = {}

    def frame(self, name: str):
        if name not in self._frames:
            from .. import datasets

            self._frames[name] = datasets.load(name, data_dir=self.data_dir)
        return self._frames[name]

    def _filtered(self, name: str, filters: dict[str, Any]):
        frame = self.frame(name)
        for col, value in filters.items():
            if col not in frame.columns:
                raise ContractError(f"dataset {name!r} has no column {col!r}")
            frame = frame[frame[col].astype(object) == value]
        return frame

    def column(self, spec: str, **filters: Any) -> list:
        if not isinstance(spec, str) or spec.count(".") != 1:
            raise ContractError(f"data() takes 'DATASET.COLUMN', not {spec!r}")
        name, col = spec.split(".")
        frame = self._filtered(name, filters)
        if col not in frame.columns:
            raise ContractError(f"dataset {name!r} has no column {col!r}")
        series = frame[col].dropna()
        values = []
        for v in series.unique().tolist():
            if hasattr(v, "date") and callable(v.date):  # pandas Timestamp, datetime
                v = v.date().isoformat()
            elif hasattr(v, "item"):
                v = v.item()
            values.append(v)
        return sorted(values)

    def months(self, name: str, **filters: Any) -> list[str]:
        frame = self._filtered(name, filters)
        if not {"year", "month"} <= set(frame.columns):
            raise ContractError(f"months() needs a dataset with `year` and `month` columns; {name!r} has none")
        rows = frame[["year", "month"]].dropna()
        return sorted({f"{int(y):04d}-{int(m):02d}" for y, m in zip(rows["year"], rows["month"])})


def _month(value: Any) -> str:
    text = value.isoformat() if isinstance(value, date) else str(value)
    return text[:7]


def _year(value: Any) -> int:
    if isinstance(value, int):
        return value
    text = value.isoformat() if isinstance(value, date) else str(value)
    return int(text[:4])


def _day(value: Any) -> int:
    text = value.isoformat() if isinstance(value, date) else str(value)
    return int(text[8:10]) if len(text) >= 10 else 1


def _shift_month(value: Any, step: int) -> str:
    y, m = int(str(value)[:4]), int(str(value)[5:7])
    m += step
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return f"{y:04d}-{m:02d}"


def _count(values: Any, lo: Any, hi: Any) -> int:
    return sum(1 for v in values if lo <= v <= hi)


def _check(target: str, *args: Any, **kwargs: Any) -> bool:
    if not isinstance(target, str) or ":" not in target or not target.startswith("nkecon."):
        raise ContractError(f"check() takes 'nkecon.MODULE:FUNCTION', not {target!r}")
    module, func = target.split(":", 1)
    try:
        fn = getattr(importlib.import_module(module), func)
    except (ImportError, AttributeError):
        raise ContractError(f"check() names {target!r}, which does not exist") from None
    result = fn(*args, **kwargs)
    return True if result is None else bool(result)


class Expr:
    """One parsed expression; :meth:`evaluate` with parameter values and a :class:`DataView`."""

    def __init__(self, text: str, names: set[str], where: str):
        self.text = text.strip()
        self.where = where
        try:
            self.tree = ast.parse(self.text, mode="eval")
        except SyntaxError as exc:
            raise ContractError(f"{where}: `{self.text}` is not a valid expression ({exc.msg})") from None
        self.names: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Name):
                if node.id in names:
                    self.names.add(node.id)
                elif node.id not in FUNCTIONS:
                    raise ContractError(f"{where}: `{self.text}` names {node.id!r}, which is neither a parameter "
                                        f"nor one of {', '.join(FUNCTIONS)}")
            elif isinstance(node, ast.Call):
                if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                    raise ContractError(f"{where}: `{self.text}` calls something other than {', '.join(FUNCTIONS)}")
            elif not isinstance(node, _ALLOWED):
                raise ContractError(f"{where}: `{self.text}` uses {type(node).__name__}, which contracts do not allow")

    def evaluate(self, values: dict[str, Any], data: DataView) -> Any:
        funcs = {"len": len, "min": min, "max": max, "abs": abs, "sorted": sorted, "all": all, "any": any,
                 "data": data.column, "months": data.months, "month": _month, "year": _year, "day": _day,
                 "count": _count, "prev_month": lambda m: _shift_month(m, -1), "next_month": lambda m: _shift_month(m, 1),
                 "today": lambda: date.today().isoformat(), "check": _check}
        try:
            return _eval(self.tree.body, values, funcs)
        except (ParameterError, ContractError):
            raise
        except NkeconError as exc:  # a data problem met while evaluating
            raise ContractError(f"{self.where}: `{self.text}`: {exc}") from None
        except (TypeError, ValueError, KeyError, IndexError, ZeroDivisionError, OverflowError) as exc:
            raise ContractError(f"{self.where}: `{self.text}` failed: {type(exc).__name__}: {exc}") from None


_ALLOWED = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd, ast.BinOp,
            ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.Mod, ast.Div, ast.Compare, ast.Eq, ast.NotEq, ast.Lt,
            ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.IfExp, ast.Call, ast.keyword, ast.Name, ast.Load,
            ast.Constant, ast.List, ast.Tuple, ast.Subscript)


def _eval(node: ast.AST, values: dict[str, Any], funcs: dict[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values[node.id] if node.id in values else funcs[node.id]
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result = True
            for v in node.values:
                result = _eval(v, values, funcs)
                if not result:
                    return result
            return result
        result = False
        for v in node.values:
            result = _eval(v, values, funcs)
            if result:
                return result
        return result
    if isinstance(node, ast.UnaryOp):
        operand = _eval(node.operand, values, funcs)
        if isinstance(node.op, ast.Not):
            return not operand
        return -operand if isinstance(node.op, ast.USub) else +operand
    if isinstance(node, ast.BinOp):
        return _BIN[type(node.op)](_eval(node.left, values, funcs), _eval(node.right, values, funcs))
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values, funcs)
        for op, comp in zip(node.ops, node.comparators):
            right = _eval(comp, values, funcs)
            if not _CMP[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.IfExp):
        return _eval(node.body if _eval(node.test, values, funcs) else node.orelse, values, funcs)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, values, funcs) for e in node.elts]
    if isinstance(node, ast.Subscript):
        return _eval(node.value, values, funcs)[_eval(node.slice, values, funcs)]
    if isinstance(node, ast.Call):
        fn = funcs[node.func.id]
        args = [_eval(a, values, funcs) for a in node.args]
        kwargs = {k.arg: _eval(k.value, values, funcs) for k in node.keywords}
        return fn(*args, **kwargs)
    raise ContractError(f"unsupported expression {type(node).__name__}")


def absolute(path: str | os.PathLike) -> Path:
    return Path(os.path.abspath(os.fspath(path)))
