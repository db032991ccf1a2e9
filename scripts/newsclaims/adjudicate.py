"""Adjudication of each article: its independent passes compared, and the gold or candidate made of them.

Agreed items make a **candidate** set for a reviewer, or the **gold** set when nothing
conflicts or a rule (``pass_comparison``) resolves every conflict. A gold made here records
its rule in ``tool``; a later run with no rule given uses it again, so that a new pass
re-adjudicates the article the same way. Gold or candidates made by hand or by a reviewer are
never replaced without ``force``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from .adjudicated_items import DanglingReference, build_output
from .corpus_writer import check_annotation_files
from .errors import AdjudicationError
from .model import AnnotationFile, AnnotationSet, ArticleRevision, file_schema_version
from .pass_comparison import Conflict, DroppedItem, PassIndex, Rule, compare_passes, parse_rule, resolve_conflict
from .passes import independent_passes
from .store import Corpus
from .validate import ERROR, Problem, check_set
from .vocab import SetKind

TOOL = "newsclaims adjudicate"
GOLD_ID, CANDIDATE_ID = "gold", "candidate"


class Status(str, Enum):
    GOLD = "gold"
    CANDIDATE = "candidate"
    UNCHANGED = "unchanged"
    NEEDS_PASS = "needs a second pass"
    REFUSED = "refused"


def _rule_of(aset: AnnotationSet) -> Rule | None:
    """The rule a gold made here was made with, read back from its ``tool``."""
    prefix = f"{TOOL} --rule "
    if not (aset.tool and aset.tool.startswith(prefix)):
        return None
    try:
        return parse_rule(aset.tool[len(prefix):])
    except AdjudicationError:
        return None


def made_here(aset: AnnotationSet) -> bool:
    return aset.tool is not None and (aset.tool == TOOL or aset.tool.startswith(f"{TOOL} "))


# -- one article ----------------------------------------------------------------------------


@dataclass
class ArticleAdjudication:
    """What adjudication found and did for one article."""

    article_id: str
    revision: int
    passes: list[str]
    status: Status
    message: str = ""
    named: bool = False
    rule: Rule | None = None
    output: AnnotationSet | None = field(default=None, repr=False)
    agreed: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    dropped: list[DroppedItem] = field(default_factory=list)
    dangling: list[DanglingReference] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    text: str = field(default="", repr=False)
    pass_sets: list[AnnotationSet] = field(default_factory=list, repr=False)
    file: AnnotationFile | None = field(default=None, repr=False)

    @property
    def failed(self) -> bool:
        """Not adjudicated although asked for by name, or refused."""
        return self.status is Status.REFUSED or (self.named and self.status is Status.NEEDS_PASS)

    def conflicting_ids(self) -> dict[str, set[str]]:
        """Per pass, the ids of its items that are part of a conflict."""
        found: dict[str, set[str]] = {set_id: set() for set_id in self.passes}
        for conflict in self.conflicts:
            for set_id, versions in zip(self.passes, conflict.versions, strict=True):
                found[set_id].update(v.item.id for v in versions)
        return found

    def format(self) -> str:
        head = f"article={self.article_id}: {self.status.value}"
        return f"{head}: {self.message}" if self.message else head

    def to_dict(self) -> dict:
        indexes = [PassIndex(s) for s in self.pass_sets]
        return {
            "article_id": self.article_id,
            "revision": self.revision,
            "passes": self.passes,
            "status": self.status.value,
            "message": self.message,
            "rule": None if self.rule is None else str(self.rule),
            "output": None if self.output is None else {"set_id": self.output.set_id, "kind": self.output.kind.value},
            "agreed": self.agreed,
            "conflicts": [c.to_dict(indexes) for c in self.conflicts],
            "dropped": [d.to_dict() for d in self.dropped],
            "dangling_references": [d.to_dict() for d in self.dangling],
            "replaced_sets": self.replaced,
        }


@dataclass
class AdjudicationResult:
    articles: list[ArticleAdjudication] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(a.failed for a in self.articles)

    def next_step(self) -> str:
        statuses = {a.status for a in self.articles}
        steps = []
        if Status.CANDIDATE in statuses:
            steps.append("'newsclaims ls push --project P' sends each candidate to a reviewer, who resolves its conflicts, "
                         "marks it ground truth and submits; 'newsclaims ls pull --project P' brings it back as gold")
        if Status.GOLD in statuses:
            steps.append("'newsclaims build' to release the new gold")
        if Status.NEEDS_PASS in statuses:
            steps.append("annotate a second pass of the articles that have one ('newsclaims ls push --project P')")
        return "next: " + ("; ".join(steps) if steps else "nothing to adjudicate")

    def to_dict(self) -> dict:
        return {
            "articles": [a.to_dict() for a in self.articles],
            "written": [str(p) for p in self.written],
            "left_alone": self.left_alone,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _occupied(annotations: AnnotationFile, sha: str) -> list[AnnotationSet]:
    """Sets that the output replaces: gold and candidates of the revision, and sets with the output ids."""
    return [
        s for s in annotations.sets
        if s.set_id in (GOLD_ID, CANDIDATE_ID) or (s.article_sha256 == sha and s.kind in (SetKind.GOLD, SetKind.CANDIDATE))
    ]


def _made_by(aset: AnnotationSet) -> str:
    who = f" by {aset.annotator}" if aset.annotator else ""
    return f"{aset.set_id} ({aset.kind.value}) was made with {aset.tool or 'an unrecorded tool'}{who}"


def _set_errors(article_id: str, aset: AnnotationSet, text: str) -> list[Problem]:
    return [p for p in check_set(aset, text, {"file": f"{article_id}.json", "article_id": article_id}) if p.level == ERROR]


def _first_of(errors: list[Problem]) -> str:
    """The first error, and how many more there are."""
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{errors[0].format()}{more}"


def _check_passes(article_id: str, passes: list[AnnotationSet], text: str) -> None:
    for aset in passes:
        errors = _set_errors(article_id, aset, text)
        if errors:
            raise AdjudicationError(f"{_first_of(errors)}; a pass must validate before adjudication: run 'newsclaims validate'")


def adjudicate_article(corpus: Corpus, record: ArticleRevision, rule: Rule | None, force: bool, named: bool) -> ArticleAdjudication:
    """Compare the passes of the article's latest revision and make its gold or candidate (not written)."""
    annotations = corpus.load_annotations(record.article_id)
    passes = independent_passes(annotations, record.text_sha256)
    pass_ids = [s.set_id for s in passes]
    result = ArticleAdjudication(record.article_id, record.revision, pass_ids, Status.NEEDS_PASS, named=named, pass_sets=passes)
    if annotations is None or len(passes) < 2:
        result.message = f"found {len(passes)} independent pass(es) of revision {record.revision}{': ' + pass_ids[0] if pass_ids else ''}; two or more are compared"
        return result
    occupied = _occupied(annotations, record.text_sha256)
    foreign = [s for s in occupied if not made_here(s)]
    if foreign and not force:
        result.status = Status.REFUSED
        result.message = f"{_made_by(foreign[0])}, not by {TOOL}; --force replaces it"
        return result
    text = corpus.read_text(record)
    _check_passes(record.article_id, passes, text)
    if rule is None:
        rule = next((r for r in map(_rule_of, occupied) if r is not None), None)
    indexes = [PassIndex(s) for s in passes]
    comparison = compare_passes(indexes)
    result.text, result.agreed, result.conflicts = text, comparison.agreed_counts(), comparison.conflicts
    if rule is not None and rule.name == "prefer" and rule.preferred not in pass_ids and comparison.conflicts:
        result.status = Status.REFUSED
        result.message = f"rule {rule}: no pass {rule.preferred!r} among {', '.join(pass_ids)}"
        return result
    used_rule = rule if comparison.conflicts else None
    chosen = list(comparison.agreed)
    for conflict in comparison.conflicts:
        taken, dropped = resolve_conflict(conflict, used_rule, indexes)
        chosen += taken
        result.dropped += dropped
    items, cascaded, result.dangling = build_output(indexes, chosen)
    result.dropped += cascaded
    gold = not comparison.conflicts or used_rule is not None
    result.rule = used_rule
    now = _now()
    output = AnnotationSet(
        set_id=GOLD_ID if gold else CANDIDATE_ID,
        kind=SetKind.GOLD if gold else SetKind.CANDIDATE,
        annotator=TOOL,
        tool=TOOL if used_rule is None else f"{TOOL} --rule {used_rule}",
        created_at=now,
        updated_at=now,
        article_sha256=record.text_sha256,
        derived_from=pass_ids,
        entities=items["entity"],
        claims=items["claim"],
        figures=items["figure"],
    )
    errors = _set_errors(record.article_id, output, text)
    if errors:
        raise AdjudicationError(f"{errors[0].format()}: the adjudicated set does not validate")
    result.output = output
    result.status = Status.GOLD if gold else Status.CANDIDATE
    result.message = _summary(result)
    previous = next((s for s in occupied if s.set_id == output.set_id), None)
    if [s.set_id for s in occupied] == [output.set_id] and _same(previous, output):
        result.status = Status.UNCHANGED
        result.message = f"{output.set_id} already holds this adjudication of {', '.join(pass_ids)}"
        return result
    result.replaced = [s.set_id for s in occupied]
    result.file = _with_output(annotations, occupied, output)
    return result


