"""A second annotator's work on the seed article, as Label Studio's editor would send it.

Region ids are random-looking, as the editor makes them; offsets are found in the text.
Used by the live tests and by tests/data/labelstudio/record_export.py.
"""

from __future__ import annotations

from typing import Any

SEED_ID = "000_6d2a1ba5d47be7a6"


def find(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def region(region_id: str, tag: str, label: str, text: str, span: tuple[int, int]) -> dict[str, Any]:
    start, end = span
    return {"id": region_id, "from_name": tag, "to_name": "text", "type": "labels", "origin": "manual",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]}}


def attribute(region_id: str, tag: str, kind: str, text: str, span: tuple[int, int], payload: dict[str, Any]) -> dict[str, Any]:
    start, end = span
    return {"id": region_id, "from_name": tag, "to_name": "text", "type": kind, "origin": "manual",
            "value": {"start": start, "end": end, **({"text": text[start:end]} if "text" not in payload else {}), **payload}}


def relation(from_id: str, to_id: str, label: str) -> dict[str, Any]:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label]}


def second_annotator_result(text: str) -> list[dict[str, Any]]:
    """An entity, two claims (one in two pieces) and a figure with every attribute kind."""
    lavrov = find(text, "Lavrov", 3)
    content = find(text, "the negotiations were not easy")
    cue = find(text, "cautioned")
    service = find(text, "emergency service")
    kharkiv_content = find(text, "at least 500 residents of the city of Kharkiv have been killed")
    said = find(text, "said", 5)
    figure = find(text, "at least 500")
    quote_1 = find(text, "Neutral status is now being seriously discussed")
    quote_2 = find(text, "with security guarantees")
    minister = find(text, "Sergei Lavrov")
    said_told = find(text, "said told")
    return [
        region("Qm3_xT9aLk", "entity", "PERSON", text, lavrov),
        region("Zp0-wq7Rb2", "entity", "ORG", text, service),
        region("Vb8nY4kP_s", "entity", "PERSON", text, minister),
        region("Hc2Lr5tWq9", "claim", "content", text, content),
        attribute("Hc2Lr5tWq9", "mode", "choices", text, content, {"choices": ["indirect"]}),
        region("Jd7Ks1mN0x", "claim", "cue", text, cue),
        region("Kf4Pq8zR3v", "claim", "source", text, lavrov),
        relation("Hc2Lr5tWq9", "Jd7Ks1mN0x", "cue"),
        relation("Hc2Lr5tWq9", "Kf4Pq8zR3v", "source"),
        relation("Kf4Pq8zR3v", "Qm3_xT9aLk", "refers_to"),
        region("Lw6Tb2yU5e", "claim", "content", text, kharkiv_content),
        attribute("Lw6Tb2yU5e", "mode", "choices", text, kharkiv_content, {"choices": ["indirect"]}),
        region("Mx9Vc3oI7r", "claim", "cue", text, said),
        relation("Lw6Tb2yU5e", "Mx9Vc3oI7r", "cue"),
        relation("Lw6Tb2yU5e", "Zp0-wq7Rb2", "source"),
        region("Ny1Ze6pA4t", "figure", "count", text, figure),
        attribute("Ny1Ze6pA4t", "approximation", "choices", text, figure, {"choices": ["at_least"]}),
        attribute("Ny1Ze6pA4t", "value", "number", text, figure, {"number": 500}),
        attribute("Ny1Ze6pA4t", "counted", "textarea", text, figure, {"text": ["residents of Kharkiv killed"]}),
        relation("Ny1Ze6pA4t", "Lw6Tb2yU5e", "in_claim"),
        region("Pa5Gd0sF8u", "claim", "content", text, quote_1),
        attribute("Pa5Gd0sF8u", "mode", "choices", text, quote_1, {"choices": ["direct_quote"]}),
        region("Rb3Hf7jK2i", "claim", "content", text, quote_2),
        relation("Rb3Hf7jK2i", "Pa5Gd0sF8u", "continues"),
        region("Sc6Jg1lL9o", "claim", "cue", text, said_told),
        relation("Pa5Gd0sF8u", "Sc6Jg1lL9o", "cue"),
        relation("Pa5Gd0sF8u", "Vb8nY4kP_s", "source"),
    ]


def draft_result(text: str) -> list[dict[str, Any]]:
    return [region("Td8Kh4nM1p", "entity", "GPE", text, find(text, "Mariupol"))]


def prediction_result(text: str) -> list[dict[str, Any]]:
    figure = find(text, "103")
    return [
        region("Ue2Lj6qN5a", "figure", "count", text, figure),
        attribute("Ue2Lj6qN5a", "approximation", "choices", text, figure, {"choices": ["exact"]}),
        attribute("Ue2Lj6qN5a", "value", "number", text, figure, {"number": 103.0}),
    ]


def annotate(admin, annotator, annotator_http, task_id: int) -> None:
    """The second annotator submits, skips and drafts; a model adds a prediction."""
    task = admin.tasks.get(id=str(task_id))
    text = task.data["text"]
    annotator.annotations.create(id=task_id, result=second_annotator_result(text), lead_time=42.5, was_cancelled=False, ground_truth=False)
    annotator.annotations.create(id=task_id, result=[], was_cancelled=True)
    response = annotator_http.request(f"api/tasks/{task_id}/drafts", method="POST", json={"result": draft_result(text), "lead_time": 3.0})
    assert response.status_code == 201, response.text
    admin.predictions.create(task=task_id, result=prediction_result(text), model_version="figure-finder-0.1", score=0.5)
