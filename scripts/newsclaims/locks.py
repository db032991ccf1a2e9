"""One writer at a time per corpus or output folder: an ``fcntl.flock`` on a lock file.

The lock file holds the pid of its holder, so that a writer that waited in vain can name
it. The holder removes the file as it lets go; a writer that locked a file which was
removed meanwhile starts again on the new one, so two writers never hold two files of one
name. A killed holder leaves the file behind, unlocked: the next writer takes it over.

The lock is re-entrant within a process: a library call that locks a corpus its caller has
already locked goes straight through.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import NewsclaimsError

WAIT_VARIABLE = "NEWSCLAIMS_LOCK_WAIT"
WAIT_SECONDS = 10.0
"""How long a second writer waits for the first (``$NEWSCLAIMS_LOCK_WAIT`` seconds overrides it)."""
POLL_SECONDS = 0.05


class BusyError(NewsclaimsError):
    """Another process is writing the same corpus or output folder."""


class WriteError(NewsclaimsError):
    """The file system refused a write (disk full, read-only folder, no permission)."""


def write_error(exc: OSError, folder: Path | str) -> WriteError:
    """One line for an ``OSError`` met while writing into ``folder``: the file, the reason, what was kept."""
    where = exc.filename or folder
    return WriteError(f"{where}: [write-failed] {exc.strerror or exc}; {folder} was left as it was")


_held: dict[Path, tuple[int, int]] = {}
"""Lock files held by this process: path -> (descriptor, depth)."""


def wait_seconds() -> float:
    value = os.environ.get(WAIT_VARIABLE)
    try:
        return float(value) if value else WAIT_SECONDS
    except ValueError:
        raise NewsclaimsError(f"${WAIT_VARIABLE}: expected a number of seconds, found {value!r}") from None


def holds(lock_path: Path) -> bool:
    """True when this process holds the lock file ``lock_path``."""
    return Path(os.path.abspath(lock_path)) in _held


@contextmanager
def locked(lock_path: Path, what: Path | str, wait: float | None = None) -> Iterator[None]:
    """Hold the lock file ``lock_path`` (made if missing) for writing ``what``.

    Waits up to ``wait`` seconds (default :func:`wait_seconds`) for another holder, then
    raises :class:`BusyError` naming it.
    """
    key = Path(os.path.abspath(lock_path))
    if key in _held:
        fd, depth = _held[key]
        _held[key] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[key]
            _held[key] = (fd, depth - 1)
        return
    fd = _acquire(key, what, wait_seconds() if wait is None else wait)
    _held[key] = (fd, 1)
    try:
        yield
    finally:
        del _held[key]
        _release(key, fd)


def try_locked(lock_path: Path) -> int | None:
    """The descriptor of ``lock_path`` locked without waiting (release it with :func:`release`), or
    None when a process, this one included, holds it."""
    key = Path(os.path.abspath(lock_path))
    if key in _held:
        return None
    try:
        return _attempt(key)
    except BlockingIOError:
        return None


def release(lock_path: Path, fd: int) -> None:
    _release(Path(os.path.abspath(lock_path)), fd)


def _acquire(path: Path, what: Path | str, wait: float) -> int:
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = _attempt(path)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _holder(path)
                raise BusyError(
                    f"another newsclaims command is writing {what}{f' (pid {holder})' if holder else ''}; try again when it ends"
                ) from None
            time.sleep(POLL_SECONDS)
            continue
        except OSError as exc:
            raise write_error(exc, what) from None
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the pid is a courtesy to a waiting writer; a full disk must not stop the lock
        return fd


def _attempt(path: Path) -> int:
    """Lock the file now at ``path``; BlockingIOError when another process holds it."""
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise BlockingIOError(exc.errno, exc.strerror) from None
            raise
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)  # its holder removed it as it let go: lock the one now there


def _release(path: Path, fd: int) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
    os.close(fd)


def _holder(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None
