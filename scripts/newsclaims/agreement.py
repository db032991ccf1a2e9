"""Agreement between two annotation sets of the same articles.

Spans are compared per layer, per label, in two ways: exact (same start, end and label) and
overlap (one-to-one pairs of overlapping spans with the same label, largest overlap first).
F1 counts each set against the other, so it is symmetric. Matched items are then compared
on their attributes: figure values and approximation, claim modes, sources and cues.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field

from .model import AnnotationSet, Claim, Figure

LabelledSpan = tuple[int, int, str]


@dataclass
class SpanCounts:
    a: int = 0
    b: int = 0
    exact: int = 0
    overlap: int = 0

    def add(self, other: SpanCounts) -> None:
        self.a += other.a
        self.b += other.b
        self.exact += other.exact
        self.overlap += other.overlap

    @staticmethod
    def _f1(matches: int, a: int, b: int) -> float | None:
        return None if a + b == 0 else 2 * matches / (a + b)

    @property
    def exact_f1(self) -> float | None:
        return self._f1(self.exact, self.a, self.b)

    @property
    def overlap_f1(self) -> float | None:
        return self._f1(self.overlap, self.a, self.b)

    def to_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "exact": self.exact, "overlap": self.overlap, "exact_f1": self.exact_f1, "overlap_f1": self.overlap_f1}


@dataclass
class AttributeCounts:
    compared: int = 0
    agreed: int = 0

    @property
    def rate(self) -> float | None:
        return None if self.compared == 0 else self.agreed / self.compared

    def record(self, same: bool) -> None:
        self.compared += 1
        self.agreed += bool(same)

    def to_dict(self) -> dict:
        return {"compared": self.compared, "agreed": self.agreed, "rate": self.rate}


@dataclass
class AgreementReport:
    set_a: str
    set_b: str
    articles: int = 0
    layers: dict[str, SpanCounts] = field(default_factory=lambda: defaultdict(SpanCounts))
    labels: dict[str, dict[str, SpanCounts]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(SpanCounts)))
    attributes: dict[str, AttributeCounts] = field(default_factory=lambda: defaultdict(AttributeCounts))

    def to_dict(self) -> dict:
        return {
            "set_a": self.set_a,
            "set_b": self.set_b,
            "articles": self.articles,
            "layers": {name: counts.to_dict() for name, counts in self.layers.items()},
            "labels": {layer: {label: c.to_dict() for label, c in sorted(per.items())} for layer, per in self.labels.items()},
            "attributes": {name: counts.to_dict() for name, counts in self.attributes.items()},
        }

    def format(self) -> str:
        def pct(value: float | None) -> str:
            return "   -  " if value is None else f"{100 * value:5.1f}%"

        lines = [f"agreement {self.set_a} vs {self.set_b} over {self.articles} article(s)", "", "layer / label            a     b  exact-F1  overlap-F1"]
        for layer, counts in self.layers.items():
            lines.append(f"{layer:<22} {counts.a:>4} {counts.b:>5}    {pct(counts.exact_f1)}      {pct(counts.overlap_f1)}")
            for label, per in sorted(self.labels.get(layer, {}).items()):
                lines.append(f"  {label:<20} {per.a:>4} {per.b:>5}    {pct(per.exact_f1)}      {pct(per.overlap_f1)}")
        lines += ["", "attribute (on matched items)      agreed / compared"]
        for name, attribute in self.attributes.items():
            lines.append(f"{name:<32} {attribute.agreed:>4} / {attribute.compared:<4} {pct(attribute.rate)}")
        return "\n".join(lines)


def match_overlapping(a: list[LabelledSpan], b: list[LabelledSpan], same_label: bool = True) -> list[tuple[int, int]]:
    """One-to-one pairs (index in a, index in b) of overlapping spans, largest overlap first."""
    candidates = []
    for i, (sa, ea, la) in enumerate(a):
        for j, (sb, eb, lb) in enumerate(b):
            overlap = min(ea, eb) - max(sa, sb)
            if overlap > 0 and (not same_label or la == lb):
                candidates.append((-overlap, abs(sa - sb) + abs(ea - eb), i, j))
    used_a, used_b, pairs = set(), set(), []
    for _, _, i, j in sorted(candidates):
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            pairs.append((i, j))
    return pairs


def span_counts(a: list[LabelledSpan], b: list[LabelledSpan]) -> SpanCounts:
    return SpanCounts(a=len(a), b=len(b), exact=_multiset_intersection(a, b), overlap=len(match_overlapping(a, b)))


def _multiset_intersection(a: Iterable, b: Iterable) -> int:
    remaining: defaultdict[Hashable, int] = defaultdict(int)
    for item in b:
        remaining[item] += 1
    count = 0
    for item in a:
        if remaining[item] > 0:
            remaining[item] -= 1
            count += 1
    return count


def _claim_layers(claims: list[Claim]) -> dict[str, list[LabelledSpan]]:
    layers: dict[str, list[LabelledSpan]] = {"claim content": [], "claim cue": [], "claim source": []}
    for claim in claims:
        layers["claim content"] += [(s.start, s.end, claim.mode.value) for s in claim.content]
        if claim.cue:
            layers["claim cue"].append((claim.cue.start, claim.cue.end, "cue"))
        if claim.source:
            layers["claim source"].append((claim.source.start, claim.source.end, "source"))
    return layers


def _layers(aset: AnnotationSet) -> dict[str, list[LabelledSpan]]:
    return {
        "entities": [(e.start, e.end, e.type.value) for e in aset.entities],
        "figures": [(f.start, f.end, f.kind.value) for f in aset.figures],
        **_claim_layers(aset.claims),
    }


def _span_key(span) -> tuple[int, int] | None:
    return None if span is None else (span.start, span.end)


def _source_key(claim: Claim, aset: AnnotationSet) -> tuple | None:
    """The source as offsets of the entity it links to, else of its own span."""
    if claim.source_entity_id is not None:
        entity = next((e for e in aset.entities if e.id == claim.source_entity_id), None)
        if entity is not None:
            return ("entity", entity.start, entity.end)
    return None if claim.source is None else ("span", claim.source.start, claim.source.end)


def _claim_key(claim_id: str | None, aset: AnnotationSet) -> tuple | None:
    claim = next((c for c in aset.claims if c.id == claim_id), None)
    return None if claim is None else tuple(_span_key(s) for s in claim.content)


def _words(text: str | None) -> list[str]:
    return (text or "").lower().split()


def _figure_values(figure: Figure) -> tuple:
    return (figure.value, figure.value_low, figure.value_high)


def layer_counts(a: AnnotationSet, b: AnnotationSet) -> dict[str, SpanCounts]:
    """Span counts of two sets of one article, per layer."""
    layers_a, layers_b = _layers(a), _layers(b)
    return {layer: span_counts(layers_a[layer], layers_b[layer]) for layer in layers_a}


def attribute_values(a: AnnotationSet, b: AnnotationSet) -> Iterator[tuple[str, Hashable, Hashable]]:
    """(attribute, value in a, value in b) for every attribute of every pair of matched items.

    Items are matched by overlapping spans regardless of label, so a label change is an
    attribute disagreement here; values are normalized as compared (unit case, words of
    ``counted``, claims and sources by their offsets).
    """
    figures_a = [(f.start, f.end, "") for f in a.figures]
    figures_b = [(f.start, f.end, "") for f in b.figures]
    for i, j in match_overlapping(figures_a, figures_b):
        fa, fb = a.figures[i], b.figures[j]
        yield "figure kind", fa.kind.value, fb.kind.value
        yield "figure approximation", fa.approximation.value, fb.approximation.value
        yield "figure value (value, low, high)", _figure_values(fa), _figure_values(fb)
        yield "figure unit", (fa.unit or "").lower(), (fb.unit or "").lower()
        yield "figure date value", (fa.date_value, tuple(fa.date_inferred)), (fb.date_value, tuple(fb.date_inferred))
        yield "figure counted (same words)", tuple(_words(fa.counted)), tuple(_words(fb.counted))
        yield "figure claim (same content spans)", _claim_key(fa.claim_id, a), _claim_key(fb.claim_id, b)

    entities_a = [(e.start, e.end, "") for e in a.entities]
    entities_b = [(e.start, e.end, "") for e in b.entities]
    for i, j in match_overlapping(entities_a, entities_b):
        ea, eb = a.entities[i], b.entities[j]
        yield "entity type", ea.type.value, eb.type.value
        yield "entity wikidata", ea.wikidata, eb.wikidata

    claims_a = [(c.content[0].start, c.content[-1].end, "") for c in a.claims]
    claims_b = [(c.content[0].start, c.content[-1].end, "") for c in b.claims]
    for i, j in match_overlapping(claims_a, claims_b):
        ca, cb = a.claims[i], b.claims[j]
        yield "claim mode", ca.mode.value, cb.mode.value
        yield "claim source", _source_key(ca, a), _source_key(cb, b)
        yield "claim cue", _span_key(ca.cue), _span_key(cb.cue)


def compare_sets(a: AnnotationSet, b: AnnotationSet, report: AgreementReport) -> None:
    """Add the comparison of two sets of one article to ``report``."""
    report.articles += 1
    layers_a, layers_b = _layers(a), _layers(b)
    for layer, counts in layer_counts(a, b).items():
        report.layers[layer].add(counts)
        for label in sorted({s[2] for s in layers_a[layer] + layers_b[layer]}):
            per_a = [s for s in layers_a[layer] if s[2] == label]
            per_b = [s for s in layers_b[layer] if s[2] == label]
            report.labels[layer][label].add(span_counts(per_a, per_b))
    for name, value_a, value_b in attribute_values(a, b):
        report.attributes[name].record(value_a == value_b)


def agreement(pairs: Iterable[tuple[AnnotationSet, AnnotationSet]], set_a: str, set_b: str) -> AgreementReport:
    report = AgreementReport(set_a=set_a, set_b=set_b)
    for a, b in pairs:
        compare_sets(a, b, report)
    return report
