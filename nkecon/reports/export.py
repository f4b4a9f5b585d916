"""The executed notebook as one self-contained, sanitised HTML page (code hidden)."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

__all__ = ["export_html", "sanitize", "environment"]

_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "div", "dl", "dt", "em",
         "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q",
         "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u",
         "ul", "wbr"}
_ATTRS = {"*": {"class", "id", "title"}, "a": {"href"}, "img": {"src", "alt", "width", "height"},
          "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"}}
_IMAGE_DATA = ("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if value.startswith(_IMAGE_DATA) else None
    if tag == "a" and attr == "href":
        low = value.strip().lower()
        if low.startswith(("http://", "https://", "mailto:", "#")) or ":" not in low.split("/")[0]:
            return value
        return None
    return value


def sanitize(fragment: str) -> str:
    """HTML with only harmless tags and attributes (nh3, the ammonia sanitiser): no scripts,
    no event handlers, no styles, images only as embedded PNG/JPEG/GIF."""
    import nh3

    return nh3.clean(fragment, tags=_TAGS, attributes=_ATTRS, url_schemes={"http", "https", "mailto", "data"},
                     attribute_filter=_attribute_filter, link_rel="noopener noreferrer", strip_comments=True)


@lru_cache(maxsize=1)
def environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("nkecon.reports", "templates"),
                              autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
                              trim_blocks=True, lstrip_blocks=True)


def _drop_active_outputs(nb: Any) -> None:
    """Outputs that could run code in a browser are dropped before export."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data:
                for mime in list(data):
                    if mime in ("application/javascript", "text/javascript") or mime.startswith("application/vnd."):
                        del data[mime]


def download_groups(links: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The report's downloads by name: each chart with its PNG, SVG, data and sources, then
    each table with its sources.

    >>> charts, tables = download_groups({"figures": ["figures/gdp.png", "figures/gdp.svg"],
    ...     "tables": ["tables/gdp.csv", "tables/gdp.sources.csv", "tables/mapping.csv"]})
    >>> charts[0]["name"], sorted(charts[0]["files"]), tables[0]["name"]
    ('gdp', ['data', 'png', 'sources', 'svg'], 'mapping')
    """
    from pathlib import PurePosixPath

    charts: dict[str, dict[str, Any]] = {}
    for f in links.get("figures", []):
        p = PurePosixPath(f)
        if p.suffix in (".png", ".svg"):
            charts.setdefault(p.stem, {"name": p.stem, "files": {}})["files"][p.suffix[1:]] = f
    tables: dict[str, dict[str, Any]] = {}
    for f in links.get("tables", []):
        p = PurePosixPath(f)
        if not f.endswith(".csv"):
            continue
        if p.name.endswith(".sources.csv"):
            stem, kind = p.name[: -len(".sources.csv")], "sources"
        else:
            stem, kind = p.stem, "data"
        target = charts.get(stem) or tables.setdefault(stem, {"name": stem, "files": {}})
        target["files"][kind] = f
    return list(charts.values()), list(tables.values())


def export_html(nb: Any, *, title: str, parameters: dict[str, Any], data_dir: str, links: dict[str, Any],
                changes: list[dict[str, Any]] | None = None) -> str:
    from markupsafe import Markup
    from nbconvert import HTMLExporter

    _drop_active_outputs(nb)
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return environment().get_template("report.html.j2").render(
        title=title, body=Markup(sanitize(body)), parameters=parameters, data_dir=data_dir, links=links,
        downloads=download_groups(links), changes=changes,
        built=f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}")
