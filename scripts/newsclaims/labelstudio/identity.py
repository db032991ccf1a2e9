"""Which corpus set a Label Studio annotation or prediction is, so that sets come back as themselves.

A set pushed as an annotation carries ``import_id = set_key(article_id, set_id)``; one pushed
as a prediction carries ``model_version = "newsclaims-<set_id>"``; a set pulled from Label
Studio is known by its ``label_studio`` origin (same project, same annotation, draft or
prediction id), which wins over the other two.

Pulling an exported annotation that is a corpus set (not one that pulling itself makes):

- same content as the corpus set: nothing changes, the set keeps its bytes;
- the corpus set is newer (``updated_at``) than Label Studio's copy: the copy is stale,
  nothing changes, and the next push updates the copy;
- the pushed gold changed and marked ground truth, or the pushed candidate marked ground
  truth: it becomes the article's gold (``derived_from`` of the candidate or old gold, the
  reviewer is who last updated it); the candidate leaves the file;
- changed without ground truth: the editor's own set ``ls-<project>-a<id>``, derived from
  the pushed set, which stays as it is.

An annotation that is no corpus set becomes ``ls-<project>-a<id>`` as before, derived from the
set it was started from (``parent_annotation``, ``parent_prediction``) if any. Two ground-truth
annotations of one task with different results, apart from unchanged and stale copies, are an
error. Pushing compares the same way: a copy with other content is updated when the corpus
set is newer and refused when Label Studio's copy is newer (pull first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..model import AnnotationSet
from ..passes import is_independent_pass
from ..rules import Problem
from ..vocab import SetKind
from .keys import pushed_set_id, set_key
from .tasks import TOOL, TaskProblem

PULLED_KINDS = (SetKind.ANNOTATION, SetKind.DRAFT, SetKind.PREDICTION)
"""Kinds of the sets that a pull makes, and replaces on the next pull."""

def content(aset: AnnotationSet) -> tuple:
    return (aset.entities, aset.claims, aset.figures)


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_newer(first: str | None, second: str | None) -> bool:
    """Whether ``first`` is a later ISO 8601 time than ``second``; a missing time is the oldest."""
    a, b = _moment(first), _moment(second)
    return a is not None and (b is None or a > b)


def is_pulled(aset: AnnotationSet, projects: set[Any]) -> bool:
    """Made by pulling one of ``projects``: replaced by what the next pull finds."""
    origin = aset.label_studio
    return origin is not None and origin.project_id in projects and aset.kind in PULLED_KINDS


@dataclass
class PulledItem:
    """One exported annotation, draft or prediction: its converted set and the raw item."""

    aset: AnnotationSet
    item: dict[str, Any]

    @property
    def kind(self) -> SetKind:
        return self.aset.kind

    @property
    def item_id(self) -> Any:
        return self.item.get("id")


@dataclass
class PulledTask:
    project: Any
    task_id: Any
    article_id: str
    sha: str
    items: list[PulledItem] = field(default_factory=list)


def _group(kind: SetKind) -> str:
    return kind.value if kind in (SetKind.DRAFT, SetKind.PREDICTION) else "annotation"


def match(task: PulledTask, item: PulledItem, sets: list[AnnotationSet]) -> tuple[AnnotationSet | None, bool]:
    """The corpus set ``item`` is (or None) and whether it was found by its Label Studio origin."""
    same_revision = [s for s in sets if s.article_sha256 == task.sha]
    for aset in same_revision:
        origin = aset.label_studio
        if origin is not None and origin.project_id == task.project and origin.annotation_id == item.item_id and _group(aset.kind) == _group(item.kind):
            return aset, True
    if item.kind is SetKind.ANNOTATION and isinstance(item.item.get("import_id"), int):
        key = item.item["import_id"]
        found = next((s for s in same_revision if set_key(task.article_id, s.set_id) == key), None)
        return found, False
    if item.kind is SetKind.PREDICTION:
        set_id = pushed_set_id(item.item.get("model_version"))
        return next((s for s in same_revision if s.set_id == set_id), None), False
    return None, False


def counterpart(task: PulledTask, aset: AnnotationSet, sets: list[AnnotationSet]) -> PulledItem | None:
    """Label Studio's copy of corpus set ``aset`` in ``task``: the item found by origin, else one
    with the same content, else the most recently updated."""
    found = []
    for item in task.items:
        matched, by_origin = match(task, item, sets)
        if matched is not None and (matched.set_id, matched.article_sha256) == (aset.set_id, aset.article_sha256):
            found.append((item, by_origin))
    if not found:
        return None
    for item, by_origin in found:
        if by_origin:
            return item
    claimed = [item for item, _ in found if content(item.aset) == content(aset)]
    if claimed:
        return claimed[0]
    return max((item for item, _ in found), key=lambda i: _moment(i.item.get("updated_at")) or datetime.min.replace(tzinfo=UTC))


@dataclass
class Reconciled:
    """An article's sets after a pull, what changed (one line each) and the problems found."""

    sets: list[AnnotationSet]
    changes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new_passes: int = 0


