"""The Label Studio labeling config, generated from the typed models with an XML library."""

from __future__ import annotations

from lxml import etree

from ..model import Figure
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


def _sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, tag, {key: value for key, value in attributes.items()})


def _labels(parent: etree._Element, name: str, vocabulary: type[DefinedEnum]) -> None:
    labels = _sub(parent, "Labels", name=name, toName=TEXT_TAG)
    for member in vocabulary:
        _sub(labels, "Label", value=member.value, hint=member.definition)


def _choices(parent: etree._Element, name: str, vocabulary: type[DefinedEnum], multiple: bool = False) -> None:
    attributes = {"name": name, "toName": TEXT_TAG, "perRegion": "true", "showInline": "true"}
    if multiple:
        attributes["choice"] = "multiple"
    choices = _sub(parent, "Choices", **attributes)
    for member in vocabulary:
        _sub(choices, "Choice", value=member.value, hint=member.definition)


def _field_hint(name: str) -> str:
    return Figure.model_fields[name].description or name


def labeling_config() -> etree._Element:
    view = etree.Element("View")
    _labels(view, ENTITY_TAG, EntityType)
    _labels(view, CLAIM_TAG, ClaimPart)
    _labels(view, FIGURE_TAG, FigureKind)
    relations = _sub(view, "Relations")
    for member in RelationLabel:
        _sub(relations, "Relation", value=member.value)
    _sub(view, "Text", name=TEXT_TAG, value="$text", granularity="symbol")

    claim_view = _sub(view, "View", visibleWhen="region-selected", whenTagName=CLAIM_TAG, whenLabelValue=ClaimPart.CONTENT.value)
    _sub(claim_view, "Header", value="Claim mode (on the content region)")
    _choices(claim_view, MODE_TAG, ClaimMode)

    figure_view = _sub(view, "View", visibleWhen="region-selected", whenTagName=FIGURE_TAG)
    _sub(figure_view, "Header", value="Figure")
    _choices(figure_view, APPROXIMATION_TAG, Approximation)
    for name in NUMBER_TAGS:
        _sub(figure_view, "Header", value=name, size="6")
        _sub(figure_view, "Number", name=name, toName=TEXT_TAG, perRegion="true", step="any", hint=_field_hint(name))
    for name in TEXT_ATTRIBUTE_TAGS:
        _sub(figure_view, "Header", value=name, size="6")
        _sub(figure_view, "TextArea", name=name, toName=TEXT_TAG, perRegion="true", editable="true", maxSubmissions="1", rows="1", placeholder=_field_hint(name))
    _sub(figure_view, "Header", value="date parts inferred", size="6")
    _choices(figure_view, DATE_INFERRED_TAG, DatePart, multiple=True)

    entity_view = _sub(view, "View", visibleWhen="region-selected", whenTagName=ENTITY_TAG)
    _sub(entity_view, "Header", value="Wikidata id (Q...)", size="6")
    _sub(entity_view, "TextArea", name=WIKIDATA_TAG, toName=TEXT_TAG, perRegion="true", editable="true", maxSubmissions="1", rows="1")
    return view


def labeling_config_xml() -> str:
    return etree.tostring(labeling_config(), pretty_print=True, encoding="unicode")
