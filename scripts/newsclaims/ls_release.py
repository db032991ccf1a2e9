"""Label Studio exports -> ``articles`` and ``annotation_sets`` Parquet, streamed, in parallel.

The exports are first scanned for the byte range of every task (no parsing). Consecutive
tasks make shards (see :func:`shard_sizes`), each converted by one worker process that
parses its tasks, converts them, checks their sets against the models' rules a batch at a
time (:mod:`.hf.checks`), and writes row groups as it goes. Shards depend on the tasks only,
never on the number of workers, so 1 or N workers, streaming or not, give the same files.
Nothing is moved into place unless every task converts.
"""

from __future__ import annotations

import itertools
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import pyarrow as pa

from .collector import collector_paused
from .errors import ConversionError
from .hf.checks import SET_ROW_FIELDS, check_rows
from .hf.parquet_io import ShardWriter, number_shards, release_schema, write_empty_shard
from .hf.rows import text_article_row
from .labelstudio.collect import Collected
from .labelstudio.corpus_io import corpus_lookup
from .labelstudio.export import export_files, iter_tasks, read_task_range, task_spans
from .labelstudio.tasks import TaskProblem, task_to_sets
from .store import Corpus

CONFIGS = ("articles", "annotation_sets")
TASKS_PER_SHARD = 2_500
FIRST_SHARD = 250
DEFAULT_RELEASE = "labelstudio-export"


@dataclass(frozen=True)
class ShardJob:
    index: int
    pieces: tuple[tuple[str, np.ndarray], ...]

    @property
    def tasks(self) -> int:
        return sum(len(spans) for _, spans in self.pieces)


@dataclass
class ShardOutcome:
    index: int
    tasks: int = 0
    sets: int = 0
    regions: int = 0
    problems: list[TaskProblem] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=dict)


def shard_sizes(tasks_per_shard: int = TASKS_PER_SHARD) -> Iterator[int]:
    """Tasks in each shard, in order: 250, 500, 1,000, 2,000, then ``tasks_per_shard`` each.

    Small first shards put every core to work on a small export too, and the sizes depend on
    nothing but the order of the tasks.
    """
    size = FIRST_SHARD
    while True:
        yield min(size, tasks_per_shard)
        size *= 2


def plan_shards(files: list[Path], tasks_per_shard: int = TASKS_PER_SHARD) -> Iterator[ShardJob]:
    """Cut the tasks of the export files, in order, into shards of :func:`shard_sizes` tasks.

    A generator: each shard is handed out as soon as the scan has found its tasks, so that
    workers start converting while the rest of the exports is being scanned.
    """
    pieces: list[tuple[str, np.ndarray]] = []
    sizes = shard_sizes(tasks_per_shard)
    room, index = next(sizes), 0
    for path in files:
        for spans in task_spans(path):
            while len(spans):
                take, spans = spans[:room], spans[room:]
                pieces.append((str(path), take))
                room -= len(take)
                if room == 0:
                    yield ShardJob(index, _per_file(pieces))
                    index, pieces, room = index + 1, [], next(sizes)
    if pieces:
        yield ShardJob(index, _per_file(pieces))


def _per_file(pieces: list[tuple[str, np.ndarray]]) -> tuple[tuple[str, np.ndarray], ...]:
    """The spans of a shard as one piece per export file, in order."""
    by_file: dict[str, list[np.ndarray]] = {}
    for path, spans in pieces:
        by_file.setdefault(path, []).append(spans)
    return tuple((path, np.concatenate(parts)) for path, parts in by_file.items())


def _job_tasks(job: ShardJob) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, spans in job.pieces:
        for task in read_task_range(Path(path), spans):
            yield path, task


def convert_shard(job: ShardJob, staging: str, corpus_root: str, release: str) -> ShardOutcome:
    """Convert one shard's tasks and write its rows; runs in a worker process."""
    with collector_paused():
        return _convert_tasks(job.index, _job_tasks(job), Path(staging), Corpus(corpus_root), release)


@cache
def release_schemas(release: str) -> dict[str, pa.Schema]:
    """The Arrow schema of each config, made once per process (and before the workers are forked)."""
    return {name: release_schema(name, release) for name in CONFIGS}


