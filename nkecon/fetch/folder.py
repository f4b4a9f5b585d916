"""The data folder a fetch writes: locked, staged beside itself, swapped whole.

A data folder changes whole or not at all:

1. The fetch takes a lock beside the folder (``.NAME.nkecon-lock`` in its parent, a
   :class:`filelock.FileLock`, the kind ``nkecon report`` holds on its output folder), so
   that two fetches run one after the other, each on what the other wrote.
2. Under the lock it first finishes or undoes whatever an earlier, interrupted fetch left
   (:func:`recover`), then checks the folder it starts from.
3. The new folder is built in a sibling staging folder (``.NAME.nkecon-stage-XXXX``, same
   file system): the current folder's files as hard links (or copies), or the shipped data
   for a new one, with the files the fetch changes replaced. It is validated as a whole.
4. One atomic step puts it in place: a new folder is renamed into place; an existing one is
   exchanged with the staging folder (``renameat2(RENAME_EXCHANGE)``), after which the
   staging name holds the old folder, which is deleted. Where the file system cannot
   exchange, a journal (``.NAME.nkecon-swap.json``) is written first and the old folder is
   moved aside before the new one moves in; :func:`recover` completes that swap if the
   process died between the two renames.

SIGINT, SIGTERM and SIGHUP are held back during the swap itself, so that a signal lands
before it (nothing changed, staging removed) or after it (the folder fully updated).
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import os
import re
import secrets
import shutil
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .. import paths
from ..errors import FetchError
from ..registry import PACKAGE_FILE

log = logging.getLogger("nkecon")

__all__ = ["LOCK_TIMEOUT_S", "target_dir", "locked", "recover", "stage", "swap", "atomic_write", "replace_file", "unusable"]

#: How long a fetch waits for another fetch of the same folder to finish.
LOCK_TIMEOUT_S = 600.0

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _fault(point: str) -> None:
    """A seam for the tests: called at each step of a write (``stage``, ``journal``,
    ``moved-aside``, ``swapped``) so that a fault can be injected between two writes."""


def _lock_path(real: Path) -> Path:
    return real.parent / f".{real.name}.nkecon-lock"


def _journal(real: Path) -> Path:
    return real.parent / f".{real.name}.nkecon-swap.json"


def _aside_re(real: Path) -> re.Pattern:
    return re.compile(re.escape(f".{real.name}.nkecon-") + r"(stage|old)-[0-9a-f]{16}")


def unusable(exc: OSError, doing: str, where: Path) -> FetchError:
    """One line for a file-system failure while ``doing`` at ``where``."""
    if exc.errno == errno.ENOSPC:
        why = "no space left on the device"
    elif exc.errno == errno.EDQUOT:
        why = "the disk quota is exhausted"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        why = "permission denied"
    elif exc.errno == errno.EROFS:
        why = "the file system is read-only"
    elif exc.errno == errno.ENOTDIR:
        why = "a part of the path is a file, not a folder"
    else:
        why = exc.strerror or type(exc).__name__
    return FetchError("fetch", f"cannot use the data folder {where}: {why} while {doing}; nothing was changed")


def target_dir(data_dir: str | os.PathLike | None) -> Path:
    """The folder a fetch writes (absolute), refused when it is the shipped data, a file, or
    a folder of something else."""
    if data_dir is not None:
        folder = Path(data_dir)
    elif os.environ.get("NKECON_DATA_DIR"):
        folder = Path(os.environ["NKECON_DATA_DIR"])
    else:
        folder = paths.user_data_dir()
    folder = Path(os.path.abspath(folder.expanduser()))
    shipped = paths.shipped_data_dir().resolve()
    if folder.resolve() == shipped:
        raise FetchError("fetch", f"{folder} is the data shipped with nkecon, which a fetch never changes; "
                                  "pass --data-dir or set NKECON_DATA_DIR to a folder of your own")
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        where = "is a file" if probe == folder else f"lies under {probe}, which is a file"
        raise FetchError("fetch", f"the data folder {folder} {where}; expected a folder")
    try:
        if folder.is_dir() and not (folder / PACKAGE_FILE).exists() and any(folder.iterdir()):
            raise FetchError("fetch", f"{folder} is not empty and holds no {PACKAGE_FILE}; "
                                      "expected a data folder with nkecon's layout or an empty/new folder")
    except OSError as exc:
        raise unusable(exc, "listing it", folder) from None
    return folder


def real_dir(folder: Path) -> Path:
    """The folder itself when ``folder`` is a symbolic link to it (the link is kept)."""
    return folder.resolve() if folder.is_symlink() else folder


@contextmanager
def locked(real: Path, *, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the fetch lock of ``real`` (creating its parent folders)."""
    from filelock import FileLock, Timeout

    lock_path = _lock_path(real)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(lock_path))
        lock.acquire(timeout=timeout)
    except Timeout:
        raise FetchError("fetch", f"another `nkecon data fetch` has held the lock {lock_path} for {timeout:g} s; "
                                  "try again later") from None
    except OSError as exc:
        raise unusable(exc, "taking the lock beside it", real) from None
    try:
        yield
    finally:
        lock.release()