def _email(users: dict[int, str], value: Any) -> str | None:
    if type(value) is dict:
        value = value.get("id")
    return users.get(value) if type(value) is int else None


class _Article:
    def __init__(self, existing: list[AnnotationSet], projects: set[Any], users: dict[int, str], source: str) -> None:
        self.existing = existing
        self.projects = projects
        self.users = users
        self.source = source
        self.kept = [s for s in existing if not is_pulled(s, projects)]
        self.incoming: list[AnnotationSet] = []
        self.replaced: dict[str, AnnotationSet] = {}
        self.removed: set[str] = set()
        self.changes: list[str] = []
        self.problems: list[Problem] = []
        self.new_passes = 0

    def identity(self, task: PulledTask, item: PulledItem) -> str:
        matched, by_origin = match(task, item, self.existing)
        if matched is not None and not (by_origin and is_pulled(matched, self.projects)):
            return matched.set_id
        return item.aset.set_id

    def parent(self, task: PulledTask, item: PulledItem) -> list[str]:
        for key, kind in (("parent_annotation", SetKind.ANNOTATION), ("parent_prediction", SetKind.PREDICTION)):
            parent_id = item.item.get(key)
            if parent_id is None:
                continue
            parent = next((i for i in task.items if i.kind is kind and i.item_id == parent_id), None)
            if parent is not None:
                return [self.identity(task, parent)]
            letter = "a" if kind is SetKind.ANNOTATION else "p"
            return [f"ls-{task.project}-{letter}{parent_id}" if task.project is not None else f"ls-{letter}{parent_id}"]
        return []

    def promotions(self, task: PulledTask) -> list[tuple[PulledItem, AnnotationSet | None]]:
        """Ground-truth annotations of the task that would set the gold (or are new), checked to be one result."""
        marked = []
        for item in task.items:
            origin = item.aset.label_studio
            if item.kind is not SetKind.ANNOTATION or origin is None or not origin.ground_truth or origin.was_cancelled:
                continue
            matched, by_origin = match(task, item, self.existing)
            if matched is not None and (by_origin and is_pulled(matched, self.projects)):
                continue
            if matched is not None and matched.kind is not SetKind.CANDIDATE:
                if content(matched) == content(item.aset) or is_newer(matched.updated_at, item.item.get("updated_at")):
                    continue
            marked.append((item, matched))
        if len({repr(content(i.aset)) for i, _ in marked}) > 1:
            ids = ", ".join(str(i.item_id) for i, _ in marked)
            self.problems.append(
                TaskProblem("ground-truth-conflict", f"annotations {ids} are all marked ground truth with different results; mark one only",
                    task.task_id, None, None, task.article_id, source=self.source)
            )
        return [(i, m) for i, m in marked if m is not None and m.kind in (SetKind.GOLD, SetKind.CANDIDATE)]

    def add(self, task: PulledTask) -> None:
        promoting = {id(item) for item, _ in self.promotions(task)}
        for item in task.items:
            matched, by_origin = match(task, item, self.existing)
            if matched is None or (by_origin and is_pulled(matched, self.projects)):
                self.pass_set(task, item, matched)
            elif id(item) in promoting:
                self.promote(task, item, matched)
            elif content(matched) == content(item.aset):
                continue
            elif is_newer(matched.updated_at, item.item.get("updated_at")):
                self.changes.append(f"{matched.set_id} is newer than its copy in Label Studio (annotation {item.item_id}); 'newsclaims ls push' updates the copy")
            elif item.kind is SetKind.ANNOTATION:
                editor = _email(self.users, item.item.get("updated_by")) or item.aset.annotator
                derived = item.aset.model_copy(update={"annotator": editor, "derived_from": [matched.set_id]})
                self.incoming.append(derived)
                self.changes.append(f"{derived.set_id}: {editor or 'someone'} edited {matched.set_id} (kept as a set derived from it)")
            else:
                self.pass_set(task, item, None)

    def pass_set(self, task: PulledTask, item: PulledItem, previous: AnnotationSet | None) -> None:
        derived_from = (previous.derived_from if previous is not None else []) or self.parent(task, item)
        aset = item.aset
        if derived_from:
            aset = aset.model_copy(update={"derived_from": derived_from})
        if item.kind is SetKind.ANNOTATION and isinstance(item.item.get("import_id"), int) and item.item.get("updated_by") is not None:
            aset = aset.model_copy(update={"annotator": _email(self.users, item.item.get("updated_by")) or aset.annotator})
        self.incoming.append(aset)
        if previous is not None:
            if previous != aset:
                self.changes.append(f"{aset.set_id}: updated")
            return
        if is_independent_pass(aset):
            self.new_passes += 1
            self.changes.append(f"{aset.set_id}: new independent pass by {aset.annotator or 'an unknown user'}")
        else:
            what = f"derived from {', '.join(derived_from)}" if derived_from else aset.kind.value
            self.changes.append(f"{aset.set_id}: new {what} set")

    def promote(self, task: PulledTask, item: PulledItem, matched: AnnotationSet) -> None:
        reviewer = _email(self.users, item.item.get("updated_by")) or _email(self.users, item.item.get("completed_by"))
        old_gold = next((s for s in self.kept if s.kind is SetKind.GOLD and s.article_sha256 == task.sha), None)
        gold = item.aset.model_copy(
            update={
                "set_id": "gold",
                "kind": SetKind.GOLD,
                "annotator": reviewer,
                "reviewer": reviewer,
                "tool": TOOL,
                "derived_from": list(matched.derived_from or (old_gold.derived_from if old_gold else [])),
            }
        )
        gold = AnnotationSet.model_validate(gold.model_dump())
        if matched.kind is SetKind.CANDIDATE:
            self.removed.add(matched.set_id)
        target = old_gold.set_id if old_gold is not None else matched.set_id
        self.removed.discard(target)
        self.replaced[target] = gold
        self.changes.append(f"gold: set from {matched.set_id} (annotation {item.item_id}), reviewed by {reviewer or 'an unknown user'}")

    def result(self) -> Reconciled:
        incoming_ids = {s.set_id for s in self.incoming}
        gone = [s.set_id for s in self.existing if is_pulled(s, self.projects) and s.set_id not in incoming_ids]
        self.changes += [f"{set_id}: removed, no longer in Label Studio" for set_id in gone]
        kept = [self.replaced.get(s.set_id, s) for s in self.kept if s.set_id not in self.removed]
        self.changes += [f"{s.set_id}: replaced by the set of that id pulled from Label Studio" for s in kept if s.set_id in incoming_ids]
        kept = [s for s in kept if s.set_id not in incoming_ids]
        return Reconciled(kept + sorted(self.incoming, key=origin_order), self.changes, self.problems, self.new_passes)


def origin_order(aset: AnnotationSet) -> tuple:
    origin = aset.label_studio
    kind_order = {"annotation": 0, "draft": 1, "prediction": 2}.get(aset.kind.value, 3)
    if origin is None:
        return (1, 0, kind_order, 0, aset.set_id)
    return (0, origin.project_id or 0, kind_order, origin.annotation_id or 0, aset.set_id)


def reconcile(existing: list[AnnotationSet], tasks: list[PulledTask], projects: set[Any], users: dict[int, str] | None = None, source: str = "") -> Reconciled:
    """The article's sets once the pulled ``tasks`` are in (see the module docstring)."""
    article = _Article(existing, projects, users or {}, source)
    for task in tasks:
        article.add(task)
    return article.result()
