"""Rows of the ``ner`` config: one per sentence of each gold set, tokens and BIO tag ids."""

from __future__ import annotations

from collections.abc import Iterator

from ..export.bio import NER_TAGS, tag_sentences
from ..export.loss import Loss
from ..model import AnnotationSet, ArticleRevision
from .rows import Row

TAG_IDS = {tag: index for index, tag in enumerate(NER_TAGS)}


def ner_rows(record: ArticleRevision, text: str, gold: AnnotationSet, losses: list[Loss] | None = None) -> Iterator[Row]:
    """The sentences of ``text`` with ``gold``'s entities as tag ids; the entities BIO tags cannot
    hold (see :mod:`newsclaims.export.bio`) are added to ``losses``."""
    sentences, lost, _ = tag_sentences(text, gold.entities, record.article_id, gold.set_id)
    if losses is not None:
        losses.extend(lost)
    for tagged in sentences:
        sentence = tagged.sentence
        yield {
            "article_id": record.article_id,
            "revision": record.revision,
            "sentence": sentence.index,
            "start": sentence.start,
            "end": sentence.end,
            "tokens": [token.text for token in sentence.tokens],
            "ner_tags": [TAG_IDS[tag] for tag in tagged.tags],
        }
