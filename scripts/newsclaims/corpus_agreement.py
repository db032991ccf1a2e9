"""Agreement of the independent passes over the whole corpus, with intervals.

Only independent passes (:mod:`newsclaims.passes`) of each article's latest revision count;
an article with k >= 2 of them gives its k(k-1)/2 pairs. Span F1 is pooled over every pair
of every article; its 95 % interval is a percentile bootstrap that resamples articles, not
pairs or spans, since the items of one article are not independent of each other; with a
single article there is nothing to resample and no interval is given. The
attributes of matched items get raw agreement and Krippendorff's alpha (nominal), from the
coincidence matrix of the matched pairs, each pair a unit coded twice.

numpy is imported only to compute intervals, so that the command line starts without it.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .agreement import SpanCounts, attribute_values, layer_counts
from .model import AnnotationSet
from .passes import independent_passes
from .store import Corpus

if TYPE_CHECKING:
    import numpy as np

LAYERS = ("entities", "figures", "claim content", "claim cue", "claim source")
RESAMPLES = 1000
SEED = 20240531
CONFIDENCE = 0.95
CHUNK_CELLS = 4_000_000
"""How many counts one step of the bootstrap holds at once, so that memory stays flat however many articles."""


def krippendorff_alpha_nominal(pairs: Iterable[tuple[Hashable, Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal values, each pair a unit coded by two coders.

    None when it is undefined: no pair, or a single value throughout (no variation to agree on).
    """
    return _alpha_of_pair_counts(Counter(pairs))


def _alpha_of_pair_counts(pair_counts: Counter) -> float | None:
    coincidences: Counter = Counter()
    for (a, b), count in pair_counts.items():
        coincidences[a, b] += count
        coincidences[b, a] += count
    marginals: Counter = Counter()
    for (c, _), count in coincidences.items():
        marginals[c] += count
    n = sum(marginals.values())
    expected = n * n - sum(m * m for m in marginals.values())
    if n < 2 or expected == 0:
        return None
    observed = sum(count for (c, k), count in coincidences.items() if c != k)
    return 1 - (n - 1) * observed / expected


@dataclass
class LayerAgreement:
    counts: SpanCounts = field(default_factory=SpanCounts)
    exact_interval: tuple[float, float] | None = None
    overlap_interval: tuple[float, float] | None = None

    def to_dict(self) -> dict:
        return {
            **self.counts.to_dict(),
            "exact_f1_interval": None if self.exact_interval is None else list(self.exact_interval),
            "overlap_f1_interval": None if self.overlap_interval is None else list(self.overlap_interval),
        }


@dataclass
class AttributeAgreement:
    compared: int = 0
    agreed: int = 0
    alpha: float | None = None

    @property
    def rate(self) -> float | None:
        return None if self.compared == 0 else self.agreed / self.compared

    def to_dict(self) -> dict:
        return {"compared": self.compared, "agreed": self.agreed, "rate": self.rate, "alpha": self.alpha}


@dataclass
class CorpusAgreement:
    """Agreement of independent passes, pooled over the articles that have two or more."""

    articles: int = 0
    pairs: int = 0
    article_ids: list[str] = field(default_factory=list)
    layers: dict[str, LayerAgreement] = field(default_factory=dict)
    attributes: dict[str, AttributeAgreement] = field(default_factory=dict)
    resamples: int = RESAMPLES
    seed: int = SEED
    confidence: float = CONFIDENCE

    def to_dict(self) -> dict:
        return {
            "articles": self.articles,
            "pairs": self.pairs,
            "article_ids": self.article_ids,
            "interval": {"method": "percentile bootstrap over articles", "confidence": self.confidence, "resamples": self.resamples, "seed": self.seed},
            "layers": {name: layer.to_dict() for name, layer in self.layers.items()},
            "attributes": {name: attribute.to_dict() for name, attribute in self.attributes.items()},
        }

    def format(self) -> str:
        if not self.pairs:
            return "No article has two independent annotation passes yet."
        level = f"{100 * self.confidence:g}%"
        lines = [
            f"agreement of independent passes over {self.articles} article(s) with two or more ({self.pairs} pair(s))",
            f"{level} intervals: percentile bootstrap over articles, {self.resamples} resamples, seed {self.seed}"
            + ("" if self.articles >= 2 else " (none with a single article)"),
            "",
            f"{'layer':<15} {'items':>6}  {'exact-F1':>8}  {level + ' interval':<16} {'overlap-F1':>10}  {level + ' interval'}",
        ]
        for name, layer in self.layers.items():
            c = layer.counts
            lines.append(
                f"{name:<15} {c.a + c.b:>6}  {percent(c.exact_f1):>8}  {interval_text(layer.exact_interval):<16} {percent(c.overlap_f1):>10}  {interval_text(layer.overlap_interval):<16}".rstrip()
            )
        lines += ["", f"{'attribute (on matched items)':<34} {'agreed / compared':>17} {'raw':>7} {'alpha':>6}"]
        for name, attribute in self.attributes.items():
            lines.append(f"{name:<34} {attribute.agreed:>8} / {attribute.compared:<6} {percent(attribute.rate):>7} {alpha_text(attribute.alpha):>6}")
        return "\n".join(lines)


def percent(value: float | None, sign: str = "%") -> str:
    """A rate as a percentage with one decimal, or "-" when there is none."""
    return "-" if value is None else f"{100 * value:.1f}{sign}"


