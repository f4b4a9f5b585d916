"""The UN Security Council consolidated sanctions list (XML, no key): ``un_designations``.

The DPRK (1718) designations of individuals and entities with their reference numbers and
listing dates. The list is a few megabytes; it is read as a stream of elements, each dropped
once read. A list that names one reference number twice is refused (see
:func:`nkecon.fetch.merge.merge`).
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from ..errors import FetchError
from . import http
from .merge import Plan

SOURCE = "un_designations"
DATASET = "un_designations"
UN_LIST_URL = "https://scsanctions.un.org/resources/xml/en/consolidated.xml"
#: The whole list was about 2 MB in 2025.
MAX_BYTES = 50_000_000


def _text(el, tag: str) -> str:
    return (el.findtext(tag) or "").strip()


def parse(body: bytes) -> tuple[str, list[dict[str, str]]]:
    """The list's ``dateGenerated`` and its DPRK rows; :class:`FetchError` for anything else."""
    import xml.etree.ElementTree as ET

    source = SOURCE
    rows: list[dict[str, str]] = []
    generated, root_tag, sections = "", None, set()
    try:
        for event, el in ET.iterparse(io.BytesIO(body), events=("start", "end")):
            if event == "start":
                if root_tag is None:
                    root_tag = el.tag
                    generated = el.get("dateGenerated") or ""
                    if root_tag != "CONSOLIDATED_LIST":
                        break
                continue
            if el.tag in ("INDIVIDUALS", "ENTITIES"):
                sections.add(el.tag)
                el.clear()
            elif el.tag in ("INDIVIDUAL", "ENTITY"):
                kind = "individual" if el.tag == "INDIVIDUAL" else "entity"
                if _text(el, "UN_LIST_TYPE") == "DPRK":
                    rows.append(_row(el, kind))
                el.clear()
    except ET.ParseError as exc:
        raise FetchError(source, f"malformed response: not XML ({exc})") from None
    if root_tag != "CONSOLIDATED_LIST" or sections != {"INDIVIDUALS", "ENTITIES"}:
        raise FetchError(source, "malformed response: expected <CONSOLIDATED_LIST> with <INDIVIDUALS> and <ENTITIES>")
    if not rows:
        raise FetchError(source, "malformed response: the list holds no DPRK designations")
    return generated, rows


def _row(el, kind: str) -> dict[str, str]:
    ref = _text(el, "REFERENCE_NUMBER")
    listed = _text(el, "LISTED_ON")
    names = [_text(el, t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    name = re.sub(r"\s+", " ", " ".join(n for n in names if n))
    try:
        ok = bool(ref and name and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", listed) and date.fromisoformat(listed))
    except ValueError:
        ok = False
    if not ok:
        raise FetchError(SOURCE, f"malformed response: a DPRK {kind} (DATAID {_text(el, 'DATAID')[:20]!r}) lacks a "
                                 "reference number, a name or a real LISTED_ON date")
    return {"reference_number": ref, "kind": kind, "name": name, "listed_on": listed,
            "note": f"DATAID {_text(el, 'DATAID')}"}


def plan(*, refresh: bool, client: Any, today: date) -> Plan:
    """Fetch the list and keep its DPRK designations."""
    source = SOURCE
    raw = http.get(source, UN_LIST_URL, refresh=refresh, client=client, max_bytes=MAX_BYTES)
    try:
        generated_at, rows = parse(raw.body)
    except FetchError:
        if not raw.from_cache:
            raise
        http.forget(raw)
        raw = http.get(source, UN_LIST_URL, refresh=True, client=client, max_bytes=MAX_BYTES)
        generated_at, rows = parse(raw.body)
    generated = generated_at[:10]
    accessed = today.isoformat()
    source_row = {
        "source_id": f"unsc-consolidated-list-{accessed}",
        "publisher": "United Nations Security Council",
        "title": f"United Nations Security Council Consolidated List (XML){', generated ' + generated if generated else ''}",
        "url": UN_LIST_URL,
        "date_published": generated,
        "date_accessed": accessed,
        "kind": "un_document",
        "note": "fetched by nkecon data fetch un_designations; DPRK (1718 Committee) entries only",
    }
    provenance = {
        "url": UN_LIST_URL, "query": {}, "date_generated": generated_at,
        "licence": "United Nations terms of use (public information, reuse with attribution)",
        "citation": "United Nations Security Council Consolidated List, DPRK (1718) entries",
    }
    return Plan(source, "un_designations", rows, source_row, provenance,
                 owns=lambda r: r.get("source_id", "").startswith("unsc-consolidated-list-"),
                 compare=("kind", "name", "listed_on"), raws=[raw])



