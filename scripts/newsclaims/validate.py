"""The corpus validator: every problem, one line each, with a stable error id.

A problem names the file, the article, the annotation set and id, the error id, and what
was expected against what was found. Errors fail validation; warnings do not.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from pydantic import ValidationError

from .annotation_file import dump_annotation_file
from .errors import ArticleError
from .model import SCHEMA_VERSION, AnnotationFile, AnnotationSet, ArticleRevision, Claim, Manifest, Span
from .store import Corpus, decode_article, sha256_hex
from .vocab import Approximation, ClaimMode, FigureKind, SetKind

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    error_id: str
    message: str
    file: str = ""
    article_id: str | None = None
    set_id: str | None = None
    layer: str | None = None
    annotation_id: str | None = None
    level: str = ERROR

    def format(self) -> str:
        where = [f"article={self.article_id}"] if self.article_id else []
        if self.set_id:
            where.append(f"set={self.set_id}")
        if self.annotation_id:
            where.append(f"{self.layer or 'annotation'}={self.annotation_id}")
        level = "" if self.level == ERROR else f"{self.level}: "
        return " ".join(filter(None, [f"{self.file}:", *where, f"[{self.error_id}]", f"{level}{self.message}"]))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.level == ERROR for p in problems)


# -- spans --------------------------------------------------------------------------------

_GRAPHEME_EXTENDERS = {"\u200d", "\ufe0e", "\ufe0f"}


def splits_grapheme(text: str, offset: int) -> bool:
    """True when a boundary at ``offset`` falls inside a user-perceived character."""
    if offset <= 0 or offset >= len(text):
        return False
    after, before = text[offset], text[offset - 1]
    if unicodedata.category(after) in ("Mn", "Me", "Mc") or after in _GRAPHEME_EXTENDERS or before == "\u200d":
        return True
    if "\U0001f3fb" <= after <= "\U0001f3ff" or "\U000e0020" <= after <= "\U000e007f":
        return True
    if before == "\r" and after == "\n":
        return True
    if _is_regional_indicator(after) and _is_regional_indicator(before):
        run = 0
        while offset - run - 1 >= 0 and _is_regional_indicator(text[offset - run - 1]):
            run += 1
        return run % 2 == 1
    return False


def _is_regional_indicator(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def check_span(span: Span, text: str, where: dict[str, Any], part: str = "") -> list[Problem]:
    """Check one span against the article text; ``part`` names a claim's span (cue, content[1])."""
    label = f"{part} " if part else ""
    if span.start >= span.end:
        return [Problem("span-empty", f"{label}expected start < end, found {span.start}:{span.end}", **where)]
    if span.end > len(text):
        return [
            Problem(
                "span-out-of-range",
                f"{label}expected end <= {len(text)} (the text's length in code points), found {span.start}:{span.end}",
                **where,
            )
        ]
    found = text[span.start : span.end]
    problems = []
    if found != span.text:
        problems.append(
            Problem("span-text-mismatch", f"{label}expected {found!r} at {span.start}:{span.end}, found {span.text!r}", **where)
        )
    if found != found.strip():
        problems.append(
            Problem("span-whitespace", f"{label}span {found!r} at {span.start}:{span.end} starts or ends with white space", level=WARNING, **where)
        )
    for offset in (span.start, span.end):
        if splits_grapheme(text, offset):
            problems.append(
                Problem(
                    "span-splits-grapheme",
                    f"{label}offset {offset} falls inside a user-perceived character ({text[max(0, offset - 1):offset + 1]!r})",
                    level=WARNING,
                    **where,
                )
            )
    return problems


def claim_spans(claim: Claim) -> list[tuple[str, Span]]:
    spans = [(f"content[{i}]" if len(claim.content) > 1 else "content", s) for i, s in enumerate(claim.content)]
    spans += [(name, span) for name, span in (("cue", claim.cue), ("source", claim.source)) if span is not None]
    return spans


# -- annotation sets ----------------------------------------------------------------------


