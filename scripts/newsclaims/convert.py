"""Conversions between the corpus and the other formats, through the typed model.

Every conversion checks what it produces against the article store before it writes, and
writes all of it or nothing.
"""

from __future__ import annotations

from pathlib import Path

from .annotation_file import dump_annotation_file
from .errors import ConversionError
from .hf.read import annotation_files_from_release
from .model import AnnotationFile
from .store import Corpus
from .validate import ERROR, Problem, check_annotation_file, check_manifest


def check_annotation_files(corpus: Corpus, files: list[AnnotationFile]) -> list[Problem]:
    """Validate annotation files that are about to be written, exactly as ``validate`` would read them."""
    manifest, texts, problems = check_manifest(corpus)
    problems = [p for p in problems if p.level == ERROR]
    for annotations in files:
        path = corpus.annotation_path(annotations.article_id)
        problems += check_annotation_file(path, dump_annotation_file(annotations).encode("utf-8"), manifest, texts)
    return problems


def write_checked(corpus: Corpus, files: list[AnnotationFile], source: str) -> list[Path]:
    problems = [p for p in check_annotation_files(corpus, files) if p.level == ERROR]
    if problems:
        raise ConversionError(f"{source}: {len(problems)} problem(s); nothing was written", problems)
    return corpus.save_annotation_files(files)


def hf_to_corpus(source: Path, corpus: Corpus) -> list[Path]:
    """Rebuild the canonical annotation files from a release's ``annotation_sets``."""
    return write_checked(corpus, list(annotation_files_from_release(source)), str(source))
