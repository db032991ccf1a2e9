"""The independent passes of an article compared item by item, and the rules that settle conflicts.

Items are compared with their references resolved to spans, never to ids (which differ
between passes): a claim's source entity is its span, a figure's claim is the claim's content
spans. An item is agreed when every pass has an identical one; anything else is a conflict,
grouped by the span it sits on. A rule takes versions from each conflict:

- ``agreed``: none; every conflicting version is dropped;
- ``prefer:<set_id>``: that pass's version of every conflict; versions it lacks are dropped;
- ``majority``: an item goes in when more than half of the passes have it identically.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .agreement import _claim_key, _span_key
from .errors import AdjudicationError
from .model import AnnotationSet, Claim, Entity, Figure

LAYERS = ("entity", "claim", "figure")
RULES_HELP = "agreed, prefer:<set_id>, majority"

Item = Entity | Claim | Figure
SpanKey = tuple[int, int]


@dataclass(frozen=True)
class Rule:
    name: str
    preferred: str | None = None

    def __str__(self) -> str:
        return f"prefer:{self.preferred}" if self.name == "prefer" else self.name


def parse_rule(text: str | None) -> Rule | None:
    if text is None:
        return None
    if text in ("agreed", "majority"):
        return Rule(text)
    if text.startswith("prefer:") and len(text) > len("prefer:"):
        return Rule("prefer", text[len("prefer:"):])
    raise AdjudicationError(f"unknown rule {text!r}; expected one of: {RULES_HELP}")


# -- keys: items with their references resolved to spans -----------------------------------


def _span_dict(span) -> dict | None:
    return None if span is None else {"start": span.start, "end": span.end, "text": span.text}


def content_key(claim: Claim) -> tuple:
    return tuple(_span_key(s) for s in claim.content)


def anchor_text(layer: str, item: Item) -> str:
    return " … ".join(s.text for s in item.content) if isinstance(item, Claim) else item.text


def spans_text(spans: Iterable) -> str:
    return ", ".join(f"{s}:{e}" for s, e in spans)


def layer_of(item: Item) -> str:
    return "entity" if isinstance(item, Entity) else "claim" if isinstance(item, Claim) else "figure"


def _anchor(layer: str, item: Item) -> tuple:
    return content_key(item) if isinstance(item, Claim) else ((item.start, item.end),)


def _items(aset: AnnotationSet, layer: str) -> list:
    items: dict[str, list] = {"entity": aset.entities, "claim": aset.claims, "figure": aset.figures}
    return items[layer]


class PassIndex:
    """One pass with its items by id, to resolve references."""

    def __init__(self, aset: AnnotationSet) -> None:
        self.aset = aset
        self.entities = {e.id: e for e in aset.entities}
        self.claims = {c.id: c for c in aset.claims}

    def key(self, layer: str, item: Item) -> tuple:
        if isinstance(item, Entity):
            return (item.start, item.end, item.type.value, item.wikidata)
        if isinstance(item, Claim):
            source_entity = _span_key(self.entities.get(item.source_entity_id) if item.source_entity_id else None)
            return (content_key(item), item.mode.value, _span_key(item.cue), _span_key(item.source), source_entity)
        return (
            item.start, item.end, item.kind.value, item.approximation.value, item.value, item.value_low, item.value_high,
            item.unit, item.counted, item.date_value, tuple(p.value for p in item.date_inferred), _claim_key(item.claim_id, self.aset),
        )

    def describe(self, layer: str, item: Item) -> dict:
        """One pass's version of an item, for reports: its attributes, references as spans."""
        if isinstance(item, Entity):
            return {"id": item.id, "type": item.type.value, "wikidata": item.wikidata}
        if isinstance(item, Claim):
            entity = self.entities.get(item.source_entity_id) if item.source_entity_id else None
            return {"id": item.id, "mode": item.mode.value, "cue": _span_dict(item.cue), "source": _span_dict(item.source), "source_entity": _span_dict(entity)}
        claim = self.claims.get(item.claim_id) if item.claim_id else None
        version = item.model_dump(mode="json", exclude={"start", "end", "text", "claim_id"})
        version["claim"] = None if claim is None else [_span_dict(s) for s in claim.content]
        return version


# -- the comparison -------------------------------------------------------------------------


@dataclass
class ItemVersion:
    """One pass's copy of an item: where it stands in the pass, and its key."""

    pass_index: int
    position: int
    item: Any
    key: tuple


