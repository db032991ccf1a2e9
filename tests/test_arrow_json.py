"""The column-wise JSON pieces give what orjson gives for the same values, row by row."""

from __future__ import annotations

import orjson
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from newsclaims.columnar.json_text import Template, hole, json_strings, nulled

PIECES = ["a", " ", "é", "🙂", '"', "\\", "\n", "\r\n", "\t", "\x00", "\x1f", "\x7f", "\u2028"]
VALUES = st.lists(st.none() | st.lists(st.sampled_from(PIECES), max_size=5).map("".join), min_size=1, max_size=10)


def _sliced(values: list[str | None], cut: int) -> pa.Array:
    """The values as a string column; with ``cut``, a column that starts at an offset into its buffers."""
    return pa.array(["cut", *values], pa.string()).slice(1) if cut else pa.array(values, pa.string())


@seed(20261130)
@settings(max_examples=200, deadline=None)
@given(VALUES, VALUES, st.integers(0, 1))
def test_a_template_filled_with_strings_is_what_orjson_writes(names, notes, cut):
    names, notes = names[: min(len(names), len(notes))], notes[: min(len(names), len(notes))]
    template = Template.of({"name": hole("name"), "tags": [hole("note"), "fixed"]})
    filled = template.fill("", name=json_strings(_sliced(names, cut)), note=json_strings(_sliced(notes, cut))).to_pylist()
    expected = [None if name is None or note is None else orjson.dumps({"name": name, "tags": [note, "fixed"]}).decode() for name, note in zip(names, notes, strict=True)]
    assert filled == expected


@seed(20261130)
@settings(max_examples=200, deadline=None)
@given(VALUES, st.lists(st.none() | st.booleans(), min_size=11, max_size=11), st.sampled_from(["fresh", "at an offset", "computed"]))
def test_nulled_makes_nulls_where_asked_and_keeps_every_other_value(values, where, kind):
    array = _sliced(values, kind != "fresh")
    if kind == "computed":
        array = pc.binary_join_element_wise(array, "!", "")
    assert (array.offset > 0) == (kind == "at an offset")
    mask = pa.array(where[: len(array)], pa.bool_())
    expected = [None if w is None or w else value for value, w in zip(array.to_pylist(), mask.to_pylist(), strict=True)]
    result = nulled(array, mask)
    result.validate(full=True)
    assert result.to_pylist() == expected
    assert result.null_count == expected.count(None)
