"""Canonical annotation files: one JSON file per article, the same bytes after load and dump."""

from __future__ import annotations

from .jsonio import canonical_json
from .model import SET_FIELDS_OMITTED_WHEN_EMPTY, AnnotationFile


def annotation_file_document(annotations: AnnotationFile) -> dict:
    """The JSON document of a file: every field, except the newer set fields while they are empty."""
    document = annotations.model_dump(mode="json")
    for aset in document["sets"]:
        for name in SET_FIELDS_OMITTED_WHEN_EMPTY:
            if aset.get(name) in (None, []):
                del aset[name]
    return document


def dump_annotation_file(annotations: AnnotationFile) -> str:
    return canonical_json(annotation_file_document(annotations))


def load_annotation_file(data: bytes | str) -> AnnotationFile:
    return AnnotationFile.model_validate_json(data)