def _same(previous: AnnotationSet | None, output: AnnotationSet) -> bool:
    if previous is None:
        return False
    timeless = {"created_at", "updated_at"}
    return previous.model_dump(exclude=timeless) == output.model_dump(exclude=timeless)


def _with_output(annotations: AnnotationFile, occupied: list[AnnotationSet], output: AnnotationSet) -> AnnotationFile:
    """The file with ``occupied`` sets removed and ``output`` in the place of the first (gold first when new)."""
    positions = [i for i, s in enumerate(annotations.sets) if any(s is o for o in occupied)]
    kept = [s for s in annotations.sets if not any(s is o for o in occupied)]
    at = positions[0] if positions else (0 if output.kind is SetKind.GOLD else len(kept))
    sets = kept[:at] + [output] + kept[at:]
    return AnnotationFile(schema_version=file_schema_version(sets), article_id=annotations.article_id, sets=sets)


def _summary(result: ArticleAdjudication) -> str:
    agreed = ", ".join(f"{n} {layer}" for layer, n in result.agreed.items())
    parts = [f"from {', '.join(result.passes)}", f"agreed {agreed}", f"{len(result.conflicts)} conflict(s)"]
    if result.status is Status.CANDIDATE:
        parts.append("a reviewer resolves them in Label Studio")
    elif result.rule is not None:
        parts.append(f"rule {result.rule}: {len(result.dropped)} version(s) dropped")
    if result.dangling:
        parts.append(f"{len(result.dangling)} dangling reference(s) set to null")
    return "; ".join(parts)


