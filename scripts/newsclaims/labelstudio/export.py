"""Reading Label Studio JSON exports task by task, without loading the whole file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import ijson

from ..errors import ConversionError


def export_files(paths: list[Path]) -> list[Path]:
    """The export files named, a folder standing for the ``*.json`` files in it (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                raise ConversionError(f"{path}: [export-missing] expected Label Studio JSON exports in the folder, found none")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ConversionError(f"{path}: [export-missing] no such file or folder")
    return files


def iter_tasks(path: Path) -> Iterator[dict[str, Any]]:
    """Tasks of one export (a JSON array), one by one; a truncated or malformed file is an error."""
    with open(path, "rb") as handle:
        head = handle.read(64).lstrip()
        if not head.startswith(b"["):
            raise ConversionError(f"{path}: [export-invalid] expected a JSON array of tasks, found {head[:20]!r}")
        handle.seek(0)
        count = 0
        try:
            for task in ijson.items(handle, "item", use_float=True):
                count += 1
                yield task
        except ijson.IncompleteJSONError as exc:
            raise ConversionError(f"{path}: [export-truncated] the JSON ends or breaks after {count} complete task(s): {exc}") from None
        except ijson.JSONError as exc:
            raise ConversionError(f"{path}: [export-invalid] not valid JSON after {count} complete task(s): {exc}") from None
