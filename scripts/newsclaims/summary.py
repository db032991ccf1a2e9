"""Counts that describe the corpus: articles, characters, annotation sets, and the gold layers."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field

from .store import Corpus


@dataclass
class CorpusSummary:
    articles: int = 0
    revisions: int = 0
    characters: int = 0
    annotation_files: int = 0
    sets_by_kind: dict[str, int] = field(default_factory=dict)
    gold_entities_by_type: dict[str, int] = field(default_factory=dict)
    gold_claims_by_mode: dict[str, int] = field(default_factory=dict)
    gold_figures_by_kind: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        def counts(mapping: dict[str, int]) -> str:
            return ", ".join(f"{key} {value}" for key, value in mapping.items()) or "none"

        return "\n".join(
            [
                f"articles: {self.articles} ({self.revisions} revision(s), {self.characters} characters in the latest revisions)",
                f"annotation files: {self.annotation_files}; sets: {counts(self.sets_by_kind)}",
                f"gold entities: {sum(self.gold_entities_by_type.values())} ({counts(self.gold_entities_by_type)})",
                f"gold claims: {sum(self.gold_claims_by_mode.values())} ({counts(self.gold_claims_by_mode)})",
                f"gold figures: {sum(self.gold_figures_by_kind.values())} ({counts(self.gold_figures_by_kind)})",
            ]
        )


def _sorted(counter: Counter) -> dict[str, int]:
    return dict(sorted(counter.items()))


def corpus_summary(corpus: Corpus) -> CorpusSummary:
    manifest = corpus.load_manifest()
    latest = corpus.latest_revisions()
    sets, entities, claims, figures = Counter[str](), Counter[str](), Counter[str](), Counter[str]()
    files = 0
    for record in latest:
        annotations = corpus.load_annotations(record.article_id)
        if annotations is None:
            continue
        files += 1
        sets.update(s.kind.value for s in annotations.sets)
        gold = annotations.gold()
        if gold is not None:
            entities.update(e.type.value for e in gold.entities)
            claims.update(c.mode.value for c in gold.claims)
            figures.update(f.kind.value for f in gold.figures)
    return CorpusSummary(
        articles=len(latest),
        revisions=len(manifest.articles),
        characters=sum(r.n_chars for r in latest),
        annotation_files=files,
        sets_by_kind=_sorted(sets),
        gold_entities_by_type=_sorted(entities),
        gold_claims_by_mode=_sorted(claims),
        gold_figures_by_kind=_sorted(figures),
    )
