"""The Label Studio labeling config, generated from the typed models with an XML library."""

from __future__ import annotations

import colorsys
import re

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from lxml import etree

from ..errors import NewsclaimsError
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

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
MAX_VALUE_LENGTH = 200


class LabelConfigError(NewsclaimsError):
    """A label value or a labeling config that is not safe to use."""


def check_label_value(value: str) -> str:
    """Allow a label value only if Label Studio shows it as plain text.

    Refused: empty or over-long values, control characters, white space at the edges, and a
    leading '$' (Label Studio reads '$name' as a reference to task data). Markup characters
    are allowed: the XML library escapes them.
    """
    problem = None
    if not value or len(value) > MAX_VALUE_LENGTH:
        problem = f"1 to {MAX_VALUE_LENGTH} characters"
    elif _CONTROL.search(value):
        problem = "no control characters"
    elif value != value.strip():
        problem = "no white space at either end"
    elif value.startswith("$"):
        problem = "no leading '$' (a task-data reference in Label Studio)"
    if problem:
        raise LabelConfigError(f"[label-value-unsafe] expected a label value with {problem}, found {value!r}")
    return value


def read_labeling_config(xml: str) -> dict[str, list[str]]:
    """The label and choice values of each control tag of a config, read without DTDs or entities."""
    try:
        root = SafeElementTree.fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise LabelConfigError(f"[config-unsafe] a labeling config with a DOCTYPE or entities is refused: {exc!r}") from None
    except SafeElementTree.ParseError as exc:
        raise LabelConfigError(f"[config-invalid] not well-formed XML: {exc}") from None
    values: dict[str, list[str]] = {}
    for tag in root.iter():
        if tag.tag in ("Labels", "Choices", "Relations"):
            values[tag.get("name") or tag.tag] = [value for child in tag if child.tag in ("Label", "Choice", "Relation") and (value := child.get("value")) is not None]
    return values


def _sub(parent: etree._Element, tag: str, **attributes: str) -> etree._Element:
    return etree.SubElement(parent, tag, {key: value for key, value in attributes.items()})


def _labels(parent: etree._Element, name: str, vocabulary: type[DefinedEnum], colours: dict[str, str]) -> None:
    labels = _sub(parent, "Labels", name=name, toName=TEXT_TAG)
    for member in vocabulary:
        _sub(labels, "Label", value=check_label_value(member.value), hint=member.definition, background=colours[member.value])


def _choices(parent: etree._Element, name: str, vocabulary: type[DefinedEnum], multiple: bool = False) -> None:
    attributes = {"name": name, "toName": TEXT_TAG, "perRegion": "true", "showInline": "true"}
    if multiple:
        attributes["choice"] = "multiple"
    choices = _sub(parent, "Choices", **attributes)
    for member in vocabulary:
        _sub(choices, "Choice", value=check_label_value(member.value), hint=member.definition)


def _field_hint(name: str) -> str:
    return Figure.model_fields[name].description or name


def _hsl(hue: float, saturation: float, lightness: float) -> str:
    red, green, blue = colorsys.hls_to_rgb(hue / 360, lightness, saturation)
    return "#{:02x}{:02x}{:02x}".format(*(round(channel * 255) for channel in (red, green, blue)))


def _family(vocabulary: type[DefinedEnum], first_hue: float, last_hue: float, lightness: float) -> dict[str, str]:
    values = [member.value for member in vocabulary]
    step = (last_hue - first_hue) / max(len(values) - 1, 1)
    return {value: _hsl(first_hue + index * step, 0.65, lightness) for index, value in enumerate(values)}


def label_colours() -> dict[str, dict[str, str]]:
    """Region colours by tag and label: entities in light blues, claim parts in purple, red and
    orange, figures in greens, so a claim's parts and its figures tell apart at a glance."""
    return {
        ENTITY_TAG: _family(EntityType, 185, 255, 0.72),
        CLAIM_TAG: {ClaimPart.SOURCE.value: "#8e44ad", ClaimPart.CUE.value: "#d62828", ClaimPart.CONTENT.value: "#f4a261"},
        FIGURE_TAG: _family(FigureKind, 75, 160, 0.50),
    }

_PAGE_STYLE = "display: flex; align-items: flex-start; gap: 1em"
_TEXT_COLUMN_STYLE = "flex: 1 1 0; min-width: 0"
_FIELD_COLUMN_STYLE = "flex: 0 0 24em; position: sticky; top: 0; max-height: 100vh; overflow-y: auto"


def labeling_config() -> etree._Element:
    """The label chips on top; below them the text on the left and, on the right, in a column
    that stays in view while the text scrolls, the fields of the selected region.

    Relations carry labels for display, but none is needed: the labels of the two regions
    say what a relation means (see :func:`newsclaims.labelstudio.results.relation_meaning`).
    """
    view = etree.Element("View")
    colours = label_colours()
    _labels(view, ENTITY_TAG, EntityType, colours[ENTITY_TAG])
    _labels(view, CLAIM_TAG, ClaimPart, colours[CLAIM_TAG])
    _labels(view, FIGURE_TAG, FigureKind, colours[FIGURE_TAG])
    relations = _sub(view, "Relations")
    for member in RelationLabel:
        _sub(relations, "Relation", value=check_label_value(member.value))
    page = _sub(view, "View", style=_PAGE_STYLE)
    text_column = _sub(page, "View", style=_TEXT_COLUMN_STYLE)
    _sub(text_column, "Text", name=TEXT_TAG, value="$text", granularity="symbol")
    fields = _sub(page, "View", style=_FIELD_COLUMN_STYLE)

    claim_view = _sub(fields, "View", visibleWhen="region-selected", whenTagName=CLAIM_TAG, whenLabelValue=ClaimPart.CONTENT.value)
    _sub(claim_view, "Header", value="Claim mode (on the content region)")
    _choices(claim_view, MODE_TAG, ClaimMode)

    figure_view = _sub(fields, "View", visibleWhen="region-selected", whenTagName=FIGURE_TAG)
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

    entity_view = _sub(fields, "View", visibleWhen="region-selected", whenTagName=ENTITY_TAG)
    _sub(entity_view, "Header", value="Wikidata id (Q...)", size="6")
    _sub(entity_view, "TextArea", name=WIKIDATA_TAG, toName=TEXT_TAG, perRegion="true", editable="true", maxSubmissions="1", rows="1")
    return view


def labeling_config_xml() -> str:
    return etree.tostring(labeling_config(), pretty_print=True, encoding="unicode")
