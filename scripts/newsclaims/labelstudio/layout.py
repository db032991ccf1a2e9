"""How the typed model maps onto Label Studio regions: tag names and relation labels.

Entities are regions of the ``entity`` labels (value = entity type), figures regions of the
``figure`` labels (value = figure kind), and a claim is a ``content`` region of the
``claim`` labels (its id is the claim id) tied by relations to its other parts:

- content -> source region (``source``), content -> cue region (``cue``),
- extra content region -> first content region (``continues``),
- source region -> entity region (``refers_to``), figure region -> content region (``in_claim``).

Typed attributes are per-region results that share their region's id.
"""

from __future__ import annotations

from ..vocab import DefinedEnum

TEXT_TAG = "text"
ENTITY_TAG = "entity"
CLAIM_TAG = "claim"
FIGURE_TAG = "figure"

MODE_TAG = "mode"
APPROXIMATION_TAG = "approximation"
DATE_INFERRED_TAG = "date_inferred"
NUMBER_TAGS = ("value", "value_low", "value_high")
TEXT_ATTRIBUTE_TAGS = ("unit", "counted", "date_value")
WIKIDATA_TAG = "wikidata"


class RelationLabel(DefinedEnum):
    SOURCE = ("source", "From a claim's content to its source mention.")
    CUE = ("cue", "From a claim's content to its attribution cue.")
    CONTINUES = ("continues", "From a further content span of a claim to its first content span.")
    REFERS_TO = ("refers_to", "From a claim's source mention to the entity mention it is or refers back to.")
    IN_CLAIM = ("in_claim", "From a figure to the content of the claim that carries it.")
