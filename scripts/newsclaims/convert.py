"""Conversions between the corpus and the other formats, through the typed model.

Every conversion checks what it produces against the article store (or, from a release, the
release's own article texts) before it writes, and writes all of it or nothing. Large
releases are checked against the models' rules column-wise (:mod:`.hf.checks`) rather than
one object at a time.
"""

from __future__ import annotations

import re
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pyarrow as pa

from .collector import collector_paused
from .corpus_writer import write_checked
from .errors import ConversionError
from .hf.checks import NO_TEXT, SET_ROW_FIELDS, check_rows
from .hf.parquet_io import BATCH_ROWS
from .hf.read import ArticleBatch, ReleaseTexts, annotation_files_from_release, article_batches
from .jsonio import write_json_chunks
from .labelstudio.arrow_tasks import TaskRows, tasks_json
from .labelstudio.corpus_io import corpus_to_labelstudio, labelstudio_to_corpus
from .ls_release import labelstudio_to_hf
from .model import SHA256_PATTERN
from .store import Corpus
from .validate import WARNING, Problem
from .vocab import SetKind

__all__ = ["corpus_to_labelstudio", "hf_to_corpus", "hf_to_labelstudio", "labelstudio_to_corpus", "labelstudio_to_hf"]


def hf_to_corpus(source: Path, corpus: Corpus, progress: Callable[[int], None] | None = None) -> list[Path]:
    """Rebuild the canonical annotation files from a release's ``annotation_sets``; ``progress(1)`` after each article."""
    files = []
    for annotations in annotation_files_from_release(source):
        files.append(annotations)
        if progress:
            progress(1)
    return write_checked(corpus, files, str(source))


_DRAFT, _PREDICTION = SetKind.DRAFT.value, SetKind.PREDICTION.value
_SHA256 = re.compile(SHA256_PATTERN)


def _task_rows(batch: ArticleBatch, texts: ReleaseTexts, seen: dict[str, None], problems: list[Problem]) -> tuple[list[TaskRows], pa.Array, np.ndarray]:
    """The tasks of a batch of whole articles, one per article revision in order of first appearance;
    their texts, and the index in them of each row's text.

    Drafts cannot be imported as drafts: each one is reported instead.
    """
    columns = batch.rows.select(["article_id", "article_sha256", "kind", "set_id"]).to_pydict()
    tasks: dict[tuple[str, str], TaskRows] = {}
    text_places: list[tuple[int, int]] = []
    text_of_row = np.zeros(batch.rows.num_rows, dtype=np.int64)
    for row, (article_id, sha, kind, set_id) in enumerate(zip(*columns.values())):
        if article_id in seen and next(reversed(seen)) != article_id:
            message = "the article's sets are not contiguous in the release"
            raise ConversionError(f"{batch.file_of(row)}: article={article_id} [release-unordered] {message}", [Problem("release-unordered", message, str(batch.file_of(row)), article_id, set_id)])
        seen[article_id] = None
        task = tasks.get((article_id, sha))
        if task is None and not (isinstance(sha, str) and _SHA256.match(sha)):
            # No text to find for a malformed hash: the row's check reports it, and nothing is written.
            task = tasks[(article_id, sha)] = TaskRows(article_id, sha, NO_TEXT)
        elif task is None:
            text_places.append(texts.locate(article_id, sha))
            task = tasks[(article_id, sha)] = TaskRows(article_id, sha, len(text_places) - 1)
        text_of_row[row] = task.text
        if kind == _DRAFT:
            problems.append(Problem("draft-not-importable", f"set {set_id} is a draft; Label Studio imports no drafts", str(batch.file_of(row)), article_id, set_id, level=WARNING))
        else:
            (task.predictions if kind == _PREDICTION else task.annotations).append(row)
    return list(tasks.values()), texts.gather(text_places), text_of_row


def _checked_tasks(batch: ArticleBatch, tasks: list[TaskRows], article_texts: pa.Array, text_of_row: np.ndarray) -> tuple[list[Problem], pa.Buffer | None]:
    """Check a batch against the model and the texts; its tasks JSON when it has no error."""
    errors = []
    for found in check_rows(batch.rows, SET_ROW_FIELDS, article_texts, text_of_row):
        article_id, set_id = (batch.rows.column(name)[found.row].as_py() for name in ("article_id", "set_id"))
        errors.append(Problem(found.error_id, f"{found.path}: {found.message}", str(batch.file_of(found.row)), article_id, set_id, found.path.split("[")[0], found.annotation_id))
    return errors, None if errors else tasks_json(batch.rows, tasks, article_texts)


def _release_tasks(source: Path, problems: list[Problem], workers: int, progress: Callable[[int], None] | None, batch_rows: int) -> Iterator[tuple[int, pa.Buffer]]:
    """Tasks JSON of a release, batch by batch, ``workers`` batches at a time (Arrow's kernels run
    outside the GIL); every rule is checked, and any error stops it before the end."""
    texts = ReleaseTexts(source)
    seen: dict[str, None] = {}
    errors: list[Problem] = []
    running: deque[tuple[int, Future]] = deque()

    def finish() -> Iterator[tuple[int, pa.Buffer]]:
        count, future = running.popleft()
        found, data = future.result()
        errors.extend(found)
        if not errors:
            yield count, data
        if progress:
            progress(count)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for batch in article_batches(source, batch_rows):
            try:
                tasks, article_texts, text_of_row = _task_rows(batch, texts, seen, problems)
            except ConversionError as exc:
                errors += exc.problems
                break
            texts.forget({task.article_id for task in tasks})
            running.append((len(tasks), pool.submit(_checked_tasks, batch, tasks, article_texts, text_of_row)))
            if len(running) > workers:
                yield from finish()
        while running:
            yield from finish()
    if errors:
        raise ConversionError(f"{source}: {len(errors)} problem(s) in the release; nothing was written", [*problems, *errors])


def hf_to_labelstudio(
    source: Path, target: Path, workers: int = 1, progress: Callable[[int], None] | None = None, batch_rows: int = BATCH_ROWS
) -> tuple[int, list[Problem]]:
    """Label Studio tasks from a release: each article revision with its annotation sets.

    Submitted and gold sets become annotations, predictions predictions; drafts are reported
    as warnings. Written column-wise (:mod:`.labelstudio.arrow_tasks`), streamed, all or nothing.
    """
    problems: list[Problem] = []
    with collector_paused():
        count = write_json_chunks(target, _release_tasks(Path(source), problems, workers, progress, batch_rows))
    return count, problems
