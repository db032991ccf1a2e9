"""Canonical JSON and atomic writes of single files.

Files of a corpus are written through :meth:`newsclaims.store.Corpus.writing`, which
publishes several together; a full disk or a read-only folder is one line
(:class:`~newsclaims.locks.WriteError`), never a half-written file.
"""

from __future__ import annotations

import json
import os
import queue
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from .locks import locked, write_error


def canonical_json(obj: Any) -> str:
    """Sorted keys, two-space indent, UTF-8 characters as they are, LF endings, final newline."""
    return json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, flush it to disk, then rename it over ``path``."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise write_error(exc, path.parent) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_error(exc, path.parent) from None
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_canonical_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, canonical_json(obj))


def write_json_array(path: Path, items: Iterable[dict]) -> int:
    """Stream ``items`` into a JSON array file, written beside ``path`` and renamed over it."""
    return write_json_chunks(path, ((1, orjson.dumps(item)) for item in items))


def write_json_chunks(path: Path, chunks: Iterable[tuple[int, Any]]) -> int:
    """Stream a JSON array of already encoded items, written beside ``path`` and renamed over it.

    Each chunk is (number of items, their JSON texts joined with ",\n") as bytes or any
    buffer; returns the number of items. The file is written by a thread of its own, so that
    making the next chunks goes on while the disk takes the last ones.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(exc, path.parent) from None
    staging = path.with_name(f".{path.name}.partial")
    count = 0
    with locked(path.with_name(f".{path.name}.lock"), path):
        try:
            with _BackgroundWriter(staging) as out:
                out.write(b"[")
                for items, data in chunks:
                    if not items:
                        continue
                    out.write(b"\n" if count == 0 else b",\n")
                    out.write(data)
                    count += items
                out.write(b"\n]\n")
            os.replace(staging, path)
        except OSError as exc:
            raise write_error(exc, path.parent) from None
        finally:
            staging.unlink(missing_ok=True)
    return count


class _BackgroundWriter:
    """A file written by another thread, from a short queue of buffers; its errors come back on close."""

    _DONE = object()

    def __init__(self, path: Path, depth: int = 4) -> None:
        self.handle = open(path, "wb")
        self.queue: queue.Queue = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (data := self.queue.get()) is not self._DONE:
            if self.error is None:
                try:
                    self.handle.write(data)
                except BaseException as exc:  # handed to the caller on close
                    self.error = exc

    def write(self, data: Any) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(data)

    def __enter__(self) -> _BackgroundWriter:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.queue.put(self._DONE)
        self.thread.join()
        self.handle.close()
        if self.error is not None and exc_info[0] is None:
            raise self.error
