"""Where each article stands in the annotation workflow, and the command to run next.

Articles are read one at a time (the manifest, then one annotation file per article), so
the report streams over a corpus of any size. The stages, in workflow order: no pass, one
pass, passes waiting for adjudication, a candidate waiting for a reviewer, gold (ready, or
outdated when a pass was added after it was adjudicated). Independently of the stage,
something may be stale: sets pinned to an older revision, a gold or candidate that does not
include every pass, drafts never submitted.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum

from .adjudicate import made_here
from .agreement import SpanCounts, layer_counts
from .errors import ArticleError
from .model import AnnotationFile, AnnotationSet, ArticleRevision
from .passes import independent_passes, is_independent_pass
from .reanchor import leftover_set_id
from .store import Corpus
from .vocab import SetKind

DEFAULT_PROJECT = "newsclaims"


class Stage(str, Enum):
    NO_PASS = "no pass"
    ONE_PASS = "one pass"
    NEEDS_ADJUDICATION = "needs adjudication"
    CANDIDATE = "candidate"
    GOLD_OUTDATED = "gold outdated"
    READY = "ready"


@dataclass(frozen=True)
class SetInfo:
    set_id: str
    kind: str
    annotator: str | None
    revision: int | None
    derived_from: tuple[str, ...] = ()

    def format(self) -> str:
        state = "draft" if self.kind == SetKind.DRAFT.value else "submitted"
        where = "unknown revision" if self.revision is None else f"r{self.revision}"
        return f"{self.set_id} ({self.annotator or 'unknown annotator'}, {state}, {where})"


@dataclass
class ArticleStatus:
    article_id: str
    revision: int
    stage: Stage
    next_step: str
    independent_passes: int = 0
    passes: list[SetInfo] = field(default_factory=list)
    reference: SetInfo | None = None
    entity_exact_f1: float | None = None
    stale: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "article_id": self.article_id,
            "revision": self.revision,
            "stage": self.stage.value,
            "passes": [asdict(p) | {"derived_from": list(p.derived_from)} for p in self.passes],
            "independent_passes": self.independent_passes,
            "reference": None if self.reference is None else asdict(self.reference) | {"derived_from": list(self.reference.derived_from)},
            "entity_exact_f1": self.entity_exact_f1,
            "stale": self.stale,
            "next": self.next_step,
        }

    def format(self) -> str:
        passes = ", ".join(p.format() for p in self.passes) or "none"
        if self.reference is None:
            reference = "no gold"
        else:
            reference = self.reference.kind
            if self.reference.derived_from:
                reference += " from " + ", ".join(self.reference.derived_from)
        f1 = "-" if self.entity_exact_f1 is None else f"{100 * self.entity_exact_f1:.1f}%"
        stale = "; ".join(self.stale) or "-"
        return f"{self.article_id} r{self.revision} | passes: {passes} | {reference} | entity F1 {f1} | stale: {stale} | next: {self.next_step}"


@dataclass
class StatusTotals:
    articles: int = 0
    with_gold: int = 0
    ready: int = 0
    candidates: int = 0
    needing_adjudication: int = 0
    needing_passes: int = 0
    stale: int = 0

    def add(self, status: ArticleStatus) -> None:
        self.articles += 1
        self.with_gold += status.stage in (Stage.READY, Stage.GOLD_OUTDATED)
        self.ready += status.stage is Stage.READY
        self.candidates += status.stage is Stage.CANDIDATE
        self.needing_adjudication += status.stage in (Stage.NEEDS_ADJUDICATION, Stage.GOLD_OUTDATED)
        self.needing_passes += status.stage in (Stage.NO_PASS, Stage.ONE_PASS)
        self.stale += bool(status.stale)

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        return (
            f"{self.articles} article(s): {self.with_gold} with gold ({self.ready} ready), {self.candidates} candidate(s), "
            f"{self.needing_adjudication} needing adjudication, {self.needing_passes} needing passes, {self.stale} stale"
        )


def _info(aset: AnnotationSet, revisions: dict[str, int]) -> SetInfo:
    return SetInfo(aset.set_id, aset.kind.value, aset.annotator, revisions.get(aset.article_sha256), tuple(aset.derived_from))


def _entity_exact_f1(passes: Sequence[AnnotationSet]) -> float | None:
    counts = SpanCounts()
    for a, b in itertools.combinations(passes, 2):
        counts.add(layer_counts(a, b)["entities"])
    return counts.exact_f1 if len(passes) >= 2 else None


def _stage(passes: int, reference: AnnotationSet | None, missing: list[str]) -> Stage:
    if reference is not None and reference.kind is SetKind.GOLD:
        return Stage.GOLD_OUTDATED if missing else Stage.READY
    if reference is not None and not missing:
        return Stage.CANDIDATE
    if passes >= 2:
        return Stage.NEEDS_ADJUDICATION
    return Stage.ONE_PASS if passes == 1 else Stage.NO_PASS


def _next_step(stage: Stage, article_id: str, project: str, reanchor: bool, drafts: bool, replaces: AnnotationSet | None) -> str:
    pull = f"newsclaims ls pull --project {project}"
    adjudicate = f"newsclaims adjudicate {article_id}"
    if replaces is not None and not made_here(replaces):
        adjudicate += f" --force (replaces {replaces.set_id}, made with {replaces.tool or 'an unrecorded tool'})"
    if reanchor:
        return f"newsclaims reanchor {article_id}"
    if drafts and stage in (Stage.NO_PASS, Stage.ONE_PASS):
        return f"submit the draft in Label Studio, then {pull}"
    return {
        Stage.NO_PASS: f"annotate: newsclaims ls push --project {project} (or newsclaims studio), then {pull}",
        Stage.ONE_PASS: f"a second pass: newsclaims ls push --project {project}, annotate, {pull}",
        Stage.NEEDS_ADJUDICATION: adjudicate,
        Stage.GOLD_OUTDATED: f"re-adjudicate: {adjudicate}",
        Stage.CANDIDATE: f"review in Label Studio: newsclaims ls push --project {project}, mark ground truth, {pull}",
        Stage.READY: "ready: newsclaims build",
    }[stage]


def article_status(
    latest: ArticleRevision, revisions: Sequence[ArticleRevision], annotations: AnnotationFile | None, project: str = DEFAULT_PROJECT
) -> ArticleStatus:
    """The status of one article from its revisions and its annotation file."""
    article_id = latest.article_id
    numbers = {r.text_sha256: r.revision for r in revisions}
    sets = annotations.sets if annotations is not None else []
    current = [s for s in sets if s.article_sha256 == latest.text_sha256]
    passes = independent_passes(annotations, latest.text_sha256)
    drafts = [s for s in current if s.kind is SetKind.DRAFT]
    reference = next((s for s in current if s.kind is SetKind.GOLD), None) or next((s for s in current if s.kind is SetKind.CANDIDATE), None)
    missing = [p.set_id for p in passes if reference is not None and reference.derived_from and p.set_id not in reference.derived_from]

    stale, reanchor = [], False
    old = [s for s in sets if s.article_sha256 != latest.text_sha256]
    unknown = [s.set_id for s in old if s.article_sha256 not in numbers]
    if unknown:
        stale.append(f"{', '.join(unknown)} on no revision of this article (newsclaims validate)")
    for number in sorted({numbers[s.article_sha256] for s in old if s.article_sha256 in numbers}):
        on_it = [s for s in old if numbers.get(s.article_sha256) == number]
        left = [s.set_id for s in on_it if is_reanchor_leftover(s.set_id, number)]
        movable = [s.set_id for s in on_it if s.set_id not in left]
        if movable:
            reanchor = True
            stale.append(f"{', '.join(movable)} on r{number} (newsclaims reanchor {article_id})")
        if left:
            stale.append(f"{', '.join(left)} left on r{number} by reanchor (fix by hand)")
    if missing and reference is not None:
        stale.append(f"{reference.set_id} not derived from {', '.join(missing)} (re-adjudicate)")
    if drafts:
        stale.append(f"open draft(s) {', '.join(d.set_id for d in drafts)}")

    stage = _stage(len(passes), reference, missing)
    listed = [s for s in sets if is_independent_pass(s) or s.kind is SetKind.DRAFT]
    return ArticleStatus(
        article_id=article_id,
        revision=latest.revision,
        stage=stage,
        next_step=_next_step(stage, article_id, project, reanchor, bool(drafts), reference if missing else None),
        independent_passes=len(passes),
        passes=[_info(s, numbers) for s in listed],
        reference=None if reference is None else _info(reference, numbers),
        entity_exact_f1=_entity_exact_f1(passes),
        stale=stale,
    )


def is_reanchor_leftover(set_id: str, revision: int) -> bool:
    """Whether the set is what ``reanchor`` left on ``revision`` (``<set_id>:r<revision>``): running it again moves nothing."""
    return leftover_set_id(set_id, revision) == set_id


def iter_status(corpus: Corpus, article_ids: Sequence[str] | None = None, project: str = DEFAULT_PROJECT) -> Iterator[ArticleStatus]:
    """The status of every article (or of ``article_ids``), in id order, one annotation file at a time.

    Unknown article ids are refused here, before the first status is made.
    """
    by_article: dict[str, list[ArticleRevision]] = {}
    for record in corpus.load_manifest().articles:
        by_article.setdefault(record.article_id, []).append(record)
    for article_id in article_ids or ():
        if article_id not in by_article:
            raise ArticleError(f"{corpus.manifest_path}: article={article_id} [unknown-article] no such article in the store")
    return _statuses(corpus, by_article, sorted(set(article_ids) if article_ids else by_article), project)


def _statuses(corpus: Corpus, by_article: dict[str, list[ArticleRevision]], article_ids: list[str], project: str) -> Iterator[ArticleStatus]:
    for article_id in article_ids:
        revisions = by_article[article_id]
        latest = max(revisions, key=lambda r: r.revision)
        yield article_status(latest, revisions, corpus.load_annotations(article_id), project)
