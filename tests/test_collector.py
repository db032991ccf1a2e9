"""The garbage collector is paused for a conversion and left as it was found."""

from __future__ import annotations

import gc

import pytest

from newsclaims.columnar.collector import collector_paused


@pytest.mark.parametrize("enabled_before", [True, False])
def test_the_collector_is_paused_in_the_block_and_left_as_it_was(enabled_before: bool):
    was = gc.isenabled()
    (gc.enable if enabled_before else gc.disable)()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled_before
        with pytest.raises(RuntimeError), collector_paused():
            raise RuntimeError("a failed conversion")
        assert gc.isenabled() is enabled_before
    finally:
        (gc.enable if was else gc.disable)()
