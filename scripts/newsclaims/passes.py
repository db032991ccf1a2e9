"""Which annotation sets are independent passes: the only sets that agreement and adjudication compare.

A pass is one annotator's submitted annotation of the article's revision, made without seeing
another set: never gold, a candidate, a prediction, a draft, a skipped annotation, or a set
derived from another (an annotator's correction of gold or of a prediction).
"""

from __future__ import annotations

from .model import AnnotationFile, AnnotationSet
from .vocab import SetKind


def is_independent_pass(aset: AnnotationSet) -> bool:
    origin = aset.label_studio
    if origin is not None and (origin.was_cancelled or origin.ground_truth):
        return False
    return aset.kind is SetKind.ANNOTATION and not aset.derived_from


def independent_passes(annotations: AnnotationFile | None, text_sha256: str) -> list[AnnotationSet]:
    """The independent passes of one revision, in file order."""
    if annotations is None:
        return []
    return [s for s in annotations.sets if s.article_sha256 == text_sha256 and is_independent_pass(s)]