def _convert_tasks(index: int, tasks: Iterable[tuple[str, dict[str, Any]]], staging: Path, corpus: Corpus, release: str) -> ShardOutcome:
    """Convert tasks and write their rows; the sets are checked against the models' rules a batch at a time."""
    schemas = release_schemas(release)
    lookup = corpus_lookup(corpus)
    prefix = f"shard-{index:05d}-"
    outcome = ShardOutcome(index)
    origins: list[tuple[str, Any, str, str]] = []

    def check(table: pa.Table, first: int) -> None:
        for found in check_rows(table.combine_chunks().to_batches()[0], SET_ROW_FIELDS):
            path, task_id, label, article_id = origins[first + found.row]
            outcome.problems.append(TaskProblem("region-invalid", f"{found.path}: {found.message}", task_id, label, found.annotation_id, article_id, source=path))

    writers = {
        name: ShardWriter(staging / name, schemas[name], 10**9, prefix=prefix, check=check if name == "annotation_sets" else None)
        for name in CONFIGS
    }
    seen_articles: set[tuple[str, str]] = set()
    for path, task in tasks:
        outcome.tasks += 1
        converted = task_to_sets(task, lookup, validate=False)
        if isinstance(converted, list):
            outcome.problems += [_sourced(p, path) for p in converted]
            continue
        outcome.problems += [_sourced(p, path) for p in converted.problems]
        outcome.sets += len(converted.records)
        outcome.regions += sum(len(r["entities"]) + len(r["claims"]) + len(r["figures"]) for r in converted.records)
        revisions = lookup(converted.article_id)
        record = next((r for r in revisions if r.text_sha256 == converted.text_sha256), None)
        key = (converted.article_id, converted.text_sha256)
        if key not in seen_articles:
            seen_articles.add(key)
            writers["articles"].write([text_article_row(converted.article_id, converted.text, converted.text_sha256, record)])
        revision = record.revision if record else None
        origins += [(path, converted.task_id, label, converted.article_id) for label in converted.labels]
        writers["annotation_sets"].write({"article_id": converted.article_id, "revision": revision, **r} for r in converted.records)
    outcome.files = {name: [str(p) for p in writer.close(rename=False)] for name, writer in writers.items()}
    return outcome


def _sourced(problem: TaskProblem, path: str) -> TaskProblem:
    return replace(problem, source=path)


def _run(
    files: list[Path], staging: Path, corpus: Corpus, release: str, workers: int, tasks_per_shard: int, progress: Callable[[int], None] | None
) -> list[ShardOutcome]:
    """Convert every shard: in worker processes, or here when there is one process or one shard."""
    if workers <= 1:
        return _run_here(files, staging, corpus, release, tasks_per_shard, progress)
    args = (str(staging), str(corpus.root), release)
    release_schemas(release)  # made once here, inherited by the forked workers
    jobs = plan_shards(files, tasks_per_shard)
    # The first two shards are found before the workers are forked: a single shard is converted
    # here, and forking, which holds up the scan, then delays neither of the first two.
    first = list(itertools.islice(jobs, 2))
    if len(first) <= 1:
        outcomes = [convert_shard(first[0], *args)] if first else []
        if progress and outcomes:
            progress(outcomes[0].tasks)
        return outcomes
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        submitted = [(job.tasks, pool.submit(convert_shard, job, *args)) for job in itertools.chain(first, jobs)]
        outcomes = []
        for tasks, future in submitted:
            outcomes.append(future.result())
            if progress:
                progress(tasks)
    return outcomes


def _run_here(files: list[Path], staging: Path, corpus: Corpus, release: str, tasks_per_shard: int, progress) -> list[ShardOutcome]:
    """One process, one pass over the exports: the same shards as the workers make."""
    tasks = ((str(path), task) for path in files for task in iter_tasks(path))
    outcomes = []
    sizes = shard_sizes(tasks_per_shard)
    with collector_paused():
        while True:
            first = next(tasks, None)
            if first is None:
                return outcomes
            shard = itertools.chain([first], itertools.islice(tasks, next(sizes) - 1))
            outcomes.append(_convert_tasks(len(outcomes), shard, staging, corpus, release))
            if progress:
                progress(outcomes[-1].tasks)


def _finish(staging: Path, outcomes: list[ShardOutcome], release: str) -> dict[str, list[Path]]:
    """Number every config's parts in shard order; a config with no rows gets one empty file."""
    files: dict[str, list[Path]] = {}
    for name in CONFIGS:
        parts = [Path(p) for outcome in outcomes for p in outcome.files.get(name, [])]
        files[name] = number_shards(parts or [write_empty_shard(staging / name / "part-empty.parquet", release_schemas(release)[name])])
    return files


def labelstudio_to_hf(
    paths: Iterable[Path],
    target: Path,
    corpus: Corpus,
    workers: int = 1,
    release: str = DEFAULT_RELEASE,
    progress: Callable[[int], None] | None = None,
    tasks_per_shard: int = TASKS_PER_SHARD,
) -> tuple[dict[str, list[Path]], Collected]:
    """Convert Label Studio exports into Parquet shards under ``target``; all or nothing.

    Tasks may hold articles that are not in the corpus: the task's text is then the article.
    """
    target, paths = Path(target), list(paths)
    files = export_files(paths)
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        outcomes = _run(files, staging, corpus, release, workers, tasks_per_shard, progress)
        collected = Collected(tasks=sum(o.tasks for o in outcomes), sets=sum(o.sets for o in outcomes), regions=sum(o.regions for o in outcomes))
        collected.problems = [p for o in outcomes for p in o.problems]
        if collected.errors:
            raise ConversionError(f"{', '.join(map(str, paths))}: {len(collected.errors)} problem(s); nothing was written", collected.errors)
        files = _finish(staging, outcomes, release)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {name: [target / name / p.name for p in parts] for name, parts in files.items()}, collected
