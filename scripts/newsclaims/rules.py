"""The rule book: every rule an annotation set keeps beyond its types, stated once, each with a stable id.

The models (:mod:`.model`) give the shape of a set; this module gives the rest (spans against
the article text, ids, references, how a claim's and a figure's fields go together, finite
numbers, empty texts) and the ids of the shape's own rules (:func:`schema_error_id`), so that
every direction reports a broken set with the same error id: the corpus validator, the Label
Studio readers (export files and the live pull) and the Parquet readers. Parquet is checked a
column at a time (:mod:`.columnar.checks`): the columns find the sets that break a rule, and the
problems are then stated here, by :func:`check_set`, so that both paths say the same thing.

Empty texts: an optional text (a figure's unit, what it counts, its date value; a set's
annotator, tool, times, reviewer; a prediction's model version) is either null or holds at least
one character. ``""`` is refused (``empty-text``): Label Studio cannot tell an empty textarea
from none, so an empty text could not come back from it as itself.

Error-level rules stop a conversion; the warnings (a span with white space at an end, or
splitting a user-perceived character) are advice that ``newsclaims validate`` gives.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from pydantic_core import ErrorDetails

from .model import AnnotationSet, Claim, ClaimSpan, Figure, Span
from .vocab import Approximation, ClaimMode, FigureKind

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """A broken rule, located as precisely as its input allows, in every direction.

    ``file`` is the file (or export, release shard) it was found in; ``task_id``, ``annotation``
    (the Label Studio annotation, draft or prediction: ``annotation=7``) and ``region_id`` are
    there when it comes from Label Studio. The message says what was expected, then what was found.
    """

    error_id: str
    message: str
    file: str = ""
    article_id: str | None = None
    set_id: str | None = None
    layer: str | None = None
    annotation_id: str | None = None
    level: str = ERROR
    task_id: Any = None
    annotation: str | None = None
    region_id: str | None = None

    def format(self) -> str:
        where = [f"task={self.task_id}"] if self.task_id is not None else []
        if self.article_id:
            where.append(f"article={self.article_id}")
        if self.set_id:
            where.append(f"set={self.set_id}")
        if self.annotation:
            where.append(self.annotation)
        if self.annotation_id:
            where.append(f"{self.layer or 'annotation'}={self.annotation_id}")
        if self.region_id and self.region_id != self.annotation_id:
            where.append(f"region={self.region_id}")
        level = "" if self.level == ERROR else f"{self.level}: "
        return " ".join(filter(None, [f"{self.file}:", *where, f"[{self.error_id}]", f"{level}{self.message}"]))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.level == ERROR for p in problems)


@dataclass(frozen=True)
class Rule:
    id: str
    level: str
    says: str


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("schema-invalid", ERROR, "A value has the wrong type, or a field the schema does not have."),
        Rule("value-missing", ERROR, "A required value is null."),
        Rule("value-pattern", ERROR, "A text does not match its pattern (ids, Wikidata ids, hashes)."),
        Rule("value-vocabulary", ERROR, "A label is not in its vocabulary."),
        Rule("value-bound", ERROR, "A number is below its lower bound (a negative offset)."),
        Rule("list-too-short", ERROR, "A list has fewer items than it needs (a claim with no content span)."),
        Rule("number-not-finite", ERROR, "A number is NaN or infinite."),
        Rule("empty-text", ERROR, "An optional text is '' where null means no text."),
        Rule("span-empty", ERROR, "A span does not have start < end."),
        Rule("span-out-of-range", ERROR, "A span ends past the article text."),
        Rule("span-text-mismatch", ERROR, "A span's text is not the article's text at its offsets."),
        Rule("span-whitespace", WARNING, "A span starts or ends with white space."),
        Rule("span-splits-grapheme", WARNING, "A span's offset falls inside a user-perceived character."),
        Rule("duplicate-id", ERROR, "Two annotations of a set share an id, or a claim part's id is an annotation's."),
        Rule("part-id-conflict", ERROR, "One claim part id names two different spans."),
        Rule("dangling-reference", ERROR, "A source_entity_id or claim_id names no entity or claim of the set."),
        Rule("claim-source-missing", ERROR, "An attributed claim has no source."),
        Rule("claim-cue-missing", ERROR, "An attributed claim has no cue."),
        Rule("unattributed-with-source", ERROR, "An unattributed claim has a source, cue or source entity."),
        Rule("figure-value-inconsistent", ERROR, "A range lacks a bound, or value_low > value_high."),
        Rule("figure-value-missing", ERROR, "A figure that states a number has no value."),
        Rule("figure-date-missing", ERROR, "A date, time or duration has no date_value."),
        Rule("figure-date-unexpected", ERROR, "A figure that is no date, time, duration or frequency has a date_value."),
        Rule("duplicate-set-id", ERROR, "Two sets of an article share a set id."),
    )
}

_SCHEMA_ERRORS = {
    "enum": "value-vocabulary",
    "literal_error": "value-vocabulary",
    "string_pattern_mismatch": "value-pattern",
    "greater_than_equal": "value-bound",
    "too_short": "list-too-short",
    "finite_number": "number-not-finite",
    "missing": "value-missing",
}


def schema_error_id(error: ErrorDetails) -> str:
    """The rule id of a pydantic validation error: the same id the column checks give."""
    if error.get("input", 0) is None:
        return "value-missing"
    return _SCHEMA_ERRORS.get(error.get("type", ""), "schema-invalid")


def problem(error_id: str, message: str, **where: Any) -> Problem:
    """A problem of rule ``error_id``, at its rule's level."""
    return Problem(error_id, message, level=RULES[error_id].level, **where)


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


