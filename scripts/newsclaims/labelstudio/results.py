"""An annotation set <-> a Label Studio ``result`` list (regions, per-region attributes, relations).

The layout is described in :mod:`newsclaims.labelstudio.layout`. Region ids are our
annotation ids, so relations hold across the round trip. Label Studio's offsets are taken
as the truth and checked against the text; its ``text`` copy of a region is not trusted.
Every region that cannot be converted is reported with its id; nothing is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from ..model import Claim, ClaimSpan, Entity, Figure, Span
from ..vocab import Approximation, ClaimMode, ClaimPart, DatePart, DefinedEnum, EntityType, FigureKind
from .layout import (
    APPROXIMATION_TAG,
    CLAIM_TAG,
    DATE_INFERRED_TAG,
    ENTITY_TAG,
    FIGURE_TAG,
    MODE_TAG,
    NUMBER_TAGS,
    TEXT_ATTRIBUTE_TAGS,
    TEXT_TAG,
    WIKIDATA_TAG,
    RelationLabel,
)

Result = dict[str, Any]

_LABEL_TAGS: dict[str, type[DefinedEnum]] = {ENTITY_TAG: EntityType, CLAIM_TAG: ClaimPart, FIGURE_TAG: FigureKind}
_CHOICE_TAGS: dict[str, type[DefinedEnum]] = {MODE_TAG: ClaimMode, APPROXIMATION_TAG: Approximation, DATE_INFERRED_TAG: DatePart}
_ATTRIBUTE_OWNER = {
    MODE_TAG: CLAIM_TAG,
    APPROXIMATION_TAG: FIGURE_TAG,
    DATE_INFERRED_TAG: FIGURE_TAG,
    WIKIDATA_TAG: ENTITY_TAG,
    **{name: FIGURE_TAG for name in (*NUMBER_TAGS, *TEXT_ATTRIBUTE_TAGS)},
}


# -- the model -> Label Studio ------------------------------------------------------------


def _value(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text}


def _region(region_id: str, tag: str, label: str, span: Span) -> Result:
    return {"id": region_id, "from_name": tag, "to_name": TEXT_TAG, "type": "labels", "origin": "manual", "value": {**_value(span), "labels": [label]}}


def _attribute(region_id: str, tag: str, kind: str, span: Span, payload: dict[str, Any]) -> Result:
    return {"id": region_id, "from_name": tag, "to_name": TEXT_TAG, "type": kind, "value": {"start": span.start, "end": span.end, **payload}}


def _relation(from_id: str, to_id: str, label: RelationLabel) -> Result:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label.value]}


def part_id(claim_id: str, part: str) -> str:
    """Region id of a claim's cue, source or further content piece (``c12.cue``, ``c12.content2``)."""
    return f"{claim_id}.{part}"


def entity_results(entity: Entity) -> list[Result]:
    results = [_region(entity.id, ENTITY_TAG, entity.type.value, entity)]
    if entity.wikidata:
        results.append(_attribute(entity.id, WIKIDATA_TAG, "textarea", entity, {"text": [entity.wikidata]}))
    return results


def figure_results(figure: Figure) -> list[Result]:
    results = [
        _region(figure.id, FIGURE_TAG, figure.kind.value, figure),
        _attribute(figure.id, APPROXIMATION_TAG, "choices", figure, {"text": figure.text, "choices": [figure.approximation.value]}),
    ]
    for name in NUMBER_TAGS:
        number = getattr(figure, name)
        if number is not None:
            results.append(_attribute(figure.id, name, "number", figure, {"text": figure.text, "number": number}))
    for name in TEXT_ATTRIBUTE_TAGS:
        text = getattr(figure, name)
        if text is not None:
            results.append(_attribute(figure.id, name, "textarea", figure, {"text": [text]}))
    if figure.date_inferred:
        results.append(_attribute(figure.id, DATE_INFERRED_TAG, "choices", figure, {"text": figure.text, "choices": [p.value for p in figure.date_inferred]}))
    if figure.claim_id:
        results.append(_relation(figure.id, figure.claim_id, RelationLabel.IN_CLAIM))
    return results


def claim_results(claim: Claim, emitted: set[str]) -> list[Result]:
    """Regions and relations of one claim; a part region already in ``emitted`` (shared) is only related to."""
    first = claim.content[0]
    results = [
        _region(claim.id, CLAIM_TAG, ClaimPart.CONTENT.value, first),
        _attribute(claim.id, MODE_TAG, "choices", first, {"text": first.text, "choices": [claim.mode.value]}),
    ]

    def part(span: ClaimSpan, name: str, label: ClaimPart) -> str:
        region_id = span.id or part_id(claim.id, name)
        if region_id not in emitted:
            emitted.add(region_id)
            results.append(_region(region_id, CLAIM_TAG, label.value, span))
        return region_id

    for index, piece in enumerate(claim.content[1:], start=2):
        results.append(_relation(part(piece, f"content{index}", ClaimPart.CONTENT), claim.id, RelationLabel.CONTINUES))
    if claim.cue is not None:
        results.append(_relation(claim.id, part(claim.cue, "cue", ClaimPart.CUE), RelationLabel.CUE))
    if claim.source is not None:
        source_id = part(claim.source, "source", ClaimPart.SOURCE)
        results.append(_relation(claim.id, source_id, RelationLabel.SOURCE))
        if claim.source_entity_id:
            results.append(_relation(source_id, claim.source_entity_id, RelationLabel.REFERS_TO))
    elif claim.source_entity_id:
        results.append(_relation(claim.id, claim.source_entity_id, RelationLabel.SOURCE))
    return results


def set_to_results(entities: list[Entity], claims: list[Claim], figures: list[Figure]) -> list[Result]:
    results: list[Result] = []
    for entity in entities:
        results += entity_results(entity)
    emitted: set[str] = set()
    for claim in claims:
        results += claim_results(claim, emitted)
    for figure in figures:
        results += figure_results(figure)
    return results


# -- Label Studio -> the model ------------------------------------------------------------


@dataclass(frozen=True)
class RegionProblem:
    error_id: str
    region_id: str | None
    message: str


@dataclass
class Layers:
    entities: list[Entity] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    problems: list[RegionProblem] = field(default_factory=list)


@dataclass
class _Region:
    id: str
    tag: str
    label: str
    span: Span
    attributes: dict[str, Any] = field(default_factory=dict)


class _Reader:
    """Collects regions, attributes and relations of one result list, with every problem."""

    def __init__(self, results: list[Any], text: str) -> None:
        self.text = text
        self.regions: dict[str, _Region] = {}
        self.attributes: dict[str, list[Result]] = defaultdict(list)
        self.relations: list[Result] = []
        self.problems: list[RegionProblem] = []
        self.rejected: set[str] = set()
        for index, result in enumerate(results):
            self._read(index, result)
        for region_id, items in self.attributes.items():
            self._attach(region_id, items)

    def problem(self, error_id: str, region_id: str | None, message: str) -> None:
        """Record a problem; its region is then left out quietly from relations and claims, as it is already reported."""
        self.problems.append(RegionProblem(error_id, region_id, message))
        if region_id is not None:
            self.rejected.add(region_id)

    def _read(self, index: int, result: Any) -> None:
        if not isinstance(result, dict):
            self.problem("result-invalid", None, f"result[{index}]: expected an object, found {type(result).__name__}")
            return
        kind = result.get("type")
        if kind == "relation":
            self.relations.append(result)
            return
        region_id = result.get("id")
        if not isinstance(region_id, str) or not region_id:
            self.problem("region-id-missing", None, f"result[{index}] ({kind}, from_name {result.get('from_name')!r}): expected a region id, found {region_id!r}")
            return
        tag = result.get("from_name")
        for key in ("meta", "score"):
            if result.get(key) not in (None, {}, []):
                self.problem("region-extra-unsupported", region_id, f"{key}: the schema has no place for a region {key}, found {result[key]!r}; remove it or extend the schema")
        if result.get("to_name") != TEXT_TAG:
            self.problem("unsupported-result", region_id, f"to_name: expected {TEXT_TAG!r} (a <Text> tag), found {result.get('to_name')!r}")
            return
        if kind == "labels":
            self._read_region(region_id, tag, result)
        elif kind in ("choices", "number", "textarea") and tag in _ATTRIBUTE_OWNER:
            self.attributes[region_id].append(result)
        else:
            self.problem("unsupported-result", region_id, f"expected a labels, choices, number or textarea result of this schema, found type {kind!r} from {tag!r}")

    def _span(self, region_id: str, value: Any) -> Span | None:
        if not isinstance(value, dict):
            self.problem("region-value-invalid", region_id, f"value: expected an object with start and end, found {value!r}")
            return None
        start, end = value.get("start"), value.get("end")
        if type(start) is not int or type(end) is not int:
            self.problem("region-offsets-invalid", region_id, f"expected integer start and end, found {start!r} and {end!r}")
            return None
        if not 0 <= start < end <= len(self.text):
            self.problem("span-out-of-range", region_id, f"expected 0 <= start < end <= {len(self.text)}, found {start}:{end}")
            return None
        return Span(start=start, end=end, text=self.text[start:end])

    def _read_region(self, region_id: str, tag: Any, result: Result) -> None:
        if region_id in self.regions:
            self.problem("duplicate-region-id", region_id, f"expected one labels result per region id, found another from {tag!r}")
            return
        vocabulary = _LABEL_TAGS.get(tag)
        if vocabulary is None:
            self.problem("unknown-label-tag", region_id, f"from_name: expected one of {sorted(_LABEL_TAGS)}, found {tag!r}")
            return
        value = result.get("value")
        labels = value.get("labels") if isinstance(value, dict) else None
        if not isinstance(labels, list) or len(labels) != 1:
            self.problem("region-labels", region_id, f"expected exactly one label, found {labels!r}")
            return
        if labels[0] not in vocabulary.definitions():
            self.problem("unknown-label", region_id, f"{tag}: expected one of {list(vocabulary.definitions())}, found {labels[0]!r}")
            return
        span = self._span(region_id, value)
        if span is not None:
            self.regions[region_id] = _Region(region_id, tag, labels[0], span)

    def _attach(self, region_id: str, items: list[Result]) -> None:
        region = self.regions.get(region_id)
        for item in items:
            tag = item["from_name"]
            if region is None:
                if not any(p.region_id == region_id for p in self.problems):
                    self.problem("attribute-without-region", region_id, f"{tag}: expected a labelled region with this id, found none")
                continue
            if _ATTRIBUTE_OWNER[tag] != region.tag:
                self.problem("attribute-misplaced", region_id, f"{tag}: belongs on a {_ATTRIBUTE_OWNER[tag]} region, found on a {region.tag} region ({region.label})")
                continue
            if tag in region.attributes:
                self.problem("attribute-repeated", region_id, f"{tag}: expected one result, found several")
                continue
            parsed = self._attribute_value(region_id, tag, item)
            if parsed is not _INVALID:
                region.attributes[tag] = parsed

    def _attribute_value(self, region_id: str, tag: str, item: Result) -> Any:
        value = item.get("value") if isinstance(item.get("value"), dict) else {}
        if tag in _CHOICE_TAGS:
            choices = value.get("choices")
            allowed = _CHOICE_TAGS[tag].definitions()
            if not isinstance(choices, list) or any(c not in allowed for c in choices):
                self.problem("unknown-choice", region_id, f"{tag}: expected choices from {list(allowed)}, found {choices!r}")
                return _INVALID
            if tag != DATE_INFERRED_TAG and len(choices) > 1:
                self.problem("unknown-choice", region_id, f"{tag}: expected one choice, found {choices!r}")
                return _INVALID
            return choices if tag == DATE_INFERRED_TAG else (choices[0] if choices else None)
        if tag in NUMBER_TAGS:
            number = value.get("number")
            if number is not None and (isinstance(number, bool) or not isinstance(number, (int, float))):
                self.problem("attribute-invalid", region_id, f"{tag}: expected a number, found {number!r}")
                return _INVALID
            return None if number is None else float(number)
        texts = value.get("text")
        if not isinstance(texts, list) or any(not isinstance(t, str) for t in texts) or len(texts) > 1:
            self.problem("attribute-invalid", region_id, f"{tag}: expected at most one text, found {texts!r}")
            return _INVALID
        return texts[0] if texts and texts[0] != "" else None


_INVALID = object()


def _relation_key(relation: Result) -> tuple[str | None, str | None, str | None]:
    labels = relation.get("labels")
    label = labels[0] if isinstance(labels, list) and len(labels) == 1 else None
    return relation.get("from_id"), relation.get("to_id"), label


def results_to_layers(results: list[Any], text: str) -> Layers:
    """Convert one Label Studio result list over ``text`` into entities, claims and figures."""
    reader = _Reader(results, text)
    layers = Layers(problems=reader.problems)
    regions = reader.regions
    links: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for relation in reader.relations:
        from_id, to_id, label = _relation_key(relation)
        if label not in RelationLabel.definitions():
            layers.problems.append(RegionProblem("relation-label", from_id, f"relation {from_id}->{to_id}: expected one label of {list(RelationLabel.definitions())}, found {relation.get('labels')!r}"))
            reader.rejected.update(rid for rid in (from_id, to_id) if isinstance(rid, str))
            continue
        if any(rid in reader.rejected and rid not in regions for rid in (from_id, to_id)):
            continue
        missing = [rid for rid in (from_id, to_id) if rid not in regions]
        if missing:
            layers.problems.append(RegionProblem("relation-dangling", from_id, f"relation {label} {from_id}->{to_id}: expected regions of this annotation, found no region {missing}"))
            continue
        links[from_id].append((label, to_id))

    def expect(from_id: str, label: str, tag: str, part: str | None = None) -> list[str]:
        targets = [to for lab, to in links.get(from_id, []) if lab == label]
        wrong = [to for to in targets if regions[to].tag != tag or (part and regions[to].label != part)]
        for to in wrong:
            layers.problems.append(RegionProblem("relation-target", from_id, f"relation {label} {from_id}->{to}: expected a {part or tag} region, found {regions[to].tag} {regions[to].label}"))
        return [to for to in targets if to not in wrong]

    used_parts: set[str] = set()
    continuation = {rid for rid, region in regions.items() if region.tag == CLAIM_TAG and expect(rid, "continues", CLAIM_TAG, "content")}
    for region in regions.values():
        if region.tag == ENTITY_TAG:
            layers.entities.append(_entity(region, layers))
        elif region.tag == FIGURE_TAG:
            layers.figures.append(_figure(region, expect(region.id, "in_claim", CLAIM_TAG, "content"), continuation, layers))
        elif region.label == ClaimPart.CONTENT.value and region.id not in continuation:
            claim = _claim(region, regions, links, expect, used_parts, layers, reader.rejected)
            if claim is not None:
                layers.claims.append(claim)
    for rid, region in regions.items():
        if region.tag != CLAIM_TAG or region.label == ClaimPart.CONTENT.value:
            continue
        if rid not in used_parts and rid not in reader.rejected:
            layers.problems.append(RegionProblem("claim-part-orphan", rid, f"{region.label} region: expected a content region pointing at it, found none"))
        if region.attributes.get(MODE_TAG) is not None:
            layers.problems.append(RegionProblem("attribute-misplaced", rid, f"{MODE_TAG}: belongs on the content region, found on a {region.label} region"))
    _check_refers_to_origins(layers, regions, links)
    layers.entities = [e for e in layers.entities if e is not None]
    layers.figures = [f for f in layers.figures if f is not None]
    for items in (layers.entities, layers.claims, layers.figures):
        items.sort(key=_order)
    return layers


def _order(item) -> tuple[int, int, str]:
    span = item.content[0] if isinstance(item, Claim) else item
    return (span.start, span.end, item.id)


def _check_refers_to_origins(layers: Layers, regions: dict[str, _Region], links: dict[str, list[tuple[str, str]]]) -> None:
    """A refers_to relation must start at a source region (those are checked with their claim)."""
    for rid, targets in links.items():
        if regions[rid].label == ClaimPart.SOURCE.value:
            continue
        for label, to in targets:
            if label in ("refers_to", "cue", "source") and regions[rid].label != ClaimPart.CONTENT.value:
                layers.problems.append(RegionProblem("relation-target", rid, f"relation {label} {rid}->{to}: cannot start at a {regions[rid].tag} {regions[rid].label} region"))


def _build(model, region_id: str, layers: Layers, **fields):
    try:
        return model(**fields)
    except ValidationError as exc:
        for error in exc.errors():
            path = ".".join(str(part) for part in error["loc"])
            layers.problems.append(RegionProblem("region-invalid", region_id, f"{path}: {error['msg']}, found {error.get('input')!r}"))
        return None


def _entity(region: _Region, layers: Layers) -> Entity | None:
    return _build(Entity, region.id, layers, id=region.id, type=region.label, wikidata=region.attributes.get(WIKIDATA_TAG), **region.span.model_dump())


def _figure(region: _Region, claims: list[str], continuation: set[str], layers: Layers) -> Figure | None:
    if len(claims) > 1:
        layers.problems.append(RegionProblem("relation-repeated", region.id, f"in_claim: expected at most one claim, found {claims}"))
    if APPROXIMATION_TAG not in region.attributes or region.attributes[APPROXIMATION_TAG] is None:
        layers.problems.append(RegionProblem("attribute-missing", region.id, f"{APPROXIMATION_TAG}: expected a choice on the figure region, found none"))
        return None
    claim_id = claims[0] if claims else None
    if claim_id in continuation:
        layers.problems.append(RegionProblem("relation-target", region.id, f"in_claim: expected the first content piece of a claim, found the continuation {claim_id}"))
    attributes = {name: region.attributes.get(name) for name in (*NUMBER_TAGS, *TEXT_ATTRIBUTE_TAGS)}
    return _build(
        Figure,
        region.id,
        layers,
        id=region.id,
        kind=region.label,
        approximation=region.attributes[APPROXIMATION_TAG],
        date_inferred=region.attributes.get(DATE_INFERRED_TAG, []),
        claim_id=claim_id,
        **attributes,
        **region.span.model_dump(),
    )


def _part(span: Span, region_id: str | None, default_id: str | None) -> ClaimSpan:
    """A claim part; the id is kept only when it is not the one :func:`part_id` would give it."""
    return ClaimSpan(id=None if region_id == default_id else region_id, **span.model_dump())


def _claim(region: _Region, regions, links, expect, used_parts: set[str], layers: Layers, rejected: set[str]) -> Claim | None:
    pieces = sorted((rid for rid, targets in links.items() for label, to in targets if label == "continues" and to == region.id), key=lambda rid: (regions[rid].span.start, rid))
    used_parts.update(pieces + [to for _, to in links.get(region.id, [])])
    mode = region.attributes.get(MODE_TAG)
    if mode is None:
        if region.id not in rejected:
            layers.problems.append(RegionProblem("attribute-missing", region.id, f"{MODE_TAG}: expected a choice on the content region, found none"))
        return None
    for piece in pieces:
        if regions[piece].attributes.get(MODE_TAG) not in (None, mode):
            layers.problems.append(RegionProblem("attribute-misplaced", piece, f"{MODE_TAG}: the mode of a claim goes on its first content piece {region.id}, found {regions[piece].attributes[MODE_TAG]!r} here"))
    cues = expect(region.id, "cue", CLAIM_TAG, ClaimPart.CUE.value)
    sources = [to for label, to in links.get(region.id, []) if label == "source"]
    problems_before = len(layers.problems)
    for name, found in (("cue", cues), ("source", sources)):
        if len(found) > 1:
            layers.problems.append(RegionProblem("relation-repeated", region.id, f"{name}: expected at most one, found {found}"))
    if len(layers.problems) > problems_before:
        return None
    source_span, source_entity = None, None
    if sources:
        target = regions[sources[0]]
        if target.tag == ENTITY_TAG:
            source_entity = target.id
        elif target.label == ClaimPart.SOURCE.value:
            source_span = _part(target.span, target.id, part_id(region.id, "source"))
            entities = expect(target.id, "refers_to", ENTITY_TAG)
            if len(entities) > 1:
                layers.problems.append(RegionProblem("relation-repeated", target.id, f"refers_to: expected at most one entity, found {entities}"))
            source_entity = entities[0] if entities else None
        else:
            layers.problems.append(RegionProblem("relation-target", region.id, f"source: expected a source or entity region, found {target.tag} {target.label}"))
            return None
    return _build(
        Claim,
        region.id,
        layers,
        id=region.id,
        mode=mode,
        content=[_part(region.span, None, None)]
        + [_part(regions[rid].span, rid, part_id(region.id, f"content{index}")) for index, rid in enumerate(pieces, start=2)],
        cue=_part(regions[cues[0]].span, cues[0], part_id(region.id, "cue")) if cues else None,
        source=source_span,
        source_entity_id=source_entity,
    )
