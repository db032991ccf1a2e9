"""JSON text built column-wise with Arrow's string kernels, byte for byte as orjson writes it.

A :class:`Template` is orjson's rendering of an object whose values are placeholders; filling
it with columns of JSON texts gives one JSON text per row, with no Python object per row.
Items that go into a JSON array carry their separator in front (a *lead*: "," or "" for the
first item), as Arrow's ``null_handling="skip"`` join loses rows whose parts are all null.
A string value is passed as :class:`Quoted` text: its quotes join the template's own text, so
that no column of quoted copies is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from .utf8 import rows_with_bytes

_HOLE_MARK = "\ue000"
_HOLE = re.compile(f'"{_HOLE_MARK}(\\w+)"')
_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
"""What orjson writes for a backslash, a quote and the common control characters; the backslash first."""
_NEEDS_ESCAPE = np.zeros(256, dtype=bool)
_NEEDS_ESCAPE[[*range(0x20), ord('"'), ord("\\")]] = True
_RARE_CONTROL = _NEEDS_ESCAPE.copy()
_RARE_CONTROL[[ord(character) for character, _ in _ESCAPES]] = False
NULL = pa.scalar(None, pa.string())

Column: TypeAlias = pa.Array | str


@dataclass(frozen=True)
class Quoted:
    """The JSON string literals of a column of JSON-escaped texts: the texts within quotes.

    Filled into a template, the quotes become part of the text around the hole.
    """

    body: pa.Array

    def __len__(self) -> int:
        return len(self.body)

    @property
    def null_count(self) -> int:
        return self.body.null_count

    def take(self, indices: pa.Array) -> Quoted:
        return Quoted(pc.take(self.body, indices))

    def coalesce(self, other: Quoted) -> Quoted:
        return Quoted(pc.coalesce(self.body, other.body))

    def literals(self) -> pa.Array:
        """The literals as a column of their own."""
        return pc.binary_join_element_wise('"', self.body, '"', "")


Value: TypeAlias = Column | Quoted


def hole(name: str) -> str:
    """A placeholder for a value; in a template it stands for the whole JSON value, quotes included."""
    return f"{_HOLE_MARK}{name}"


@dataclass(frozen=True)
class Template:
    """JSON text with named holes."""

    literals: tuple[str, ...]
    holes: tuple[str, ...]

    @classmethod
    def of(cls, obj: Any) -> Template:
        parts = _HOLE.split(orjson.dumps(obj).decode())
        return cls(tuple(parts[0::2]), tuple(parts[1::2]))

    def after(self, name: str) -> tuple[str, Template]:
        """The text before the first hole, which must be ``name``, and the template after it."""
        if self.holes[:1] != (name,):
            raise ValueError(f"the first hole is {self.holes[:1]}, not {name!r}")
        return self.literals[0], Template(self.literals[1:], self.holes[1:])

    def before(self, name: str) -> str:
        """The text just before hole ``name``."""
        return self.literals[self.holes.index(name)]

    def fill(self, lead: Column = ",", **values: Value | tuple[Value, ...]) -> pa.Array:
        """One JSON text per row, after ``lead``; null where any value is null.

        A value may be a tuple of columns, written one after the other.
        """
        columns = [column for value in values.values() for column in _each(value) if not isinstance(column, str)]
        length = len(columns[0])
        if any(column.null_count == length for column in columns if length):
            return pa.nulls(length, pa.string())
        pieces: list[Column] = [lead]
        for literal, name in zip(self.literals, self.holes, strict=False):  # the last literal follows every hole
            pieces.append(literal)
            for value in _each(values[name]):
                pieces += ['"', value.body, '"'] if isinstance(value, Quoted) else [value]
        pieces.append(self.literals[-1])
        return pc.binary_join_element_wise(*_merged(pieces), "")


def _each(value: Value | tuple[Value, ...]) -> tuple[Value, ...]:
    """The columns of a template value: a tuple of them, or one."""
    return value if isinstance(value, tuple) else (value,)


def _merged(pieces: list[Column]) -> list[Column]:
    """The pieces with neighbouring literal texts made one, and empty ones left out."""
    merged: list[Column] = []
    for piece in pieces:
        if isinstance(piece, str) and merged and isinstance(merged[-1], str):
            merged[-1] += piece
        else:
            merged.append(piece)
    return [piece for piece in merged if not isinstance(piece, str) or piece]


def json_strings(array: pa.Array) -> Quoted:
    """JSON string literals of a string column (null stays null), escaped exactly as orjson does.

    Only the rows that need it are escaped (the whole column when most rows do, as article
    texts with their line breaks: picking the rows out and putting them back would copy them
    twice more), and only for the characters found: the usual escapes by Arrow's kernels,
    outside the interpreter lock, and the rare rows with other control characters by orjson itself.
    """
    flagged, found = rows_with_bytes(array, _NEEDS_ESCAPE)
    count = int(np.count_nonzero(flagged))
    if not count:
        return Quoted(array)
    whole = count * 2 > len(array)
    escaped = array if whole else array.filter(flagged)
    for character, escape in _ESCAPES:
        if found[ord(character)]:
            escaped = pc.replace_substring(escaped, character, escape)
    bodies = escaped if whole else pc.replace_with_mask(array, flagged, escaped)
    if (_RARE_CONTROL & found).any():
        rare, _ = rows_with_bytes(array, _RARE_CONTROL)
        bodies = pc.replace_with_mask(bodies, rare, encoded_bodies(array.filter(rare).to_pylist()))
    return Quoted(bodies)


def encoded_bodies(values: list[str]) -> pa.Array:
    """Python strings encoded by orjson as JSON strings, without their quotes."""
    return pa.array([orjson.dumps(value)[1:-1] for value in values], pa.binary()).cast(pa.string())


def quoted(array: pa.Array) -> Quoted:
    """JSON string literals of values that need no escaping (checked ids, vocabulary labels)."""
    return Quoted(array)


def json_numbers(array: pa.Array) -> pa.Array:
    """JSON numbers of a float column, as orjson writes them (null stays null).

    JSON has no NaN or infinity (orjson would write null): the rule book refuses them before
    anything is written, and a column that still holds one is an error here, never a null."""
    if pa.types.is_floating(array.type) and pc.any(pc.invert(pc.is_finite(array))).as_py():
        raise ValueError("a number that is NaN or infinite cannot be written as JSON; check the rows against the rule book first")
    valid = pc.is_valid(array)
    texts = pa.nulls(len(array), pa.string())
    if array.null_count < len(array):
        dumped = [orjson.dumps(value).decode() for value in array.filter(valid).to_pylist()]
        texts = pc.replace_with_mask(texts, valid, pa.array(dumped, pa.string()))
    return texts


def nulled(array: pa.Array, where: pa.Array) -> pa.Array:
    """``array`` with nulls where ``where`` holds (or is null); its values are not copied,
    unless the column starts at an offset into its buffers (a slice)."""
    if array.offset:
        return pc.if_else(where, pa.scalar(None, array.type), array)
    keep = pc.and_not(pc.is_valid(array), pc.fill_null(where, True))
    return pa.Array.from_buffers(array.type, len(array), [keep.buffers()[1], *array.buffers()[1:]])


def json_ints(array: pa.Array) -> pa.Array:
    return pc.cast(array, pa.string())


def json_bools(array: pa.Array) -> pa.Array:
    return pc.if_else(array, "true", "false")


def joined(*parts: pa.Array) -> pa.Array:
    """The parts that are not null, one after the other, row by row ("" when all are null)."""
    present = [part for part in parts if part.null_count < len(part)]
    if len(present) == 1 and present[0].null_count == 0:
        return present[0]
    return pc.binary_join_element_wise(*(present or parts[:1]), "", null_handling="replace")


def per_parent(lists: pa.Array, items: pa.Array, separator: str = "") -> pa.Array:
    """The texts of each list's items (``items`` renders ``lists.flatten()``), joined."""
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    return pc.binary_join(pa.ListArray.from_arrays(offsets, items), separator)


def positions(length: int) -> pa.Array:
    return pa.array(np.arange(length, dtype=np.int64))


def field(structs: pa.Array, name: str) -> pa.Array:
    return pc.struct_field(structs, name)
