"""Arrow's default memory pool, chosen for one piece of work.

The command line starts with the system allocator, which gives memory back as a long export
-> Parquet conversion goes on (see ``__main__``). Writing tasks from Parquet allocates and
frees the same few large string columns batch after batch; jemalloc, which keeps freed pages
for reuse, does that faster and its footprint still does not grow with the input.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


@contextmanager
def default_pool(name: str) -> Iterator[str]:
    """Make pool ``name`` (``jemalloc``, ``mimalloc`` or ``system``) Arrow's default for the block,
    when this build of pyarrow has it; yields the name of the pool in use."""
    try:
        pool = getattr(pa, f"{name}_memory_pool")()
    except (AttributeError, NotImplementedError):
        yield pa.default_memory_pool().backend_name
        return
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pool)
    try:
        yield pool.backend_name
    finally:
        pa.set_memory_pool(previous)
