"""Writing annotation files that came from elsewhere: merged, checked against the store, all or nothing."""

from __future__ import annotations

from pathlib import Path

from .annotation_file import dump_annotation_file
from .errors import ConversionError
from .model import SCHEMA_VERSION, AnnotationFile, AnnotationSet
from .store import Corpus
from .validate import ERROR, Problem, check_annotation_file, check_manifest


def check_annotation_files(corpus: Corpus, files: list[AnnotationFile]) -> list[Problem]:
    """Validate annotation files about to be written, exactly as ``newsclaims validate`` will read them."""
    manifest, texts, problems = check_manifest(corpus)
    problems = [p for p in problems if p.level == ERROR]
    for annotations in files:
        path = corpus.annotation_path(annotations.article_id)
        problems += check_annotation_file(path, dump_annotation_file(annotations).encode("utf-8"), manifest, texts)
    return problems


def write_checked(corpus: Corpus, files: list[AnnotationFile], source: str) -> list[Path]:
    problems = [p for p in check_annotation_files(corpus, files) if p.level == ERROR]
    if problems:
        raise ConversionError(f"{source}: {len(problems)} problem(s) in the converted annotations; nothing was written", problems)
    return corpus.save_annotation_files(files)


def _origin_key(aset: AnnotationSet) -> tuple:
    origin = aset.label_studio
    kind_order = {"annotation": 0, "draft": 1, "prediction": 2}.get(aset.kind.value, 3)
    if origin is None:
        return (1, 0, kind_order, 0, aset.set_id)
    return (0, origin.project_id or 0, kind_order, origin.annotation_id or 0, aset.set_id)


def merge_sets(corpus: Corpus, article_id: str, incoming: list[AnnotationSet], replaced_projects: set[int | None]) -> AnnotationFile:
    """The article's file with every set of ``replaced_projects`` replaced by ``incoming``.

    Sets made elsewhere (gold, annotation passes, other projects) stay as they are and where
    they are; the incoming sets follow them, in project, kind and Label Studio id order.
    """
    existing = corpus.load_annotations(article_id)
    kept = [] if existing is None else [
        s for s in existing.sets if s.label_studio is None or s.label_studio.project_id not in replaced_projects
    ]
    incoming_ids = {s.set_id for s in incoming}
    kept = [s for s in kept if s.set_id not in incoming_ids]
    return AnnotationFile(schema_version=SCHEMA_VERSION, article_id=article_id, sets=kept + sorted(incoming, key=_origin_key))
