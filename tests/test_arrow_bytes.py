"""The byte scan of string columns says what a byte-by-byte look at the Python strings says."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from newsclaims.columnar.utf8 import rows_with_bytes

PIECES = ["a", " ", "é", "🙂", '"', "\\", "\n", "\r\n", "\t", "\x00", "\x1f", "\x7f", "\u2028", "ÿ"]
VALUES = st.lists(st.none() | st.lists(st.sampled_from(PIECES), max_size=6).map("".join), max_size=12)
WANTED = st.sets(st.integers(0, 255)) | st.just(set(range(0x20)) | {ord('"'), ord("\\")})


@seed(20261130)
@settings(max_examples=300, deadline=None)
@given(VALUES, WANTED, st.integers(0, 3), st.integers(0, 3))
def test_rows_and_bytes_found_are_those_of_the_strings(values, wanted, cut_front, cut_back):
    table = np.zeros(256, dtype=bool)
    table[sorted(wanted)] = True
    array = pa.array(["x\\\n", *values, '"\x01'], pa.string()).slice(cut_front)
    array = array.slice(0, max(0, len(array) - cut_back))
    strings = array.to_pylist()
    rows, found = rows_with_bytes(array, table)
    assert rows.tolist() == [s is not None and any(table[b] for b in s.encode()) for s in strings]
    assert set(np.flatnonzero(found).tolist()) == {b for s in strings if s is not None for b in s.encode() if table[b]}
