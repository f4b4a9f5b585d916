"""HTTP for the fetch: one client, retries (tenacity), a size cap, and a validated cache.

* Transient failures (no connection, a timeout, HTTP 429 or 5xx) are retried by tenacity
  with a doubling wait, or the service's ``Retry-After`` (up to 120 s); anything else is one
  :class:`~nkecon.errors.FetchError` at once.
* Every body is read as a stream and refused once it passes the source's cap, so that a
  runaway answer never fills the memory or the cache.
* A cached answer is a body file and a record beside it (URL, query, time, size, sha256). It
  is used only when the record is whole, names the same request, matches the body's digest
  and size, is at most :data:`CACHE_MAX_AGE_S` old and is not dated in the future; anything
  else is ignored (and replaced by the next answer that parses).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

from .. import paths
from ..errors import FetchError

log = logging.getLogger("nkecon")

#: How long a cached raw response is reused without asking the service again.
CACHE_MAX_AGE_S = 24 * 3600
#: A cache record dated later than now by more than this is not trusted (clock skew allowance).
CACHE_FUTURE_SLACK_S = 300
#: Seconds before a request is abandoned (connect, read, write and pool, each).
TIMEOUT_S = 60.0
#: Attempts per request for transient failures (no connection, timeout, 429, 5xx).
ATTEMPTS = 4
#: First wait between attempts, doubled after each (a 429's Retry-After wins, up to 120 s).
BACKOFF_S = 2.0
#: Pause between consecutive requests to one service (Open-Meteo allows 600 a minute).
PAUSE_S = 0.2
#: The largest answer read from any service unless the source sets its own cap.
MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class Raw:
    """One answer: the URL shown (any key replaced), the query, the body and its digest."""

    url: str
    query: Mapping[str, Any]
    body: bytes
    sha256: str
    time: str
    from_cache: bool
    cache_path: Path | None


def _sleep(seconds: float) -> None:  # a seam for the tests
    time.sleep(seconds)


def pause() -> None:
    """The pause between two requests to one service."""
    _sleep(PAUSE_S)


def _now() -> float:  # a seam for the tests
    return time.time()


def user_agent() -> str:
    from .. import __version__

    return f"nkecon/{__version__} (nkecon data fetch; python-httpx)"


def client():
    import httpx

    return httpx.Client(timeout=TIMEOUT_S, headers={"User-Agent": user_agent()}, follow_redirects=True)


def cache_file(source: str, url: str, query: Mapping[str, Any]) -> Path:
    ident = json.dumps([url, sorted((k, str(v)) for k, v in query.items())])
    return paths.cache_dir() / source / (hashlib.sha256(ident.encode()).hexdigest()[:32] + ".raw")


def _record_path(body_path: Path) -> Path:
    return body_path.with_suffix(".json")


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")


def _cached(source: str, path: Path, shown: str, query: Mapping[str, Any], max_bytes: int) -> Raw | None:
    """The cached answer if its record vouches for it; ``None`` (logged) otherwise."""
    record_path = _record_path(path)
    try:
        if not path.is_file() or not record_path.is_file():
            return None
        if record_path.stat().st_size > 100_000 or path.stat().st_size > max_bytes:
            raise ValueError("larger than any answer nkecon keeps")
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("nkecon_cache") != 1:
            raise ValueError("not a cache record nkecon wrote")
        if record.get("url") != shown or record.get("query") != {k: str(v) for k, v in query.items()}:
            raise ValueError("the record names another request")
        when = datetime.fromisoformat(str(record.get("time"))).timestamp()
        body = path.read_bytes()
    except (OSError, ValueError, TypeError, RecursionError) as exc:
        log.info("%s: ignoring the cache entry %s (%s)", source, path, exc)
        return None
    age = _now() - when
    if age < -CACHE_FUTURE_SLACK_S:
        log.warning("%s: ignoring the cache entry %s: it is dated %s, in the future", source, path, record["time"])
        return None
    if age >= CACHE_MAX_AGE_S:
        return None
    digest = hashlib.sha256(body).hexdigest()
    if digest != record.get("sha256") or len(body) != record.get("size"):
        log.warning("%s: ignoring the cache entry %s: its body does not match its record", source, path)
        return None
    log.info("%s: using the cached response of %s (%s)", source, shown, record["time"])
    return Raw(shown, dict(query), body, digest, _stamp(when), True, path)


class _Transient(Exception):
    """A failure worth another try: ``problem`` in words, ``wait`` from Retry-After or None."""

    def __init__(self, problem: str, wait: float | None = None):
        super().__init__(problem)
        self.problem = problem
        self.wait = wait


def _download(source: str, url: str, query: Mapping[str, Any], shown: str, client: Any, max_bytes: int) -> bytes:
    import httpx

    host = httpx.URL(url).host
    too_big = f"the answer from {host} is larger than {max_bytes / 1e6:g} MB, more than any real answer; refused"
    try:
        with client.stream("GET", url, params=dict(query) or None) as response:
            status = response.status_code
            if status == 200:
                declared = response.headers.get("Content-Length", "")
                if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError(source, too_big)
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(source, too_big)
                    chunks.append(chunk)
                return b"".join(chunks)
            reason = response.reason_phrase
    except httpx.TimeoutException:
        raise _Transient(f"no answer from {host} within {TIMEOUT_S:g} s") from None
    except httpx.TransportError as exc:
        raise _Transient(f"cannot reach {host} (no network connection?): {type(exc).__name__}: {exc}") from None
    if status == 429:
        retry_after = response.headers.get("Retry-After", "").strip()
        wait = min(float(retry_after), 120.0) if retry_after.isascii() and retry_after.isdigit() else None
        raise _Transient(f"{host} refused the request: rate limit reached (HTTP 429); try again later", wait)
    if status >= 500:
        raise _Transient(f"{host} answered HTTP {status} {reason}".rstrip())
    raise FetchError(source, f"{host} answered HTTP {status} {reason} for {shown}".rstrip())


def get(source: str, url: str, query: Mapping[str, Any] | None = None, *, refresh: bool,
        public_url: str | None = None, client: Any, max_bytes: int = MAX_BYTES) -> Raw:
    """GET ``url``: from the cache if it vouches for an answer (and not ``refresh``), else the service.

    Transient failures are retried (see the module); the final failure is a
    :class:`FetchError` naming the source and what went wrong.
    """
    from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

    query = dict(query or {})
    shown = public_url or url
    cache = cache_file(source, shown, query)
    if not refresh:
        hit = _cached(source, cache, shown, query, max_bytes)
        if hit is not None:
            return hit

    def wait(state) -> float:
        exc = state.outcome.exception()
        if isinstance(exc, _Transient) and exc.wait is not None:
            return exc.wait
        return BACKOFF_S * 2 ** (state.attempt_number - 1)

    def before_sleep(state) -> None:
        log.info("%s: %s; trying again in %g s (attempt %d of %d)", source, state.outcome.exception(),
                 state.next_action.sleep, state.attempt_number + 1, ATTEMPTS)

    retrying = Retrying(stop=stop_after_attempt(ATTEMPTS), wait=wait, retry=retry_if_exception_type(_Transient),
                        sleep=lambda seconds: _sleep(seconds), before_sleep=before_sleep, reraise=True)
    try:
        body = retrying(_download, source, url, query, shown, client, max_bytes)
    except _Transient as exc:
        raise FetchError(source, f"{exc.problem} (tried {ATTEMPTS} times)") from None
    return Raw(shown, query, body, hashlib.sha256(body).hexdigest(), _stamp(_now()), False, cache)


def remember(raw: Raw) -> None:
    """Keep an answer that parsed and validated in the cache (an error payload never is).

    The body is written first and its record second, each whole; a reader that finds the one
    without the other, or a record of another body, ignores both."""
    from .folder import atomic_write

    if raw.from_cache or raw.cache_path is None:
        return
    try:
        raw.cache_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(raw.cache_path, raw.body)
        record = {"nkecon_cache": 1, "url": raw.url, "query": {k: str(v) for k, v in raw.query.items()},
                  "time": raw.time, "size": len(raw.body), "sha256": raw.sha256}
        atomic_write(_record_path(raw.cache_path), (json.dumps(record, indent=1) + "\n").encode())
    except OSError as exc:  # the cache is a convenience: a full or read-only cache folder is not an error
        log.warning("%s: the answer was not cached (%s)", raw.url, exc.strerror or exc)


def forget(raw: Raw) -> None:
    """Drop a cached answer that no longer parses."""
    if raw.cache_path is not None:
        for path in (raw.cache_path, _record_path(raw.cache_path)):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass
