"""Conversions between the corpus and the other formats, through the typed model.

Every conversion checks what it produces against the article store before it writes, and
writes all of it or nothing.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterator

from .corpus_writer import write_checked
from .errors import ConversionError
from .hf.parquet_io import iter_rows
from .hf.read import annotation_files_from_release, release_shards
from .jsonio import write_json_array
from .labelstudio.corpus_io import corpus_to_labelstudio, labelstudio_to_corpus
from .labelstudio.tasks import TaskProblem, release_task
from .ls_release import labelstudio_to_hf
from .model import AnnotationSet
from .store import Corpus
from .vocab import SetKind

__all__ = ["corpus_to_labelstudio", "hf_to_corpus", "hf_to_labelstudio", "labelstudio_to_corpus", "labelstudio_to_hf"]


def hf_to_corpus(source: Path, corpus: Corpus) -> list[Path]:
    """Rebuild the canonical annotation files from a release's ``annotation_sets``."""
    return write_checked(corpus, list(annotation_files_from_release(source)), str(source))


def hf_tasks(source: Path, problems: list[TaskProblem]) -> Iterator[dict]:
    """Label Studio tasks from a release: each article with its annotation sets.

    Submitted and gold sets become annotations, predictions predictions; a draft cannot be
    imported as a draft, so each one is reported instead. The ``articles`` rows are read
    alongside, in step (both configs are in article order), so no more than a few texts are
    held at a time.
    """
    articles = iter_rows(release_shards(source, "articles"), "articles")
    texts: dict[tuple[str, str], str] = {}

    def text_of(article_id: str, sha: str) -> str:
        key = (article_id, sha)
        while key not in texts:
            row = next(articles, None)
            if row is None:
                raise ConversionError(f"{source}: article={article_id} [release-text-missing] no articles row with sha256 {sha}")
            texts[(row["article_id"], row["text_sha256"])] = row["text"]
        return texts[key]

    for annotations in annotation_files_from_release(source):
        by_sha: dict[str, list[AnnotationSet]] = defaultdict(list)
        for aset in annotations.sets:
            by_sha[aset.article_sha256].append(aset)
        for sha, sets in by_sha.items():
            text = text_of(annotations.article_id, sha)
            for draft in (s for s in sets if s.kind is SetKind.DRAFT):
                problems.append(TaskProblem("draft-not-importable", f"set {draft.set_id} is a draft; Label Studio imports no drafts", article_id=annotations.article_id, level="warning", source=str(source)))
            yield release_task(annotations.article_id, text, sha, [s for s in sets if s.kind is not SetKind.DRAFT])
        for key in [k for k in texts if k[0] == annotations.article_id]:
            del texts[key]


def hf_to_labelstudio(source: Path, target: Path) -> tuple[int, list[TaskProblem]]:
    problems: list[TaskProblem] = []
    count = write_json_array(target, hf_tasks(source, problems))
    return count, problems
