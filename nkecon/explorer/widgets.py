"""The explorer's controls: one ipywidgets control per parameter of a report's contract."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import date
from typing import Any

from ..errors import NkeconError, ParameterError
from .capture import Run, code_cells, run_cells

log = logging.getLogger("nkecon")

__all__ = ["Explorer", "explore", "MAX_CHOICES"]

#: an int range with at most this many values is offered as the values the rules accept
MAX_CHOICES = 200


class Explorer:
    """The controls of one report's parameters and the report's outputs for their values.

    Parameters
    ----------
    report : str
        A report notebook's name (``contraction``, ``sanctions``, ``food``, ``relief``, or
        one of your own in ``NKECON_NOTEBOOKS_DIR``).
    run : bool
        Run the report once with its default values now (default ``True``).
    choose_report : bool
        Show a menu of the reports above the parameters (default ``True``).

    Attributes
    ----------
    controls : dict
        One ipywidgets control per parameter, by name.
    output : ipywidgets.Output
        The report's outputs for the current values.
    status : ipywidgets.HTML
        What the last run did: its time, or the one-line reason a value was refused.
    last : Run
        The last run (values, outputs, error).
    """

    def __init__(self, report: str = "contraction", *, run: bool = True, choose_report: bool = True):
        try:
            import ipywidgets as W
        except ImportError:
            raise NkeconError("nk.explore() needs ipywidgets: pip install 'nkecon[lab]'") from None
        from .. import paths
        from ..reports.expr import DataView
        from ..reports.notebooks import discover

        self._W = W
        self.specs = {name: spec for name, spec in discover(paths.notebooks_dir()).items() if not spec.error}
        if not self.specs:
            raise NkeconError(f"no report notebooks in {paths.notebooks_dir()}")
        self.data = DataView(paths.data_dir())
        self.report_menu = W.Dropdown(options=[(f"{s.name}: {s.title}", s.name) for s in self.specs.values()],
                                      description="Report", layout=W.Layout(width="48rem"),
                                      style={"description_width": "6rem"})
        self.status = W.HTML(layout=W.Layout(min_height="1.5rem"))
        self.output = W.Output(layout=W.Layout(max_width="60rem"))
        self.form = W.VBox()
        self.widget = W.VBox(([self.report_menu] if choose_report else []) + [self.form, self.status, self.output])
        self.widget.add_class("nkecon-explorer")
        self.controls: dict[str, Any] = {}
        self.last = Run({})
        self._touched: set[str] = set()
        self._updating = False
        self.report_menu.observe(lambda change: self.select(change["new"]), names="value")
        self.select(report, run=run)

    # ------------------------------------------------------------------ the controls
    def select(self, report: str, *, run: bool = True) -> None:
        """Show the controls of ``report`` and (unless ``run=False``) run it with its defaults."""
        from ..reports.notebooks import get_notebook

        self.spec = get_notebook(report, self.specs)
        import nbformat

        self._cells = code_cells(nbformat.read(str(self.spec.path), as_version=4), self.spec.contract.cell)
        self._touched = set()
        self._updating = True
        try:
            if self.report_menu.value != report:
                self.report_menu.value = report
            self.controls = {name: self._control(p) for name, p in self.spec.params.items()}
            for name, control in self.controls.items():
                control.observe(lambda change, name=name: self._changed(name), names="value")
            self.form.children = [c.widget if isinstance(c, _Choices) else c for c in self.controls.values()]
            self._candidates = {n: list(c.options) for n, c in self.controls.items()
                                if isinstance(c, self._W.SelectionSlider)}
        finally:
            self._updating = False
        self._refresh()
        if run:
            self.run()

    def _bounds(self, param) -> tuple[Any, Any]:
        values = {n: p.default for n, p in self.spec.params.items()}
        from ..reports.contract import _pythonic

        return _pythonic(param.lo.value(values, self.data)), _pythonic(param.hi.value(values, self.data))

    def _control(self, param):
        W = self._W
        kind, item = _split(param.type)
        common = {"description": param.name, "tooltip": param.help,
                  "style": {"description_width": "8rem"}, "layout": W.Layout(width="30rem")}
        value = param.default
        if param.choices and kind == "list":
            box = W.VBox([W.Checkbox(value=c in value, description=c, indent=False) for c in param.choices])
            return _Choices(W, box, param, common)
        if param.choices:
            return W.Dropdown(options=list(param.choices), value=value, **common)
        if kind == "bool":
            return W.Checkbox(value=bool(value), **common)
        if kind == "int" and param.lo is not None:
            lo, hi = self._bounds(param)
            if hi - lo < MAX_CHOICES:
                options = list(range(lo, hi + 1))
                return W.SelectionSlider(options=options, value=value if value in options else options[-1],
                                         continuous_update=False, **common)
            return W.BoundedIntText(min=lo, max=hi, value=value, **common)
        if kind == "int":
            return W.IntText(value=value, **common)
        if kind == "float" and param.lo is not None:
            lo, hi = self._bounds(param)
            return W.BoundedFloatText(min=lo, max=hi, value=value, **common)
        if kind == "float":
            return W.FloatText(value=value, **common)
        if kind == "date" and param.lo is not None and param.lo.expr is not None and _column_range(param):
            dates = self.data.column(_column_range(param))
            return W.Dropdown(options=list(dates), value=value if value in dates else dates[-1], **common)
        if kind == "date":
            kw = {}
            if param.lo is not None:
                lo, hi = self._bounds(param)
                kw = {"min": date.fromisoformat(str(lo)), "max": date.fromisoformat(str(hi))}
            return W.DatePicker(value=date.fromisoformat(value), **kw, **common)
        # months, text, lists and mappings: typed as text, converted by the declared type
        text = value if isinstance(value, str) else _yaml_text(value)
        return W.Text(value=text, continuous_update=False, **common)

    def _given(self) -> dict[str, Any]:
        """The values the reader set (untouched parameters keep their computed defaults)."""
        given = {}
        for name in self._touched:
            value = self.controls[name].value
            given[name] = value.isoformat() if isinstance(value, date) else value
        return given

    def _changed(self, name: str) -> None:
        if self._updating:
            return
        self._touched.add(name)
        self._refresh()
        self.run()

    def _refresh(self) -> None:
        """Offer each year the values the rules accept with the other values as they stand,
        and show computed defaults (``baseline_end`` follows ``focus_year`` until set)."""
        from ..reports.contract import resolve

        given = self._given()
        self._updating = True
        try:
            for name, control in self.controls.items():
                param = self.spec.params[name]
                if not isinstance(control, self._W.SelectionSlider):
                    continue
                accepted = []
                for option in self._candidates[name]:
                    try:
                        resolve(self.spec.params, self.spec.rules, self.spec.name, {**given, name: option}, self.data)
                    except ParameterError:
                        continue
                    accepted.append(option)
                if accepted and list(control.options) != accepted:
                    keep = control.value if control.value in accepted else (
                        param.default if param.default in accepted else accepted[-1])
                    control.options = accepted
                    control.value = keep
            try:
                resolved = resolve(self.spec.params, self.spec.rules, self.spec.name, given, self.data)
            except ParameterError:
                return
            for name, control in self.controls.items():
                if name in self._touched:
                    continue
                shown = resolved[name]
                if isinstance(control, self._W.DatePicker):
                    shown = date.fromisoformat(shown)
                elif isinstance(control, self._W.Text):
                    shown = shown if isinstance(shown, str) else _yaml_text(shown)
                try:
                    control.value = shown
                except Exception:  # a computed default outside the offered options stays as it was
                    log.debug("explorer: cannot show %s=%r", name, shown)
        finally:
            self._updating = False

    # ------------------------------------------------------------------ running
    def values(self) -> dict[str, Any]:
        """The full, checked parameter set for the controls' values; raises ParameterError."""
        from ..reports.contract import resolve

        return resolve(self.spec.params, self.spec.rules, self.spec.name, self._given(), self.data)

    def set(self, **values: Any) -> Run:
        """Set controls as a reader would (``ex.set(focus_year=2018)``) and return the run."""
        self._updating = True
        try:
            for name, value in values.items():
                if name not in self.controls:
                    raise ParameterError(f"Report {self.spec.name!r} has no parameter {name!r}; its parameters are: "
                                         f"{', '.join(self.controls)}.")
                control = self.controls[name]
                if isinstance(control, self._W.DatePicker) and isinstance(value, str):
                    value = date.fromisoformat(value)
                if isinstance(control, self._W.Text) and not isinstance(value, str):
                    value = _yaml_text(value)
                if isinstance(control, (self._W.SelectionSlider, self._W.Dropdown)) and value not in control.options:
                    self._refuse(name, value)
                control.value = value
                self._touched.add(name)
        finally:
            self._updating = False
        self._refresh()
        return self.run()

    def _refuse(self, name: str, value: Any) -> None:
        """Raise the contract's reason for a value a control does not offer."""
        from ..reports.contract import resolve

        resolve(self.spec.params, self.spec.rules, self.spec.name, {**self._given(), name: value}, self.data)
        raise ParameterError(f"The value for `{name}` of report {self.spec.name!r} must be one of "
                             f"{', '.join(map(str, self.controls[name].options))}, but {value!r} was passed.")

    def run(self) -> Run:
        """Check the controls' values against the contract and run the report's cells."""
        start = time.perf_counter()
        try:
            values = self.values()
        except ParameterError as exc:
            self.last = Run(self._given(), error=" ".join(str(exc).split()))
            self.status.value = f"<span class='nkecon-refused' style='color:#b00'>{_esc(self.last.error)}</span>"
            return self.last
        self.status.value = "<span class='nkecon-running'>running the report ...</span>"
        result = self.execute(values)
        result.seconds = time.perf_counter() - start
        self.last = result
        self.output.outputs = tuple(result.outputs)
        if result.error:
            self.status.value = f"<span class='nkecon-failed' style='color:#b00'>{_esc(result.error)}</span>"
        else:
            changed = ", ".join(f"{k}={v!r}" for k, v in self._given().items()) or "defaults"
            self.status.value = (f"<span class='nkecon-done'>{_esc(self.spec.name)} ({_esc(changed)}) in "
                                 f"{result.seconds:.1f} s</span>")
        return result

    def execute(self, values: Mapping[str, Any]) -> Run:
        """Run the report's cells after the parameters cell with ``values``; capture what they show."""
        return run_cells(self._cells, values, self.spec.name)

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)


