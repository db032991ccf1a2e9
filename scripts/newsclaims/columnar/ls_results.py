"""Label Studio ``result`` lists written as JSON text straight from Arrow columns of annotation sets.

Turning a large Parquet folder back into tasks one Python object per region costs several times
what writing the JSON itself costs. Here every region, attribute and relation is assembled
as JSON text by Arrow's string kernels, a column at a time, from templates that
:mod:`newsclaims.labelstudio.results` itself renders (its ``_region``, ``_attribute`` and ``_relation`` with
placeholders for the values). Both paths so share one layout, and the text is the same
bytes as ``orjson.dumps(set_to_results(...))``; a test holds them to it.

The columns are the models' ``annotation_sets`` rows, and they must have passed the model's
checks (:mod:`newsclaims.columnar.checks`) first: ids and labels are written without escaping.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pyarrow as pa
import pyarrow.compute as pc

from ..labelstudio.layout import (
    APPROXIMATION_TAG,
    CLAIM_TAG,
    DATE_INFERRED_TAG,
    ENTITY_TAG,
    FIGURE_TAG,
    MODE_TAG,
    NUMBER_TAGS,
    TEXT_ATTRIBUTE_TAGS,
    WIKIDATA_TAG,
    RelationLabel,
)
from ..labelstudio.results import _attribute, _region, _relation, part_id
from ..model import Span
from ..vocab import ClaimPart
from .json_text import NULL, Template, Value, field, hole, joined, json_ints, json_numbers, json_strings, nulled, per_parent, positions, quoted

_SPAN = cast(Span, SimpleNamespace(start=hole("start"), end=hole("end"), text=hole("text")))
"""A span whose offsets and text are holes: the model path's functions render the templates."""
_REGION = {tag: Template.of(_region(hole("id"), tag, hole("label"), _SPAN)) for tag in (ENTITY_TAG, FIGURE_TAG)}
_CLAIM_PART = {part: Template.of(_region(hole("id"), CLAIM_TAG, part.value, _SPAN)) for part in ClaimPart}
_CHOICES = {
    tag: Template.of(_attribute(hole("id"), tag, "choices", _SPAN, {"text": hole("text"), "choices": hole("choices")}))
    for tag in (MODE_TAG, APPROXIMATION_TAG, DATE_INFERRED_TAG)
}
_NUMBER = {tag: Template.of(_attribute(hole("id"), tag, "number", _SPAN, {"text": hole("text"), "number": hole("number")})) for tag in NUMBER_TAGS}
_TEXTAREA = {tag: Template.of(_attribute(hole("id"), tag, "textarea", _SPAN, {"text": [hole("value")]})) for tag in (*TEXT_ATTRIBUTE_TAGS, WIKIDATA_TAG)}
_RELATION = {label: Template.of(_relation(hole("from"), hole("to"), label)) for label in RelationLabel}
_PART_ORDER = 1 << 20


def _spans(structs: pa.Array) -> dict[str, Value]:
    return {"start": json_ints(field(structs, "start")), "end": json_ints(field(structs, "end")), "text": json_strings(field(structs, "text"))}


