"""The one place where tonecls writes a user's file: whole or not at all.

A full disk, a read-only folder or a kill in the middle of a write must never
leave a half-written output, a torn label file or hidden temporary files, and
must cost the user one line of explanation, not a traceback. Everything that
writes goes through ``atomic_write`` (replace a file) or ``append_bytes``
(grow a file); ``check_writable`` lets a command fail before minutes of work
rather than after.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from tonecls.errors import ToneclsError

_PROBE_PREFIX = ".tonecls-check."


def os_error(exc: OSError, path: str | os.PathLike, *, tmp: str | None = None) -> ToneclsError:
    """``PATH: strerror`` for an OSError, naming the file the user asked for rather than a temp file."""
    name = exc.filename if exc.filename not in (None, tmp) else path
    return ToneclsError(f"{name}: {exc.strerror or exc}")


def _umask() -> int:
    """The process umask, read without changing it where /proc allows."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _probe_folder(folder: Path, *, make: bool) -> None:
    """Create and remove a temp file in ``folder`` (with ``make``: in its nearest existing ancestor)."""
    existing = folder
    if make:
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
    if not existing.exists():
        raise ToneclsError(f"{folder}: no such folder")
    if not existing.is_dir():
        raise ToneclsError(f"{existing}: not a folder")
    fd, probe = tempfile.mkstemp(prefix=_PROBE_PREFIX, suffix=".tmp", dir=existing)
    try:
        os.close(fd)
    finally:
        Path(probe).unlink(missing_ok=True)


def check_folder(folder: str | os.PathLike, *, make: bool = False) -> None:
    """Fail now if files cannot be created in ``folder``; ``make``: it may be created later, check its parent."""
    folder = Path(folder)
    try:
        _probe_folder(folder, make=make)
    except OSError as exc:
        raise ToneclsError(f"{folder}: {exc.strerror or exc}") from None


def check_writable(path: str | os.PathLike, *, overwrite: bool = False, make_folder: bool = False) -> Path:
    """Fail before long work if ``path`` could not be written at its end: exists without --force, bad folder."""
    path = Path(path)
    if path.is_dir():
        raise ToneclsError(f"{path}: is a folder; give a file name")
    if path.exists() and not overwrite:
        raise ToneclsError(f"{path}: already exists; use --force to replace it")
    try:
        _probe_folder(path.parent, make=make_folder)
    except OSError as exc:
        raise ToneclsError(f"{path}: {exc.strerror or exc}") from None
    return path


@contextmanager
def atomic_write(
    path: str | os.PathLike, mode: str = "w", *, overwrite: bool = False, encoding: str = "utf-8"
) -> Iterator[IO[Any]]:
    """Yield a file handle on a temp file beside ``path``; on success fsync and rename it into place.

    On any exception (a full disk, Ctrl-C, SIGTERM through `tonecls.interrupt`)
    the temp file is removed and ``path`` is left as it was. Without
    ``overwrite`` an existing ``path`` is refused, also one that appeared
    while writing. An OSError becomes a one-line ToneclsError naming ``path``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', not {mode!r}")
    path = Path(path)
    if path.exists() and not overwrite:
        raise ToneclsError(f"{path}: already exists; use --force to replace it")
    if not path.parent.is_dir():
        raise ToneclsError(f"{path.parent}: no such folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ToneclsError(f"{path}: {exc.strerror or exc}") from None
    try:
        text = {"encoding": encoding, "newline": ""} if mode == "w" else {}
        with open(fd, mode, **text) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        _move_into_place(tmp, path, overwrite=overwrite)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise os_error(exc, path, tmp=tmp) from None
        raise


def _move_into_place(tmp: str, path: Path, *, overwrite: bool) -> None:
    """Rename; without ``overwrite`` a hard link refuses atomically to replace a file made meanwhile."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise ToneclsError(f"{path}: already exists (made while tonecls was writing); use --force") from None
    except OSError:  # a file system without hard links: check, then rename
        if path.exists():
            raise ToneclsError(f"{path}: already exists (made while tonecls was writing); use --force") from None
        os.replace(tmp, path)
        return
    Path(tmp).unlink()


def write_atomic(
    path: str | os.PathLike, write: Callable[[IO[Any]], None], *, overwrite: bool = False, mode: str = "w"
) -> None:
    """``atomic_write`` for a callback that writes the whole content to the handle it is given."""
    with atomic_write(path, mode, overwrite=overwrite) as fh:
        write(fh)


def append_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Append ``data`` whole and fsync it, or leave the file as it was (a new file is removed again).

    A full disk in the middle of an append would otherwise leave a torn last
    line, to which the next append would glue its own.
    """
    path = Path(path)
    existed = path.exists()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    except OSError as exc:
        raise os_error(exc, path) from None
    try:
        size = os.fstat(fd).st_size
        try:
            _write_all(fd, data)
            os.fsync(fd)
        except BaseException as exc:
            _undo_append(fd, path, size, remove=not existed)
            if isinstance(exc, OSError):
                raise os_error(exc, path) from None
            raise
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _undo_append(fd: int, path: Path, size: int, *, remove: bool) -> None:
    """Cut the file back to its size before the append; best effort, the original error is what matters."""
    try:
        os.ftruncate(fd, size)
        os.fsync(fd)
        if remove and size == 0:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # the torn tail, if any, is caught by the next append's tail check


def check_output_folder(path: str | os.PathLike, *, overwrite: bool = False, pattern: str = "part-*.parquet") -> Path:
    """Fail before long work if the output folder ``path`` could not be made at its end.

    An existing folder is replaced only with ``overwrite``, and only when it
    holds nothing but files named like ``pattern`` (an earlier output):
    never a folder of someone's data.
    """
    path = Path(path)
    if path.exists():
        if not path.is_dir():
            raise ToneclsError(f"{path}: exists and is not a folder")
        if not overwrite:
            raise ToneclsError(f"{path}: already exists; use --force to replace it")
        others = [p.name for p in path.iterdir() if not p.match(pattern) or not p.is_file()]
        if others:
            raise ToneclsError(f"{path}: holds {others[0]!r}, not only {pattern} files; not replacing it")
    try:
        _probe_folder(path.parent, make=False)
    except OSError as exc:
        raise ToneclsError(f"{path}: {exc.strerror or exc}") from None
    return path


@contextmanager
def atomic_folder(path: str | os.PathLike, *, overwrite: bool = False) -> Iterator[Path]:
    """Yield a temp folder beside ``path`` to fill; on success it becomes ``path`` (one rename), else it goes.

    An existing ``path`` (checked by `check_output_folder`) is moved aside
    first and removed only once the new folder is in place.
    """
    import shutil

    path = Path(path)
    check_output_folder(path, overwrite=overwrite)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as exc:
        raise ToneclsError(f"{path}: {exc.strerror or exc}") from None
    old: Path | None = None
    try:
        yield tmp
        for child in tmp.iterdir():
            _fsync_file(child)
        os.chmod(tmp, 0o777 & ~_umask())
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not path.exists():  # put the earlier output back
            os.replace(old / path.name, path)
            shutil.rmtree(old, ignore_errors=True)
        if isinstance(exc, OSError):
            raise os_error(exc, path) from None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
