"""The corpus validator: every problem, one line each, with a stable error id.

A problem names the file, the article, the annotation set and id, the error id, and what
was expected against what was found. Errors fail validation; warnings do not.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .annotation_file import dump_annotation_file
from .errors import AnnotationError, ArticleError
from .model import SCHEMA_VERSION, AnnotationFile, ArticleRevision, Manifest, schema_compatible
from .rules import ERROR, WARNING, Problem, check_set, check_set_ids, check_span, claim_spans, has_errors, schema_error_id, splits_grapheme
from .store import OUTSIDE, Corpus, decode_article, outside_reason, sha256_hex
from .vocab import SetKind

__all__ = ["ERROR", "WARNING", "Problem", "check_annotation_file", "check_manifest", "check_set", "check_span", "claim_spans", "has_errors", "splits_grapheme", "validate_corpus"]


# -- files --------------------------------------------------------------------------------


class NotFinite(str):
    """What a JSON reader makes of ``NaN``, ``Infinity`` and ``-Infinity``, which JSON does not have,
    so that each can be reported where it is rather than read as a number."""


def _is_unicode(text: str) -> bool:
    """False for a string holding a lone surrogate (JSON's ``"\\udc80"``), which no UTF-8 file can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unreadable_values(raw: Any, base: dict[str, Any]) -> list[Problem]:
    """Every NaN or infinity and every string with a lone surrogate in a parsed document, located."""
    problems = []
    stack: list[tuple[list, Any]] = [([], raw)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, NotFinite):
            problems.append(Problem("number-not-finite", f"{_dotted(loc)}: expected a finite number, found {str(value)}", **_located(raw, loc, base)))
        elif isinstance(value, str):
            if not _is_unicode(value):
                problems.append(Problem("string-lone-surrogate", f"{_dotted(loc)}: expected Unicode text, found a lone surrogate in {value[:40]!r}", **_located(raw, loc, base)))
        elif isinstance(value, dict):
            for key, item in value.items():
                if not _is_unicode(key):
                    problems.append(Problem("string-lone-surrogate", f"{_dotted(loc)}: expected Unicode text, found a lone surrogate in the key {key[:40]!r}", **_located(raw, loc, base)))
                stack.append(([*loc, key], item))
        elif isinstance(value, list):
            stack.extend(([*loc, index], item) for index, item in enumerate(value))
    return sorted(problems, key=lambda p: p.message)


def _dotted(loc: list) -> str:
    return ".".join(str(part) for part in loc) or "(top)"


def _located(raw: Any, loc: list, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with the set and annotation ids that the raw data holds along ``loc``."""
    where = dict(base)
    if len(loc) >= 2 and loc[0] == "sets" and isinstance(loc[1], int):
        raw_set = _get(raw, ["sets", loc[1]])
        if isinstance(raw_set, dict) and isinstance(raw_set.get("set_id"), str) and _is_unicode(raw_set["set_id"]):
            where["set_id"] = raw_set["set_id"]
        if len(loc) >= 4 and loc[2] in ("entities", "claims", "figures") and isinstance(loc[3], int):
            raw_item = _get(raw, loc[:4])
            where["layer"] = {"entities": "entity", "claims": "claim", "figures": "figure"}[loc[2]]
            if isinstance(raw_item, dict) and isinstance(raw_item.get("id"), str) and _is_unicode(raw_item["id"]):
                where["annotation_id"] = raw_item["id"]
    return where


def _schema_problems(exc: ValidationError, raw: Any, base: dict[str, Any]) -> list[Problem]:
    """One problem per pydantic error, located by set and annotation id where the raw data has them."""
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        where = _located(raw, loc, base)
        path = ".".join(str(part) for part in loc)
        found = repr(error.get("input"))[:80]
        problems.append(Problem(schema_error_id(error), f"{path}: {error['msg']}, found {found}", **where))
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
    raw, unreadable = _parsed(data, base)
    if unreadable:
        return unreadable
    try:
        annotations = AnnotationFile.model_validate(raw)
    except ValidationError as exc:
        return _schema_problems(exc, raw, base)
    problems: list[Problem] = []
    if dump_annotation_file(annotations).encode("utf-8") != data:
        problems.append(Problem("not-canonical", "expected the canonical form (sorted keys, 2-space indent, LF, final newline; run 'newsclaims format'), found other bytes", **base))
    if not schema_compatible(annotations.schema_version):
        problems.append(Problem("schema-version", f"expected schema_version {SCHEMA_VERSION!r} or an earlier minor version of it, found {annotations.schema_version!r}", **base))
    if path.stem != annotations.article_id:
        problems.append(Problem("file-name-mismatch", f"expected file name {annotations.article_id}.json, found {path.name}", **base))
    revisions = [r for r in manifest.articles if r.article_id == annotations.article_id]
    if not revisions:
        problems.append(Problem("unknown-article", f"expected an article id of the manifest, found {annotations.article_id!r}", **base))
        return problems
    latest = max(revisions, key=lambda r: r.revision)
    set_ids = Counter(s.set_id for s in annotations.sets)
    problems += check_set_ids((s.set_id for s in annotations.sets), base)
    golds = [s.set_id for s in annotations.sets if s.kind is SetKind.GOLD and s.article_sha256 == latest.text_sha256]
    if len(golds) > 1:
        problems.append(Problem("duplicate-gold", f"expected at most one gold set, found {len(golds)}: {golds}", **base))
    for aset in annotations.sets:
        where = {**base, "set_id": aset.set_id}
        for origin in aset.derived_from:
            if origin not in set_ids or origin == aset.set_id:
                problems.append(Problem("derived-from-unknown", f"derived_from: expected the id of another set of this file, found {origin!r}", **where, level=WARNING))
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


def _parsed(data: bytes, base: dict[str, Any]) -> tuple[Any, list[Problem]]:
    """The JSON document in ``data`` and what makes it unreadable; names the article in ``base`` when it can."""
    try:
        raw = json.loads(data.decode("utf-8"), parse_constant=NotFinite)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [Problem("json-invalid", f"expected a UTF-8 JSON document, found {type(exc).__name__}: {exc}", **base)]
    except RecursionError:
        return None, [Problem("json-too-deep", "expected an annotation file, found arrays or objects nested too deep to read", **base)]
    if isinstance(raw, dict) and isinstance(raw.get("article_id"), str) and _is_unicode(raw["article_id"]):
        base["article_id"] = raw["article_id"]
    return raw, _unreadable_values(raw, base)


def read_annotation_file(path: Path) -> AnnotationFile:
    """An annotation file read as strictly as ``newsclaims validate`` reads it: JSON with no NaN
    or infinity, Unicode text, the schema. Otherwise :class:`AnnotationError` names the first problem."""
    base: dict[str, Any] = {"file": str(path)}
    raw, problems = _parsed(path.read_bytes(), base)
    if not problems:
        try:
            return AnnotationFile.model_validate(raw)
        except ValidationError as exc:
            problems = _schema_problems(exc, raw, base)
    more = f" (and {len(problems) - 1} more; run 'newsclaims validate')" if len(problems) > 1 else ""
    raise AnnotationError(problems[0].format() + more)


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
        outside = outside_reason(corpus.root, record.path)
        if outside is not None:
            problems.append(Problem(OUTSIDE, f"r{record.revision}: expected a path inside the corpus folder, found {record.path!r}, {outside}", **where))
            continue
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
        outside = outside_reason(corpus.root, path.relative_to(corpus.root))
        if outside is not None:
            problems.append(Problem(OUTSIDE, f"expected an annotation file inside the corpus folder, found {outside}", str(path), path.stem))
        else:
            problems += check_annotation_file(path, path.read_bytes(), manifest, texts)
        if progress:
            progress(1)
    return problems
