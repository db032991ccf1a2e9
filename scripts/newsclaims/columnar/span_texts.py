"""``text == article_text[start:end]`` for many spans at once, on the UTF-8 bytes of Arrow strings.

Offsets are code points. A Python loop over a Parquet folder's spans holds the interpreter lock for
as long as all the other checks together, and the conversion's threads wait on it. Here the
offsets are turned into byte positions (from the UTF-8 continuation bytes, listed once per
batch of texts) and the span texts are compared with the article bytes they claim, in a few
NumPy passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .utf8 import string_bytes


@dataclass(frozen=True)
class ArticleTexts:
    """Article texts addressed by code point.

    A code point's byte is its index plus the UTF-8 continuation bytes before it, so only
    those bytes (none in ASCII, few in most news) are listed.
    """

    array: pa.Array
    data: np.ndarray
    first_code_point: np.ndarray
    """Index of each text's first code point, counted over all the texts (n + 1 values)."""
    continuation_ranks: np.ndarray
    """For the k-th continuation byte, its position minus k: the code points before it."""

    @classmethod
    def of(cls, texts: pa.Array | list[str]) -> ArticleTexts:
        array = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
        data, offsets = string_bytes(array)
        # Continuation bytes are 0x80-0xBF: as signed bytes, exactly those below -64.
        continuations = np.flatnonzero(data[offsets[0] : offsets[-1]].view(np.int8) < -64) + offsets[0]
        first_code_point = offsets - np.searchsorted(continuations, offsets)
        return cls(array, data, first_code_point, continuations - np.arange(len(continuations)))

    def lengths(self) -> np.ndarray:
        """Each text's length in code points."""
        return np.diff(self.first_code_point)

    def byte_at(self, article: np.ndarray, code_point: np.ndarray) -> np.ndarray:
        """The byte position of code point ``code_point`` of text ``article`` (its end when it is the length)."""
        index = self.first_code_point[article] + code_point
        return index + np.searchsorted(self.continuation_ranks, index, side="right")

    def text(self, article: int) -> str:
        return self.array[article].as_py()


def span_faults(texts: ArticleTexts, article: np.ndarray, start: np.ndarray, end: np.ndarray, span_texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Which spans lie outside their article (not ``0 <= start <= end <= length``), and which,
    inside it, have a text other than the article's text there.

    An empty span (``start == end``) is inside its article here: that a span is not empty is a
    rule of its own (:func:`newsclaims.rules.span_fault`), checked before spans come here.

    ``article`` is each span's text index; every span given must have an article, offsets and a text.
    """
    out_of_range = (start < 0) | (start > end) | (end > texts.lengths()[article])
    inside = np.flatnonzero(~out_of_range)
    mismatch = np.zeros(len(article), dtype=bool)
    if not len(inside):
        return out_of_range, mismatch
    first = texts.byte_at(article[inside], start[inside])
    last = texts.byte_at(article[inside], end[inside])
    span_data, span_offsets = string_bytes(span_texts)
    span_first = span_offsets[:-1][inside]
    sizes = span_offsets[1:][inside] - span_first
    same_size = sizes == last - first
    mismatch[inside[~same_size]] = True
    compared = np.flatnonzero(same_size & (sizes > 0))
    if len(compared):
        sizes = sizes[compared]
        ends = np.cumsum(sizes)
        shift = ends - sizes
        step = np.arange(ends[-1])
        differs = span_data[np.repeat(span_first[compared] - shift, sizes) + step] != texts.data[np.repeat(first[compared] - shift, sizes) + step]
        if differs.any():
            mismatch[inside[compared[np.searchsorted(ends, np.flatnonzero(differs), side="right")]]] = True
    return out_of_range, mismatch


def span_columns(structs: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]:
    """Offsets of a column of spans as NumPy arrays, whether each span has offsets and a text, and its texts."""
    start, end, text = (pc.struct_field(structs, name) for name in ("start", "end", "text"))
    present = pc.and_(pc.and_(pc.is_valid(start), pc.is_valid(end)), pc.is_valid(text))
    present = pc.and_(present, pc.is_valid(structs)) if structs.null_count else present
    as_numbers = [np.asarray(pc.fill_null(column, 0).to_numpy(zero_copy_only=False), dtype=np.int64) for column in (start, end)]
    return as_numbers[0], as_numbers[1], np.asarray(present.to_numpy(zero_copy_only=False), dtype=bool), text
