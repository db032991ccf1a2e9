"""The annotation sets an export writes: one chosen set id of every article, with its text, checked."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ConversionError
from ..model import AnnotationSet
from ..store import Corpus
from ..validate import ERROR, check_set


@dataclass(frozen=True)
class ExportDocument:
    article_id: str
    revision: int
    text: str
    aset: AnnotationSet


def export_documents(corpus: Corpus, set_id: str = "gold") -> tuple[list[ExportDocument], list[str]]:
    """The sets called ``set_id``, in article order, and the articles that have none.

    A set whose spans do not match its text (or whose references dangle) is refused with every
    problem found: an export of it would misplace tokens and tags.
    """
    documents: list[ExportDocument] = []
    without: list[str] = []
    problems = []
    for record in corpus.latest_revisions():
        annotations = corpus.load_annotations(record.article_id)
        chosen = [s for s in annotations.sets if s.set_id == set_id] if annotations else []
        if not chosen:
            without.append(record.article_id)
        for aset in chosen:
            revision = corpus.revision_of(aset)
            text = corpus.read_text(revision)
            where = {"file": str(corpus.annotation_path(record.article_id)), "article_id": record.article_id}
            problems += [p for p in check_set(aset, text, where) if p.level == ERROR]
            documents.append(ExportDocument(record.article_id, revision.revision, text, aset))
    if problems:
        raise ConversionError(f"{corpus.root}: refusing to export set {set_id!r}: {len(problems)} validation error(s); run 'newsclaims validate'", problems)
    return documents, without
