"""Deterministic synthetic corpora, for benchmarks and tests of the corpus at scale.

:func:`write_synthetic_corpus` writes a corpus folder that ``newsclaims validate`` finds valid:
the manifest, one article file per article (about 3,000 characters of made-up news text) and
one canonical annotation file per article, holding a gold set of 50 entities, 20 claims and 15
figures and two independent passes that differ from it a little (a missing entity, a changed
entity type, an approximation read differently, a missed claim or figure). Given an ``export``
path it also writes the same sets as a Label Studio JSON export (one task per article, each
set an annotation), made with :mod:`newsclaims.labelstudio.tasks`, so that the corpus's
commands can be compared with the export -> Parquet conversion of the same annotations.

Each article is drawn from its own seeded generator, so the same ``n_articles`` and ``seed``
always give the same bytes, and a smaller corpus is a prefix of a larger one. Files are written
directly as canonical JSON (the bytes :func:`~newsclaims.annotation_file.dump_annotation_file`
gives), not through :meth:`~newsclaims.store.Corpus.add`, into a staging folder renamed to
``root`` at the end: a corpus is written whole or not at all.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .errors import NewsclaimsError
from .labelstudio.tasks import set_to_annotation
from .model import SCHEMA_VERSION, AnnotationSet
from .synthetic import ANY_FIGURES, CUES, EMOJI, ENTITY_NAMES, NUMBERED_FIGURES, PERSONS, WORDS

__all__ = ["ENTITIES", "CLAIMS", "FIGURES", "SET_IDS", "SyntheticArticle", "SyntheticCorpus", "article_id", "synthetic_article", "write_synthetic_corpus", "write_synthetic_corpus_export"]

ENTITIES = 50
CLAIMS = 20
FIGURES = 15
TEXT_LENGTH = 3000
SET_IDS = ("gold", "pass-a", "pass-b")
PROJECT = 1
CHUNK = 500
_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
_SOURCES = {"PERSON": PERSONS, "ORG": ENTITY_NAMES["ORG"]}
_MENTIONED = tuple(label for label in ENTITY_NAMES if label != "PERSON")
_PREFIXES = ("Meanwhile, ", "On Monday, ", "Later, ", "In a statement, ")
_UNITS = {"money": "EUR", "measure": "km", "percent": "%"}


def article_id(index: int) -> str:
    return f"syn-{index:06d}"


def _canonical(document: dict[str, Any]) -> bytes:
    """The bytes of :func:`~newsclaims.jsonio.canonical_json`, made by orjson."""
    return orjson.dumps(document, option=_OPTIONS) + b"\n"


class _Text:
    """An article text built piece by piece, with the spans of its annotations."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[dict[str, Any]] = []
        self.claims: list[dict[str, Any]] = []
        self.figures: list[dict[str, Any]] = []

    def add(self, piece: str) -> None:
        self.parts.append(piece)
        self.pos += len(piece)

    def span(self, piece: str) -> dict[str, Any]:
        start = self.pos
        self.add(piece)
        return {"start": start, "end": self.pos, "text": piece}

    def words(self, low: int, high: int, capital: bool = False) -> None:
        words = self.rng.choices(WORDS, k=self.rng.randint(low, high))
        if capital:
            words[0] = words[0].capitalize()
        self.add(" ".join(words))

    def end_sentence(self) -> None:
        if self.rng.random() < 0.04:
            self.add(" " + self.rng.choice(EMOJI))
        self.add(".\n" if self.rng.random() < 0.2 else ". ")

    def entity(self, label: str | None = None, names: tuple[str, ...] | None = None) -> dict[str, Any]:
        label = label or self.rng.choice(_MENTIONED)
        entity = {"id": f"e{len(self.entities) + 1}", "type": label, "wikidata": None, **self.span(self.rng.choice(names or ENTITY_NAMES[label]))}
        self.entities.append(entity)
        return entity

    def figure(self, claim_id: str | None = None) -> None:
        kind, approximation, words, number = self.rng.choice(NUMBERED_FIGURES if claim_id else ANY_FIGURES)(self.rng)
        dated = isinstance(number, str)
        self.figures.append(
            {
                "id": f"f{len(self.figures) + 1}",
                "kind": kind,
                "approximation": approximation,
                "value": None if dated or number is None else float(number),
                "value_low": None,
                "value_high": None,
                "unit": _UNITS.get(kind),
                "counted": "people" if kind == "count" else None,
                "date_value": number if dated else None,
                "date_inferred": [],
                "claim_id": claim_id,
                **self.span(words),
            }
        )

    def claim(self, with_figure: bool) -> None:
        claim_id = f"c{len(self.claims) + 1}"
        roll = self.rng.random()
        mode = "indirect" if roll < 0.45 else "direct_quote" if roll < 0.85 else "unattributed"
        source = cue = None
        source_entity = None
        if mode != "unattributed":
            self.add(self.rng.choice(_PREFIXES))
            label = self.rng.choice(tuple(_SOURCES))
            source_entity = self.entity(label, _SOURCES[label])
            source = {"id": None, **{k: source_entity[k] for k in ("start", "end", "text")}}
            self.add(" ")
            cue = {"id": None, **self.span(self.rng.choice(CUES))}
            self.add(": “" if mode == "direct_quote" else " that ")
        start, first = self.pos, len(self.parts)
        self.words(2, 4, capital=mode != "indirect")
        self.add(" ")
        self.entity()
        self.add(" ")
        self.words(1, 3)
        if with_figure:
            self.add(" ")
            self.figure(claim_id)
            self.add(" ")
            self.words(1, 2)
        content = {"id": None, "start": start, "end": self.pos, "text": "".join(self.parts[first:])}
        self.add("”. " if mode == "direct_quote" else ". ")
        self.claims.append(
            {"id": claim_id, "mode": mode, "content": [content], "cue": cue, "source": source, "source_entity_id": source_entity["id"] if source_entity else None}
        )

    def statement(self, entities: int, with_figure: bool) -> None:
        self.words(2, 5, capital=True)
        for _ in range(entities):
            self.add(" ")
            self.entity()
            self.add(" ")
            self.words(1, 4)
        if with_figure:
            self.add(" ")
            self.figure()
            self.add(" ")
            self.words(1, 3)
        self.end_sentence()

    def text(self) -> str:
        return "".join(self.parts)


