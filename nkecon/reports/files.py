"""Files nkecon writes and deletes, and the folders it refuses.

* Every file is written atomically (a temporary file in the same folder, then a rename).
* nkecon deletes only folders it created: each holds the marker file :data:`MARKER`, and
  no path component below the output folder may be a symbolic link.
* The output folder may not be ``/``, a file, below a file, a dangling link or read-only,
  and may not hold an ``index.html`` or a ``.nkecon-build`` that nkecon did not create. In the data folder, every
  dataset file must be a regular file inside that folder (no FIFO, no link leading out).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import uuid
from pathlib import Path
from typing import Any

from ..errors import NkeconError, ParameterError

log = logging.getLogger("nkecon")

MARKER = ".nkecon-owned"
GENERATOR = '<meta name="generator" content="nkecon report">'
BUILD_DIR = ".nkecon-build"
FAILED_DIR = ".failed"

__all__ = ["OutputError", "atomic_write", "atomic_json", "read_json", "check_out_dir", "check_data_dir",
           "safe_path", "remove_owned", "make_owned_dir", "MARKER", "GENERATOR", "BUILD_DIR", "FAILED_DIR"]


class OutputError(NkeconError):
    """The output folder cannot be written (a full disk, a read-only folder, ...)."""


def absolute(path: str | os.PathLike) -> Path:
    """An absolute path, without resolving symbolic links."""
    return Path(os.path.abspath(os.path.expanduser(os.fspath(path))))


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write ``path`` whole or not at all."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(raw)
            while view:
                n = os.write(fd, view)
                view = view[n:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_json(path: Path, data: Any) -> None:
    atomic_write(path, json.dumps(data, indent=2, default=str, allow_nan=False) + "\n")


def read_json(path: Path, required: tuple[str, ...] = ()) -> dict | None:
    """A JSON object that nkecon wrote, or ``None`` (with a warning) for a foreign or broken file."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("skipping %s: %s", path, exc.strerror or exc)
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > 5_000_000:
        log.warning("skipping %s: not a regular file nkecon wrote", path)
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        log.warning("skipping %s: not a JSON record nkecon wrote (truncated or foreign)", path)
        return None
    if not isinstance(data, dict) or data.get("nkecon_record") != 1 or any(
            not isinstance(data.get(k), str) for k in required):
        log.warning("skipping %s: not a record nkecon wrote", path)
        return None
    return data


def safe_path(root: Path, *parts: str) -> Path:
    """``root/parts...``, refusing any component below ``root`` that is a symbolic link."""
    path = root
    for part in parts:
        if part in ("", ".", "..") or "/" in part or "\0" in part:
            raise OutputError(f"Refusing the path component {part!r} under {root}.")
        path = path / part
        if path.is_symlink():
            raise OutputError(f"Refusing to follow the symbolic link {path} inside the output folder.")
    return path


def make_owned_dir(path: Path) -> Path:
    """Create ``path`` with nkecon's marker; :class:`OutputError` (one line) when the disk
    is full or the folder cannot be written, with nothing left behind."""
    try:
        path.mkdir(parents=True, exist_ok=False)
    except OSError as exc:
        raise OutputError(f"cannot create {path}: {describe_os_error(exc, 'creating a folder')}") from None
    try:
        (path / MARKER).write_text("created by nkecon report; safe to delete\n", encoding="utf-8")
    except OSError as exc:
        shutil.rmtree(path, ignore_errors=True)
        raise OutputError(f"cannot write in {path.parent}: {describe_os_error(exc, 'creating a build folder')}") from None
    return path


def is_owned(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and (path / MARKER).is_file() and not (path / MARKER).is_symlink()


def remove_owned(path: Path) -> bool:
    """Delete ``path`` if nkecon created it; leave anything else alone. True if deleted."""
    if not is_owned(path):
        if path.exists() or path.is_symlink():
            log.warning("leaving %s alone: nkecon did not create it", path)
        return False
    shutil.rmtree(path, ignore_errors=True)
    return not path.exists()


def check_out_dir(out: Path) -> Path:
    """Refuse an output folder nkecon must not write; return it absolute. Creates nothing."""
    out = absolute(out)
    if out == Path(out.anchor) or out == absolute(Path.home()):
        raise ParameterError(f"Refusing to use {str(out)!r} as the output folder; pass --out with a folder of its own.")
    if out.is_symlink() and not out.exists():
        raise ParameterError(f"The output folder {str(out)!r} is a symbolic link to nothing.")
    probe = out
    while not probe.exists():
        if probe.is_symlink():
            raise ParameterError(f"The output folder {str(out)!r} lies under a symbolic link to nothing ({probe}).")
        probe = probe.parent
    if not probe.is_dir():
        if probe == out:
            raise ParameterError(f"The output folder {str(out)!r} is a file, not a folder.")
        raise ParameterError(f"The output folder {str(out)!r} lies under {str(probe)!r}, which is a file.")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ParameterError(f"The output folder {str(probe)!r} is not writable.")
    build = out / BUILD_DIR
    if (build.exists() or build.is_symlink()) and not is_owned(build):
        raise ParameterError(f"{str(build)!r} was not created by nkecon, which builds reports there; refusing to "
                             "use or delete it (move it away or choose another --out).")
    index = out / "index.html"
    if index.is_symlink() or (index.exists() and not _ours(index)):
        raise ParameterError(f"{str(index)!r} was not written by nkecon; refusing to overwrite it "
                             "(move it away or choose another --out).")
    return out


def _ours(index: Path) -> bool:
    try:
        with open(index, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return GENERATOR.encode() in head


def check_data_dir(folder: Path, names: tuple[str, ...]) -> None:
    """One line for a data folder that cannot be read safely (before :func:`datasets.validate`)."""
    if not folder.exists():
        raise ParameterError(f"The data folder {str(folder)!r} does not exist.")
    if not folder.is_dir():
        raise ParameterError(f"The data folder {str(folder)!r} is not a folder.")
    real = folder.resolve()
    for name in names:
        for ext in ("csv", "json"):
            path = folder / f"{name}.{ext}"
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue  # validate() names missing files
            if stat.S_ISLNK(st.st_mode):
                target = path.resolve()
                if not target.is_relative_to(real):
                    raise ParameterError(f"{path} is a symbolic link leading out of the data folder (to {target}); "
                                         "copy the file instead.")
                try:
                    st = os.stat(path)
                except OSError:
                    raise ParameterError(f"{path} is a symbolic link to nothing.") from None
            if not stat.S_ISREG(st.st_mode):
                kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
                raise ParameterError(f"{path} is {kind}; expected a {ext.upper()} file.")
            if not os.access(path, os.R_OK):
                raise ParameterError(f"{path} cannot be read (permission denied).")


def describe_os_error(exc: OSError, doing: str) -> str:
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device while {doing}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"permission denied while {doing} ({exc.filename or ''})".replace(" ()", "")
    return f"{exc.strerror or exc} while {doing}" + (f" ({exc.filename})" if exc.filename else "")
