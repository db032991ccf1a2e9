"""Closed vocabularies of the annotation schema.

Every value carries a one-line definition (``Enum.definition``); the Label Studio config,
the JSON Schema, the guidelines' tables and the dataset card all read them from here.
"""

from __future__ import annotations

from enum import Enum


class DefinedEnum(str, Enum):
    """A string enum whose members carry a one-line definition."""

    definition: str

    def __new__(cls, value: str, definition: str) -> DefinedEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.definition = definition
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def definitions(cls) -> dict[str, str]:
        return {member.value: member.definition for member in cls}


class EntityType(DefinedEnum):
    """Name types, after OntoNotes 5.0 (numeric types are figures, not entities)."""

    PERSON = ("PERSON", "A named person (Sergei Lavrov); a title alone (the governor) is not an entity.")
    NORP = ("NORP", "A nationality, religious or political group, as a noun or adjective (Russian, Ukrainian).")
    ORG = ("ORG", "An organisation: company, agency, ministry, armed force, news outlet, online platform.")
    GPE = ("GPE", "A geopolitical entity: country, city, state or region with a government.")
    LOC = ("LOC", "A place that is not a GPE: sea, river, mountain, coast, geographic area.")
    FAC = ("FAC", "A facility: building, airport, port, bridge, road.")
    EVENT = ("EVENT", "A named event: war, battle, summit, storm.")
    PRODUCT = ("PRODUCT", "A named object, vehicle, weapon or software product that is not a platform.")
    LAW = ("LAW", "A named law, treaty or legal document.")
    WORK_OF_ART = ("WORK_OF_ART", "A title of a book, song, film, report or programme.")
    LANGUAGE = ("LANGUAGE", "A named language.")


class ClaimMode(DefinedEnum):
    """How a claim reaches the reader, after PARC 3.0 / PolNeAR."""

    DIRECT_QUOTE = ("direct_quote", "The source's words reproduced inside quotation marks.")
    INDIRECT = ("indirect", "The source's statement reported in the writer's words, without quotation marks.")
    MIXED = ("mixed", "A report in the writer's words that embeds a quoted fragment of the source's words.")
    UNATTRIBUTED = ("unattributed", "The writer's own assertion, attributed to no source in the text.")


class ClaimPart(DefinedEnum):
    """The spans that make up a claim."""

    SOURCE = ("source", "Who makes the statement: the mention of the speaker or writer in this sentence.")
    CUE = ("cue", "The words that signal the attribution: a reporting verb or phrase (said, wrote on Twitter).")
    CONTENT = ("content", "What is stated: the quoted or reported proposition.")


class FigureKind(DefinedEnum):
    """What sort of number a figure is, after MeasEval and TIMEX3."""

    COUNT = ("count", "A number of things or people (500 residents, several areas).")
    MONEY = ("money", "An amount of money, with its currency as unit.")
    PERCENT = ("percent", "A proportion given in percent or as a fraction.")
    MEASURE = ("measure", "A physical quantity with a unit (12 km, 40 tonnes).")
    DATE = ("date", "A calendar date or period: day, weekday, month, year (Feb 24, Wednesday).")
    TIME = ("time", "A time of day (08:00, noon).")
    DURATION = ("duration", "A length of time (two weeks).")
    FREQUENCY = ("frequency", "How often something happens (every hour).")
    ORDINAL = ("ordinal", "A rank or position in a sequence (the third, 2nd).")
    OTHER = ("other", "A number that fits no other kind (a score, an identifier).")


class Approximation(DefinedEnum):
    """How exact a figure is, as its own words say."""

    EXACT = ("exact", "Given as exact: no qualifier (103 children).")
    ABOUT = ("about", "Approximately: about, around, some, nearly, roughly.")
    AT_LEAST = ("at_least", "A lower bound that includes the value: at least, no fewer than.")
    MORE_THAN = ("more_than", "A lower bound that excludes the value: more than, over, upwards of.")
    AT_MOST = ("at_most", "An upper bound that includes the value: at most, up to, no more than.")
    LESS_THAN = ("less_than", "An upper bound that excludes the value: less than, under, fewer than.")
    RANGE = ("range", "Between two values (between 10 and 20, 10-20).")
    VAGUE = ("vague", "An order of magnitude or vague quantity with no stated number (hundreds of thousands, several).")


class SetKind(DefinedEnum):
    """What an annotation set is, so that drafts and predictions never pass for submitted work."""

    GOLD = ("gold", "The adjudicated reference annotation of the article.")
    ANNOTATION = ("annotation", "One annotator's submitted annotation.")
    PREDICTION = ("prediction", "A machine pre-annotation, not reviewed.")
    DRAFT = ("draft", "An annotation saved but not submitted.")
    CANDIDATE = (
        "candidate",
        "The items two or more passes agree on, awaiting a reviewer who resolves their conflicts; it becomes gold once reviewed.",
    )


class DatePart(DefinedEnum):
    """A component of a normalized date that the text does not state."""

    YEAR = ("year", "The year is inferred from the publication date.")
    MONTH = ("month", "The month is inferred from the publication date.")
    DAY = ("day", "The day is inferred from the publication date (a weekday, today, yesterday).")