def span_fault(start: int, end: int, length: int | None) -> tuple[str, str] | None:
    """The rule id and message when offsets ``start:end`` are no span of a text of ``length``
    code points (``None``: the text is not at hand, only ``start < end`` is checked)."""
    if start < 0 or end < 0:
        return "value-bound", f"expected offsets >= 0, found {start}:{end}"
    if start >= end:
        return "span-empty", f"expected start < end, found {start}:{end}"
    if length is not None and end > length:
        return "span-out-of-range", f"expected end <= {length} (the text's length in code points), found {start}:{end}"
    return None


def check_span(span: Span, text: str | None, where: dict[str, Any], part: str = "") -> list[Problem]:
    """Check one span against the article text; ``part`` names a claim's span (cue, content[1])."""
    label = f"{part} " if part else ""
    fault = span_fault(span.start, span.end, None if text is None else len(text))
    if fault is not None:
        return [problem(fault[0], label + fault[1], **where)]
    if text is None:
        return []
    found = text[span.start : span.end]
    problems = []
    if found != span.text:
        problems.append(problem("span-text-mismatch", f"{label}expected {found!r} at {span.start}:{span.end}, found {span.text!r}", **where))
    if found != found.strip():
        problems.append(problem("span-whitespace", f"{label}span {found!r} at {span.start}:{span.end} starts or ends with white space", **where))
    for offset in (span.start, span.end):
        if splits_grapheme(text, offset):
            piece = text[max(0, offset - 1) : offset + 1]
            problems.append(problem("span-splits-grapheme", f"{label}offset {offset} falls inside a user-perceived character ({piece!r})", **where))
    return problems


def claim_spans(claim: Claim) -> list[tuple[str, ClaimSpan]]:
    spans = [(f"content[{i}]" if len(claim.content) > 1 else "content", s) for i, s in enumerate(claim.content)]
    spans += [(name, span) for name, span in (("cue", claim.cue), ("source", claim.source)) if span is not None]
    return spans


# -- annotation sets ----------------------------------------------------------------------

OPTIONAL_SET_TEXTS = ("annotator", "tool", "created_at", "updated_at", "reviewer")
OPTIONAL_FIGURE_TEXTS = ("unit", "counted", "date_value")
FIGURE_NUMBERS = ("value", "value_low", "value_high")


def check_set(aset: AnnotationSet, text: str | None, base: dict[str, Any]) -> list[Problem]:
    """Every rule of the book broken by one set; its spans are checked against the article ``text``
    (with ``None``, only that each span is not empty)."""
    base = {**base, "set_id": aset.set_id}
    problems = _set_values(aset, base)
    seen: Counter[str] = Counter()
    for layer, items in (("entity", aset.entities), ("claim", aset.claims), ("figure", aset.figures)):
        for item in items:
            seen[item.id] += 1
            where = {**base, "layer": layer, "annotation_id": item.id}
            if isinstance(item, Claim):
                for part, span in claim_spans(item):
                    problems += check_span(span, text, where, part)
            else:
                problems += check_span(item, text, where)
    for ann_id, count in sorted(seen.items()):
        if count > 1:
            problems.append(problem("duplicate-id", f"expected ids unique within the set, found {ann_id!r} {count} times", **base, annotation_id=ann_id))
    problems += _check_part_ids(aset, set(seen), base)
    entity_ids = {e.id for e in aset.entities}
    claim_ids = {c.id for c in aset.claims}
    for claim in aset.claims:
        where = {**base, "layer": "claim", "annotation_id": claim.id}
        if claim.source_entity_id is not None and claim.source_entity_id not in entity_ids:
            problems.append(problem("dangling-reference", f"source_entity_id: expected an entity id of this set, found {claim.source_entity_id!r}", **where))
        problems += _check_claim_parts(claim, where)
    for figure in aset.figures:
        where = {**base, "layer": "figure", "annotation_id": figure.id}
        if figure.claim_id is not None and figure.claim_id not in claim_ids:
            problems.append(problem("dangling-reference", f"claim_id: expected a claim id of this set, found {figure.claim_id!r}", **where))
        problems += _check_figure_values(figure, where)
    return problems


def _empty(name: str, value: Any) -> str | None:
    return f"{name}: expected null or a text of at least one character, found ''" if value == "" else None


