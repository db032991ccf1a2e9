"""An annotation set <-> a Label Studio ``result`` list (regions, per-region attributes, relations).

The layout is described in :mod:`newsclaims.labelstudio.layout`. Region ids are our
annotation ids, so relations hold across the round trip. Label Studio's offsets are taken
as the truth and checked against the text; its ``text`` copy of a region is not trusted.
A relation needs no label when its two regions' labels say what it means
(:func:`relation_meaning`); a label that is given must agree with them.
Every region that cannot be converted is reported with its id; nothing is skipped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..model import Claim, ClaimSpan, Entity, Figure, Span
from ..rules import span_fault
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
#
# The reading side builds plain records in the shape of the models' JSON dump (the hot path
# of large exports); the caller validates them with the models, once per annotation set.

Record = dict[str, Any]

_LABEL_VALUES = {tag: frozenset(vocabulary.definitions()) for tag, vocabulary in _LABEL_TAGS.items()}
_CHOICE_VALUES = {tag: frozenset(vocabulary.definitions()) for tag, vocabulary in _CHOICE_TAGS.items()}
_RELATION_VALUES = frozenset(RelationLabel.definitions())
_ATTRIBUTE_TYPES = frozenset(("choices", "number", "textarea"))
_FIGURE_FIELDS = (*NUMBER_TAGS, *TEXT_ATTRIBUTE_TAGS)
_CONTENT = ClaimPart.CONTENT.value
_SOURCE = ClaimPart.SOURCE.value


@dataclass(frozen=True)
class RegionProblem:
    error_id: str
    region_id: str | None
    message: str


@dataclass
class Layers:
    """Entities, claims and figures as plain records (``Model.model_dump(mode="json")`` shape)."""

    entities: list[Record] = field(default_factory=list)
    claims: list[Record] = field(default_factory=list)
    figures: list[Record] = field(default_factory=list)
    problems: list[RegionProblem] = field(default_factory=list)


class _Region:
    __slots__ = ("id", "tag", "label", "span", "attributes")

    def __init__(self, region_id: str, tag: str, label: str, span: Record) -> None:
        self.id, self.tag, self.label, self.span = region_id, tag, label, span
        self.attributes: dict[str, Any] = {}


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
        if type(result) is not dict:
            self.problem("result-invalid", None, f"result[{index}]: expected an object, found {type(result).__name__}")
            return
        kind = result.get("type")
        if kind == "relation":
            self.relations.append(result)
            return
        region_id = result.get("id")
        if type(region_id) is not str or not region_id:
            self.problem("region-id-missing", None, f"result[{index}] ({kind}, from_name {result.get('from_name')!r}): expected a region id, found {region_id!r}")
            return
        tag = result.get("from_name")
        if type(tag) is not str:
            self.problem("unknown-label-tag", region_id, f"from_name: expected a tag name, found {tag!r}")
            return
        if result.get("meta") or result.get("score") is not None:
            for key in ("meta", "score"):
                if result.get(key) not in (None, {}, []):
                    self.problem("region-extra-unsupported", region_id, f"{key}: the schema has no place for a region {key}, found {result[key]!r}; remove it or extend the schema")
        if result.get("to_name") != TEXT_TAG:
            self.problem("unsupported-result", region_id, f"to_name: expected {TEXT_TAG!r} (a <Text> tag), found {result.get('to_name')!r}")
            return
        if kind == "labels":
            self._read_region(region_id, tag, result)
        elif type(kind) is str and kind in _ATTRIBUTE_TYPES and tag in _ATTRIBUTE_OWNER:
            self.attributes[region_id].append(result)
        else:
            self.problem("unsupported-result", region_id, f"expected a labels, choices, number or textarea result of this schema, found type {kind!r} from {tag!r}")

    def _span(self, region_id: str, value: Any) -> Record | None:
        if type(value) is not dict:
            self.problem("region-value-invalid", region_id, f"value: expected an object with start and end, found {value!r}")
            return None
        start, end = value.get("start"), value.get("end")
        if type(start) is not int or type(end) is not int:
            self.problem("region-offsets-invalid", region_id, f"expected integer start and end, found {start!r} and {end!r}")
            return None
        fault = span_fault(start, end, len(self.text))
        if fault is not None:
            self.problem(fault[0], region_id, fault[1])
            return None
        return {"start": start, "end": end, "text": self.text[start:end]}

    def _read_region(self, region_id: str, tag: Any, result: Result) -> None:
        if region_id in self.regions:
            self.problem("duplicate-id", region_id, f"expected one labels result per region id, found another from {tag!r}")
            return
        allowed = _LABEL_VALUES.get(tag)
        if allowed is None:
            self.problem("unknown-label-tag", region_id, f"from_name: expected one of {sorted(_LABEL_TAGS)}, found {tag!r}")
            return
        value = result.get("value")
        labels = value.get("labels") if type(value) is dict else None
        if type(labels) is not list or len(labels) != 1:
            self.problem("region-labels", region_id, f"expected exactly one label, found {labels!r}")
            return
        label = labels[0]
        if type(label) is not str or label not in allowed:
            self.problem("value-vocabulary", region_id, f"{tag}: expected one of {list(_LABEL_TAGS[tag].definitions())}, found {label!r}")
            return
        span = self._span(region_id, value)
        if span is not None:
            self.regions[region_id] = _Region(region_id, tag, label, span)

    def _attach(self, region_id: str, items: list[Result]) -> None:
        region = self.regions.get(region_id)
        for item in items:
            tag = item["from_name"]
            if region is None:
                if region_id not in self.rejected:
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
        value = item.get("value")
        if type(value) is not dict:
            value = {}
        allowed = _CHOICE_VALUES.get(tag)
        if allowed is not None:
            choices = value.get("choices")
            if type(choices) is not list or any(type(c) is not str or c not in allowed for c in choices):
                self.problem("value-vocabulary", region_id, f"{tag}: expected choices from {list(_CHOICE_TAGS[tag].definitions())}, found {choices!r}")
                return _INVALID
            if tag == DATE_INFERRED_TAG:
                return choices
            if len(choices) > 1:
                self.problem("attribute-invalid", region_id, f"{tag}: expected one choice, found {choices!r}")
                return _INVALID
            return choices[0] if choices else None
        if tag in NUMBER_TAGS:
            number = value.get("number")
            if number is None:
                return None
            if type(number) not in (int, float):
                self.problem("attribute-invalid", region_id, f"{tag}: expected a number, found {number!r}")
                return _INVALID
            return float(number)
        texts = value.get("text")
        if type(texts) is not list or len(texts) > 1 or any(type(t) is not str for t in texts):
            self.problem("attribute-invalid", region_id, f"{tag}: expected at most one text, found {texts!r}")
            return _INVALID
        if texts and texts[0] == "":
            self.problem("empty-text", region_id, f"{tag}: expected no result or a text of at least one character, found ''")
            return _INVALID
        return texts[0] if texts else None


_INVALID = object()


_MEANINGS: dict[tuple[str, str], RelationLabel] = {
    (_CONTENT, _SOURCE): RelationLabel.SOURCE,
    (_CONTENT, ENTITY_TAG): RelationLabel.SOURCE,
    (_CONTENT, ClaimPart.CUE.value): RelationLabel.CUE,
    (_SOURCE, ENTITY_TAG): RelationLabel.REFERS_TO,
    (FIGURE_TAG, _CONTENT): RelationLabel.IN_CLAIM,
    (_CONTENT, _CONTENT): RelationLabel.CONTINUES,
}
_MEANINGS_TEXT = ", ".join(f"{a} - {b} = {label.value}" for (a, b), label in _MEANINGS.items())


def region_kind(region: _Region) -> str:
    """What a region is for a relation: its claim part (source, cue, content), else its tag (entity, figure)."""
    return region.label if region.tag == CLAIM_TAG else region.tag


def relation_meaning(from_kind: str, to_kind: str) -> tuple[RelationLabel, bool] | None:
    """The relation two regions of these kinds can only have, and whether it runs the other way.

    The pair decides the meaning in either direction (content and source: ``source``, from the
    content); a content to content relation (``continues``) runs from the further piece to the
    first, as drawn. ``None`` when no relation of the layout joins the two kinds.
    """
    if (from_kind, to_kind) in _MEANINGS:
        return _MEANINGS[from_kind, to_kind], False
    if (to_kind, from_kind) in _MEANINGS:
        return _MEANINGS[to_kind, from_kind], True
    return None


def _relation_key(relation: Result) -> tuple[Any, Any, Any]:
    """(from id, to id, label); an end or label that is not a string becomes None (and is reported)."""
    labels = relation.get("labels")
    label = labels[0] if type(labels) is list and len(labels) == 1 and type(labels[0]) is str else None
    ends = [rid if type(rid) is str else None for rid in (relation.get("from_id"), relation.get("to_id"))]
    return ends[0], ends[1], label


class _Assembler:
    """Turns the collected regions and relations into entity, claim and figure records."""

    def __init__(self, reader: _Reader) -> None:
        self.regions = reader.regions
        self.rejected = reader.rejected
        self.layers = Layers(problems=reader.problems)
        self.links: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.used_parts: set[str] = set()
        for relation in reader.relations:
            self._link(relation)

    def problem(self, error_id: str, region_id: str | None, message: str) -> None:
        self.layers.problems.append(RegionProblem(error_id, region_id, message))

    def _link(self, relation: Result) -> None:
        from_id, to_id, label = _relation_key(relation)
        if from_id is None or to_id is None:
            self.problem("dangling-reference", from_id, f"relation: expected from_id and to_id naming regions, found {relation.get('from_id')!r} and {relation.get('to_id')!r}")
            return
        unlabelled = relation.get("labels") in (None, [])
        if not unlabelled and label not in _RELATION_VALUES:
            self.problem("relation-label", from_id, f"relation {from_id}->{to_id}: expected one label of {list(RelationLabel.definitions())}, found {relation.get('labels')!r}")
            self.rejected.update((from_id, to_id))
            return
        regions = self.regions
        if (from_id in self.rejected and from_id not in regions) or (to_id in self.rejected and to_id not in regions):
            return
        if from_id not in regions or to_id not in regions:
            missing = [rid for rid in (from_id, to_id) if rid not in regions]
            self.problem("dangling-reference", from_id, f"relation {label or '(unlabelled)'} {from_id}->{to_id}: expected regions of this annotation, found no region {missing}")
            return
        kinds = (region_kind(regions[from_id]), region_kind(regions[to_id]))
        meaning = relation_meaning(*kinds)
        if meaning is None:
            if unlabelled:
                self.problem("relation-label", from_id,
                    f"relation {from_id}->{to_id}: expected a label, or two regions whose labels say what it means ({_MEANINGS_TEXT}), found {kinds[0]} -> {kinds[1]}")
                self.rejected.update((from_id, to_id))
                return
        elif unlabelled or meaning[0].value == label:
            label = meaning[0].value
            if meaning[1]:
                from_id, to_id = to_id, from_id
        else:
            self.problem("relation-target", from_id, f"relation {label} {from_id}->{to_id}: a relation between a {kinds[0]} and a {kinds[1]} region is {meaning[0].value}, found the label {label!r}")
            self.rejected.update((from_id, to_id))
            return
        self.links[from_id].append((label, to_id))

    def targets(self, from_id: str, label: str, tag: str, part: str | None = None) -> list[str]:
        """Regions that ``from_id`` relates to with ``label``; a target of the wrong kind is reported."""
        found = []
        for link_label, to in self.links.get(from_id, ()):
            if link_label != label:
                continue
            target = self.regions[to]
            if target.tag != tag or (part and target.label != part):
                self.problem("relation-target", from_id, f"relation {label} {from_id}->{to}: expected a {part or tag} region, found {target.tag} {target.label}")
            else:
                found.append(to)
        return found

    def assemble(self) -> Layers:
        regions, layers = self.regions, self.layers
        continuation = {rid for rid, r in regions.items() if r.tag == CLAIM_TAG and self.targets(rid, "continues", CLAIM_TAG, _CONTENT)}
        for region in regions.values():
            if region.tag == ENTITY_TAG:
                layers.entities.append({**region.span, "id": region.id, "type": region.label, "wikidata": region.attributes.get(WIKIDATA_TAG)})
            elif region.tag == FIGURE_TAG:
                figure = self._figure(region, continuation)
                if figure is not None:
                    layers.figures.append(figure)
            elif region.label == _CONTENT and region.id not in continuation:
                claim = self._claim(region)
                if claim is not None:
                    layers.claims.append(claim)
        for rid, region in regions.items():
            if region.tag != CLAIM_TAG or region.label == _CONTENT:
                continue
            if rid not in self.used_parts and rid not in self.rejected:
                self.problem("claim-part-orphan", rid, f"{region.label} region: expected a content region pointing at it, found none")
            if region.attributes.get(MODE_TAG) is not None:
                self.problem("attribute-misplaced", rid, f"{MODE_TAG}: belongs on the content region, found on a {region.label} region")
        for rid, targets in self.links.items():
            label_of = regions[rid].label
            if label_of in (_SOURCE, _CONTENT):
                continue
            for label, to in targets:
                if label in ("refers_to", "cue", "source"):
                    self.problem("relation-target", rid, f"relation {label} {rid}->{to}: cannot start at a {regions[rid].tag} {label_of} region")
        layers.entities.sort(key=_span_order)
        layers.figures.sort(key=_span_order)
        layers.claims.sort(key=_claim_order)
        return layers

    def _figure(self, region: _Region, continuation: set[str]) -> Record | None:
        claims = self.targets(region.id, "in_claim", CLAIM_TAG, _CONTENT)
        if len(claims) > 1:
            self.problem("relation-repeated", region.id, f"in_claim: expected at most one claim, found {claims}")
        attributes = region.attributes
        if attributes.get(APPROXIMATION_TAG) is None:
            self.problem("value-missing", region.id, f"{APPROXIMATION_TAG}: expected a choice on the figure region, found none")
            return None
        claim_id = claims[0] if claims else None
        if claim_id in continuation:
            self.problem("relation-target", region.id, f"in_claim: expected the first content piece of a claim, found the continuation {claim_id}")
        record = {**region.span, "id": region.id, "kind": region.label, "approximation": attributes[APPROXIMATION_TAG]}
        for name in _FIGURE_FIELDS:
            record[name] = attributes.get(name)
        record["date_inferred"] = attributes.get(DATE_INFERRED_TAG) or []
        record["claim_id"] = claim_id
        return record

    def _claim(self, region: _Region) -> Record | None:
        regions, links = self.regions, self.links
        pieces = sorted(
            (rid for rid, targets in links.items() for label, to in targets if label == "continues" and to == region.id),
            key=lambda rid: (regions[rid].span["start"], rid),
        )
        self.used_parts.update(pieces)
        self.used_parts.update(to for _, to in links.get(region.id, ()))
        mode = region.attributes.get(MODE_TAG)
        if mode is None:
            if region.id not in self.rejected:
                self.problem("value-missing", region.id, f"{MODE_TAG}: expected a choice on the content region, found none")
            return None
        for piece in pieces:
            if regions[piece].attributes.get(MODE_TAG) not in (None, mode):
                self.problem("attribute-misplaced", piece, f"{MODE_TAG}: the mode of a claim goes on its first content piece {region.id}, found {regions[piece].attributes[MODE_TAG]!r} here")
        cues = self.targets(region.id, "cue", CLAIM_TAG, ClaimPart.CUE.value)
        sources = [to for label, to in links.get(region.id, ()) if label == "source"]
        repeated = [(name, found) for name, found in (("cue", cues), ("source", sources)) if len(found) > 1]
        for name, found in repeated:
            self.problem("relation-repeated", region.id, f"{name}: expected at most one, found {found}")
        if repeated:
            return None
        source_span, source_entity = None, None
        if sources:
            target = regions[sources[0]]
            if target.tag == ENTITY_TAG:
                source_entity = target.id
            elif target.label == _SOURCE:
                source_span = _part(target.span, target.id, part_id(region.id, "source"))
                entities = self.targets(target.id, "refers_to", ENTITY_TAG)
                if len(entities) > 1:
                    self.problem("relation-repeated", target.id, f"refers_to: expected at most one entity, found {entities}")
                source_entity = entities[0] if entities else None
            else:
                self.problem("relation-target", region.id, f"source: expected a source or entity region, found {target.tag} {target.label}")
                return None
        content = [_part(region.span, None, None)]
        content += [_part(regions[rid].span, rid, part_id(region.id, f"content{index}")) for index, rid in enumerate(pieces, start=2)]
        return {
            "id": region.id,
            "mode": mode,
            "content": content,
            "cue": _part(regions[cues[0]].span, cues[0], part_id(region.id, "cue")) if cues else None,
            "source": source_span,
            "source_entity_id": source_entity,
        }


def _span_order(record: Record) -> tuple[int, int, str]:
    return (record["start"], record["end"], record["id"])


def _claim_order(record: Record) -> tuple[int, int, str]:
    first = record["content"][0]
    return (first["start"], first["end"], record["id"])


def _part(span: Record, region_id: str | None, default_id: str | None) -> Record:
    """A claim part; the id is kept only when it is not the one :func:`part_id` would give it."""
    return {**span, "id": None if region_id == default_id else region_id}


def results_to_layers(results: list[Any], text: str) -> Layers:
    """Convert one Label Studio result list over ``text`` into entity, claim and figure records."""
    return _Assembler(_Reader(results, text)).assemble()
