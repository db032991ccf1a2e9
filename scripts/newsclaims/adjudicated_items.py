"""The items of an adjudicated set, made from the versions taken from the passes.

Each item keeps its own id, made unique with a suffix when another item took it first; a
reference is re-pointed at the output item on the same span (the identical one when there is
one). A claim whose only source is an entity left out is dropped; any other reference to an
item left out is set to null and reported as dangling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import ClaimSpan
from .pass_comparison import LAYERS, DroppedItem, ItemVersion, PassIndex, SpanKey, anchor_text, content_key, layer_of, spans_text
from .vocab import ClaimMode

MAX_ID_LENGTH = 64


@dataclass
class DanglingReference:
    layer: str
    item_id: str
    field: str
    target: str

    def to_dict(self) -> dict:
        return {"layer": self.layer, "id": self.item_id, "field": self.field, "target": self.target}


class _Ids:
    """Ids of the output: each item keeps its own, made unique with a suffix when taken."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def claim(self, wanted: str) -> str:
        candidate, number = wanted, 1
        while candidate in self.used:
            number += 1
            suffix = f"-{number}"
            candidate = wanted[: MAX_ID_LENGTH - len(suffix)] + suffix
        self.used.add(candidate)
        return candidate


def _pick(candidates: list[tuple[Any, tuple]], key: tuple) -> Any:
    """The output item with the wanted key, else the first on the same span."""
    return next((item for item, k in candidates if k == key), candidates[0][0]) if candidates else None


def _by_anchor(made: list[tuple[ItemVersion, Any]], anchor) -> dict[Any, list[tuple[Any, tuple]]]:
    """Output items with their keys in the passes, by the span they sit on."""
    found: dict[Any, list[tuple[Any, tuple]]] = {}
    for version, item in made:
        found.setdefault(anchor(item), []).append((item, version.key))
    return found


def build_output(passes: list[PassIndex], chosen: list[ItemVersion]) -> tuple[dict[str, list], list[DroppedItem], list[DanglingReference]]:
    """The output items with unique ids and references re-pointed at output items on the same spans."""
    ids = _Ids()
    renamed: dict[int, str] = {}
    order = sorted(chosen, key=lambda v: (v.pass_index, LAYERS.index(layer_of(v.item)), v.position))
    for version in order:
        renamed[id(version)] = ids.claim(version.item.id)
    part_ids: dict[tuple[int, str], str] = {}

    def part(span: ClaimSpan | None, pass_index: int) -> ClaimSpan | None:
        if span is None or span.id is None:
            return span
        new = part_ids.get((pass_index, span.id))
        if new is None:
            new = part_ids[(pass_index, span.id)] = ids.claim(span.id)
        return span.model_copy(update={"id": new})

    layers: dict[str, list[ItemVersion]] = {layer: [v for v in order if layer_of(v.item) == layer] for layer in LAYERS}
    dropped: list[DroppedItem] = []
    dangling: list[DanglingReference] = []

    entities = [(v, v.item.model_copy(update={"id": renamed[id(v)]})) for v in layers["entity"]]
    entities_by_span: dict[SpanKey, list] = _by_anchor(entities, lambda e: (e.start, e.end))

    claims = []
    for v in layers["claim"]:
        p, claim = passes[v.pass_index], v.item
        update: dict[str, Any] = {"id": renamed[id(v)], "content": [part(s, v.pass_index) for s in claim.content],
                                  "cue": part(claim.cue, v.pass_index), "source": part(claim.source, v.pass_index)}
        if claim.source_entity_id is not None:
            target = p.entities[claim.source_entity_id]
            entity = _pick(entities_by_span.get((target.start, target.end), []), p.key("entity", target))
            update["source_entity_id"] = None if entity is None else entity.id
            if entity is None:
                where = f"entity «{target.text}» at {target.start}:{target.end}, not in the output"
                if claim.mode is not ClaimMode.UNATTRIBUTED and claim.source is None:
                    dropped.append(DroppedItem("claim", list(content_key(claim)), anchor_text("claim", claim), p.describe("claim", claim),
                                               [p.aset.set_id], f"its only source is the {where}"))
                    continue
                dangling.append(DanglingReference("claim", update["id"], "source_entity_id", where))
        claims.append((v, claim.model_copy(update=update)))
    claims_by_content: dict[tuple, list] = _by_anchor(claims, content_key)

    figures = []
    for v in layers["figure"]:
        p, figure = passes[v.pass_index], v.item
        update = {"id": renamed[id(v)]}
        if figure.claim_id is not None:
            target_claim = p.claims[figure.claim_id]
            claim = _pick(claims_by_content.get(content_key(target_claim), []), p.key("claim", target_claim))
            update["claim_id"] = None if claim is None else claim.id
            if claim is None:
                text = anchor_text("claim", target_claim)
                dangling.append(DanglingReference("figure", update["id"], "claim_id", f"claim «{text}» at {spans_text(content_key(target_claim))}, not in the output"))
        figures.append(figure.model_copy(update=update))

    return {
        "entity": sorted((e for _, e in entities), key=lambda e: (e.start, e.end)),
        "claim": sorted((c for _, c in claims), key=lambda c: (c.content[0].start, c.content[0].end)),
        "figure": sorted(figures, key=lambda f: (f.start, f.end)),
    }, dropped, dangling