# -- the corpus -----------------------------------------------------------------------------


def adjudicate(corpus: Corpus, article_ids: list[str] | None = None, rule: str | None = None, force: bool = False) -> AdjudicationResult:
    """Adjudicate the named articles, or every article with two or more passes, and write the sets made.

    Without names, articles whose gold or candidate was made by hand or by a reviewer are left
    alone (listed in ``left_alone``) unless ``force``; articles with one pass are reported.
    Every file is checked as ``newsclaims validate`` will read it, then all are written at once.
    """
    parsed = parse_rule(rule)
    result = AdjudicationResult()
    with corpus.writing():  # no other writer between reading the passes and writing what they make
        if article_ids:
            records = [(corpus.latest(article_id), True) for article_id in dict.fromkeys(article_ids)]
        else:
            records = [(record, False) for record in corpus.latest_revisions()]
        for record, named in records:
            if not named:
                annotations = corpus.load_annotations(record.article_id)
                passes = independent_passes(annotations, record.text_sha256)
                if annotations is None or not passes:
                    continue
                if not force and len(passes) >= 2 and any(not made_here(s) for s in _occupied(annotations, record.text_sha256)):
                    result.left_alone.append(record.article_id)
                    continue
            result.articles.append(adjudicate_article(corpus, record, parsed, force, named))
        files = [a.file for a in result.articles if a.file is not None]
        if files:
            _check_before_writing(corpus, files)
            result.written = corpus.save_annotation_files(files)
    return result


def _check_before_writing(corpus: Corpus, files: list[AnnotationFile]) -> None:
    """Refuse to write when the new files have errors their current versions do not have."""
    current = [f for f in (corpus.load_annotations(f.article_id) for f in files) if f is not None]
    before = {p.format() for p in check_annotation_files(corpus, current) if p.level == ERROR}
    new = [p for p in check_annotation_files(corpus, files) if p.level == ERROR and p.format() not in before]
    if new:
        raise AdjudicationError(f"{_first_of(new)}: the adjudicated files would not validate; nothing was written")