def check_set(aset: AnnotationSet, text: str, base: dict[str, Any]) -> list[Problem]:
    """Check spans, ids, references and field rules of one set against its article text."""
    base = {**base, "set_id": aset.set_id}
    problems: list[Problem] = []
    seen: Counter[str] = Counter()
    for layer, items in (("entity", aset.entities), ("claim", aset.claims), ("figure", aset.figures)):
        for item in items:
            seen[item.id] += 1
            where = {**base, "layer": layer, "annotation_id": item.id}
            if layer == "claim":
                for part, span in claim_spans(item):
                    problems += check_span(span, text, where, part)
            else:
                problems += check_span(item, text, where)
    for ann_id, count in sorted(seen.items()):
        if count > 1:
            problems.append(
                Problem("duplicate-id", f"expected ids unique within the set, found {ann_id!r} {count} times", **base, annotation_id=ann_id)
            )
    problems += _check_part_ids(aset, set(seen), base)
    entity_ids = {e.id for e in aset.entities}
    claim_ids = {c.id for c in aset.claims}
    for claim in aset.claims:
        where = {**base, "layer": "claim", "annotation_id": claim.id}
        if claim.source_entity_id is not None and claim.source_entity_id not in entity_ids:
            problems.append(
                Problem("dangling-reference", f"source_entity_id: expected an entity id of this set, found {claim.source_entity_id!r}", **where)
            )
        attributed = claim.mode is not ClaimMode.UNATTRIBUTED
        if attributed and claim.source is None and claim.source_entity_id is None:
            problems.append(Problem("claim-source-missing", f"mode {claim.mode.value}: expected a source, found none", **where))
        if attributed and claim.cue is None:
            problems.append(Problem("claim-cue-missing", f"mode {claim.mode.value}: expected a cue, found none", **where))
        if not attributed and (claim.source or claim.cue or claim.source_entity_id):
            problems.append(
                Problem("unattributed-with-source", "mode unattributed: expected no source, cue or source_entity_id, found some", **where)
            )
    for figure in aset.figures:
        where = {**base, "layer": "figure", "annotation_id": figure.id}
        if figure.claim_id is not None and figure.claim_id not in claim_ids:
            problems.append(Problem("dangling-reference", f"claim_id: expected a claim id of this set, found {figure.claim_id!r}", **where))
        problems += _check_figure_values(figure, where)
    return problems


def _check_part_ids(aset: AnnotationSet, annotation_ids: set[str], base: dict[str, Any]) -> list[Problem]:
    """Claim parts with an id: one id, one span (two claims may share it), never an annotation's id."""
    problems = []
    spans: dict[str, tuple[int, int]] = {}
    for claim in aset.claims:
        where = {**base, "layer": "claim", "annotation_id": claim.id}
        for part, span in claim_spans(claim):
            if getattr(span, "id", None) is None:
                continue
            if span.id in annotation_ids:
                problems.append(Problem("duplicate-id", f"{part}: part id {span.id!r} is also the id of an annotation of the set", **where))
            elif spans.setdefault(span.id, (span.start, span.end)) != (span.start, span.end):
                start, end = spans[span.id]
                problems.append(Problem("part-id-conflict", f"{part}: part id {span.id!r} is {start}:{end} elsewhere, found {span.start}:{span.end}", **where))
    return problems


_DATE_KINDS = {FigureKind.DATE, FigureKind.TIME, FigureKind.DURATION, FigureKind.FREQUENCY}
_ONE_VALUE = {Approximation.EXACT, Approximation.ABOUT, Approximation.AT_LEAST, Approximation.MORE_THAN, Approximation.AT_MOST, Approximation.LESS_THAN}


