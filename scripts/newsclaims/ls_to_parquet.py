"""Label Studio exports -> ``articles`` and ``annotation_sets`` Parquet, streamed, in parallel.

The exports are first scanned for the byte range of every task (no parsing). Consecutive
tasks make shards (see :func:`shard_sizes`), each converted by one worker process that
parses its tasks, converts them, checks their sets against the models' rules a batch at a
time (:mod:`.columnar.checks`), and writes row groups as it goes. Shards depend on the tasks only,
never on the number of workers, so 1 or N workers, streaming or not, give the same files.
Nothing is moved into place unless every task converts: the shards are written into the
output folder's workspace and published whole (:mod:`.publish`), under the folder's lock.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from .columnar.checks import check_set_rows
from .columnar.collector import collector_paused
from .errors import ConversionError
from .hf.parquet_io import ShardWriter, check_replaceable, number_shards, release_schema, write_empty_shard
from .hf.rows import text_article_row
from .labelstudio.collect import Collected
from .labelstudio.corpus_io import corpus_lookup
from .labelstudio.export import export_files, iter_tasks, read_task_range, task_spans
from .labelstudio.tasks import task_to_sets
from .publish import fault_point, publishing
from .rules import Problem, check_set_ids
from .store import Corpus

CONFIGS = ("articles", "annotation_sets")
TASKS_PER_SHARD = 2_500
FIRST_SHARD = 250
NOT_A_RELEASE = "labelstudio-export"
"""What the files' ``newsclaims`` metadata gives as their ``release``: Parquet converted from Label
Studio exports belongs to no published release, so it names where it came from instead."""


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
    problems: list[Problem] = field(default_factory=list)
    files: dict[str, list[str]] = field(default_factory=dict)
    set_keys: list[tuple[str, str, str, Any, str]] = field(default_factory=list)
    """(article id, set id, export file, task id, annotation) of every set converted."""


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


def convert_shard(job: ShardJob, staging: str, corpus_root: str, release_entry: str) -> ShardOutcome:
    """Convert one shard's tasks and write its rows; runs in a worker process."""
    with collector_paused():
        return _convert_tasks(job.index, _job_tasks(job), Path(staging), Corpus(corpus_root), release_entry)


@cache
def config_schemas(release_entry: str) -> dict[str, pa.Schema]:
    """The Arrow schema of each config, made once per process (and before the workers are forked)."""
    return {name: release_schema(name, release_entry) for name in CONFIGS}


def _convert_tasks(index: int, tasks: Iterable[tuple[str, dict[str, Any]]], staging: Path, corpus: Corpus, release_entry: str) -> ShardOutcome:
    """Convert tasks and write their rows; the sets are checked against the models' rules a batch at a time."""
    schemas = config_schemas(release_entry)
    lookup = corpus_lookup(corpus)
    prefix = f"shard-{index:05d}-"
    outcome = ShardOutcome(index)
    origins: list[tuple[str, Any, str, str, str]] = []

    def check(table: pa.Table, first: int) -> None:
        for row, found in check_set_rows(table.combine_chunks().to_batches()[0]):
            path, task_id, label, article_id, set_id = origins[first + row]
            located = replace(found, file=path, article_id=article_id, set_id=set_id, task_id=task_id, annotation=label, region_id=found.annotation_id)
            outcome.problems.append(located)

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
        labelled = list(zip(converted.labels, converted.records, strict=True))
        origins += [(path, converted.task_id, label, converted.article_id, r["set_id"]) for label, r in labelled]
        outcome.set_keys += [(converted.article_id, r["set_id"], path, converted.task_id, label) for label, r in labelled]
        writers["annotation_sets"].write({"article_id": converted.article_id, "revision": revision, **r} for r in converted.records)
    outcome.files = {name: [str(p) for p in writer.close(rename=False)] for name, writer in writers.items()}
    return outcome


def _sourced(problem: Problem, path: str) -> Problem:
    return replace(problem, file=path)