def _gold(rng: random.Random) -> _Text:
    """The text and the gold annotations of one article: exactly ENTITIES, CLAIMS and FIGURES
    (the claims and the figures' sentences name at most 47 entities; sentences naming more follow)."""
    t = _Text(rng)
    in_claims = rng.randint(8, 12)
    plans: list[tuple[str, bool]] = [("claim", i < in_claims) for i in range(CLAIMS)]
    plans += [("figure", True)] * (FIGURES - in_claims)
    rng.shuffle(plans)
    for kind, flag in plans:
        if kind == "claim":
            t.claim(flag)
        else:
            t.statement(1, True)
        if rng.random() < 0.25:
            t.words(3, 10, capital=True)
            t.end_sentence()
    while len(t.entities) < ENTITIES:
        t.statement(min(2, ENTITIES - len(t.entities)), False)
    while t.pos < TEXT_LENGTH - 60:
        t.words(4, 12, capital=True)
        t.end_sentence()
    t.words(2, 4, capital=True)
    t.add(".")
    return t


def _annotator_set(set_id: str, kind: str, annotator: str, sha: str, day: str, t: _Text, derived_from: list[str] | None = None) -> dict[str, Any]:
    aset: dict[str, Any] = {
        "set_id": set_id,
        "kind": kind,
        "annotator": annotator,
        "tool": "label-studio 1.23.2" if kind == "annotation" else "newsclaims adjudicate",
        "created_at": f"{day}T09:00:00Z",
        "updated_at": f"{day}T10:30:00Z",
        "article_sha256": sha,
        "label_studio": None,
        "entities": [dict(e) for e in t.entities],
        "claims": [{**c, "content": [dict(s) for s in c["content"]]} for c in t.claims],
        "figures": [dict(f) for f in t.figures],
    }
    if derived_from:
        aset["derived_from"] = derived_from
    return aset