def _one_choice(labels: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise('["', labels, '"]', "")


def _leads(lists: pa.Array, earlier: list[pa.Array]) -> pa.Array:
    """"" for the item that opens its set's result list, "," for every other item of ``lists``.

    An item opens the list when it is the first of its list and the ``earlier`` layers of
    its set are all empty.
    """
    parent = pc.list_parent_indices(lists)
    offsets = pc.subtract(lists.offsets, lists.offsets[0])
    opens = pc.equal(positions(len(parent)), pc.take(offsets, parent))
    for layer in earlier:
        opens = pc.and_(opens, pc.equal(pc.take(pc.list_value_length(layer), parent), 0))
    return pc.if_else(opens, "", ",")


def _entities(lists: pa.Array) -> pa.Array:
    items = lists.flatten()
    spans = _spans(items)
    ids = quoted(field(items, "id"))
    region = _REGION[ENTITY_TAG].fill(_leads(lists, []), id=ids, label=quoted(field(items, "type")), **spans)
    wikidata = _TEXTAREA[WIKIDATA_TAG].fill(id=ids, value=quoted(field(items, "wikidata")), **spans)
    return per_parent(lists, joined(region, wikidata))


def _figures(lists: pa.Array, earlier: list[pa.Array]) -> pa.Array:
    items = lists.flatten()
    spans = _spans(items)
    ids = quoted(field(items, "id"))
    parts = [
        _REGION[FIGURE_TAG].fill(_leads(lists, earlier), id=ids, label=quoted(field(items, "kind")), **spans),
        _CHOICES[APPROXIMATION_TAG].fill(id=ids, choices=_one_choice(field(items, "approximation")), **spans),
    ]
    parts += [_NUMBER[tag].fill(id=ids, number=json_numbers(field(items, tag)), **spans) for tag in NUMBER_TAGS]
    parts += [_TEXTAREA[tag].fill(id=ids, value=json_strings(field(items, tag)), **spans) for tag in TEXT_ATTRIBUTE_TAGS]
    inferred = field(items, DATE_INFERRED_TAG)
    some = pc.greater(pc.list_value_length(inferred), 0)
    choices = pc.if_else(some, pc.binary_join_element_wise("[", per_parent(inferred, quoted(inferred.flatten()).literals(), ","), "]", ""), NULL)
    parts.append(_CHOICES[DATE_INFERRED_TAG].fill(id=ids, choices=choices, **spans))
    parts.append(_RELATION[RelationLabel.IN_CLAIM].fill(**{"from": ids, "to": quoted(field(items, "claim_id"))}))
    return per_parent(lists, joined(*parts))


def _claims(lists: pa.Array, earlier: list[pa.Array]) -> pa.Array:
    """Claims with their parts; a part region shared by several claims of a set is written once, at its first use."""
    claims = lists.flatten()
    raw_ids = field(claims, "id")
    ids = quoted(raw_ids)
    content = field(claims, "content")
    first = _spans(pc.list_element(content, 0))
    head = [
        _CLAIM_PART[ClaimPart.CONTENT].fill(_leads(lists, earlier), id=ids, **first),
        _CHOICES[MODE_TAG].fill(id=ids, choices=_one_choice(field(claims, "mode")), **first),
    ]

    if len(content) and pc.max(pc.list_value_length(content)).as_py() >= _PART_ORDER - 2:
        raise ValueError(f"a claim has more than {_PART_ORDER - 3} content pieces")
    pieces = pc.list_slice(content, 1)
    piece_items = pieces.flatten()
    piece_claim = pc.list_parent_indices(pieces)
    piece_rank = pc.subtract(positions(len(piece_items)), pc.take(pc.subtract(pieces.offsets, pieces.offsets[0]), piece_claim))
    piece_name = pc.binary_join_element_wise(part_id("", "content"), pc.cast(pc.add(piece_rank, 2), pa.string()), "")
    piece_ids = pc.coalesce(field(piece_items, "id"), pc.binary_join_element_wise(pc.take(raw_ids, piece_claim), piece_name, ""))

    def part_ids(name: str) -> tuple[pa.Array, pa.Array]:
        structs = field(claims, name)
        default = pc.binary_join_element_wise(raw_ids, part_id("", name), "")
        return structs, pc.if_else(pc.is_null(structs), NULL, pc.coalesce(field(structs, "id"), default))

    cue, cue_ids = part_ids("cue")
    source, source_ids = part_ids("source")
    claim_set = pc.list_parent_indices(lists)
    claim_order = pc.multiply(positions(len(claims)), _PART_ORDER)
    shown = _first_uses(
        claim_set,
        [
            (piece_claim, piece_ids, pc.add(pc.take(claim_order, piece_claim), piece_rank)),
            (None, cue_ids, pc.add(claim_order, _PART_ORDER - 2)),
            (None, source_ids, pc.add(claim_order, _PART_ORDER - 1)),
        ],
    )

    def part_region(structs: pa.Array, region_ids: pa.Array, label: ClaimPart, show: pa.Array) -> pa.Array:
        region = _CLAIM_PART[label].fill(id=quoted(region_ids), **_spans(structs))
        return nulled(region, pc.invert(show))

    piece_json = joined(
        part_region(piece_items, piece_ids, ClaimPart.CONTENT, shown[0]),
        _RELATION[RelationLabel.CONTINUES].fill(**{"from": quoted(piece_ids), "to": ids.take(piece_claim)}),
    )
    source_entity = quoted(field(claims, "source_entity_id"))
    cue_json = joined(part_region(cue, cue_ids, ClaimPart.CUE, shown[1]), _RELATION[RelationLabel.CUE].fill(**{"from": ids, "to": quoted(cue_ids)}))
    source_json = joined(
        part_region(source, source_ids, ClaimPart.SOURCE, shown[2]),
        _RELATION[RelationLabel.SOURCE].fill(**{"from": ids, "to": quoted(source_ids).coalesce(source_entity)}),
        _RELATION[RelationLabel.REFERS_TO].fill(**{"from": quoted(source_ids), "to": source_entity}),
    )
    return per_parent(lists, joined(*head, per_parent(pieces, piece_json), cue_json, source_json))


def _first_uses(claim_set: pa.Array, parts: list[tuple[pa.Array | None, pa.Array, pa.Array]]) -> list[pa.Array]:
    """For each kind of claim part, whether each part is the first use of its region id in its set.

    ``parts`` holds (the claim of each part, or None for one part per claim; region ids; the
    order of the part within its set's result list, as :func:`.results.claim_results` writes it).
    """
    tables = []
    for claim, region_ids, order in parts:
        sets = claim_set if claim is None else pc.take(claim_set, claim)
        tables.append(pa.table({"set": sets, "region": region_ids, "order": order}))
    every = pa.concat_tables(tables).filter(pc.is_valid(pc.field("region")))
    firsts = every.group_by(["set", "region"]).aggregate([("order", "min")]).column("order_min").combine_chunks()
    return [pc.is_in(table.column("order").combine_chunks(), value_set=firsts) for table in tables]


def result_items(sets: pa.RecordBatch) -> tuple[pa.Array, pa.Array, pa.Array]:
    """The items of each annotation set's ``result`` list as JSON text, as :func:`.results.set_to_results`
    gives them: entities, claims and figures, to be written one after the other inside brackets."""
    entities, claims, figures = (sets.column(name) for name in ("entities", "claims", "figures"))
    return _entities(entities), _claims(claims, [entities]), _figures(figures, [entities, claims])