def repeated_sets(outcomes: list[ShardOutcome]) -> list[Problem]:
    """``duplicate-set-id`` for each set id that an article has more than once (a task exported twice),
    located at its last occurrence."""
    places: dict[tuple[str, str], list[tuple[str, Any, str]]] = {}
    for outcome in outcomes:
        for article_id, set_id, *origin in outcome.set_keys:
            places.setdefault((article_id, set_id), []).append(tuple(origin))
    problems = []
    for (article_id, set_id), origins in places.items():
        if len(origins) > 1:
            [found] = check_set_ids([set_id] * len(origins), {"article_id": article_id})
            path, task_id, label = origins[-1]
            problems.append(replace(found, file=path, task_id=task_id, annotation=label))
    return problems


def _run(
    files: list[Path], staging: Path, corpus: Corpus, release_entry: str, workers: int, tasks_per_shard: int, progress: Callable[[int], None] | None
) -> list[ShardOutcome]:
    """Convert every shard: in worker processes, or here when there is one process or one shard."""
    if workers <= 1:
        return _run_here(files, staging, corpus, release_entry, tasks_per_shard, progress)
    args = (str(staging), str(corpus.root), release_entry)
    config_schemas(release_entry)  # made once here, inherited by the forked workers
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


def _run_here(files: list[Path], staging: Path, corpus: Corpus, release_entry: str, tasks_per_shard: int, progress) -> list[ShardOutcome]:
    """One process, one pass over the exports: the same shards as the workers make."""
    tasks = ((str(path), task) for path in files for task in iter_tasks(path))
    outcomes: list[ShardOutcome] = []
    sizes = shard_sizes(tasks_per_shard)
    with collector_paused():
        while True:
            first = next(tasks, None)
            if first is None:
                return outcomes
            shard = itertools.chain([first], itertools.islice(tasks, next(sizes) - 1))
            outcomes.append(_convert_tasks(len(outcomes), shard, staging, corpus, release_entry))
            if progress:
                progress(outcomes[-1].tasks)
            fault_point("convert-hf:shard")


def _finish(staging: Path, outcomes: list[ShardOutcome], release_entry: str) -> dict[str, list[Path]]:
    """Number every config's parts in shard order; a config with no rows gets one empty file."""
    files: dict[str, list[Path]] = {}
    for name in CONFIGS:
        parts = [Path(p) for outcome in outcomes for p in outcome.files.get(name, [])]
        files[name] = number_shards(parts or [write_empty_shard(staging / name / "part-empty.parquet", config_schemas(release_entry)[name])])
    return files


def labelstudio_to_hf(
    paths: Iterable[Path],
    target: Path,
    corpus: Corpus,
    workers: int = 1,
    release_entry: str = NOT_A_RELEASE,
    progress: Callable[[int], None] | None = None,
    tasks_per_shard: int = TASKS_PER_SHARD,
) -> tuple[dict[str, list[Path]], Collected]:
    """Convert Label Studio exports into Parquet shards under ``target``; all or nothing.

    Tasks may hold articles that are not in the corpus: the task's text is then the article.
    ``release_entry`` is what the files' metadata gives as their ``release``.
    """
    target, paths = Path(target), list(paths)
    files = export_files(paths)
    place = Path(os.path.abspath(target))
    with publishing(place.parent, place.name, target) as publication:
        check_replaceable(target, CONFIGS, (), "newsclaims convert --from labelstudio --to hf")
        staging = publication.folder(place.name)
        outcomes = _run(files, staging, corpus, release_entry, workers, tasks_per_shard, progress)
        collected = Collected(tasks=sum(o.tasks for o in outcomes), sets=sum(o.sets for o in outcomes), regions=sum(o.regions for o in outcomes))
        collected.problems = [p for o in outcomes for p in o.problems] + repeated_sets(outcomes)
        if collected.errors:
            raise ConversionError(f"{', '.join(map(str, paths))}: {len(collected.errors)} problem(s); nothing was written", collected.errors)
        written = _finish(staging, outcomes, release_entry)
        fault_point("convert-hf:written")
    return {name: [target / name / p.name for p in parts] for name, parts in written.items()}, collected