def _not_finite(name: str, value: Any) -> str | None:
    return f"{name}: expected a finite number, found {value!r}" if value is not None and not math.isfinite(value) else None


def _set_values(aset: AnnotationSet, base: dict[str, Any]) -> list[Problem]:
    """Empty texts and numbers that are not finite, in the set's own fields and its figures'."""
    origin = aset.label_studio
    checks = [("empty-text", _empty(name, getattr(aset, name)), base) for name in OPTIONAL_SET_TEXTS]
    if origin is not None:
        checks += [("empty-text", _empty("label_studio.model_version", origin.model_version), base)]
        checks += [("number-not-finite", _not_finite("label_studio.lead_time", origin.lead_time), base)]
    for figure in aset.figures:
        where = {**base, "layer": "figure", "annotation_id": figure.id}
        checks += [("empty-text", _empty(name, getattr(figure, name)), where) for name in OPTIONAL_FIGURE_TEXTS]
        checks += [("number-not-finite", _not_finite(name, getattr(figure, name)), where) for name in FIGURE_NUMBERS]
    return [problem(rule, message, **where) for rule, message, where in checks if message is not None]


def _check_claim_parts(claim: Claim, where: dict[str, Any]) -> list[Problem]:
    problems = []
    attributed = claim.mode is not ClaimMode.UNATTRIBUTED
    if attributed and claim.source is None and claim.source_entity_id is None:
        problems.append(problem("claim-source-missing", f"mode {claim.mode.value}: expected a source, found none", **where))
    if attributed and claim.cue is None:
        problems.append(problem("claim-cue-missing", f"mode {claim.mode.value}: expected a cue, found none", **where))
    if not attributed and (claim.source or claim.cue or claim.source_entity_id):
        problems.append(problem("unattributed-with-source", "mode unattributed: expected no source, cue or source_entity_id, found some", **where))
    return problems


def _check_part_ids(aset: AnnotationSet, annotation_ids: set[str], base: dict[str, Any]) -> list[Problem]:
    """Claim parts with an id: one id, one span (two claims may share it), never an annotation's id."""
    problems = []
    spans: dict[str, tuple[int, int]] = {}
    for claim in aset.claims:
        where = {**base, "layer": "claim", "annotation_id": claim.id}
        for part, span in claim_spans(claim):
            if span.id is None:
                continue
            if span.id in annotation_ids:
                problems.append(problem("duplicate-id", f"{part}: part id {span.id!r} is also the id of an annotation of the set", **where))
            elif spans.setdefault(span.id, (span.start, span.end)) != (span.start, span.end):
                start, end = spans[span.id]
                problems.append(problem("part-id-conflict", f"{part}: part id {span.id!r} is {start}:{end} elsewhere, found {span.start}:{span.end}", **where))
    return problems


DATE_KINDS = frozenset({FigureKind.DATE, FigureKind.TIME, FigureKind.DURATION, FigureKind.FREQUENCY})
DATED_KINDS = frozenset({FigureKind.DATE, FigureKind.TIME, FigureKind.DURATION})
"""Kinds that need a date_value; a frequency may have one."""
ONE_VALUE = frozenset({Approximation.EXACT, Approximation.ABOUT, Approximation.AT_LEAST, Approximation.MORE_THAN, Approximation.AT_MOST, Approximation.LESS_THAN})


def _check_figure_values(figure: Figure, where: dict[str, Any]) -> list[Problem]:
    problems = []
    low, high = figure.value_low, figure.value_high
    if figure.approximation is Approximation.RANGE and (low is None or high is None):
        problems.append(problem("figure-value-inconsistent", f"approximation range: expected value_low and value_high, found {low!r} and {high!r}", **where))
    if low is not None and high is not None and low > high:
        problems.append(problem("figure-value-inconsistent", f"expected value_low <= value_high, found {low!r} > {high!r}", **where))
    if figure.kind not in DATE_KINDS and figure.approximation in ONE_VALUE and figure.value is None:
        problems.append(problem("figure-value-missing", f"kind {figure.kind.value}, approximation {figure.approximation.value}: expected a value, found none", **where))
    if figure.kind in DATED_KINDS and not figure.date_value:
        problems.append(problem("figure-date-missing", f"kind {figure.kind.value}: expected an ISO 8601 date_value, found none", **where))
    if figure.kind not in DATE_KINDS and (figure.date_value or figure.date_inferred):
        problems.append(problem("figure-date-unexpected", f"kind {figure.kind.value}: expected no date_value, found {figure.date_value!r}", **where))
    return problems


def check_set_ids(set_ids: Iterable[str], base: dict[str, Any]) -> list[Problem]:
    """``duplicate-set-id`` for each set id given more than once (the sets of one article)."""
    counts = Counter(set_ids)
    return [
        problem("duplicate-set-id", f"expected set ids unique in the file, found {set_id!r} {count} times", **base, set_id=set_id)
        for set_id, count in sorted(counts.items())
        if count > 1
    ]
