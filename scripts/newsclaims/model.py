"""The typed annotation model: the one source of truth for every format.

Offsets are Unicode code points of the exact article text, end exclusive, and every span
carries the text it covers (``text == article_text[start:end]``, checked by
:mod:`newsclaims.validate` and by every converter, never repaired).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from .vocab import Approximation, ClaimMode, DatePart, EntityType, FigureKind, SetKind

SCHEMA_VERSION = "1.1.0"


def schema_compatible(found: object) -> bool:
    """Whether files of schema version ``found`` read as this version: same major, no newer minor."""
    if not isinstance(found, str) or not re.fullmatch(r"\d+\.\d+\.\d+", found):
        return False
    ours, theirs = (tuple(int(p) for p in v.split(".")) for v in (SCHEMA_VERSION, found))
    return theirs[0] == ours[0] and theirs[1] <= ours[1]


Id = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.:-]{0,63}$",
        description="Identifier, unique within its annotation set; letters, digits, '_', '.', ':' and '-'.",
    ),
]
Offset = Annotated[StrictInt, Field(ge=0)]
SHA256_PATTERN = r"^[0-9a-f]{64}$"
Sha256 = Annotated[str, Field(pattern=SHA256_PATTERN, description="SHA-256 of the article's UTF-8 bytes, lower-case hex.")]


class Record(BaseModel):
    """Base of every record: unknown fields are an error, never dropped."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False, validate_default=True, allow_inf_nan=False)


class Span(Record):
    """A stretch of the article text."""

    start: Offset = Field(description="First code point of the span in the article text (0-based).")
    end: Offset = Field(description="Code point after the last one of the span (end exclusive).")
    text: str = Field(description="The covered text, exactly article_text[start:end].")


class ClaimSpan(Span):
    """A span of a claim (a content piece, its cue or its source)."""

    id: Id | None = Field(
        default=None,
        description="Region id of this part in Label Studio, kept so that a part shared by two claims stays one region.",
    )


class Entity(Span):
    """A mention of a named entity: every mention, not every distinct name."""

    id: Id
    type: EntityType = Field(description="The entity's name type.")
    wikidata: str | None = Field(
        default=None, pattern=r"^Q[1-9][0-9]*$", description="Wikidata item of the entity, when known (Q212 for Ukraine)."
    )


class Claim(Record):
    """A statement in the article, attributed to a source or asserted by the writer."""

    id: Id
    mode: ClaimMode = Field(description="How the statement reaches the reader.")
    content: list[ClaimSpan] = Field(min_length=1, description="The stated proposition: one span, or several when interrupted.")
    cue: ClaimSpan | None = Field(default=None, description="The attribution cue (said, wrote on Twitter); none for unattributed claims.")
    source: ClaimSpan | None = Field(
        default=None, description="The mention of the source in this sentence (Lavrov, He); none for unattributed claims."
    )
    source_entity_id: Id | None = Field(
        default=None,
        description="The entity mention the source is, or refers back to (the antecedent of a pronoun).",
    )


class Figure(Span):
    """A number, quantity or date, with its normalized value."""

    id: Id
    kind: FigureKind = Field(description="What sort of number this is.")
    approximation: Approximation = Field(description="How exact the figure is, as its words say.")
    value: float | None = Field(default=None, description="The normalized number, for exact, about and one-sided bounds.")
    value_low: float | None = Field(default=None, description="Lower bound of a range, or of a vague magnitude.")
    value_high: float | None = Field(default=None, description="Upper bound of a range, or of a vague magnitude.")
    unit: str | None = Field(default=None, description="Unit of the value: ISO 4217 for money, SI or plain word otherwise.")
    counted: str | None = Field(default=None, description="What is counted or measured, in a few words (residents killed).")
    date_value: str | None = Field(
        default=None, description="ISO 8601 value of a date, time or duration (2022-02-24, 2022-02, P2W, PT1H)."
    )
    date_inferred: list[DatePart] = Field(
        default_factory=list, description="Parts of date_value that the text does not state, taken from the publication date."
    )
    claim_id: Id | None = Field(default=None, description="The claim that carries this figure.")


