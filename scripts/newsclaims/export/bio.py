"""Entity mentions as BIO tags over the tokens of each sentence.

The tags are ``O`` then ``B-`` and ``I-`` of each entity type, in the vocabulary's order: the
index of a tag is its ``ClassLabel`` id in the ``ner`` config. An entity a tag sequence cannot
hold (a boundary inside a token, across sentences, overlapping or nested in another) is a
:class:`Loss`; of overlapping mentions the one that starts first (the longer at equal starts)
keeps its tags.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from ..model import Entity
from ..vocab import EntityType
from .loss import BOUNDARY_INSIDE_TOKEN, CROSSES_SENTENCE, ENTITY_OVERLAP, Loss
from .tokens import Sentence, Token, sentences_of

NER_TAGS: tuple[str, ...] = ("O", *(f"{prefix}-{kind.value}" for kind in EntityType for prefix in ("B", "I")))


@dataclass(frozen=True)
class TaggedSentence:
    sentence: Sentence
    tags: tuple[str, ...]


def tag_sentences(text: str, entities: list[Entity], article_id: str, set_id: str) -> tuple[list[TaggedSentence], list[Loss], int]:
    """The sentences of ``text`` with BIO tags, the entities left out, and the number tagged."""
    sentences = sentences_of(text)
    tokens: list[Token] = [token for sentence in sentences for token in sentence.tokens]
    sentence_of = [sentence.index for sentence in sentences for _ in sentence.tokens]
    starts = {token.start: i for i, token in enumerate(tokens)}
    ends = {token.end: i for i, token in enumerate(tokens)}
    token_starts = [token.start for token in tokens]
    tags = ["O"] * len(tokens)
    owner: list[str | None] = [None] * len(tokens)
    losses: list[Loss] = []
    tagged = 0

    def lose(entity: Entity, reason: str, why: str) -> None:
        losses.append(Loss(article_id, set_id, "entity", entity.id, reason, f"{entity.text!r} at {entity.start}:{entity.end}: {why}"))

    for entity in sorted(entities, key=lambda e: (e.start, -e.end)):
        first, last = starts.get(entity.start), ends.get(entity.end)
        if first is None or last is None:
            offset = entity.start if first is None else entity.end
            inside = _token_around(tokens, token_starts, offset)
            where = f"token {inside.text!r} at {inside.start}:{inside.end}" if inside else "white space"
            lose(entity, BOUNDARY_INSIDE_TOKEN, f"its {'start' if first is None else 'end'} falls inside {where}")
            continue
        if sentence_of[first] != sentence_of[last]:
            lose(entity, CROSSES_SENTENCE, f"it runs from sentence {sentence_of[first]} into sentence {sentence_of[last]}")
            continue
        taken = next((owner[i] for i in range(first, last + 1) if owner[i] is not None), None)
        if taken is not None:
            lose(entity, ENTITY_OVERLAP, f"it overlaps entity {taken}, which keeps the tags")
            continue
        for i in range(first, last + 1):
            tags[i] = f"{'B' if i == first else 'I'}-{entity.type.value}"
            owner[i] = entity.id
        tagged += 1
    order = {entity.id: index for index, entity in enumerate(entities)}
    losses.sort(key=lambda loss: order.get(loss.annotation_id, 0))
    tagged_sentences, position = [], 0
    for sentence in sentences:
        tagged_sentences.append(TaggedSentence(sentence, tuple(tags[position : position + len(sentence.tokens)])))
        position += len(sentence.tokens)
    return tagged_sentences, losses, tagged


def _token_around(tokens: list[Token], starts: list[int], offset: int) -> Token | None:
    index = bisect.bisect_right(starts, offset) - 1
    if index >= 0 and tokens[index].start < offset < tokens[index].end:
        return tokens[index]
    return None
