"""How close a prediction set comes to a reference set of the same articles.

Spans are scored per layer with labels left aside (the label is an attribute, checked on
matched items): exact (same start and end) and overlap (one-to-one pairs of overlapping spans,
largest overlap first), as precision over the predicted spans and recall over the reference's.
Items match by overlap: entities and figures by their span, claims by the total overlap of
their content pieces. On matched items the checks ask whether the prediction got the rest
right: an entity's type, a figure's value (or bounds) with its approximation, a date's ISO
value, an attributed claim's source and cue spans. Checks whose name ends in "of all" count
every reference item, so that an item the prediction missed counts as wrong.

The same scoring reads a second annotator's set against the reference: the human ceiling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..agreement import AttributeCounts, SpanCounts, _layers, match_overlapping, span_counts
from ..errors import AnnotationError
from ..model import AnnotationSet, Claim, Figure
from ..store import Corpus
from ..vocab import ClaimMode, FigureKind

LAYERS = ("entities", "figures", "claim content", "claim cue", "claim source")
DATE_KINDS = (FigureKind.DATE, FigureKind.TIME)
"""Figures whose only value is their ISO 8601 ``date_value`` (F7)."""

ENTITY_TYPE = "entity type"
FIGURE_KIND = "figure kind"
FIGURE_VALUE = "figure value and approximation"
DATE_VALUE = "date value"
DATE_VALUE_INFERRED = "date value and date_inferred"
DATE_VALUE_OF_ALL = "date value, of all dates"
CLAIM_MODE = "claim mode"
CLAIM_SOURCE = "claim source"
CLAIM_CUE = "claim cue"
CLAIM_SOURCE_CUE = "claim source and cue"
CLAIM_SOURCE_CUE_OF_ALL = "claim source and cue, of all attributed"
CHECKS = (
    ENTITY_TYPE,
    FIGURE_KIND,
    FIGURE_VALUE,
    DATE_VALUE,
    DATE_VALUE_INFERRED,
    DATE_VALUE_OF_ALL,
    CLAIM_MODE,
    CLAIM_SOURCE,
    CLAIM_CUE,
    CLAIM_SOURCE_CUE,
    CLAIM_SOURCE_CUE_OF_ALL,
)
CHECK_SCOPES = {
    ENTITY_TYPE: "matched entities",
    FIGURE_KIND: "matched figures",
    FIGURE_VALUE: "matched figures that are not dates or times",
    DATE_VALUE: "matched dates and times",
    DATE_VALUE_INFERRED: "matched dates and times",
    DATE_VALUE_OF_ALL: "reference dates and times",
    CLAIM_MODE: "matched claims",
    CLAIM_SOURCE: "matched attributed claims",
    CLAIM_CUE: "matched attributed claims",
    CLAIM_SOURCE_CUE: "matched attributed claims",
    CLAIM_SOURCE_CUE_OF_ALL: "reference attributed claims",
}


def _ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class LayerScore:
    """Precision, recall and F1 of one layer; ``counts.a`` are predicted spans, ``counts.b`` reference spans."""

    counts: SpanCounts
    labelled_exact: int

    @property
    def exact_precision(self) -> float | None:
        return _ratio(self.counts.exact, self.counts.a)

    @property
    def exact_recall(self) -> float | None:
        return _ratio(self.counts.exact, self.counts.b)

    @property
    def exact_f1(self) -> float | None:
        return _f1(self.exact_precision, self.exact_recall)

    @property
    def overlap_precision(self) -> float | None:
        return _ratio(self.counts.overlap, self.counts.a)

    @property
    def overlap_recall(self) -> float | None:
        return _ratio(self.counts.overlap, self.counts.b)

    @property
    def overlap_f1(self) -> float | None:
        return _f1(self.overlap_precision, self.overlap_recall)

    @property
    def labelled_exact_f1(self) -> float | None:
        """Exact F1 when the label (entity type, figure kind, claim mode) must match too."""
        return _f1(_ratio(self.labelled_exact, self.counts.a), _ratio(self.labelled_exact, self.counts.b))

    def to_dict(self) -> dict:
        return {
            "predicted": self.counts.a,
            "reference": self.counts.b,
            "exact": self.counts.exact,
            "overlap": self.counts.overlap,
            "labelled_exact": self.labelled_exact,
            "exact_precision": self.exact_precision,
            "exact_recall": self.exact_recall,
            "exact_f1": self.exact_f1,
            "overlap_precision": self.overlap_precision,
            "overlap_recall": self.overlap_recall,
            "overlap_f1": self.overlap_f1,
            "labelled_exact_f1": self.labelled_exact_f1,
        }


@dataclass
class SuggestionScores:
    """Counts of a prediction against a reference, summed over articles."""

    articles: int = 0
    spans: dict[str, SpanCounts] = field(default_factory=lambda: {layer: SpanCounts() for layer in LAYERS})
    labelled_exact: dict[str, int] = field(default_factory=lambda: {layer: 0 for layer in LAYERS})
    checks: dict[str, AttributeCounts] = field(default_factory=lambda: {name: AttributeCounts() for name in CHECKS})

    def layer(self, name: str) -> LayerScore:
        return LayerScore(self.spans[name], self.labelled_exact[name])

    def rate(self, check: str) -> float | None:
        return self.checks[check].rate

    def to_dict(self) -> dict:
        return {
            "articles": self.articles,
            "layers": {name: self.layer(name).to_dict() for name in LAYERS},
            "checks": {name: {**self.checks[name].to_dict(), "of": CHECK_SCOPES[name]} for name in CHECKS},
        }


def _unlabelled(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    return [(start, end, "") for start, end, _ in spans]


def _span(span) -> tuple[int, int] | None:
    return None if span is None else (span.start, span.end)


def _same_number(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def same_value(predicted: Figure, reference: Figure) -> bool:
    """Value and bounds equal (as numbers), and the same approximation."""
    return predicted.approximation is reference.approximation and all(
        _same_number(getattr(predicted, name), getattr(reference, name)) for name in ("value", "value_low", "value_high")
    )


def match_claims(predicted: list[Claim], reference: list[Claim]) -> list[tuple[int, int]]:
    """One-to-one pairs (index in predicted, index in reference) of claims whose content pieces
    overlap, largest total overlap first."""
    candidates = []
    for i, claim_p in enumerate(predicted):
        for j, claim_r in enumerate(reference):
            overlap = sum(max(0, min(p.end, r.end) - max(p.start, r.start)) for p in claim_p.content for r in claim_r.content)
            if overlap > 0:
                candidates.append((-overlap, i, j))
    used_p, used_r, pairs = set(), set(), []
    for _, i, j in sorted(candidates):
        if i not in used_p and j not in used_r:
            used_p.add(i)
            used_r.add(j)
            pairs.append((i, j))
    return pairs


def _matched_items(predicted: list, reference: list) -> list[tuple[int, int]]:
    return match_overlapping([(x.start, x.end, "") for x in predicted], [(x.start, x.end, "") for x in reference])


def score_article(predicted: AnnotationSet, reference: AnnotationSet, scores: SuggestionScores) -> None:
    """Add the scoring of ``predicted`` against ``reference`` (sets of one article revision) to ``scores``."""
    if predicted.article_sha256 != reference.article_sha256:
        raise AnnotationError(
            f"set={predicted.set_id} [evaluation-revision-mismatch] expected the revision of set={reference.set_id} "
            f"(sha256 {reference.article_sha256}), found sha256 {predicted.article_sha256}"
        )
    scores.articles += 1
    layers_p, layers_r = _layers(predicted), _layers(reference)
    for layer in LAYERS:
        scores.spans[layer].add(span_counts(_unlabelled(layers_p[layer]), _unlabelled(layers_r[layer])))
        scores.labelled_exact[layer] += span_counts(layers_p[layer], layers_r[layer]).exact
    checks = scores.checks

    for i, j in _matched_items(predicted.entities, reference.entities):
        checks[ENTITY_TYPE].record(predicted.entities[i].type is reference.entities[j].type)

    matched_dates = {}
    for i, j in _matched_items(predicted.figures, reference.figures):
        figure_p, figure_r = predicted.figures[i], reference.figures[j]
        checks[FIGURE_KIND].record(figure_p.kind is figure_r.kind)
        if figure_r.kind in DATE_KINDS:
            matched_dates[j] = figure_p.date_value == figure_r.date_value
            checks[DATE_VALUE].record(matched_dates[j])
            checks[DATE_VALUE_INFERRED].record(matched_dates[j] and set(figure_p.date_inferred) == set(figure_r.date_inferred))
        else:
            checks[FIGURE_VALUE].record(same_value(figure_p, figure_r))
    for j, figure_r in enumerate(reference.figures):
        if figure_r.kind in DATE_KINDS:
            checks[DATE_VALUE_OF_ALL].record(matched_dates.get(j, False))

    matched_attributed = {}
    for i, j in match_claims(predicted.claims, reference.claims):
        claim_p, claim_r = predicted.claims[i], reference.claims[j]
        checks[CLAIM_MODE].record(claim_p.mode is claim_r.mode)
        if claim_r.mode is not ClaimMode.UNATTRIBUTED:
            source = _span(claim_p.source) == _span(claim_r.source)
            cue = _span(claim_p.cue) == _span(claim_r.cue)
            checks[CLAIM_SOURCE].record(source)
            checks[CLAIM_CUE].record(cue)
            checks[CLAIM_SOURCE_CUE].record(source and cue)
            matched_attributed[j] = source and cue
    for j, claim_r in enumerate(reference.claims):
        if claim_r.mode is not ClaimMode.UNATTRIBUTED:
            checks[CLAIM_SOURCE_CUE_OF_ALL].record(matched_attributed.get(j, False))


def score_sets(pairs: Iterable[tuple[AnnotationSet, AnnotationSet]]) -> SuggestionScores:
    """Scores of (predicted, reference) pairs, one pair per article."""
    scores = SuggestionScores()
    for predicted, reference in pairs:
        score_article(predicted, reference, scores)
    return scores


def set_of(corpus: Corpus, article_id: str, set_id: str) -> AnnotationSet:
    """The set ``set_id`` of the article's annotation file; its absence is an error naming the file."""
    annotations = corpus.load_annotations(article_id)
    found = next((s for s in annotations.sets if s.set_id == set_id), None) if annotations else None
    if found is None:
        have = [s.set_id for s in annotations.sets] if annotations else []
        raise AnnotationError(
            f"{corpus.annotation_path(article_id)}: article={article_id} [evaluation-set-missing] expected a set {set_id!r}, found {have or 'no annotation file'}"
        )
    return found