class LabelStudioOrigin(Record):
    """Where an annotation set came from in Label Studio."""

    project_id: StrictInt | None = Field(default=None, description="Label Studio project id.")
    task_id: StrictInt | None = Field(default=None, description="Label Studio task id.")
    annotation_id: StrictInt | None = Field(default=None, description="Label Studio annotation, prediction or draft id.")
    completed_by: StrictInt | None = Field(default=None, description="Label Studio user id of the annotator.")
    lead_time: float | None = Field(default=None, description="Seconds the annotator spent, as Label Studio measured it.")
    ground_truth: bool = Field(default=False, description="Marked as ground truth in Label Studio.")
    was_cancelled: bool = Field(default=False, description="Skipped (cancelled) by the annotator.")
    model_version: str | None = Field(default=None, description="Model version of a prediction.")


class AnnotationSet(Record):
    """One complete annotation of one article revision, by one annotator or process."""

    set_id: Id = Field(description="Identifier of the set within its article ('gold', 'pass-b', 'ls-42').")
    kind: SetKind = Field(description="Gold, submitted annotation, prediction or draft.")
    annotator: str | None = Field(default=None, description="Who made it: a person's handle or e-mail, or a tool.")
    tool: str | None = Field(default=None, description="The tool used to make it (label-studio 1.23.2, manual JSON).")
    created_at: str | None = Field(default=None, description="When it was created, ISO 8601.")
    updated_at: str | None = Field(default=None, description="When it was last changed, ISO 8601.")
    article_sha256: Sha256 = Field(description="SHA-256 of the article revision this set annotates.")
    label_studio: LabelStudioOrigin | None = Field(default=None, description="Label Studio provenance, when it came from there.")
    derived_from: list[Id] = Field(
        default_factory=list,
        description="Set ids of the article this set was made from (the passes of an adjudicated gold, the set an annotator corrected); a set derived from another is never an independent pass.",
    )
    reviewer: str | None = Field(default=None, description="Who reviewed the set and resolved its conflicts, when someone did.")
    entities: list[Entity] = Field(default_factory=list, description="Every entity mention, in text order.")
    claims: list[Claim] = Field(default_factory=list, description="Every claim, in the order of their first content span.")
    figures: list[Figure] = Field(default_factory=list, description="Every figure, in text order.")


SET_FIELDS_OMITTED_WHEN_EMPTY = ("derived_from", "reviewer")
"""Fields added in schema 1.1.0: left out of an annotation file while empty, so files of 1.0.0 keep their bytes."""


def file_schema_version(sets: list[AnnotationSet]) -> str:
    """The earliest schema version that holds ``sets``: what a writer declares, so that a file
    with nothing of 1.1.0 in it reads as 1.0.0 and comes back from every conversion as it was."""
    newer = any(s.derived_from or s.reviewer is not None or s.kind is SetKind.CANDIDATE for s in sets)
    return SCHEMA_VERSION if newer else "1.0.0"


class AnnotationFile(Record):
    """The canonical annotation file of one article: every annotation set made of it."""

    schema_version: str = Field(description="Version of this schema the file follows.")
    article_id: Id = Field(description="The article these sets annotate.")
    sets: list[AnnotationSet] = Field(default_factory=list, description="The annotation sets of the article: gold, passes, Label Studio work.")

    def gold(self) -> AnnotationSet | None:
        return next((s for s in self.sets if s.kind is SetKind.GOLD), None)


class ArticleRevision(Record):
    """One immutable revision of an article in the store, with its metadata."""

    article_id: Id
    revision: Annotated[StrictInt, Field(ge=1, description="Revision number, from 1; a correction is a new revision.")]
    path: str = Field(description="Path of the revision's bytes, relative to the corpus folder.")
    text_sha256: Sha256
    n_bytes: Annotated[StrictInt, Field(ge=0, description="Size of the text in UTF-8 bytes.")]
    n_chars: Annotated[StrictInt, Field(ge=0, description="Length of the text in Unicode code points.")]
    title: str | None = Field(default=None, description="Headline, when known.")
    publisher: str | None = Field(default=None, description="Who published the article, when known.")
    url: str | None = Field(default=None, description="Where it was published, when known.")
    published: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="Publication date, YYYY-MM-DD.")
    published_inferred: bool = Field(default=False, description="The publication date is inferred, not stated in a source.")
    language: str | None = Field(default=None, description="BCP 47 language tag of the text (en).")
    rights: str | None = Field(default=None, description="Licence or rights note, when known.")
    note: str | None = Field(default=None, description="Free-text note on the metadata: what is known and how.")


class Manifest(Record):
    """The list of every article revision in the store."""

    schema_version: str = Field(description="Version of this schema the manifest follows.")
    articles: list[ArticleRevision] = Field(default_factory=list, description="Every revision of every article, by id and revision.")
