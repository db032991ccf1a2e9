"""Publishing several files and folders as one step, whenever the process is killed.

A writer holds the lock of a place (a corpus folder, or the folder an output folder lives
in) and writes everything new into the place's workspace, ``.<name>.publish/``. Publishing
then writes a journal there (fsynced, with the folder) listing the moves, makes them, and
removes the workspace. A folder that replaces another is exchanged with it in one rename
where the system can (``renameat2(RENAME_EXCHANGE)``), so it is never missing.

Whoever next takes the place (any writer, or a reader opening a corpus while no writer
holds it) finds a workspace left behind: with a journal, the moves are finished; without
one, the workspace is removed. Either way the place is wholly old or wholly new. Each move
names the inode of what it brings, so finishing is safe to repeat.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import NewsclaimsError
from .locks import locked, release, try_locked, write_error

JOURNAL = "journal.json"
NEW = "new"
OLD = "old"
FAULT_VARIABLE = "NEWSCLAIMS_FAULT_STEP"
TRACE_VARIABLE = "NEWSCLAIMS_FAULT_TRACE"

_reached: dict[str, int] = {}
_open: dict[Path, Publication] = {}
"""Publications under way in this process, by workspace."""


def fault_point(step: str) -> None:
    """Where a writer may be killed in tests: ``$NEWSCLAIMS_FAULT_STEP=step`` (or ``step#n``, the
    n-th time it is reached) kills this process with SIGKILL here. A no-op when unset.

    ``$NEWSCLAIMS_FAULT_TRACE=FILE`` appends ``step#n`` to FILE at every step reached.
    """
    wanted, trace = os.environ.get(FAULT_VARIABLE), os.environ.get(TRACE_VARIABLE)
    if not wanted and not trace:
        return
    _reached[step] = count = _reached.get(step, 0) + 1
    if trace:
        with open(trace, "a", encoding="utf-8") as handle:
            handle.write(f"{step}#{count}\n")
    if wanted in (step, f"{step}#{count}"):
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)


class PublishError(NewsclaimsError):
    """An interrupted write cannot be finished as its journal says."""


def lock_path(base: Path, name: str) -> Path:
    return Path(base) / f".{name}.lock"


def workspace_path(base: Path, name: str) -> Path:
    return Path(base) / f".{name}.publish"


class Publication:
    """What one writer stages in a workspace, to be moved under ``base`` together."""

    def __init__(self, base: Path, workspace: Path) -> None:
        self.base = base
        self.workspace = workspace
        self.targets: dict[str, None] = {}
        self.committed = False

    def stage(self, target: str) -> Path:
        """Where to write what becomes ``base/target`` (a file, or a folder made by the caller)."""
        relative = Path(target)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise PublishError(f"{target!r}: expected a path inside {self.base}")
        staged = self.workspace / NEW / relative
        staged.parent.mkdir(parents=True, exist_ok=True)
        self.targets[relative.as_posix()] = None
        return staged

    def folder(self, target: str) -> Path:
        """A new, empty folder that becomes ``base/target``."""
        staged = self.stage(target)
        staged.mkdir()
        return staged

    def write_bytes(self, target: str, data: bytes) -> Path:
        """Stage a file that becomes ``base/target``."""
        staged = self.stage(target)
        with open(staged, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(staged, 0o644)
        return staged

    def commit(self) -> None:
        """Write the journal, make every move, remove the workspace."""
        if not self.targets:
            self.discard()
            return
        fault_point("publish:staged")
        moves = []
        for target in self.targets:
            found = os.lstat(self.workspace / NEW / target)
            moves.append({"source": f"{NEW}/{target}", "target": target, "inode": [found.st_dev, found.st_ino]})
        _write_journal(self.workspace, {"moves": moves})
        self.committed = True
        fault_point("publish:journal")
        _finish(self.base, self.workspace, moves)

    def discard(self) -> None:
        shutil.rmtree(self.workspace, ignore_errors=True)


def _write_journal(workspace: Path, journal: dict) -> None:
    tmp = workspace / f".{JOURNAL}.tmp"
    with open(tmp, "wb") as handle:
        handle.write(json.dumps(journal, sort_keys=True).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, workspace / JOURNAL)
    _fsync_folder(workspace)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _finish(base: Path, workspace: Path, moves: list[dict]) -> None:
    for move in moves:
        _move(base, workspace, move)
        fault_point("publish:moved")
    (workspace / JOURNAL).unlink()
    fault_point("publish:done")
    shutil.rmtree(workspace)


def _move(base: Path, workspace: Path, move: dict) -> None:
    """Put the staged file or folder (known by its inode) at its target; the old one stays in the workspace."""
    source, target, inode = workspace / move["source"], base / move["target"], tuple(move["inode"])
    if _inode(target) == inode:
        return
    if _inode(source) != inode:
        raise PublishError(
            f"{workspace / JOURNAL}: [publish-incomplete] expected {move['target']} at {source} or {target}, found it at neither; "
            f"the workspace {workspace} was kept"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir() and not source.is_symlink() and os.path.lexists(target):
        if not _exchange(source, target):
            old = workspace / OLD / move["target"]
            old.parent.mkdir(parents=True, exist_ok=True)
            os.rename(target, old)
            os.rename(source, target)
    else:
        os.replace(source, target)


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return None
    return (found.st_dev, found.st_ino)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux); False where the system or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def recover(base: Path, name: str) -> None:
    """Finish (with a journal) or remove (without) the workspace a killed writer left; the caller holds the lock."""
    workspace = workspace_path(base, name)
    if not workspace.exists():
        return
    journal = workspace / JOURNAL
    if journal.exists():
        try:
            moves = json.loads(journal.read_bytes())["moves"]
        except (ValueError, KeyError, TypeError) as exc:
            raise PublishError(f"{journal}: [publish-incomplete] expected the journal of an interrupted write, found {exc}; the workspace was kept") from None
        _finish(base, workspace, moves)
    else:
        shutil.rmtree(workspace)


def recover_abandoned(base: Path, name: str) -> None:
    """Complete or remove what a killed writer left (its workspace, its lock file), unless a writer holds the place now."""
    workspace_left = os.path.lexists(workspace_path(base, name))
    if not workspace_left and not os.path.lexists(lock_path(base, name)):
        return
    try:
        fd = try_locked(lock_path(base, name))
    except OSError as exc:
        if not workspace_left:
            return  # a lock file in a folder this process may only read: nothing to finish
        raise write_error(exc, base) from None
    if fd is None:
        return
    try:
        recover(base, name)
    except OSError as exc:
        raise write_error(exc, base) from None
    finally:
        release(lock_path(base, name), fd)


@contextmanager
def publishing(base: Path, name: str, label: str | Path) -> Iterator[Publication]:
    """Lock the place, finish what a killed writer left, and yield a publication that is
    committed when the block ends, or discarded when it raises.

    An ``OSError`` (disk full, read-only folder) becomes one line naming the file.
    """
    base = Path(base)
    workspace = Path(os.path.abspath(workspace_path(base, name)))
    if workspace in _open:
        yield _open[workspace]  # a writer inside another of the same place: published with it
        return
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, label) from None
    with locked(lock_path(base, name), label):
        try:
            recover(base, name)
        except OSError as exc:
            raise write_error(exc, label) from None
        publication = _open[workspace] = Publication(base, workspace_path(base, name))
        try:
            yield publication
            del _open[workspace]
            publication.commit()
        except BaseException as exc:
            _open.pop(workspace, None)
            if not publication.committed:
                publication.discard()
            if isinstance(exc, OSError):
                raise write_error(exc, label) from None
            raise