def _check_figure_values(figure, where: dict[str, Any]) -> list[Problem]:
    problems = []
    low, high = figure.value_low, figure.value_high
    if figure.approximation is Approximation.RANGE and (low is None or high is None):
        problems.append(Problem("figure-value-inconsistent", f"approximation range: expected value_low and value_high, found {low!r} and {high!r}", **where))
    if low is not None and high is not None and low > high:
        problems.append(Problem("figure-value-inconsistent", f"expected value_low <= value_high, found {low!r} > {high!r}", **where))
    if figure.kind not in _DATE_KINDS and figure.approximation in _ONE_VALUE and figure.value is None:
        problems.append(Problem("figure-value-missing", f"kind {figure.kind.value}, approximation {figure.approximation.value}: expected a value, found none", **where))
    if figure.kind in (FigureKind.DATE, FigureKind.TIME, FigureKind.DURATION) and not figure.date_value:
        problems.append(Problem("figure-date-missing", f"kind {figure.kind.value}: expected an ISO 8601 date_value, found none", **where))
    if figure.kind not in _DATE_KINDS and (figure.date_value or figure.date_inferred):
        problems.append(Problem("figure-date-unexpected", f"kind {figure.kind.value}: expected no date_value, found {figure.date_value!r}", **where))
    return problems


# -- files --------------------------------------------------------------------------------


def _schema_problems(exc: ValidationError, raw: Any, base: dict[str, Any]) -> list[Problem]:
    """One problem per pydantic error, located by set and annotation id where the raw data has them."""
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = dict(base)
        if len(loc) >= 2 and loc[0] == "sets" and isinstance(loc[1], int):
            raw_set = _get(raw, ["sets", loc[1]])
            if isinstance(raw_set, dict) and isinstance(raw_set.get("set_id"), str):
                where["set_id"] = raw_set["set_id"]
            if len(loc) >= 4 and loc[2] in ("entities", "claims", "figures") and isinstance(loc[3], int):
                raw_item = _get(raw, loc[:4])
                where["layer"] = {"entities": "entity", "claims": "claim", "figures": "figure"}[loc[2]]
                if isinstance(raw_item, dict) and isinstance(raw_item.get("id"), str):
                    where["annotation_id"] = raw_item["id"]
        path = ".".join(str(part) for part in loc)
        found = repr(error.get("input"))[:80]
        problems.append(Problem("schema-invalid", f"{path}: {error['msg']}, found {found}", **where))
    return problems


def _get(obj: Any, path: list) -> Any:
    for key in path:
        try:
            obj = obj[key]
        except (KeyError, IndexError, TypeError):
            return None
    return obj


def check_annotation_file(path: Path, data: bytes, manifest: Manifest, texts: dict[str, str], display: str | None = None) -> list[Problem]:
    """Check one annotation file against the store (``texts`` maps a revision's sha256 to its text)."""
    base: dict[str, Any] = {"file": display or str(path)}
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [Problem("json-invalid", f"expected a UTF-8 JSON document, found {type(exc).__name__}: {exc}", **base)]
    if isinstance(raw, dict) and isinstance(raw.get("article_id"), str):
        base["article_id"] = raw["article_id"]
    try:
        annotations = AnnotationFile.model_validate(raw)
    except ValidationError as exc:
        return _schema_problems(exc, raw, base)
    problems: list[Problem] = []
    if dump_annotation_file(annotations).encode("utf-8") != data:
        problems.append(Problem("not-canonical", "expected the canonical form (sorted keys, 2-space indent, LF, final newline; run 'newsclaims format'), found other bytes", **base))
    if annotations.schema_version != SCHEMA_VERSION:
        problems.append(Problem("schema-version", f"expected schema_version {SCHEMA_VERSION!r}, found {annotations.schema_version!r}", **base))
    if path.stem != annotations.article_id:
        problems.append(Problem("file-name-mismatch", f"expected file name {annotations.article_id}.json, found {path.name}", **base))
    revisions = [r for r in manifest.articles if r.article_id == annotations.article_id]
    if not revisions:
        problems.append(Problem("unknown-article", f"expected an article id of the manifest, found {annotations.article_id!r}", **base))
        return problems
    latest = max(revisions, key=lambda r: r.revision)
    set_ids = Counter(s.set_id for s in annotations.sets)
    for set_id, count in sorted(set_ids.items()):
        if count > 1:
            problems.append(Problem("duplicate-set-id", f"expected set ids unique in the file, found {set_id!r} {count} times", **base, set_id=set_id))
    golds = [s.set_id for s in annotations.sets if s.kind is SetKind.GOLD and s.article_sha256 == latest.text_sha256]
    if len(golds) > 1:
        problems.append(Problem("duplicate-gold", f"expected at most one gold set, found {len(golds)}: {golds}", **base))
    for aset in annotations.sets:
        where = {**base, "set_id": aset.set_id}
        revision = next((r for r in revisions if r.text_sha256 == aset.article_sha256), None)
        if revision is None:
            known = ", ".join(f"r{r.revision}={r.text_sha256[:12]}" for r in revisions)
            problems.append(Problem("unknown-revision", f"expected the sha256 of a revision ({known}), found {aset.article_sha256}", **where))
            continue
        if revision.revision != latest.revision:
            problems.append(
                Problem(
                    "outdated-revision",
                    f"expected the latest revision r{latest.revision} ({latest.text_sha256[:12]}), found r{revision.revision}; run 'newsclaims reanchor {annotations.article_id}'",
                    **where,
                )
            )
        text = texts.get(revision.text_sha256)
        if text is not None:
            problems += check_set(aset, text, base)
    return problems


