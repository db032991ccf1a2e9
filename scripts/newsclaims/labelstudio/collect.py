"""Gathering the annotation sets of many exported tasks, article by article, with every problem."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..model import AnnotationSet
from ..rules import ERROR, Problem
from .identity import PulledItem, PulledTask
from .tasks import ArticleLookup, task_to_sets


@dataclass
class Collected:
    sets_by_article: dict[str, list[AnnotationSet]] = field(default_factory=lambda: defaultdict(list))
    tasks_by_article: dict[str, list[PulledTask]] = field(default_factory=lambda: defaultdict(list))
    users: dict[int, str] = field(default_factory=dict)
    changes: dict[str, list[str]] = field(default_factory=dict)
    """What writing into the corpus changed, per article (filled by ``collected_into_corpus``)."""
    new_passes: dict[str, int] = field(default_factory=dict)
    projects: set[Any] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    tasks: int = 0
    sets: int = 0
    regions: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]


def collect(
    sources: Iterable[tuple[str, Iterable[Any]]], lookup: ArticleLookup, users: dict[int, str] | None = None, progress: Callable[[int], None] | None = None
) -> Collected:
    """Convert every task of every (source name, tasks), keeping the sets by article; ``progress(1)`` after each task."""
    collected = Collected(users=dict(users or {}))
    for source, tasks in sources:
        for task in tasks:
            _collect_task(collected, source, task, lookup, users)
            if progress:
                progress(1)
    return collected


def _collect_task(collected: Collected, source: str, task: Any, lookup: ArticleLookup, users: dict[int, str] | None) -> None:
    collected.tasks += 1
    converted = task_to_sets(task, lookup, users)
    if isinstance(converted, list):
        collected.problems += [replace(p, file=source) for p in converted]
        return
    collected.problems += [replace(p, file=source) for p in converted.problems]
    collected.projects.add(task.get("project"))
    collected.sets_by_article[converted.article_id].extend(converted.sets)
    items = [PulledItem(aset, item) for aset, item in zip(converted.sets, converted.items, strict=True)]
    collected.tasks_by_article[converted.article_id].append(PulledTask(task.get("project"), converted.task_id, converted.article_id, converted.text_sha256, items))
    collected.sets += len(converted.sets)
    collected.regions += sum(len(s.entities) + len(s.claims) + len(s.figures) for s in converted.sets)

