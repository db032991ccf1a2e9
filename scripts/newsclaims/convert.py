"""Conversions between the corpus and the other formats, through the typed model.

Every conversion checks what it produces against the article store (or, from Parquet, the
Parquet folder's own article texts) before it writes, and writes all of it or nothing. Large
Parquet folders are checked against the models' rules column-wise (:mod:`.columnar.checks`) rather than
one object at a time.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from .columnar.checks import NO_TEXT, check_set_rows
from .columnar.collector import collector_paused
from .columnar.ls_tasks import TaskRows, tasks_json
from .corpus_writer import write_checked
from .errors import ConversionError
from .hf.parquet_io import BATCH_ROWS
from .hf.read import ArticleBatch, ReleaseTexts, annotation_files_from_release, article_batches
from .jsonio import write_json_chunks
from .labelstudio.corpus_io import corpus_to_labelstudio, labelstudio_to_corpus
from .ls_to_parquet import labelstudio_to_hf
from .model import SHA256_PATTERN
from .rules import WARNING, Problem, check_set_ids
from .store import Corpus
from .vocab import SetKind

__all__ = ["corpus_to_labelstudio", "hf_to_corpus", "hf_to_labelstudio", "labelstudio_to_corpus", "labelstudio_to_hf"]


def hf_to_corpus(source: Path, corpus: Corpus, progress: Callable[[int], None] | None = None) -> list[Path]:
    """Rebuild the canonical annotation files from a Parquet folder's ``annotation_sets``; ``progress(1)`` after each article.

    The folder is first checked against the rule book, as the other directions check it;
    then checked against the store, and written under the corpus's lock, published all at once."""
    errors = parquet_problems(source)
    if errors:
        raise ConversionError(f"{source}: {len(errors)} problem(s) in the release; nothing was written", errors)
    with corpus.writing():
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

    Drafts cannot be imported as drafts: each one is reported instead; so is a set id given twice in an article.
    """
    columns = batch.rows.select(["article_id", "article_sha256", "kind", "set_id"]).to_pydict()
    tasks: dict[tuple[str, str], TaskRows] = {}
    text_places: list[tuple[int, int]] = []
    text_of_row = np.zeros(batch.rows.num_rows, dtype=np.int64)
    for row, (article_id, sha, kind, set_id) in enumerate(zip(*columns.values(), strict=True)):
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
    _refuse_repeated_set_ids(batch, columns["article_id"], columns["set_id"])
    return list(tasks.values()), texts.gather(text_places), text_of_row


def _refuse_repeated_set_ids(batch: ArticleBatch, article_ids: list, set_ids: list) -> None:
    """A set id given twice in an article's rows is refused, as ``--to corpus`` refuses it."""
    pairs = list(zip(article_ids, set_ids, strict=True))
    if len(set(pairs)) == len(pairs):
        return
    by_article: dict[str, tuple[int, list[str]]] = {}
    for row, (article_id, set_id) in enumerate(pairs):
        by_article.setdefault(article_id, (row, []))[1].append(set_id)
    repeated = [
        p
        for article_id, (first, ids) in by_article.items()
        if len(set(ids)) < len(ids)
        for p in check_set_ids(ids, {"file": str(batch.file_of(first)), "article_id": article_id})
    ]
    raise ConversionError(f"{repeated[0].format()}", repeated)


def parquet_problems(source: Path, batch_rows: int = BATCH_ROWS) -> list[Problem]:
    """Every error of a Parquet folder's ``annotation_sets`` (the release's layout) against the
    models and the rule book, spans checked against the folder's own article texts."""
    texts = ReleaseTexts(Path(source))
    seen: dict[str, None] = {}
    errors: list[Problem] = []
    for batch in article_batches(Path(source), batch_rows):
        try:
            tasks, article_texts, text_of_row = _task_rows(batch, texts, seen, [])
        except ConversionError as exc:
            return errors + exc.problems
        texts.forget({task.article_id for task in tasks})
        errors += _batch_errors(batch, article_texts, text_of_row)
    return errors


def _batch_errors(batch: ArticleBatch, article_texts: pa.Array, text_of_row: np.ndarray) -> list[Problem]:
    found = check_set_rows(batch.rows, article_texts, text_of_row)
    ids = batch.rows.select(["article_id", "set_id"]).take(pa.array([row for row, _ in found], pa.int64())).to_pylist() if found else []
    return [replace(problem, file=str(batch.file_of(row)), article_id=where["article_id"], set_id=where["set_id"]) for (row, problem), where in zip(found, ids, strict=True)]


def _checked_tasks(batch: ArticleBatch, tasks: list[TaskRows], article_texts: pa.Array, text_of_row: np.ndarray) -> tuple[list[Problem], pa.Buffer | None]:
    """Check a batch against the model and the texts; its tasks JSON when it has no error."""
    errors = _batch_errors(batch, article_texts, text_of_row)
    return errors, None if errors else tasks_json(batch.rows, tasks, article_texts)


def _parquet_tasks(source: Path, problems: list[Problem], workers: int, progress: Callable[[int], None] | None, batch_rows: int) -> Iterator[tuple[int, pa.Buffer]]:
    """Tasks JSON of a Parquet folder, batch by batch, ``workers`` batches at a time (Arrow's kernels run
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
    """Label Studio tasks from a Parquet folder (the release's layout): each article revision with its annotation sets.

    Submitted and gold sets become annotations, predictions predictions; drafts are reported
    as warnings. Written column-wise (:mod:`.columnar.ls_tasks`), streamed, all or nothing.
    """
    problems: list[Problem] = []
    with collector_paused():
        count = write_json_chunks(target, _parquet_tasks(Path(source), problems, workers, progress, batch_rows))
    return count, problems
