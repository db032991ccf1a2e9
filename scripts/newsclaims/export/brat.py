"""brat standoff: ``<article>.txt`` (the exact article text) and ``<article>.ann`` per article, and the way back.

Offsets are code points of the ``.txt``, which holds the article's exact UTF-8 bytes (CRLF
and all): read it as bytes, never with newline translation. In the ``.ann``:

- ``T`` entities (type: the entity type), figures (``Figure``), and claims: ``Claim`` over
  the first content span, ``Content`` for the other content spans, ``Cue``, ``Source``;
  line breaks inside a span's text are shown as spaces (its offsets are the truth);
- ``R`` relations ``Content``, ``Cue``, ``Source`` (claim -> part, content in order),
  ``SourceEntity`` (claim -> entity) and ``CarriedBy`` (figure -> claim);
- ``A`` attributes ``Mode`` of a claim, ``Kind`` and ``Approximation`` of a figure;
- ``#`` notes (``AnnotatorNotes``) holding, as one line of JSON, the annotation's id and the
  values brat has no place for (Wikidata id, value, bounds, unit, counted, dates, part ids).

``<article>.json`` beside them keeps the set's own fields (id, kind, annotator, provenance),
and ``annotation.conf`` declares the types for brat. :func:`brat_to_sets` reads a folder back
into annotation sets; files made or edited in brat need no notes or ``.json``.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConversionError, NewsclaimsError
from ..jsonio import atomic_write_bytes, atomic_write_text, canonical_json
from ..model import AnnotationSet, Claim, ClaimSpan, Entity, Figure, Span
from ..store import decode_article, sha256_hex
from ..validate import ERROR, Problem, check_set
from ..vocab import Approximation, ClaimMode, EntityType, FigureKind, SetKind
from .documents import ExportDocument
from .loss import ExportReport
from .tokens import LINE_BREAKS

CONF_FILE = "annotation.conf"
PART_TYPES = ("Content", "Cue", "Source")
_LAYERS = ("entities", "claims", "figures")
_FIGURE_NOTE_FIELDS = ("value", "value_low", "value_high", "unit", "counted", "date_value", "date_inferred", "claim_id")


def shown(text: str) -> str:
    """A span's text as its ``T`` line shows it: line breaks become spaces, so the line stays one line."""
    return "".join(" " if char in LINE_BREAKS else char for char in text)


def _note(values: dict) -> str:
    return json.dumps({k: v for k, v in values.items() if v not in (None, [])}, ensure_ascii=True, sort_keys=True)


class _Ann:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.counts = {"T": 0, "R": 0, "A": 0, "#": 0}

    def _next(self, kind: str) -> str:
        self.counts[kind] += 1
        return f"{kind}{self.counts[kind]}"

    def text_bound(self, label: str, span: Span, note: dict) -> str:
        tid = self._next("T")
        self.lines.append(f"{tid}\t{label} {span.start} {span.end}\t{shown(span.text)}")
        if any(v not in (None, []) for v in note.values()):
            self.lines.append(f"{self._next('#')}\tAnnotatorNotes {tid}\t{_note(note)}")
        return tid

    def relation(self, label: str, arg1: str, arg2: str) -> None:
        self.lines.append(f"{self._next('R')}\t{label} Arg1:{arg1} Arg2:{arg2}")

    def attribute(self, name: str, target: str, value: str) -> None:
        self.lines.append(f"{self._next('A')}\t{name} {target} {value}")


def brat_ann(aset: AnnotationSet) -> str:
    """The ``.ann`` text of one annotation set."""
    ann = _Ann()
    entity_ids = {e.id: ann.text_bound(e.type.value, e, {"id": e.id, "wikidata": e.wikidata}) for e in aset.entities}
    claim_ids = {}
    for claim in aset.claims:
        first = claim.content[0]
        tid = ann.text_bound("Claim", first, {"id": claim.id, "span_id": first.id})
        claim_ids[claim.id] = tid
        ann.attribute("Mode", tid, claim.mode.value)
        for label, span in [("Content", s) for s in claim.content[1:]] + [("Cue", claim.cue), ("Source", claim.source)]:
            if span is not None:
                ann.relation(label, tid, ann.text_bound(label, span, {"span_id": span.id}))
        if claim.source_entity_id is not None:
            ann.relation("SourceEntity", tid, entity_ids[claim.source_entity_id])
    for figure in aset.figures:
        values = {name: getattr(figure, name) for name in _FIGURE_NOTE_FIELDS if name != "claim_id"}
        tid = ann.text_bound("Figure", figure, {"id": figure.id, **{k: (v if k != "date_inferred" else [p.value for p in v]) for k, v in values.items()}})
        ann.attribute("Kind", tid, figure.kind.value)
        ann.attribute("Approximation", tid, figure.approximation.value)
        if figure.claim_id is not None:
            ann.relation("CarriedBy", tid, claim_ids[figure.claim_id])
    return "".join(line + "\n" for line in ann.lines)


