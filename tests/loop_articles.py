"""Two short news-style articles written for the tests, and two annotators' passes over them.

The passes differ on purpose (a place typed differently, a figure's approximation, a figure
one annotator missed), so that agreement is below 100 % and adjudication finds conflicts.
"""

from __future__ import annotations

from typing import Any

from newsclaims.model import AnnotationSet

HARBOUR_ID = "loop_harbour"
HARBOUR = (
    "Port officials in Valdora said on Tuesday that at least 1,200 containers were stuck at the "
    "harbour after a strike by crane operators. \"We are losing about 3 million euros a day,\" "
    "harbour director Mira Castell told reporters. The union disputed the figure.\n"
)
SCHOOLS_ID = "loop_schools"
SCHOOLS = (
    "The education ministry of Norland will open 14 new schools by 2027, minister Ansel Dray "
    "announced on Monday. Dray said the plan would cost more than 200 million crowns. Critics "
    "called the timetable unrealistic.\n"
)
PUBLISHED = "2026-11-17"
ARTICLES = {HARBOUR_ID: HARBOUR, SCHOOLS_ID: SCHOOLS}


def _span(text: str, needle: str, occurrence: int = 1) -> dict[str, Any]:
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    return {"start": start, "end": start + len(needle), "text": needle}


def _entity(text: str, entity_id: str, needle: str, entity_type: str, occurrence: int = 1) -> dict[str, Any]:
    return {"id": entity_id, "type": entity_type, **_span(text, needle, occurrence)}


def _figure(text: str, figure_id: str, needle: str, kind: str, approximation: str, claim_id: str | None, **values: Any) -> dict[str, Any]:
    return {"id": figure_id, "kind": kind, "approximation": approximation, "claim_id": claim_id, **_span(text, needle), **values}


def _claim(text: str, claim_id: str, mode: str, content: str, cue: str | None, source: str | None, entity: str | None) -> dict[str, Any]:
    return {
        "id": claim_id,
        "mode": mode,
        "content": [_span(text, content)],
        "cue": _span(text, cue) if cue else None,
        "source": _span(text, source) if source else None,
        "source_entity_id": entity,
    }


def harbour_layers(second: bool) -> dict[str, list]:
    t = HARBOUR
    entities = [
        _entity(t, "e1", "Valdora", "LOC" if second else "GPE"),
        _entity(t, "e2", "Mira Castell", "PERSON"),
    ]
    claims = [
        _claim(t, "c1", "indirect", "at least 1,200 containers were stuck at the harbour after a strike by crane operators", "said", "Port officials in Valdora", None),
        _claim(t, "c2", "direct_quote", "We are losing about 3 million euros a day", "told reporters", "harbour director Mira Castell", "e2"),
        _claim(t, "c3", "unattributed", "The union disputed the figure", None, None, None),
    ]
    figures = [
        _figure(t, "f1", "Tuesday", "date", "exact", None, date_value="2026-11-17", date_inferred=["year", "month", "day"]),
        _figure(t, "f2", "at least 1,200", "count", "exact" if second else "at_least", "c1", value=1200.0, counted="containers stuck at the harbour"),
        _figure(t, "f3", "about 3 million euros", "money", "about", "c2", value=3000000.0, unit="EUR", counted="losses a day"),
    ]
    return {"entities": entities, "claims": claims, "figures": figures}


def schools_layers(second: bool) -> dict[str, list]:
    t = SCHOOLS
    entities = [
        _entity(t, "e1", "education ministry of Norland", "ORG"),
        _entity(t, "e2", "Norland", "GPE"),
        _entity(t, "e3", "Ansel Dray", "PERSON"),
        _entity(t, "e4", "Dray", "PERSON", 2),
    ]
    claims = [
        _claim(t, "c1", "indirect", "The education ministry of Norland will open 14 new schools by 2027", "announced", "minister Ansel Dray", "e3"),
        _claim(t, "c2", "indirect", "the plan would cost more than 200 million crowns", "said", "Dray", "e4"),
    ]
    figures = [
        _figure(t, "f1", "14", "count", "exact", "c1", value=14.0, counted="new schools"),
        _figure(t, "f3", "Monday", "date", "exact", None, date_value="2026-11-16", date_inferred=["year", "month", "day"]),
        _figure(t, "f4", "more than 200 million crowns", "money", "more_than", "c2", value=200000000.0, unit="crowns", counted="cost of the plan"),
    ]
    if not second:
        figures.insert(1, _figure(t, "f2", "2027", "date", "exact", "c1", date_value="2027"))
    return {"entities": entities, "claims": claims, "figures": figures}


LAYERS = {HARBOUR_ID: harbour_layers, SCHOOLS_ID: schools_layers}


def pass_set(article_id: str, sha: str, second: bool, set_id: str = "pass") -> AnnotationSet:
    """One annotator's pass over an article: the first annotator's (``second`` false) or the other's."""
    return AnnotationSet.model_validate(
        {"set_id": set_id, "kind": "annotation", "annotator": "test", "article_sha256": sha, **LAYERS[article_id](second)}
    )
