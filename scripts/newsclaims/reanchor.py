"""Moving annotation sets to the latest revision of a corrected article, by quote selector.

Each span is found again by its exact text, with the text around it in the old revision
(``CONTEXT`` code points before and after, fewer at either end of the text) as prefix and
suffix. A span moves only to a unique match:

* the exact text occurs once in the new text and once in the old one: it moves there;
* otherwise (several occurrences in either text) only occurrences whose full prefix *or*
  full suffix is the same in the new text are kept, and the span moves if exactly one is
  left. Either side is enough so that a correction right next to a span, on one side,
  does not stop it; a context is compared as a whole, clipped at the ends of the text, so
  a span at the very start of the text only matches at the very start.

Requiring context when the old text had the quote several times keeps a span whose own
occurrence was deleted from jumping to another one that happens to be left.

An item (entity, claim, figure) moves only if all its spans move, and items that refer to
each other (a claim's ``source_entity_id``, a figure's ``claim_id``) move together or not at
all, so that neither the moved set nor the set left behind has a dangling reference. A set
is split: what moved keeps the set id and is pinned to the latest revision; the rest stays
pinned to its old revision as set ``<set_id>:r<old revision>`` (``@`` is not allowed in an id).
Nothing is dropped, and a set in which nothing moves is left exactly as it is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from .annotation_file import dump_annotation_file
from .corpus_writer import check_annotation_files
from .errors import AnnotationError, CorpusInvalidError
from .model import AnnotationFile, AnnotationSet, Claim, ClaimSpan, Entity, Figure, Span
from .store import Corpus
from .validate import ERROR, Problem, claim_spans, read_annotation_file

CONTEXT = 32
LAYERS = ("entity", "claim", "figure")


@dataclass(frozen=True)
class UnmovedSpan:
    """A span that stays on the old revision, and why."""

    set_id: str
    layer: str
    annotation_id: str
    part: str
    start: int
    end: int
    text: str
    reason: str

    def format(self, file: str = "") -> str:
        where = f"set={self.set_id} {self.layer}={self.annotation_id}" + (f" {self.part}" if self.part else "")
        return f"{file + ': ' if file else ''}{where} {self.start}:{self.end} {self.text!r}: {self.reason}"


@dataclass
class SetOutcome:
    """What happened to one set pinned to an old revision."""

    set_id: str
    old_revision: int
    new_revision: int
    moved: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LAYERS, 0))
    stayed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LAYERS, 0))
    leftover_set_id: str | None = None

    def format(self) -> str:
        def counts(mapping: dict[str, int]) -> str:
            return ", ".join(f"{mapping[layer]} {layer}(s)" for layer in LAYERS)

        line = f"set={self.set_id} r{self.old_revision} -> r{self.new_revision}: moved {counts(self.moved)}"
        if sum(self.stayed.values()) == 0:
            return line
        if self.leftover_set_id is None:
            return f"set={self.set_id} r{self.old_revision}: nothing could move; {counts(self.stayed)} stay on r{self.old_revision}"
        return f"{line}; {counts(self.stayed)} stay on r{self.old_revision} as set={self.leftover_set_id}"


@dataclass
class ReanchorReport:
    article_id: str
    latest_revision: int
    path: str
    sets: list[SetOutcome] = field(default_factory=list)
    unmoved: list[UnmovedSpan] = field(default_factory=list)
    changed: bool = False
    written: bool = False

    @property
    def complete(self) -> bool:
        """True when every set of the article is now on the latest revision."""
        return not self.unmoved and all(sum(s.stayed.values()) == 0 for s in self.sets)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "complete": self.complete}

    def format(self) -> str:
        lines = [span.format(self.path) for span in self.unmoved]
        lines += [outcome.format() for outcome in self.sets]
        if not self.sets:
            lines.append(f"article={self.article_id}: every set is on the latest revision r{self.latest_revision}; nothing to move")
        elif self.written:
            lines.append(f"wrote {self.path}")
        elif self.changed:
            lines.append(f"{self.path}: checked, not written (dry run)")
        else:
            lines.append(f"{self.path}: unchanged")
        return "\n".join(lines)


def leftover_set_id(set_id: str, revision: int) -> str:
    return set_id if set_id.endswith(f":r{revision}") else f"{set_id}:r{revision}"


# -- locating one span ----------------------------------------------------------------------


def _occurrences(text: str, quote: str) -> list[int]:
    found, at = [], text.find(quote)
    while at != -1:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def _prefix(text: str, start: int) -> str:
    return text[max(0, start - CONTEXT) : start]


def _suffix(text: str, end: int) -> str:
    return text[end : end + CONTEXT]


def locate(span: Span, old_text: str, new_text: str) -> tuple[int | None, str]:
    """The new start of ``span``, or None and the reason it cannot move."""
    quote = span.text
    if not quote or old_text[span.start : span.end] != quote:
        return None, "text differs from the old revision"
    candidates = _occurrences(new_text, quote)
    if not candidates:
        return None, "not found"
    if len(candidates) == 1 and len(_occurrences(old_text, quote)) == 1:
        return candidates[0], ""
    prefix, suffix = _prefix(old_text, span.start), _suffix(old_text, span.end)
    kept = [c for c in candidates if _prefix(new_text, c) == prefix or _suffix(new_text, c + len(quote)) == suffix]
    if len(kept) == 1:
        return kept[0], ""
    return None, f"ambiguous: {len(candidates)} match{'' if len(candidates) == 1 else 'es'}"


# -- splitting one set ----------------------------------------------------------------------

Item = Entity | Claim | Figure
Key = tuple[str, str]


def _spans(item: Item) -> list[tuple[str, Span]]:
    return list(claim_spans(item)) if isinstance(item, Claim) else [("", item)]


def _references(aset: AnnotationSet) -> list[tuple[Key, Key]]:
    edges: list[tuple[Key, Key]] = []
    for claim in aset.claims:
        if claim.source_entity_id is not None:
            edges.append((("claim", claim.id), ("entity", claim.source_entity_id)))
    for figure in aset.figures:
        if figure.claim_id is not None:
            edges.append((("figure", figure.id), ("claim", figure.claim_id)))
    return edges


AnySpan = TypeVar("AnySpan", bound=Span)


def _moved(span: AnySpan, start: int) -> AnySpan:
    return span.model_copy(update={"start": start, "end": start + len(span.text)})


def _moved_claim(claim: Claim, new_starts: dict[tuple[Key, str], int]) -> Claim:
    key = ("claim", claim.id)

    def part(name: str, span: ClaimSpan | None) -> ClaimSpan | None:
        return None if span is None else _moved(span, new_starts[(key, name)])

    names = [name for name, _ in claim_spans(claim)]
    content = [_moved(span, new_starts[(key, name)]) for name, span in zip(names, claim.content, strict=False)]
    return claim.model_copy(update={"content": content, "cue": part("cue", claim.cue), "source": part("source", claim.source)})


def split_set(
    aset: AnnotationSet, old_text: str, new_text: str, new_sha256: str
) -> tuple[AnnotationSet, AnnotationSet, list[UnmovedSpan], dict[str, int], dict[str, int]]:
    """(moved part, part left behind, spans that stay, moved counts, stayed counts) of one set."""
    items: dict[Key, Item] = {}
    for layer, layer_items in (("entity", aset.entities), ("claim", aset.claims), ("figure", aset.figures)):
        for item in layer_items:
            items.setdefault((layer, item.id), item)
    new_starts: dict[tuple[Key, str], int] = {}
    failed: dict[tuple[Key, str], str] = {}
    stuck: dict[Key, str] = {}
    for key, item in items.items():
        for part, span in _spans(item):
            start, reason = locate(span, old_text, new_text)
            if start is None:
                failed[(key, part)] = reason
                stuck.setdefault(key, f"{part or 'its span'} did not move")
            else:
                new_starts[(key, part)] = start
    edges = _references(aset)
    changed = True
    while changed:
        changed = False
        for source, target in edges:
            if source not in stuck and (target in stuck or target not in items):
                stuck[source] = f"depends on {target[1]} which did not move"
                changed = True
            elif source in stuck and target in items and target not in stuck:
                stuck[target] = f"referenced by {source[1]} which did not move"
                changed = True
    unmoved = [
        UnmovedSpan(aset.set_id, key[0], item.id, part, span.start, span.end, span.text, failed.get((key, part), stuck[key]))
        for key, item in items.items()
        if key in stuck
        for part, span in _spans(item)
    ]

    def moves(layer: str, item: Item) -> bool:
        return (layer, item.id) not in stuck

    moved = aset.model_copy(
        update={
            "article_sha256": new_sha256,
            "entities": [_moved(e, new_starts[(("entity", e.id), "")]) for e in aset.entities if moves("entity", e)],
            "claims": [_moved_claim(c, new_starts) for c in aset.claims if moves("claim", c)],
            "figures": [_moved(f, new_starts[(("figure", f.id), "")]) for f in aset.figures if moves("figure", f)],
        }
    )
    left = aset.model_copy(
        update={
            "entities": [e for e in aset.entities if not moves("entity", e)],
            "claims": [c for c in aset.claims if not moves("claim", c)],
            "figures": [f for f in aset.figures if not moves("figure", f)],
        }
    )
    moved_counts = {"entity": len(moved.entities), "claim": len(moved.claims), "figure": len(moved.figures)}
    stayed_counts = {"entity": len(left.entities), "claim": len(left.claims), "figure": len(left.figures)}
    return moved, left, unmoved, moved_counts, stayed_counts


# -- the article ----------------------------------------------------------------------------


def _blocking(problems: list[Problem], result: AnnotationFile, latest_sha256: str) -> list[Problem]:
    """Errors that forbid writing: all but ``outdated-revision`` of sets still on an old revision."""
    stale = {s.set_id for s in result.sets if s.article_sha256 != latest_sha256}
    return [p for p in problems if p.level == ERROR and not (p.error_id == "outdated-revision" and p.set_id in stale)]


def reanchor(corpus: Corpus, article_id: str, dry_run: bool = False) -> ReanchorReport:
    """Move the annotation sets of ``article_id`` pinned to older revisions onto the latest one.

    The new file is checked as ``newsclaims validate`` will read it and written atomically,
    or not at all (:class:`CorpusInvalidError` with the problems); with ``dry_run`` it is
    checked but not written. Running it again with nothing left to move changes nothing.
    """
    latest = corpus.latest(article_id)
    path = corpus.annotation_path(article_id)
    report = ReanchorReport(article_id=article_id, latest_revision=latest.revision, path=str(path))
    if not path.exists():
        return report
    annotations = read_annotation_file(path)
    new_text = corpus.read_text(latest)
    texts: dict[str, str] = {}
    taken = {s.set_id for s in annotations.sets}
    sets: list[AnnotationSet] = []
    for aset in annotations.sets:
        if aset.article_sha256 == latest.text_sha256:
            sets.append(aset)
            continue
        record = corpus.by_sha256(aset.article_sha256)
        if record is None or record.article_id != article_id:
            raise AnnotationError(
                f"{path}: article={article_id} set={aset.set_id} [unknown-revision] no revision of this article has sha256 {aset.article_sha256}"
            )
        if record.text_sha256 not in texts:
            texts[record.text_sha256] = corpus.read_text(record)
        moved, left, unmoved, moved_counts, stayed_counts = split_set(aset, texts[record.text_sha256], new_text, latest.text_sha256)
        outcome = SetOutcome(aset.set_id, record.revision, latest.revision, moved_counts, stayed_counts)
        report.sets.append(outcome)
        report.unmoved += unmoved
        if sum(moved_counts.values()) == 0 and sum(stayed_counts.values()) > 0:
            sets.append(aset)
            continue
        sets.append(moved)
        if sum(stayed_counts.values()) == 0:
            continue
        outcome.leftover_set_id = leftover_set_id(aset.set_id, record.revision)
        if outcome.leftover_set_id == aset.set_id:
            raise AnnotationError(
                f"{path}: article={article_id} set={aset.set_id} [reanchor-conflict] this set was left behind by an earlier "
                f"reanchor and part of it can move now; merge it into its set by hand"
            )
        if outcome.leftover_set_id in taken or len(outcome.leftover_set_id) > 64:
            raise AnnotationError(
                f"{path}: article={article_id} set={aset.set_id} [reanchor-conflict] cannot keep what did not move as "
                f"set {outcome.leftover_set_id!r}: that id is taken or too long; rename the set first"
            )
        taken.add(outcome.leftover_set_id)
        sets.append(left.model_copy(update={"set_id": outcome.leftover_set_id}))
    result = annotations.model_copy(update={"sets": sets})
    if dump_annotation_file(result) == dump_annotation_file(annotations):
        return report
    report.changed = True
    problems = _blocking(check_annotation_files(corpus, [result]), result, latest.text_sha256)
    if problems:
        raise CorpusInvalidError(
            f"{path}: reanchoring article={article_id} would leave {len(problems)} problem(s); nothing was written", problems
        )
    if not dry_run:
        corpus.save_annotations(result)
        report.written = True
    return report
