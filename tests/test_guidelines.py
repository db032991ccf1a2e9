"""Every span the guidelines quote with its offsets is exactly the text at those offsets."""

from __future__ import annotations

import re

import pytest

from conftest import DATA, REPO

GUIDELINES = (REPO / "schema" / "GUIDELINES.md").read_text(encoding="utf-8")
QUOTED = re.compile(r"`([^`]+)`\s+\((?:d([123]) )?(\d+):(\d+)\)")
SEED = next((REPO / "corpus" / "articles").glob("*/r1.txt")).read_text(encoding="utf-8")
DEV = {str(i): (DATA / "eval" / "dev" / "articles" / f"eval_dev_0{i}" / "r1.txt").read_text(encoding="utf-8") for i in (1, 2, 3)}
QUOTES = [m.groups() for m in QUOTED.finditer(GUIDELINES)]


def test_the_guidelines_quote_the_seed_and_the_development_texts():
    assert len(QUOTES) >= 100
    assert {d for _, d, _, _ in QUOTES} >= {None, "1", "2", "3"}


@pytest.mark.parametrize("quote, article, start, end", QUOTES, ids=lambda v: str(v)[:30])
def test_a_quoted_span_is_the_text_at_its_offsets(quote: str, article: str | None, start: str, end: str):
    text = DEV[article] if article else SEED
    if "…" in quote:
        head, _, tail = quote.partition("…")
        found = text[int(start):int(end)]
        assert found.startswith(head.rstrip()) and found.endswith(tail.lstrip()), (quote, found)
    else:
        assert text[int(start):int(end)] == quote
