"""Python's cyclic garbage collector, paused while a conversion runs.

A conversion builds a great many small containers and no cycles. Each full collection walks
every object in the process, the imports' included, and a large conversion triggers one again
and again: two, 0.16 s in all, while 50,000 tasks were written from Parquet.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the collector for the block; it is on again after it if it was on before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
