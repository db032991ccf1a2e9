"""Rows of each release config, made from the typed models, and the way back.

The flat configs (entities, claims, figures) hold the gold set of each article revision;
``annotation_sets`` holds every set, complete, and is what the way back reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..model import AnnotationFile, AnnotationSet, ArticleRevision, Claim, Span, file_schema_version
from ..vocab import SetKind

Row = dict[str, Any]


def _span_columns(prefix: str, span: Span | None) -> Row:
    return {f"{prefix}_start": span.start if span else None, f"{prefix}_end": span.end if span else None, f"{prefix}_text": span.text if span else None}


def article_row(record: ArticleRevision, text: str, gold: AnnotationSet | None) -> Row:
    row = record.model_dump(mode="json", exclude={"path"})
    dumped = gold.model_dump(mode="json") if gold else {}
    row.update(
        text=text,
        gold_set_id=gold.set_id if gold else None,
        entities=dumped.get("entities", []),
        claims=dumped.get("claims", []),
        figures=dumped.get("figures", []),
    )
    return row


def entity_rows(record: ArticleRevision, gold: AnnotationSet) -> Iterator[Row]:
    for entity in gold.entities:
        yield {"article_id": record.article_id, "revision": record.revision, **entity.model_dump(mode="json")}


def claim_rows(record: ArticleRevision, text: str, gold: AnnotationSet) -> Iterator[Row]:
    entities = {e.id: e for e in gold.entities}
    for claim in gold.claims:
        start = min(s.start for s in claim.content)
        end = max(s.end for s in claim.content)
        source_entity = entities.get(claim.source_entity_id) if claim.source_entity_id else None
        yield {
            "article_id": record.article_id,
            "revision": record.revision,
            "id": claim.id,
            "start": start,
            "end": end,
            "text": text[start:end],
            "mode": claim.mode.value,
            "content": [s.model_dump(mode="json") for s in claim.content],
            "source_entity_id": claim.source_entity_id,
            **_span_columns("cue", claim.cue),
            **_span_columns("source", claim.source),
            "source_entity_text": source_entity.text if source_entity else None,
            "figure_ids": [f.id for f in gold.figures if f.claim_id == claim.id],
        }


def figure_rows(record: ArticleRevision, gold: AnnotationSet) -> Iterator[Row]:
    claims: dict[str, Claim] = {c.id: c for c in gold.claims}
    for figure in gold.figures:
        claim = claims.get(figure.claim_id) if figure.claim_id else None
        yield {
            "article_id": record.article_id,
            "revision": record.revision,
            **figure.model_dump(mode="json"),
            "claim_mode": claim.mode.value if claim else None,
            "source_text": claim.source.text if claim and claim.source else None,
            "source_entity_id": claim.source_entity_id if claim else None,
        }


def annotation_set_rows(record_by_sha: dict[str, ArticleRevision], annotations: AnnotationFile) -> Iterator[Row]:
    for aset in annotations.sets:
        record = record_by_sha.get(aset.article_sha256)
        yield {
            "article_id": annotations.article_id,
            "revision": record.revision if record else None,
            **aset.model_dump(mode="json"),
        }


def annotation_files_from_rows(rows: Iterator[Row]) -> Iterator[AnnotationFile]:
    """Group ``annotation_sets`` rows (in release order) back into one annotation file per article."""
    article_id: str | None = None
    sets: list[AnnotationSet] = []
    for row in rows:
        if row["article_id"] != article_id:
            if article_id is not None:
                yield AnnotationFile(schema_version=file_schema_version(sets), article_id=article_id, sets=sets)
            article_id, sets = row["article_id"], []
        sets.append(AnnotationSet.model_validate({key: value for key, value in row.items() if key not in ("article_id", "revision")}))
    if article_id is not None:
        yield AnnotationFile(schema_version=file_schema_version(sets), article_id=article_id, sets=sets)


def gold_of(annotations: AnnotationFile | None, record: ArticleRevision) -> AnnotationSet | None:
    if annotations is None:
        return None
    return next((s for s in annotations.sets if s.kind is SetKind.GOLD and s.article_sha256 == record.text_sha256), None)


def text_article_row(article_id: str, text: str, sha: str, record: ArticleRevision | None) -> Row:
    """An ``articles`` row for a text that may not be in the corpus (metadata then stays empty)."""
    if record is not None:
        return article_row(record, text, None)
    row: Row = {name: None for name in ArticleRevision.model_fields if name != "path"}
    row.update(
        article_id=article_id,
        text_sha256=sha,
        n_bytes=len(text.encode("utf-8")),
        n_chars=len(text),
        published_inferred=False,
        text=text,
        gold_set_id=None,
        entities=[],
        claims=[],
        figures=[],
    )
    return row