def annotation_conf() -> str:
    entity_types = "|".join(t.value for t in EntityType)
    return "\n".join(
        [
            "# newsclaims annotation types for brat",
            "[entities]",
            *(t.value for t in EntityType),
            "Figure",
            "Claim",
            *PART_TYPES,
            "[relations]",
            "Content Arg1:Claim, Arg2:Content",
            "Cue Arg1:Claim, Arg2:Cue",
            "Source Arg1:Claim, Arg2:Source",
            f"SourceEntity Arg1:Claim, Arg2:{entity_types}",
            "CarriedBy Arg1:Figure, Arg2:Claim",
            "<OVERLAP> Arg1:<ANY>, Arg2:<ANY>, <OVL-TYPE>:<ANY>",
            "[events]",
            "[attributes]",
            f"Mode Arg:Claim, Value:{'|'.join(m.value for m in ClaimMode)}",
            f"Kind Arg:Figure, Value:{'|'.join(k.value for k in FigureKind)}",
            f"Approximation Arg:Figure, Value:{'|'.join(a.value for a in Approximation)}",
            "",
        ]
    )


def _file_stems(documents: list[ExportDocument]) -> list[str]:
    per_article: dict[str, int] = {}
    for document in documents:
        per_article[document.article_id] = per_article.get(document.article_id, 0) + 1
    return [d.article_id if per_article[d.article_id] == 1 else f"{d.article_id}-r{d.revision}" for d in documents]


