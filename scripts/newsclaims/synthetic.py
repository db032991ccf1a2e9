"""Synthetic Label Studio exports of this project's labeling config, for benchmarks and tests.

:func:`write_synthetic_export` streams a JSON array of tasks shaped like a real Label Studio
export (task-level bookkeeping keys, one submitted annotation per task) whose results follow
:mod:`newsclaims.labelstudio.layout`. Each task is drawn from its own seeded generator, so the
same ``n_tasks`` and ``seed`` always give the same bytes, and a smaller export is a prefix of a
larger one.

Each annotation holds 25 regions (15 entities, 4 figures, 2 claims of content + cue + source),
10 per-region attributes (a ``mode`` on each content region, an ``approximation`` and a
``value`` or ``date_value`` on each figure, as the rule book asks) and 5 relations (content -> cue and content -> source of
each claim, one figure -> content ``in_claim``). Regions start and end on word boundaries.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache, partial
from pathlib import Path
from typing import Any

from .labelstudio.layout import APPROXIMATION_TAG, CLAIM_TAG, ENTITY_TAG, FIGURE_TAG, MODE_TAG, TEXT_TAG, RelationLabel
from .vocab import ClaimPart

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is optional
    orjson = None  # type: ignore[assignment]  # the plain json writer is used then

__all__ = ["ENTITIES", "FIGURES", "CLAIMS", "REGIONS", "ATTRIBUTES", "RELATIONS", "synthetic_task", "write_synthetic_export"]

ENTITIES = 15
FIGURES = 4
CLAIMS = 2
REGIONS = ENTITIES + FIGURES + 3 * CLAIMS
ATTRIBUTES = CLAIMS + 2 * FIGURES
RELATIONS = 2 * CLAIMS + 1

PROJECT = 1
USERS = (1, 2, 3)
TEXT_LENGTH = 3000
WORD_STREAM_LENGTH = 50_000
EPOCH = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

WORDS = (
    "the a of and to in on for with from by at as that this these those was were is are has have had "
    "will would could should may might not but or also after before during since while when where "
    "government officials city region residents forces talks agreement report statement ministry "
    "border week month year day night morning evening people country support security energy prices "
    "market economy election vote council parliament court law decision plan proposal meeting summit "
    "crisis water food aid health schools hospitals roads bridge port airport train power grid "
    "négociations réforme café détente régime élite fiancé naïve protégé façade coöperation "
    "announced reported confirmed denied expected warned agreed rejected continued remained increased "
    "fell rose began ended opened closed moved returned attacked defended built repaired delivered "
    "new old major local national international regional public private military civilian economic "
    "political several many few most some other further early late recent current previous"
).split()
PERSONS = ("Sergei Lavrov", "Olena Kovalenko", "José Martínez", "Amélie Durand", "Volodymyr Zelensky", "Ana Müller", "Kwame Mensah", "Chloé Bernard")
ENTITY_NAMES = {
    "PERSON": PERSONS,
    "NORP": ("Russian", "Ukrainian", "Québécois", "Polish", "European"),
    "ORG": ("Médecins Sans Frontières", "the Ministry of Defence", "Reuters", "the United Nations", "Gazprom"),
    "GPE": ("Kyiv", "Kharkiv", "Mariupol", "Québec", "Zürich", "Moscow"),
    "LOC": ("the Black Sea", "the Dnipro", "the Alps", "Côte d’Azur"),
    "FAC": ("Boryspil Airport", "the Kerch Bridge", "Azovstal", "Gare du Nord"),
    "EVENT": ("the Munich Security Conference", "the Battle of Bakhmut", "Mardi Gras"),
    "PRODUCT": ("Starlink", "Bayraktar TB2", "Telegram"),
    "LAW": ("the Minsk agreements", "the Geneva Conventions", "Article 5"),
    "WORK_OF_ART": ("War and Peace", "Les Misérables", "the annual report"),
    "LANGUAGE": ("Ukrainian", "French", "Crimean Tatar"),
}
ENTITY_TYPES = tuple(ENTITY_NAMES)
SOURCES = ("the minister", "a spokesperson", "the mayor", "officials", "the governor", *PERSONS[:4])
CUES = ("said", "told reporters", "wrote on Telegram", "stated", "announced", "warned", "confirmed")
EMOJI = ("🙂", "📈", "🇺🇦", "🔥", "🤝")


def _count(rng: random.Random) -> tuple[str, str, str, float | None]:
    n = rng.randint(2, 900)
    return "count", "at_least", f"at least {n}", n


def _money(rng: random.Random) -> tuple[str, str, str, float | None]:
    n = rng.randint(1, 90)
    return "money", "about", f"about €{n} million", n * 1_000_000


def _percent(rng: random.Random) -> tuple[str, str, str, float | None]:
    n = rng.randint(1, 99) + rng.randint(0, 9) / 10
    return "percent", "exact", f"{n} per cent", n


def _measure(rng: random.Random) -> tuple[str, str, str, float | None]:
    n = rng.randint(2, 400)
    return "measure", "more_than", f"more than {n} km", n


def _date(rng: random.Random) -> tuple[str, str, str, float | str | None]:
    day = rng.randint(1, 28)
    return "date", "exact", f"{day} February 2022", f"2022-02-{day:02d}"


def _duration(rng: random.Random) -> tuple[str, str, str, float | str | None]:
    return "duration", "vague", *rng.choice((("several weeks", "P2W"), ("many months", "P6M"), ("a few days", "P3D")))


def _ordinal(rng: random.Random) -> tuple[str, str, str, float | str | None]:
    return "ordinal", "exact", *rng.choice((("third", 3), ("second", 2), ("fifth", 5)))


@cache
def _word_stream() -> list[str]:
    """A fixed pseudo-text that fillers are cut from: cheaper than drawing every word."""
    return random.Random("newsclaims-synthetic-words").choices(WORDS, k=WORD_STREAM_LENGTH)


NUMBERED_FIGURES: tuple[Callable[[random.Random], tuple[str, str, str, float | None]], ...] = (_count, _money, _percent, _measure)
ANY_FIGURES = (*NUMBERED_FIGURES, _date, _duration, _ordinal)


class _Builder:
    """Assembles a task's text piece by piece and the results of its regions."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.parts: list[str] = []
        self.pos = 0
        self.ids: set[str] = set()

    def add(self, piece: str) -> None:
        self.parts.append(piece)
        self.pos += len(piece)

    def span(self, piece: str) -> tuple[int, int]:
        start = self.pos
        self.add(piece)
        return start, self.pos

    def below(self, n: int) -> int:
        return int(self.rng.random() * n)

    def pick(self, items: tuple[str, ...]) -> str:
        return items[int(self.rng.random() * len(items))]

    def words(self, low: int, high: int) -> list[str]:
        stream = _word_stream()
        start = self.below(len(stream) - high)
        return stream[start : start + low + self.below(high - low + 1)]

    def filler(self, low: int, high: int) -> None:
        words = self.words(low, high)
        if self.rng.random() < 0.15 and len(words) > 3:
            words[len(words) // 2] += " —"
        self.add(" ".join(words))

    def sentence_end(self) -> None:
        if self.rng.random() < 0.04:
            self.add(" " + self.pick(EMOJI))
        self.add(".\n" if self.rng.random() < 0.2 else ". ")

    def sentence_start(self) -> None:
        words = self.words(2, 9)
        self.add(words[0].capitalize() + " " + " ".join(words[1:]) + " ")

    def region_id(self) -> str:
        while True:
            region_id = base64.urlsafe_b64encode(self.rng.getrandbits(64).to_bytes(8, "big"))[:10].decode()
            if region_id not in self.ids:
                self.ids.add(region_id)
                return region_id

    def text(self) -> str:
        return "".join(self.parts)


def _region(region_id: str, tag: str, label: str, span: tuple[int, int], text: str) -> dict[str, Any]:
    start, end = span
    return {"id": region_id, "from_name": tag, "to_name": TEXT_TAG, "type": "labels", "origin": "manual", "value": {"start": start, "end": end, "text": text, "labels": [label]}}


def _attribute(region_id: str, tag: str, kind: str, span: tuple[int, int], text: str, payload: dict[str, Any]) -> dict[str, Any]:
    start, end = span
    return {"id": region_id, "from_name": tag, "to_name": TEXT_TAG, "type": kind, "origin": "manual", "value": {"start": start, "end": end, "text": text, **payload}}


def _relation(from_id: str, to_id: str, label: RelationLabel) -> dict[str, Any]:
    return {"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right", "labels": [label.value]}


def _entity(b: _Builder, results: list[dict[str, Any]]) -> None:
    label = b.pick(ENTITY_TYPES)
    name = b.pick(ENTITY_NAMES[label])
    b.sentence_start()
    results.append(_region(b.region_id(), ENTITY_TAG, label, b.span(name), name))
    b.add(" ")
    b.filler(2, 10)
    b.sentence_end()


def _figure_results(b: _Builder, figure: tuple[str, str, str, float | str | None], span: tuple[int, int], numbered: bool) -> tuple[str, list[dict[str, Any]]]:
    kind, approximation, text, number = figure
    region_id = b.region_id()
    results = [_region(region_id, FIGURE_TAG, kind, span, text), _attribute(region_id, APPROXIMATION_TAG, "choices", span, text, {"choices": [approximation]})]
    if isinstance(number, str):
        results.append(_attribute(region_id, "date_value", "textarea", span, text, {"text": [number]}))
    elif numbered:
        results.append(_attribute(region_id, "value", "number", span, text, {"number": number}))
    return region_id, results


def _figure(b: _Builder, results: list[dict[str, Any]], figure: tuple[str, str, str, float | str | None], numbered: bool) -> None:
    b.sentence_start()
    span = b.span(figure[2])
    results += _figure_results(b, figure, span, numbered)[1]
    b.add(" ")
    b.filler(3, 12)
    b.sentence_end()


def _claim(b: _Builder, results: list[dict[str, Any]], figure: tuple[str, str, str, float | str | None] | None) -> None:
    quoted = b.rng.random() < 0.5
    b.add(b.pick(("Meanwhile, ", "On Monday, ", "Later, ", "In a statement, ")))
    source_text, cue_text = b.pick(SOURCES), b.pick(CUES)
    source_span = b.span(source_text)
    b.add(" ")
    cue_span = b.span(cue_text)
    b.add(": “" if quoted else " that ")
    start, first = b.pos, len(b.parts)
    b.filler(4, 9)
    figure_parts: tuple[str, list[dict[str, Any]]] | None = None
    if figure is not None:
        b.add(" ")
        figure_parts = _figure_results(b, figure, b.span(figure[2]), True)
        b.add(" ")
        b.filler(2, 6)
    content_span = (start, b.pos)
    content_text = "".join(b.parts[first:])
    b.add("”. " if quoted else ". ")
    content_id, cue_id, source_id = b.region_id(), b.region_id(), b.region_id()
    results += [
        _region(content_id, CLAIM_TAG, ClaimPart.CONTENT.value, content_span, content_text),
        _attribute(content_id, MODE_TAG, "choices", content_span, content_text, {"choices": ["direct_quote" if quoted else "indirect"]}),
        _region(cue_id, CLAIM_TAG, ClaimPart.CUE.value, cue_span, cue_text),
        _region(source_id, CLAIM_TAG, ClaimPart.SOURCE.value, source_span, source_text),
        _relation(content_id, cue_id, RelationLabel.CUE),
        _relation(content_id, source_id, RelationLabel.SOURCE),
    ]
    if figure_parts is not None:
        figure_id, figure_results = figure_parts
        results += [*figure_results, _relation(figure_id, content_id, RelationLabel.IN_CLAIM)]


def _pad(b: _Builder) -> None:
    while b.pos < TEXT_LENGTH - 40:
        b.sentence_start()
        b.filler(3, 12)
        b.sentence_end()
    b.sentence_start()
    b.add("end.")


def _annotation_text(rng: random.Random) -> tuple[str, list[dict[str, Any]]]:
    b = _Builder(rng)
    figures = [rng.choice(NUMBERED_FIGURES)(rng), rng.choice(NUMBERED_FIGURES)(rng), rng.choice(ANY_FIGURES)(rng), rng.choice(ANY_FIGURES)(rng)]
    units: list[Callable[[list[dict[str, Any]]], None]] = [lambda r: _entity(b, r)] * ENTITIES
    units.append(lambda r: _claim(b, r, figures[0]))
    units.append(lambda r: _claim(b, r, None))
    units.append(lambda r: _figure(b, r, figures[1], True))
    units += [partial(_figure, b, figure=f, numbered=True) for f in figures[2:]]
    rng.shuffle(units)
    results: list[dict[str, Any]] = []
    for unit in units:
        unit(results)
        if rng.random() < 0.3:
            b.sentence_start()
            b.filler(2, 10)
            b.sentence_end()
    _pad(b)
    return b.text(), results


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def synthetic_task(index: int, seed: int = 0) -> dict[str, Any]:
    """Task number ``index`` (0-based) of the synthetic export of ``seed``."""
    rng = random.Random(f"newsclaims-synthetic:{seed}:{index}")
    text, results = _annotation_text(rng)
    task_id = index + 1
    user = USERS[index % len(USERS)]
    created = EPOCH + timedelta(seconds=index * 37, microseconds=rng.randrange(1_000_000))
    annotated = created + timedelta(seconds=rng.randint(60, 3600), microseconds=rng.randrange(1_000_000))
    updated = annotated + timedelta(seconds=rng.randint(0, 600), microseconds=rng.randrange(1_000_000))
    annotation = {
        "id": task_id,
        "completed_by": user,
        "result": results,
        "was_cancelled": False,
        "ground_truth": False,
        "created_at": _timestamp(annotated),
        "updated_at": _timestamp(updated),
        "draft_created_at": None,
        "lead_time": round(rng.uniform(30, 1800), 3),
        "prediction": {},
        "result_count": REGIONS,
        "unique_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "import_id": None,
        "last_action": None,
        "bulk_created": False,
        "task": task_id,
        "project": PROJECT,
        "updated_by": user,
        "parent_prediction": None,
        "parent_annotation": None,
        "last_created_by": None,
    }
    return {
        "id": task_id,
        "annotations": [annotation],
        "drafts": [],
        "predictions": [],
        "data": {"text": text, "article_id": f"syn-{index:06d}"},
        "meta": {},
        "created_at": _timestamp(created),
        "updated_at": _timestamp(updated),
        "allow_skip": True,
        "inner_id": task_id,
        "total_annotations": 1,
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "comment_count": 0,
        "unresolved_comment_count": 0,
        "last_comment_updated_at": None,
        "project": PROJECT,
        "updated_by": user,
        "comment_authors": [],
    }


def _dumps_json(task: dict[str, Any]) -> bytes:
    return json.dumps(task, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _dumps() -> Callable[[dict[str, Any]], bytes]:
    return orjson.dumps if orjson is not None else _dumps_json


def write_synthetic_export(path: Path | str, n_tasks: int, seed: int = 0) -> int:
    """Write ``n_tasks`` synthetic tasks to ``path`` as a Label Studio JSON export; returns the bytes written."""
    dumps = _dumps()
    written = 0
    with open(path, "wb") as handle:
        written += handle.write(b"[")
        for index in range(n_tasks):
            if index:
                written += handle.write(b",")
            written += handle.write(dumps(synthetic_task(index, seed)))
        written += handle.write(b"]")
    return written