def _by_key(versions: Iterable[ItemVersion], pass_count: int) -> dict[tuple, list[list[ItemVersion]]]:
    """Versions with the same key, split by pass, in the order met."""
    groups: dict[tuple, list[list[ItemVersion]]] = {}
    for version in versions:
        groups.setdefault(version.key, [[] for _ in range(pass_count)])[version.pass_index].append(version)
    return groups


@dataclass
class Conflict:
    """Items on one span that not every pass has identically: each pass's versions, or none."""

    layer: str
    span: list[SpanKey]
    text: str
    versions: list[list[ItemVersion]] = field(repr=False)
    taken_from: list[str] = field(default_factory=list)

    def to_dict(self, passes: list[PassIndex]) -> dict:
        return {
            "layer": self.layer,
            "span": [list(s) for s in self.span],
            "text": self.text,
            "versions": {
                p.aset.set_id: [p.describe(self.layer, v.item) for v in versions] or "absent"
                for p, versions in zip(passes, self.versions, strict=True)
            },
            "taken_from": self.taken_from,
        }


@dataclass
class DroppedItem:
    layer: str
    span: list[SpanKey]
    text: str
    version: dict
    passes: list[str]
    reason: str

    def to_dict(self) -> dict:
        return {"layer": self.layer, "span": [list(s) for s in self.span], "text": self.text, "version": self.version, "passes": self.passes, "reason": self.reason}


@dataclass
class Comparison:
    agreed: list[ItemVersion] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    def agreed_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(LAYERS, 0)
        for version in self.agreed:
            counts[layer_of(version.item)] += 1
        return counts


def compare_passes(passes: list[PassIndex]) -> Comparison:
    """Agreed items (the first pass's copy) and conflicts, per layer, in the first pass's order."""
    comparison = Comparison()
    for layer in LAYERS:
        versions = (
            ItemVersion(index, position, item, p.key(layer, item))
            for index, p in enumerate(passes)
            for position, item in enumerate(_items(p.aset, layer))
        )
        conflicts: dict[tuple, Conflict] = {}
        for copies in _by_key(versions, len(passes)).values():
            agreed = min(len(c) for c in copies)
            comparison.agreed += copies[0][:agreed]
            for index, c in enumerate(copies):
                for version in c[agreed:]:
                    anchor = _anchor(layer, version.item)
                    conflict = conflicts.setdefault(
                        anchor, Conflict(layer, list(anchor), anchor_text(layer, version.item), [[] for _ in passes])
                    )
                    conflict.versions[index].append(version)
        comparison.conflicts += sorted(conflicts.values(), key=lambda c: c.span)
    return comparison


def resolve_conflict(conflict: Conflict, rule: Rule | None, passes: list[PassIndex]) -> tuple[list[ItemVersion], list[DroppedItem]]:
    """The versions a rule takes from a conflict, and the distinct versions it drops."""
    if rule is None:
        return [], []
    pass_ids = [p.aset.set_id for p in passes]
    taken: list[ItemVersion] = []
    dropped: list[DroppedItem] = []
    for copies in _by_key((v for versions in conflict.versions for v in versions), len(passes)).values():
        having = [pass_ids[i] for i, c in enumerate(copies) if c]
        if rule.name == "prefer":
            assert rule.preferred is not None, "a prefer rule names its pass"
            chosen = copies[pass_ids.index(rule.preferred)]
            reason = f"rule {rule}: not in {rule.preferred}"
        elif rule.name == "majority":
            chosen = []
            for copy in range(max(len(c) for c in copies)):
                holders = [c for c in copies if len(c) > copy]
                if 2 * len(holders) > len(pass_ids):
                    chosen.append(holders[0][copy])
            reason = f"rule majority: in {len(having)} of {len(pass_ids)} passes"
        else:
            chosen, reason = [], "rule agreed: not in every pass"
        taken += chosen
        if not chosen:
            first = next(v for c in copies for v in c)
            dropped.append(
                DroppedItem(conflict.layer, list(_anchor(conflict.layer, first.item)), conflict.text,
                            passes[first.pass_index].describe(conflict.layer, first.item), having, reason)
            )
    conflict.taken_from = sorted({pass_ids[v.pass_index] for v in taken}, key=pass_ids.index)
    return taken, dropped
