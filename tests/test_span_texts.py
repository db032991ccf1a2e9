"""The byte-wise span check says what ``text[start:end] == span`` says, on any texts and offsets."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from newsclaims.columnar.span_texts import ArticleTexts, span_faults

PIECES = ["a", "Z", " ", "é", "e\u0301", "🙂", "👩‍👩‍👧", "שלום", "\r\n", "\x00", '"', "\\", "€"]
TEXTS = st.lists(st.lists(st.sampled_from(PIECES), max_size=8).map("".join), min_size=1, max_size=4)


@st.composite
def texts_and_spans(draw) -> tuple[list[str], list[tuple[int, int, int, str]]]:
    texts = draw(TEXTS)
    spans = []
    for _ in range(draw(st.integers(1, 12))):
        article = draw(st.integers(0, len(texts) - 1))
        n = len(texts[article])
        start, end = draw(st.integers(0, n + 2)), draw(st.integers(-1, n + 2))
        truth = texts[article][start:end]
        text = draw(st.sampled_from([truth, truth + "a", truth[:-1], truth[::-1], "é" * len(truth), draw(st.lists(st.sampled_from(PIECES), max_size=3).map("".join))]))
        spans.append((article, start, end, text))
    return texts, spans


def _faults(texts: list[str], spans: list[tuple[int, int, int, str]], array: pa.Array) -> tuple[list[bool], list[bool]]:
    article, start, end = (np.array([span[i] for span in spans], dtype=np.int64) for i in range(3))
    out_of_range, mismatch = span_faults(ArticleTexts.of(array), article, start, end, pa.array([span[3] for span in spans], pa.string()))
    return out_of_range.tolist(), mismatch.tolist()


@seed(20261129)
@settings(max_examples=300, deadline=None)
@given(texts_and_spans(), st.integers(0, 2))
def test_span_faults_agree_with_python_slicing(case, sliced_from):
    texts, spans = case
    array = pa.array(["skipped"] * sliced_from + texts, pa.string()).slice(sliced_from)
    out_of_range, mismatch = _faults(texts, spans, array)
    expected_out = [not 0 <= start <= end <= len(texts[article]) for article, start, end, _ in spans]
    expected_mismatch = [not out and texts[article][start:end] != text for (article, start, end, text), out in zip(spans, expected_out, strict=True)]
    assert (out_of_range, mismatch) == (expected_out, expected_mismatch)


def test_code_points_are_found_past_multibyte_characters():
    assert not len(ArticleTexts.of(["plain ascii"]).continuation_ranks)
    unicode = ArticleTexts.of(["ab", "é🙂c"])
    assert unicode.lengths().tolist() == [2, 3] and unicode.byte_at(np.array([1]), np.array([2])).tolist() == [2 + 2 + 4]
    assert _faults(["é🙂c"], [(0, 1, 3, "🙂c"), (0, 1, 3, "🙂d"), (0, 2, 4, "c")], pa.array(["é🙂c"])) == ([False, False, True], [False, True, False])