def _differ(aset: dict[str, Any], rng: random.Random, drop_claim: bool) -> None:
    """Make a pass differ a little from gold, keeping every rule: a missed entity that no claim
    names, another entity typed differently, one figure's approximation read differently, and
    a missed claim (its figures then carry none) or a missed figure."""
    named = {c["source_entity_id"] for c in aset["claims"]}
    free = [i for i, e in enumerate(aset["entities"]) if e["id"] not in named]
    del aset["entities"][rng.choice(free)]
    retyped = rng.choice(aset["entities"])
    retyped["type"] = rng.choice([label for label in ENTITY_NAMES if label != retyped["type"]])
    figure = rng.choice(aset["figures"])
    figure["approximation"] = rng.choice([a for a in ("exact", "about", "at_least", "more_than") if a != figure["approximation"]])
    if drop_claim:
        dropped = aset["claims"].pop(rng.randrange(len(aset["claims"])))
        for f in aset["figures"]:
            if f["claim_id"] == dropped["id"]:
                f["claim_id"] = None
    else:
        del aset["figures"][rng.randrange(len(aset["figures"]))]


@dataclass(frozen=True)
class SyntheticArticle:
    """One synthetic article: its text and its sets, as the plain records of the annotation file."""

    article_id: str
    text: str
    sha256: str
    published: str
    sets: list[dict[str, Any]]


def synthetic_article(index: int, seed: int = 0) -> SyntheticArticle:
    """Article number ``index`` (0-based) of the synthetic corpus of ``seed``."""
    rng = random.Random(f"newsclaims-synthetic-corpus:{seed}:{index}")
    t = _gold(rng)
    text = t.text()
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    day = f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}"
    pass_a = _annotator_set("pass-a", "annotation", "annotator-a", sha, day, t)
    pass_b = _annotator_set("pass-b", "annotation", "annotator-b", sha, day, t)
    _differ(pass_a, rng, drop_claim=False)
    _differ(pass_b, rng, drop_claim=True)
    gold = _annotator_set("gold", "gold", "reviewer", sha, day, t, derived_from=["pass-a", "pass-b"])
    return SyntheticArticle(article_id(index), text, sha, day, [gold, pass_a, pass_b])


def _revision(article: SyntheticArticle, data: bytes) -> dict[str, Any]:
    return {
        "article_id": article.article_id,
        "revision": 1,
        "path": f"articles/{article.article_id}/r1.txt",
        "text_sha256": article.sha256,
        "n_bytes": len(data),
        "n_chars": len(article.text),
        "title": f"Synthetic article {article.article_id}",
        "publisher": "Synthetic News",
        "url": None,
        "published": article.published,
        "published_inferred": False,
        "language": "en",
        "rights": "synthetic text, no rights reserved",
        "note": None,
    }


def _task(index: int, article: SyntheticArticle) -> dict[str, Any]:
    """A task as a Label Studio export holds it, with one annotation per set."""
    task_id = index + 1
    annotations = []
    for number, record in enumerate(article.sets):
        annotation = set_to_annotation(AnnotationSet.model_validate(record))
        user = number + 1
        annotations.append(
            {
                "id": task_id * len(SET_IDS) + number,
                "completed_by": user,
                **annotation,
                "created_at": f"{article.published}T10:30:00.000000Z",
                "updated_at": f"{article.published}T10:30:00.000000Z",
                "lead_time": 600.0,
                "task": task_id,
                "project": PROJECT,
                "updated_by": user,
            }
        )
    return {
        "id": task_id,
        "annotations": annotations,
        "drafts": [],
        "predictions": [],
        "data": {"text": article.text, "article_id": article.article_id, "revision": 1, "text_sha256": article.sha256},
        "meta": {},
        "created_at": f"{article.published}T08:00:00.000000Z",
        "updated_at": f"{article.published}T10:30:00.000000Z",
        "inner_id": task_id,
        "total_annotations": len(annotations),
        "cancelled_annotations": 0,
        "total_predictions": 0,
        "project": PROJECT,
    }