def score_corpus(corpus: Corpus, predicted_set: str, reference_set: str, article_ids: list[str] | None = None) -> SuggestionScores:
    """Scores of set ``predicted_set`` against ``reference_set`` over the corpus's articles (or
    ``article_ids``); an article lacking either set is an error, never skipped."""
    ids = article_ids if article_ids is not None else [r.article_id for r in corpus.latest_revisions()]
    return score_sets((set_of(corpus, a, predicted_set), set_of(corpus, a, reference_set)) for a in ids)


def _pct(value: float | None) -> str:
    return "    -" if value is None else f"{100 * value:5.1f}"


def format_scores(scores: SuggestionScores, ceiling: SuggestionScores | None = None, name: str = "suggest", ceiling_name: str = "human") -> str:
    """A table of the layers and the checks, in percent, with the ceiling's F1 and rates beside them when given."""
    head = f"{'layer':<14} {'pred':>5} {'ref':>5} | {'exact P':>7} {'R':>5} {'F1':>5} | {'overlap P':>9} {'R':>5} {'F1':>5} | {'+label F1':>9}"
    if ceiling is not None:
        head += f" || {ceiling_name} exact F1 {'overlap F1':>10}"
    lines = [f"{name}: {scores.articles} article(s), percent", head]
    for layer in LAYERS:
        s = scores.layer(layer)
        line = (
            f"{layer:<14} {s.counts.a:>5} {s.counts.b:>5} | {_pct(s.exact_precision):>7} {_pct(s.exact_recall):>5} {_pct(s.exact_f1):>5} | "
            f"{_pct(s.overlap_precision):>9} {_pct(s.overlap_recall):>5} {_pct(s.overlap_f1):>5} | {_pct(s.labelled_exact_f1):>9}"
        )
        if ceiling is not None:
            c = ceiling.layer(layer)
            line += f" || {'':<{len(ceiling_name)}} {_pct(c.exact_f1):>8} {_pct(c.overlap_f1):>10}"
        lines.append(line)
    check_head = f"{'check':<40} {'right / of':>11} {'%':>5}"
    if ceiling is not None:
        check_head += f" || {ceiling_name} %"
    lines += ["", check_head + "  on"]
    for check in CHECKS:
        counts = scores.checks[check]
        line = f"{check:<40} {counts.agreed:>5} / {counts.compared:<4} {_pct(counts.rate)}"
        if ceiling is not None:
            line += f" || {_pct(ceiling.rate(check)):>{len(ceiling_name) + 2}}"
        lines.append(f"{line}  {CHECK_SCOPES[check]}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    name: str
    measure: Callable[[SuggestionScores], float | None]
    minimum: float


QUALITY_TARGETS = (
    Target("entities exact F1", lambda s: s.layer("entities").exact_f1, 0.90),
    Target("entity type right, of matched", lambda s: s.rate(ENTITY_TYPE), 0.92),
    Target("figures exact span recall", lambda s: s.layer("figures").exact_recall, 0.95),
    Target("figure value and approximation right, of matched", lambda s: s.rate(FIGURE_VALUE), 0.90),
    Target("date value right, of all dates", lambda s: s.rate(DATE_VALUE_OF_ALL), 0.90),
    Target("claim source and cue right, of attributed claims", lambda s: s.rate(CLAIM_SOURCE_CUE_OF_ALL), 0.85),
)


def check_targets(scores: SuggestionScores, targets: Iterable[Target] = QUALITY_TARGETS) -> list[tuple[Target, float | None, bool]]:
    """(target, measured value, passed) for each target; a value that cannot be measured fails."""
    results = []
    for target in targets:
        value = target.measure(scores)
        results.append((target, value, value is not None and value >= target.minimum))
    return results