class _Choices:
    """Check boxes for a list of choices, with a ``value`` (the checked items in declared order)
    and ``observe`` like any other control."""

    def __init__(self, W, box, param, common):
        self.box = box
        self.param = param
        # right-aligned like the other controls' descriptions
        label = W.HTML(f"<div style='text-align:right;padding-right:8px'>{_esc(param.name)}</div>",
                       layout=W.Layout(width=common["style"]["description_width"]), tooltip=param.help)
        self.widget = W.HBox([label, box])
        self._observers = []
        for cb in box.children:
            cb.observe(self._fire, names="value")

    @property
    def value(self) -> list[str]:
        return [cb.description for cb in self.box.children if cb.value]

    @value.setter
    def value(self, items: list[str]) -> None:
        for cb in self.box.children:
            cb.value = cb.description in items

    def observe(self, handler, names="value") -> None:
        self._observers.append(handler)

    def _fire(self, change) -> None:
        for handler in self._observers:
            handler({"name": "value", "new": self.value})

    def _repr_mimebundle_(self, **kwargs: Any):
        return self.widget._repr_mimebundle_(**kwargs)


def _split(type_name: str) -> tuple[str, str | None]:
    from ..reports.values import split_type

    return split_type(type_name)


def _column_range(param) -> str | None:
    """``DATASET.COLUMN`` when the parameter's range is ``[DATASET.COLUMN]``."""
    import re

    m = re.fullmatch(r"min\(data\('([a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)'\)\)", param.lo.text)
    return m.group(1) if m and param.hi.text == f"max(data('{m.group(1)}'))" else None


def _yaml_text(value: Any) -> str:
    import json

    return json.dumps(value)


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def explore(report: str = "contraction", **values: Any) -> Explorer:
    """An explorer of ``report`` for JupyterLab: its parameters as controls, its charts,
    tables and sentences below, updated on every change.

    Parameters
    ----------
    report : str
        The report notebook to explore (default ``contraction``).
    **values
        Starting values, e.g. ``nk.explore("contraction", focus_year=2018)``.

    Returns
    -------
    Explorer
        Displayed as the controls and the report in JupyterLab; ``ex.set(...)`` changes values
        from code and ``ex.last`` is the last run.
    """
    ex = Explorer(report, run=not values)
    if values:
        ex.set(**values)
    return ex