def _write_range(staging: str, seed: int, first: int, last: int, export_part: str | None, articles: bool = True) -> list[dict[str, Any]]:
    """Write the articles ``first`` to ``last - 1`` (with ``articles``) and their tasks (with
    ``export_part``); returns their manifest records."""
    root = Path(staging)
    records = []
    tasks = []
    for index in range(first, last):
        article = synthetic_article(index, seed)
        data = article.text.encode("utf-8")
        if articles:
            folder = root / "articles" / article.article_id
            folder.mkdir(parents=True)
            (folder / "r1.txt").write_bytes(data)
            document = {"schema_version": SCHEMA_VERSION, "article_id": article.article_id, "sets": article.sets}
            (root / "annotations" / f"{article.article_id}.json").write_bytes(_canonical(document))
        records.append(_revision(article, data))
        if export_part is not None:
            tasks.append(orjson.dumps(_task(index, article)))
    if export_part is not None:
        Path(export_part).write_bytes(b",".join(tasks))
    return records


def _write_all(staging: Path, n_articles: int, seed: int, workers: int, export: bool, articles: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """Every article's files and tasks, ``CHUNK`` articles at a time; the manifest records and the export's parts, in order."""
    ranges = [(start, min(start + CHUNK, n_articles)) for start in range(0, n_articles, CHUNK)]
    parts = [str(staging / f"export-{i:05d}.part") for i in range(len(ranges))]
    jobs = [(str(staging), seed, first, last, part if export else None, articles) for (first, last), part in zip(ranges, parts, strict=True)]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_write_range, *job) for job in jobs]
            return [record for future in futures for record in future.result()], parts
    return [record for job in jobs for record in _write_range(*job)], parts


def _refuse_existing(path: Path) -> None:
    if os.path.lexists(path):
        raise NewsclaimsError(f"{path}: expected a path where nothing is yet, found something; a synthetic corpus is never written over files")


@dataclass(frozen=True)
class SyntheticCorpus:
    """What :func:`write_synthetic_corpus` wrote."""

    root: Path
    articles: int
    sets: int
    export: Path | None


def write_synthetic_corpus(root: Path | str, n_articles: int, seed: int = 0, export: Path | str | None = None, workers: int = 1) -> SyntheticCorpus:
    """Write a corpus of ``n_articles`` synthetic articles to ``root`` (which must not exist yet),
    and with ``export`` the same sets as a Label Studio JSON export; ``workers`` processes share
    the articles, and the bytes are the same whatever their number."""
    root = Path(root)
    export = Path(export) if export is not None else None
    if n_articles < 1:
        raise NewsclaimsError(f"{root}: expected at least one article, found {n_articles}")
    for path in (root, export):
        if path is not None:
            _refuse_existing(path)
    staging = root.with_name(f".{root.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "annotations").mkdir(parents=True)
    (staging / "articles").mkdir()
    try:
        records, parts = _write_all(staging, n_articles, seed, workers, export is not None, articles=True)
        (staging / "manifest.json").write_bytes(_canonical({"schema_version": SCHEMA_VERSION, "articles": records}))
        if export is not None:
            _join_export(staging, parts, export)
        os.replace(staging, root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return SyntheticCorpus(root, n_articles, n_articles * len(SET_IDS), export)


def write_synthetic_corpus_export(path: Path | str, n_articles: int, seed: int = 0, workers: int = 1) -> Path:
    """Write only the Label Studio export of the synthetic corpus of ``n_articles`` and ``seed``:
    the same bytes :func:`write_synthetic_corpus` writes as its ``export``."""
    path = Path(path)
    _refuse_existing(path)
    staging = path.with_name(f".{path.name}.parts")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        _, parts = _write_all(staging, n_articles, seed, workers, export=True, articles=False)
        _join_export(staging, parts, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return path


def _join_export(staging: Path, parts: list[str], export: Path) -> None:
    """The export's parts joined into one JSON array, written beside ``export`` and renamed over it."""
    export.parent.mkdir(parents=True, exist_ok=True)
    partial = export.with_name(f".{export.name}.partial")
    with open(partial, "wb") as out:
        out.write(b"[")
        for number, part in enumerate(parts):
            if number:
                out.write(b",")
            with open(part, "rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
            os.unlink(part)
        out.write(b"]")
    os.replace(partial, export)
