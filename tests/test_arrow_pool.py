"""Arrow's default memory pool, switched for one piece of work and then given back."""

from __future__ import annotations

import pyarrow as pa

from newsclaims.columnar.memory_pool import default_pool


def _built_with(name: str) -> bool:
    try:
        getattr(pa, f"{name}_memory_pool")()
    except (AttributeError, NotImplementedError):
        return False
    return True


def test_the_pool_is_switched_for_the_block_and_restored_after():
    before = pa.default_memory_pool().backend_name
    wanted = "system" if before != "system" else "jemalloc"
    with default_pool(wanted) as used:
        assert pa.default_memory_pool().backend_name == used
        assert used == (wanted if _built_with(wanted) else before)
        assert pa.array(["x" * 100]).to_pylist() == ["x" * 100]
    assert pa.default_memory_pool().backend_name == before


def test_a_pool_this_build_lacks_leaves_the_default_alone():
    before = pa.default_memory_pool().backend_name
    with default_pool("no-such-allocator") as used:
        assert used == before == pa.default_memory_pool().backend_name
    assert pa.default_memory_pool().backend_name == before
