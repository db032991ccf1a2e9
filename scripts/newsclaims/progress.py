"""Progress bars for long commands, shown only when standard error is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(description: str, total: int | None = None, unit: str = "task") -> Iterator[Callable[[int], None]]:
    """Yield an ``advance(n)`` callable; the bar is drawn on a terminal and is silent otherwise."""
    bar = tqdm(total=total, desc=description, unit=unit, disable=not sys.stderr.isatty(), leave=False, dynamic_ncols=True)

    def advance(n: int) -> None:
        bar.update(n)

    try:
        yield advance
    finally:
        bar.close()
