"""Canonical annotation files: one JSON file per article, the same bytes after load and dump."""

from __future__ import annotations

from .jsonio import canonical_json
from .model import AnnotationFile


def dump_annotation_file(annotations: AnnotationFile) -> str:
    return canonical_json(annotations.model_dump(mode="json"))


def load_annotation_file(data: bytes | str) -> AnnotationFile:
    return AnnotationFile.model_validate_json(data)
