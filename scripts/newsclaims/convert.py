"""Conversions between the corpus and the other formats, through the typed model.

Every conversion checks what it produces against the article store before it writes, and
writes all of it or nothing.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Iterator

from .corpus_writer import write_checked
from .errors import ConversionError
from .hf.features import config_features
from .hf.parquet_io import ShardLimits, ShardWriter, arrow_schema, iter_rows
from .hf.read import annotation_files_from_release, release_shards
from .hf.rows import text_article_row
from .jsonio import write_json_array
from .labelstudio.collect import Collected, collect
from .labelstudio.corpus_io import corpus_lookup, corpus_to_labelstudio, labelstudio_to_corpus
from .labelstudio.export import export_files, iter_tasks
from .labelstudio.tasks import ConvertedTask, TaskProblem, release_task
from .model import AnnotationSet
from .store import Corpus
from .vocab import SetKind

__all__ = ["corpus_to_labelstudio", "hf_to_corpus", "hf_to_labelstudio", "labelstudio_to_corpus", "labelstudio_to_hf"]

LABELSTUDIO_CONFIGS = ("articles", "annotation_sets")


def hf_to_corpus(source: Path, corpus: Corpus) -> list[Path]:
    """Rebuild the canonical annotation files from a release's ``annotation_sets``."""
    return write_checked(corpus, list(annotation_files_from_release(source)), str(source))


def labelstudio_to_hf(paths: list[Path], target: Path, corpus: Corpus, release: str = "labelstudio-export") -> tuple[dict[str, list[Path]], Collected]:
    """Stream Label Studio exports into ``articles`` and ``annotation_sets`` Parquet shards under ``target``.

    Tasks may hold articles that are not in the corpus: the task's text is then the article.
    The folder is written beside ``target`` and renamed into place only when every task converted.
    """
    features = config_features()
    lookup = corpus_lookup(corpus)
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    writers = {name: ShardWriter(staging / name, arrow_schema(features[name], name, release), ShardLimits().for_config(name)) for name in LABELSTUDIO_CONFIGS}
    seen_articles: set[tuple[str, str]] = set()

    def write(task: ConvertedTask) -> None:
        revisions = lookup(task.article_id)
        record = next((r for r in revisions if r.text_sha256 == task.text_sha256), None)
        if (task.article_id, task.text_sha256) not in seen_articles:
            seen_articles.add((task.article_id, task.text_sha256))
            writers["articles"].write([text_article_row(task.article_id, task.text, task.text_sha256, record)])
        revision = record.revision if record else None
        writers["annotation_sets"].write({"article_id": task.article_id, "revision": revision, **s.model_dump(mode="json")} for s in task.sets)

    try:
        collected = collect(((str(f), iter_tasks(f)) for f in export_files(paths)), lookup, on_task=write, keep_sets=False)
        if collected.errors:
            raise ConversionError(f"{', '.join(map(str, paths))}: {len(collected.errors)} problem(s); nothing was written", collected.errors)
        files = {name: writer.close() for name, writer in writers.items()}
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {name: [target / name / p.name for p in paths_] for name, paths_ in files.items()}, collected


def hf_tasks(source: Path, problems: list[TaskProblem]) -> Iterator[dict]:
    """Label Studio tasks from a release: each article with its annotation sets.

    Submitted and gold sets become annotations, predictions predictions; a draft cannot be
    imported as a draft, so each one is reported instead.
    """
    texts = {(row["article_id"], row["text_sha256"]): row["text"] for row in iter_rows(release_shards(source, "articles"), "articles")}
    for annotations in annotation_files_from_release(source):
        by_sha: dict[str, list[AnnotationSet]] = defaultdict(list)
        for aset in annotations.sets:
            by_sha[aset.article_sha256].append(aset)
        for sha, sets in by_sha.items():
            text = texts.get((annotations.article_id, sha))
            if text is None:
                raise ConversionError(f"{source}: article={annotations.article_id} [release-text-missing] no articles row with sha256 {sha}")
            for draft in (s for s in sets if s.kind is SetKind.DRAFT):
                problems.append(TaskProblem("draft-not-importable", f"set {draft.set_id} is a draft; Label Studio imports no drafts", article_id=annotations.article_id, level="warning", source=str(source)))
            yield release_task(annotations.article_id, text, sha, [s for s in sets if s.kind is not SetKind.DRAFT])


def hf_to_labelstudio(source: Path, target: Path) -> tuple[int, list[TaskProblem]]:
    problems: list[TaskProblem] = []
    count = write_json_array(target, hf_tasks(source, problems))
    return count, problems
