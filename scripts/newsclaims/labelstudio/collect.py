"""Gathering the annotation sets of many exported tasks, article by article, with every problem."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from ..model import AnnotationSet
from .tasks import ArticleLookup, TaskProblem, task_to_sets


@dataclass
class Collected:
    sets_by_article: dict[str, list[AnnotationSet]] = field(default_factory=lambda: defaultdict(list))
    projects: set[Any] = field(default_factory=set)
    problems: list[TaskProblem] = field(default_factory=list)
    tasks: int = 0
    sets: int = 0
    regions: int = 0

    @property
    def errors(self) -> list[TaskProblem]:
        return [p for p in self.problems if p.level == "error"]


def collect(
    sources: Iterable[tuple[str, Iterable[Any]]], lookup: ArticleLookup, users: dict[int, str] | None = None, progress: Callable[[int], None] | None = None
) -> Collected:
    """Convert every task of every (source name, tasks), keeping the sets by article; ``progress(1)`` after each task."""
    collected = Collected()
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
        collected.problems += [replace(p, source=source) for p in converted]
        return
    collected.problems += [replace(p, source=source) for p in converted.problems]
    collected.projects.add(task.get("project"))
    collected.sets_by_article[converted.article_id].extend(converted.sets)
    collected.sets += len(converted.sets)
    collected.regions += sum(len(s.entities) + len(s.claims) + len(s.figures) for s in converted.sets)

