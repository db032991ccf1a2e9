"""Python's cyclic garbage collector, paused while a conversion runs.

A conversion builds a great many small containers and no cycles. Each full collection walks
every object in the process, the imports' included (about 0.08 s each), and a large
conversion would trigger one again and again.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


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