def write_brat(documents: list[ExportDocument], out: Path, set_id: str) -> ExportReport:
    """Write every document into the folder ``out`` (new or empty), all files or none."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise NewsclaimsError(f"{out}: [export-target-exists] expected a new or empty folder for the brat files, found {'a file' if not out.is_dir() else 'files in it'}")
    report = ExportReport("brat", str(out), set_id)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    totals = {"entity mentions": 0, "figures": 0, "claims": 0}
    try:
        staging.mkdir(parents=True)
        atomic_write_text(staging / CONF_FILE, annotation_conf())
        for stem, document in zip(_file_stems(documents), documents, strict=True):
            aset = document.aset
            atomic_write_bytes(staging / f"{stem}.txt", document.text.encode("utf-8"))
            atomic_write_text(staging / f"{stem}.ann", brat_ann(aset))
            header = aset.model_dump(mode="json", exclude=set(_LAYERS))
            atomic_write_text(staging / f"{stem}.json", canonical_json({"article_id": document.article_id, "revision": document.revision, "set": header}))
            report.articles.append(document.article_id)
            totals["entity mentions"] += len(aset.entities)
            totals["figures"] += len(aset.figures)
            totals["claims"] += len(aset.claims)
        os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.written.update(totals)
    return report


# -- the way back ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BratDocument:
    article_id: str
    text: str
    aset: AnnotationSet


@dataclass
class _TextBound:
    tid: str
    label: str
    span: Span
    note: dict


def brat_to_sets(folder: Path, set_id: str | None = None, kind: SetKind = SetKind.ANNOTATION) -> list[BratDocument]:
    """Read every ``.ann`` of ``folder`` (with its ``.txt``) back into an annotation set.

    The set's own fields come from the ``.json`` beside the files; where there is none,
    ``set_id`` (required then) and ``kind`` name the set. Every problem is collected and
    raised together, with its file and line.
    """
    folder = Path(folder)
    documents: list[BratDocument] = []
    problems: list[Problem] = []
    for ann_path in sorted(folder.glob("*.ann")):
        document, found = _read_document(ann_path, set_id, kind)
        problems += found
        if document is not None:
            documents.append(document)
    if problems:
        raise ConversionError(f"{folder}: {len(problems)} problem(s) in the brat files", problems)
    return documents


def _read_document(ann_path: Path, set_id: str | None, kind: SetKind) -> tuple[BratDocument | None, list[Problem]]:
    txt_path = ann_path.with_suffix(".txt")
    if not txt_path.exists():
        return None, [Problem("brat-text-missing", f"expected {txt_path.name} beside it, found none", file=str(ann_path))]
    data = txt_path.read_bytes()
    text = decode_article(data, str(txt_path))
    sidecar_path = ann_path.with_suffix(".json")
    try:
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8")) if sidecar_path.exists() else None
        article_id = sidecar["article_id"] if sidecar else ann_path.stem
    except (ValueError, KeyError, TypeError) as exc:
        return None, [Problem("brat-sidecar-invalid", f"expected a JSON object with the set's fields and article_id, found {type(exc).__name__}: {exc}", file=str(sidecar_path))]
    file = str(ann_path)
    if sidecar is None and set_id is None:
        return None, [Problem("brat-set-unnamed", f"expected {sidecar_path.name} or a set id to name the set, found neither", file=file, article_id=article_id)]
    parsed = _Parsed(file, article_id, text)
    for number, line in enumerate(ann_path.read_bytes().decode("utf-8").split("\n"), 1):
        parsed.line(number, line.rstrip("\r"))
    if parsed.problems:
        return None, parsed.problems
    try:
        layers, problems = parsed.layers()
    except ValueError as exc:
        layers, problems = {}, [Problem("brat-annotation-invalid", str(exc).replace("\n", " "), file=file, article_id=article_id)]
    if problems:
        return None, problems
    header = dict(sidecar["set"]) if sidecar else {"set_id": set_id, "kind": kind.value, "tool": "brat"}
    header["article_sha256"] = header.get("article_sha256", sha256_hex(data))
    if header["article_sha256"] != sha256_hex(data):
        return None, [Problem("brat-text-changed", f"expected the text of sha256 {header['article_sha256']}, found {sha256_hex(data)}", file=str(txt_path), article_id=article_id)]
    try:
        aset = AnnotationSet.model_validate({**header, **layers})
    except ValueError as exc:
        return None, [Problem("brat-set-invalid", str(exc).replace("\n", " "), file=file, article_id=article_id)]
    problems = [p for p in check_set(aset, text, {"file": file, "article_id": article_id}) if p.level == ERROR]
    return (None, problems) if problems else (BratDocument(article_id, text, aset), [])


class _Parsed:
    """The lines of one ``.ann`` file, checked against its text."""

    def __init__(self, file: str, article_id: str, text: str) -> None:
        self.file, self.article_id, self.text = file, article_id, text
        self.bounds: dict[str, _TextBound] = {}
        self.relations: list[tuple[str, str, str, int]] = []
        self.attributes: dict[tuple[str, str], str] = {}
        self.problems: list[Problem] = []

    def problem(self, number: int | None, error_id: str, message: str) -> None:
        where = f"line {number}: " if number else ""
        self.problems.append(Problem(error_id, where + message, file=self.file, article_id=self.article_id))

    def line(self, number: int, line: str) -> None:
        if not line.strip():
            return
        fields = line.split("\t", 2)
        ident = fields[0]
        try:
            if ident.startswith("T"):
                self._text_bound(number, ident, fields)
            elif ident.startswith("R"):
                label, arg1, arg2 = fields[1].split()
                self.relations.append((label, arg1.removeprefix("Arg1:"), arg2.removeprefix("Arg2:"), number))
            elif ident.startswith("A"):
                name, target, value = fields[1].split()
                self.attributes[(target, name)] = value
            elif ident.startswith("#"):
                _, target = fields[1].split()
                note = json.loads(fields[2])
                if target not in self.bounds or not isinstance(note, dict):
                    raise ValueError(f"a JSON object note on a text-bound annotation above, found {line!r}")
                self.bounds[target].note.update(note)
            else:
                self.problem(number, "brat-unsupported", f"expected a T, R, A or # line, found {line!r}")
        except (ValueError, IndexError) as exc:
            self.problem(number, "brat-line-invalid", f"expected a well-formed {ident[:1]} line, found {line!r} ({exc})")

    def _text_bound(self, number: int, ident: str, fields: list[str]) -> None:
        if ident in self.bounds:
            self.problem(number, "brat-id-duplicate", f"expected each annotation id once, found {ident} again")
            return
        label, offsets = fields[1].split(" ", 1)
        fragments = [tuple(int(x) for x in piece.split()) for piece in offsets.split(";")]
        start, end = fragments[0][0], fragments[-1][1]
        gaps = [self.text[a[1] : b[0]] for a, b in itertools.pairwise(fragments)]
        if any(gap.strip() for gap in gaps) or not 0 <= start < end <= len(self.text):
            self.problem(number, "brat-span-invalid", f"expected one span inside the text (0..{len(self.text)}), found {offsets!r}")
            return
        covered = self.text[start:end]
        if len(fields) > 2 and shown(fields[2]) != shown(covered) and " ".join(fields[2].split()) != " ".join(covered.split()):
            self.problem(number, "brat-text-mismatch", f"expected {shown(covered)!r} at {start}:{end}, found {fields[2]!r}")
            return
        self.bounds[ident] = _TextBound(ident, label, Span(start=start, end=end, text=covered), {})

    def layers(self) -> tuple[dict, list[Problem]]:
        claims_of: dict[str, dict] = {}
        used: set[str] = set()
        entities, figures, claims = [], [], []
        entity_ids, claim_ids = {}, {}
        for bound in self.bounds.values():
            if bound.label in EntityType._value2member_map_:
                entity_ids[bound.tid] = bound.note.get("id", f"e{bound.span.start}-{bound.tid}")
                entities.append(Entity(id=entity_ids[bound.tid], type=bound.label, wikidata=bound.note.get("wikidata"), **bound.span.model_dump()))
            elif bound.label == "Claim":
                claim_ids[bound.tid] = bound.note.get("id", f"c{bound.span.start}-{bound.tid}")
                claims_of[bound.tid] = {"content": [ClaimSpan(id=bound.note.get("span_id"), **bound.span.model_dump())], "cue": None, "source": None, "source_entity_id": None}
        figure_claims: dict[str, str] = {}
        for label, arg1, arg2, number in self.relations:
            if label == "CarriedBy" and arg1 in self.bounds and arg2 in claim_ids:
                figure_claims[arg1] = claim_ids[arg2]
            elif label == "SourceEntity" and arg1 in claims_of and arg2 in entity_ids:
                claims_of[arg1]["source_entity_id"] = entity_ids[arg2]
            elif label in PART_TYPES and arg1 in claims_of and arg2 in self.bounds and self.bounds[arg2].label == label:
                part = self.bounds[arg2]
                span = ClaimSpan(id=part.note.get("span_id"), **part.span.model_dump())
                if label == "Content":
                    claims_of[arg1]["content"].append(span)
                else:
                    claims_of[arg1][label.lower()] = span
                used.add(arg2)
            else:
                self.problem(number, "brat-relation-invalid", f"expected {label} between annotations of this file that it may link, found {arg1} -> {arg2}")
        for bound in self.bounds.values():
            if bound.label in PART_TYPES and bound.tid not in used:
                self.problem(None, "brat-part-orphan", f"{bound.tid} ({bound.label}) belongs to no claim (expected a {bound.label} relation from a Claim)")
            elif bound.label == "Claim":
                mode = self.attributes.get((bound.tid, "Mode"))
                claims.append(Claim(id=claim_ids[bound.tid], mode=mode, **claims_of[bound.tid]) if mode else None)
                if mode is None:
                    self.problem(None, "brat-attribute-missing", f"{bound.tid} (Claim): expected a Mode attribute, found none")
            elif bound.label == "Figure":
                note = bound.note
                values = {name: note.get(name) for name in _FIGURE_NOTE_FIELDS if name in note}
                values["claim_id"] = figure_claims.get(bound.tid)
                kind, approximation = self.attributes.get((bound.tid, "Kind")), self.attributes.get((bound.tid, "Approximation"))
                if kind is None or approximation is None:
                    self.problem(None, "brat-attribute-missing", f"{bound.tid} (Figure): expected Kind and Approximation attributes, found {kind!r}, {approximation!r}")
                    continue
                figures.append(Figure(id=note.get("id", f"f{bound.span.start}-{bound.tid}"), kind=kind, approximation=approximation, **values, **bound.span.model_dump()))
            elif bound.label not in EntityType._value2member_map_ and bound.label not in PART_TYPES:
                self.problem(None, "brat-type-unknown", f"{bound.tid}: expected an entity type, Figure, Claim or {', '.join(PART_TYPES)}, found {bound.label!r}")
        return {"entities": entities, "claims": [c for c in claims if c is not None], "figures": figures}, self.problems
