"""Writing annotation files that came from elsewhere: checked against the store, all or nothing."""

from __future__ import annotations

from pathlib import Path

from .annotation_file import dump_annotation_file
from .errors import ConversionError
from .model import AnnotationFile, AnnotationSet, file_schema_version
from .store import Corpus
from .validate import ERROR, Problem, check_annotation_file, check_manifest


def check_annotation_files(corpus: Corpus, files: list[AnnotationFile]) -> list[Problem]:
    """Validate annotation files about to be written, exactly as ``newsclaims validate`` will read them."""
    manifest, texts, problems = check_manifest(corpus)
    problems = [p for p in problems if p.level == ERROR]
    for annotation_file in files:
        path = corpus.annotation_path(annotation_file.article_id)
        problems += check_annotation_file(path, dump_annotation_file(annotation_file).encode("utf-8"), manifest, texts)
    return problems


def write_checked(corpus: Corpus, files: list[AnnotationFile], source: str) -> list[Path]:
    problems = [p for p in check_annotation_files(corpus, files) if p.level == ERROR]
    if problems:
        raise ConversionError(f"{source}: {len(problems)} problem(s) in the converted annotations; nothing was written", problems)
    return corpus.save_annotation_files(files)


def changed_file(corpus: Corpus, article_id: str, sets: list[AnnotationSet]) -> AnnotationFile | None:
    """The article's file with ``sets``, or None when the stored file already holds exactly these
    sets (then it is left alone, byte for byte, whatever schema version it says)."""
    existing = corpus.load_annotations(article_id)
    if existing is not None and existing.sets == sets:
        return None
    return AnnotationFile(schema_version=file_schema_version(sets), article_id=article_id, sets=sets)