def interval_text(interval: tuple[float, float] | None, sign: str = "%", dash: str = "-") -> str:
    """A 95 % interval as "low-high" percentages, or "-" when there is none."""
    return "-" if interval is None else f"{100 * interval[0]:.1f}{dash}{100 * interval[1]:.1f}{sign}"


def alpha_text(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@dataclass
class _ArticleCounts:
    """What one article's pairs contribute: span counts per layer and attribute value pairs."""

    pairs: int = 0
    layers: dict[str, SpanCounts] = field(default_factory=lambda: defaultdict(SpanCounts))
    values: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))


def _article_counts(passes: Sequence[AnnotationSet]) -> _ArticleCounts:
    counts = _ArticleCounts()
    for a, b in itertools.combinations(passes, 2):
        counts.pairs += 1
        for layer, span in layer_counts(a, b).items():
            counts.layers[layer].add(span)
        for name, value_a, value_b in attribute_values(a, b):
            counts.values[name][value_a, value_b] += 1
    return counts


def _bootstrap(matrix: np.ndarray, rng: np.random.Generator, resamples: int, confidence: float) -> np.ndarray:
    """Percentile intervals of pooled F1 for each layer and both match kinds.

    ``matrix`` is (articles, layers, 3): items a+b, exact matches, overlap matches. Returns
    (layers, 2 match kinds, 2 bounds), NaN where every resample had no item of the layer.
    """
    import numpy as np

    articles = matrix.shape[0]
    chunk = max(1, CHUNK_CELLS // matrix[0].size // articles)
    totals = np.concatenate(
        [matrix[rng.integers(0, articles, size=(min(chunk, resamples - done), articles))].sum(axis=1) for done in range(0, resamples, chunk)]
    )
    items = totals[:, :, 0:1]
    with np.errstate(invalid="ignore", divide="ignore"):
        f1 = np.where(items > 0, 2 * totals[:, :, 1:3] / items, np.nan)
    tail = 100 * (1 - confidence) / 2
    bounds = np.full((matrix.shape[1], 2, 2), np.nan)
    for layer in range(matrix.shape[1]):
        for kind in range(2):
            values = f1[:, layer, kind]
            values = values[~np.isnan(values)]
            if values.size:
                bounds[layer, kind] = np.percentile(values, [tail, 100 - tail])
    return bounds


def pooled_agreement(
    articles: Iterable[tuple[str, Sequence[AnnotationSet]]],
    resamples: int = RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> CorpusAgreement:
    """Agreement of (article id, its independent passes) items; articles with fewer than two passes add nothing."""
    result = CorpusAgreement(resamples=resamples, seed=seed, confidence=confidence)
    rows: list[list[tuple[int, int, int]]] = []
    pooled_layers = {layer: SpanCounts() for layer in LAYERS}
    values: dict[str, Counter] = defaultdict(Counter)
    for article_id, passes in articles:
        if len(passes) < 2:
            continue
        counts = _article_counts(passes)
        result.articles += 1
        result.pairs += counts.pairs
        result.article_ids.append(article_id)
        for layer in LAYERS:
            span = counts.layers[layer]
            pooled_layers[layer].add(span)
        rows.append([(counts.layers[layer].a + counts.layers[layer].b, counts.layers[layer].exact, counts.layers[layer].overlap) for layer in LAYERS])
        for name, pair_counts in counts.values.items():
            values[name].update(pair_counts)
    bounds = None
    if len(rows) >= 2:
        import numpy as np

        bounds = _bootstrap(np.array(rows, dtype=np.int64), np.random.default_rng(seed), resamples, confidence)
    for index, layer in enumerate(LAYERS):
        agreement = LayerAgreement(counts=pooled_layers[layer])
        if bounds is not None:
            agreement.exact_interval = _bounds(bounds[index, 0], agreement.counts.exact_f1)
            agreement.overlap_interval = _bounds(bounds[index, 1], agreement.counts.overlap_f1)
        result.layers[layer] = agreement
    for name, pair_counts in values.items():
        result.attributes[name] = AttributeAgreement(
            compared=sum(pair_counts.values()),
            agreed=sum(count for (a, b), count in pair_counts.items() if a == b),
            alpha=_alpha_of_pair_counts(pair_counts),
        )
    return result


def _bounds(bounds: np.ndarray, estimate: float | None) -> tuple[float, float] | None:
    """The interval as plain floats; a bound that differs from the estimate only by rounding is the estimate."""
    low, high = (float(b) for b in bounds)
    if estimate is None or math.isnan(low) or math.isnan(high):
        return None
    low, high = (estimate if abs(b - estimate) < 1e-12 else b for b in (low, high))
    return (low, high)


def article_passes(corpus: Corpus, article_ids: Sequence[str] | None = None) -> Iterator[tuple[str, list[AnnotationSet]]]:
    """(article id, independent passes of its latest revision), one article at a time, in id order."""
    wanted = set(article_ids) if article_ids else None
    for record in corpus.latest_revisions():
        if wanted is not None and record.article_id not in wanted:
            continue
        annotations = corpus.load_annotations(record.article_id)
        yield record.article_id, independent_passes(annotations, record.text_sha256)


def corpus_agreement(corpus: Corpus, article_ids: Sequence[str] | None = None, resamples: int = RESAMPLES, seed: int = SEED) -> CorpusAgreement:
    """Agreement of the independent passes of every article (or of ``article_ids``), on their latest revisions."""
    if article_ids:
        for article_id in article_ids:
            corpus.latest(article_id)
    return pooled_agreement(article_passes(corpus, article_ids), resamples=resamples, seed=seed)