def _rmtree(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def recover(real: Path) -> None:
    """Finish or undo what an interrupted fetch of ``real`` left; call under the lock.

    A journal means a swap had begun with a complete, validated staging folder: if the folder
    is gone (the process died between moving it aside and moving the new one in), the new
    one moves in, or the old one back. Every staging and old copy is then removed.
    """
    journal = _journal(real)
    pattern = _aside_re(real)
    if journal.is_file():
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            new, old = real.parent / record["stage"], real.parent / record["old"]
            if not (pattern.fullmatch(new.name) and pattern.fullmatch(old.name)):
                raise ValueError("names outside the staging pattern")
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.warning("ignoring the damaged swap journal %s (%s)", journal, exc)
        else:
            if not real.exists():
                if new.is_dir():
                    os.rename(new, real)
                    log.warning("finished the interrupted update of %s", real)
                elif old.is_dir():
                    os.rename(old, real)
                    log.warning("undid the interrupted update of %s", real)
        journal.unlink(missing_ok=True)
    if real.parent.is_dir():
        for child in real.parent.iterdir():
            if pattern.fullmatch(child.name):
                _rmtree(child)


def new_aside(real: Path, kind: str) -> Path:
    return real.parent / f".{real.name}.nkecon-{kind}-{secrets.token_hex(8)}"


def _link_or_copy(src: str | Path, dest: str | Path) -> None:
    try:
        os.link(src, dest, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dest)


def stage(real: Path, base: Path, into: Path) -> None:
    """Fill ``into`` (new) with ``base``: every entry of a data folder of the user's (their
    own extra files too), or the CSV and JSON files of the shipped data.

    The user's files are hard links where the file system allows (no second copy of the
    data, no space needed), so a file of the staging folder is only ever replaced, never
    written in place (:func:`replace_file`)."""
    into.mkdir()
    if base == real:
        for entry in sorted(base.iterdir()):
            dest = into / entry.name
            if entry.is_symlink():
                os.symlink(os.readlink(entry), dest)
            elif entry.is_dir():
                shutil.copytree(entry, dest, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(entry, dest)
    else:
        for entry in sorted(base.iterdir()):
            if entry.is_file() and entry.suffix in (".csv", ".json"):
                shutil.copy2(entry, into / entry.name)
    _fault("stage")


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back until the block is done, then deliver the first
    that came (Python runs signal handlers in the main thread only, so that is where the
    handlers are swapped; elsewhere nothing can interrupt the block)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in _SIGNALS}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        if caught:
            signal.raise_signal(caught[0])


def _exchange(a: Path, b: Path) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    func = getattr(libc, "renameat2", None)
    if func is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    if func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a))


#: Whether to try the one-step exchange (a seam for the tests of the journal's path).
USE_EXCHANGE = True


def swap(real: Path, new: Path) -> None:
    """Put the complete, validated folder ``new`` in the place of ``real`` in one step."""
    _sync_tree(new)
    with _signals_held():
        if not real.exists():
            os.rename(new, real)
            _fault("swapped")
            _fsync_dir(real.parent)
            return
        if USE_EXCHANGE:
            try:
                _exchange(new, real)
            except OSError as exc:
                if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
                    raise
            else:
                _fault("swapped")
                _fsync_dir(real.parent)
                _rmtree(new)  # now the old folder
                return
        old = new_aside(real, "old")
        atomic_write(_journal(real), json.dumps({"stage": new.name, "old": old.name}).encode())
        _fault("journal")
        os.rename(real, old)
        _fault("moved-aside")
        os.rename(new, real)
        _fault("swapped")
        _fsync_dir(real.parent)
        _journal(real).unlink()
        _rmtree(old)


def _sync_tree(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_file() and not entry.is_symlink():
            fd = os.open(entry, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def replace_file(path: Path, data: bytes) -> None:
    """Give ``path`` in a staging folder new contents without touching the file it was (a
    hard link to the live folder's file)."""
    path.unlink(missing_ok=True)
    with open(path, "xb") as fh:
        fh.write(data)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file beside it, then a rename)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