def check_manifest(corpus: Corpus) -> tuple[Manifest, dict[str, str], list[Problem]]:
    """Check the manifest against the article files; returns the texts that could be read."""
    base = {"file": str(corpus.manifest_path)}
    texts: dict[str, str] = {}
    if not corpus.manifest_path.exists():
        return Manifest(schema_version=SCHEMA_VERSION), texts, [Problem("manifest-missing", "expected a manifest, found no file", **base)]
    try:
        manifest = Manifest.model_validate_json(corpus.manifest_path.read_bytes())
    except ValidationError as exc:
        return Manifest(schema_version=SCHEMA_VERSION), texts, _schema_problems(exc, None, base)
    problems: list[Problem] = []
    seen_sha: dict[str, ArticleRevision] = {}
    by_article: dict[str, list[int]] = {}
    for record in manifest.articles:
        where = {**base, "article_id": record.article_id}
        by_article.setdefault(record.article_id, []).append(record.revision)
        path = corpus.root / record.path
        if not path.is_file():
            problems.append(Problem("article-file-missing", f"r{record.revision}: expected a file at {record.path}, found none", **where))
            continue
        data = path.read_bytes()
        found_sha = sha256_hex(data)
        if found_sha != record.text_sha256:
            problems.append(Problem("article-hash-mismatch", f"r{record.revision} {record.path}: expected sha256 {record.text_sha256}, found {found_sha}", **where))
            continue
        try:
            text = decode_article(data, record.path)
        except ArticleError as exc:
            problems.append(Problem("article-not-utf8", str(exc), **where))
            continue
        if (record.n_bytes, record.n_chars) != (len(data), len(text)):
            problems.append(
                Problem("article-size-mismatch", f"r{record.revision}: expected {record.n_bytes} bytes / {record.n_chars} chars, found {len(data)} / {len(text)}", **where)
            )
        if found_sha in seen_sha and seen_sha[found_sha].article_id != record.article_id:
            problems.append(Problem("duplicate-article", f"expected distinct texts, found the bytes of article={seen_sha[found_sha].article_id} again", **where))
        seen_sha.setdefault(found_sha, record)
        texts[found_sha] = text
    for article_id, numbers in sorted(by_article.items()):
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            problems.append(Problem("revision-sequence", f"expected revisions 1..{len(numbers)}, found {sorted(numbers)}", **base, article_id=article_id))
    listed = {(corpus.root / r.path).resolve() for r in manifest.articles}
    if corpus.articles_dir.is_dir():
        for path in sorted(p for p in corpus.articles_dir.rglob("*") if p.is_file()):
            if path.resolve() not in listed:
                problems.append(Problem("article-file-unlisted", f"expected every article file in the manifest, found {path.relative_to(corpus.root)}", **base))
    return manifest, texts, problems


def validate_corpus(corpus: Corpus, progress: Callable[[int], None] | None = None) -> list[Problem]:
    """Every problem of the corpus; ``progress(1)`` after each annotation file."""
    manifest, texts, problems = check_manifest(corpus)
    if any(p.error_id == "manifest-missing" for p in problems):
        return problems
    for path in corpus.annotation_paths():
        problems += check_annotation_file(path, path.read_bytes(), manifest, texts)
        if progress:
            progress(1)
    return problems
