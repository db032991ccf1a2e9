"""The model's rules, checked over Arrow columns of ``annotation_sets`` rows, a column at a time.

Validating a large Parquet folder row by row through pydantic costs more than everything else a
conversion does. These checks read the same rules from the models (required fields,
patterns, bounds, vocabularies, list lengths) and apply them to whole columns; a span is
also checked against the article text (``text == article_text[start:end]``). Each failure
comes back with its row, its path in the row and the id of the annotation it is in.

:func:`check_set_rows` adds the rule book (:mod:`newsclaims.rules`) to them: what every
direction checks before it writes a set.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from enum import Enum
from typing import Any

import annotated_types
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, Strict
from pydantic.fields import FieldInfo

from ..model import AnnotationFile, AnnotationSet, Span
from ..rules import DATE_KINDS, DATED_KINDS, ERROR, ONE_VALUE, OPTIONAL_FIGURE_TEXTS, OPTIONAL_SET_TEXTS, Problem, check_set
from ..vocab import Approximation, ClaimMode
from .span_texts import ArticleTexts, span_columns, span_faults

NO_TEXT = -1
"""The index of the article text of a row that has none to check its spans against."""


@dataclass(frozen=True)
class RowProblem:
    """A rule broken in one row: where (path in the row, annotation id) and what was expected."""

    row: int
    error_id: str
    path: str
    annotation_id: str | None
    message: str


@dataclass(frozen=True)
class _Where:
    """Where the items of one array sit: their row, their path and the id of their annotation."""

    rows: np.ndarray
    steps: tuple[tuple[str, np.ndarray | None], ...]
    ids: pa.Array | None

    def path(self, position: int) -> str:
        text = ""
        for name, index in self.steps:
            text += name if index is None else f"{name}[{index[position]}]"
        return text.lstrip(".")

    def id(self, position: int) -> str | None:
        return None if self.ids is None else self.ids[position].as_py()

    def step(self, name: str) -> _Where:
        return _Where(self.rows, (*self.steps, (f".{name}", None)), self.ids)

    def into_list(self, lists: pa.Array) -> _Where:
        parent = pc.list_parent_indices(lists).to_numpy()
        offsets = lists.offsets.to_numpy() - lists.offsets[0].as_py()
        index = np.arange(len(parent)) - offsets[parent]
        name, _ = self.steps[-1]
        steps = tuple((n, None if i is None else i[parent]) for n, i in self.steps[:-1]) + ((name, index),)
        return _Where(self.rows[parent], steps, None if self.ids is None else self.ids.take(pa.array(parent)))

    def only(self, mask: np.ndarray) -> _Where:
        steps = tuple((n, None if i is None else i[mask]) for n, i in self.steps)
        return _Where(self.rows[mask], steps, None if self.ids is None else self.ids.filter(pa.array(mask)))

    def with_ids(self, ids: pa.Array) -> _Where:
        return _Where(self.rows, self.steps, pc.coalesce(ids, self.ids) if self.ids is not None else ids)


class _Checker:
    def __init__(self, texts: pa.Array | list[str] | None, text_of_row: np.ndarray | None) -> None:
        if texts is not None and text_of_row is None:
            raise ValueError("spans are checked against texts given with the index of each row's text in them (text_of_row)")
        self.problems: list[RowProblem] = []
        self.texts = None if texts is None else ArticleTexts.of(texts)
        self.text_of_row = text_of_row

    def fail(self, where: _Where, mask: Any, error_id: str, expected: str, array: pa.Array) -> None:
        """Report every position where ``mask`` holds."""
        if not mask.true_count:
            return
        positions = np.flatnonzero(np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False)))
        for position in positions.tolist():
            found = array[position].as_py()
            problem = RowProblem(int(where.rows[position]), error_id, where.path(position), where.id(position), f"expected {expected}, found {found!r}")
            self.problems.append(problem)

    def model(self, model: type[BaseModel], structs: pa.Array, where: _Where) -> None:
        decorators = model.__pydantic_decorators__
        if decorators.validators or decorators.field_validators or decorators.root_validators or decorators.model_validators:
            raise TypeError(f"{model.__name__} has validators that the column checks cannot apply; check it row by row or teach {__name__}")
        if "id" in model.model_fields:
            where = where.with_ids(pc.struct_field(structs, "id"))
        finite = model.model_config.get("allow_inf_nan") is False
        for name, info in model.model_fields.items():
            self.value(info.annotation, list(info.metadata), pc.struct_field(structs, name), where.step(name), finite)
        if issubclass(model, Span) and self.texts is not None:
            self.span_texts(structs, where)

    def value(self, annotation: Any, metadata: list[Any], array: pa.Array, where: _Where, finite: bool = False) -> None:
        """The rules of one field over its column; ``finite`` when its model refuses NaN and infinities."""
        optional = False
        while True:
            origin = typing.get_origin(annotation)
            if origin is typing.Annotated:
                annotation, *extra = typing.get_args(annotation)
                metadata += [rule for item in extra for rule in (item.metadata if isinstance(item, FieldInfo) else [item])]
            elif origin in (typing.Union, types.UnionType):
                args = typing.get_args(annotation)
                optional = optional or type(None) in args
                (annotation,) = [a for a in args if a is not type(None)]
            else:
                break
        unknown = [rule for rule in metadata if not _understood(rule)]
        if unknown:
            raise TypeError(f"{where.path(0) if len(where.rows) else 'a field'}: the column checks do not know the rules {unknown}; teach {__name__}")
        if array.null_count:
            if not optional:
                self.fail(where, pc.is_null(array), "value-missing", "a value", array)
            valid = np.asarray(pc.is_valid(array).to_numpy(zero_copy_only=False))
            if not valid.any():
                return
            array, where = array.filter(pa.array(valid)), where.only(valid)
        if typing.get_origin(annotation) is list:
            self.sized(metadata, array, where)
            (item,) = typing.get_args(annotation)
            self.value(item, [], array.flatten(), where.into_list(array), finite)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.model(annotation, array, where)
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            allowed = [member.value for member in annotation]
            self.fail(where, pc.invert(pc.is_in(array, value_set=pa.array(allowed))), "value-vocabulary", f"one of {allowed}", array)
        else:
            if finite and pa.types.is_floating(array.type):
                self.fail(where, _not_finite(array), "number-not-finite", "a finite number", array)
            self.bounded(metadata, array, where)

    def sized(self, metadata: list[Any], array: pa.Array, where: _Where) -> None:
        for rule in metadata:
            if isinstance(rule, annotated_types.MinLen):
                lengths = pc.list_value_length(array)
                self.fail(where, pc.less(lengths, rule.min_length), "list-too-short", f"at least {rule.min_length} item(s)", lengths)

    def bounded(self, metadata: list[Any], array: pa.Array, where: _Where) -> None:
        for rule in metadata:
            pattern = getattr(rule, "pattern", None)
            if pattern is not None:
                self.fail(where, pc.invert(pc.match_substring_regex(array, pattern)), "value-pattern", f"text matching {pattern}", array)
            if isinstance(rule, annotated_types.Ge):
                self.fail(where, pc.less(array, rule.ge), "value-bound", f"a value >= {rule.ge}", array)

    def span_texts(self, structs: pa.Array, where: _Where) -> None:
        """``text == article_text[start:end]`` for every span whose offsets and text are there (see :mod:`.span_texts`)."""
        texts, text_of_row = self.texts, self.text_of_row
        assert texts is not None and text_of_row is not None, "called only with texts"
        start, end, present, text = span_columns(structs)
        article = text_of_row[where.rows]
        checked = np.flatnonzero(present & (article != NO_TEXT) & (start >= 0))
        if not len(checked):
            return
        out_of_range, mismatch = span_faults(texts, article[checked], start[checked], end[checked], text.take(pa.array(checked)))
        for position in checked[out_of_range | mismatch].tolist():
            article_text, first, last = texts.text(int(article[position])), int(start[position]), int(end[position])
            if not first <= last <= len(article_text):
                self._span_problem(where, position, "span-out-of-range", f"expected 0 <= start <= end <= {len(article_text)}, found {first}:{last}")
            else:
                found = text[position].as_py()
                expected = f"expected the article's text at {first}:{last}, {article_text[first:last]!r}, found {found!r}"
                self._span_problem(where, position, "span-text-mismatch", expected)

    def _span_problem(self, where: _Where, position: int, error_id: str, message: str) -> None:
        self.problems.append(RowProblem(int(where.rows[position]), error_id, where.path(position), where.id(position), message))


SET_ROW_FIELDS = {"article_id": AnnotationFile.model_fields["article_id"], **AnnotationSet.model_fields}
"""The fields of an ``annotation_sets`` row that the models define (its ``revision`` is the store's)."""


def _understood(rule: Any) -> bool:
    """A rule the checks apply: a pattern, a lower bound, a minimum length, or strictness (Arrow's types are strict)."""
    if isinstance(rule, (annotated_types.Ge, annotated_types.MinLen, Strict)):
        return True
    return type(rule).__name__ == "_PydanticGeneralMetadata" and set(vars(rule)) == {"pattern"}


def check_rows(
    rows: pa.RecordBatch, fields: dict[str, Any], texts: pa.Array | list[str] | None = None, text_of_row: np.ndarray | None = None
) -> list[RowProblem]:
    """Every rule of the model ``fields`` (name -> pydantic FieldInfo) broken in ``rows``.

    With ``texts`` (and the index in it of each row's article text, or ``NO_TEXT``) every span
    is also checked against its article's text.
    """
    checker = _Checker(texts, text_of_row)
    everywhere = _Where(np.arange(rows.num_rows), (), None)
    for name, info in fields.items():
        checker.value(info.annotation, list(info.metadata), rows.column(name), everywhere.step(name))
    return sorted(checker.problems, key=lambda p: (p.row, p.path))


# -- the rule book, column-wise -----------------------------------------------------------

_LAYER_OF_COLUMN = {"entities": "entity", "claims": "claim", "figures": "figure"}
_UNATTRIBUTED = ClaimMode.UNATTRIBUTED.value
_RANGE = Approximation.RANGE.value
_DATE_KINDS = pa.array(sorted(k.value for k in DATE_KINDS))
_DATED_KINDS = pa.array(sorted(k.value for k in DATED_KINDS))
_ONE_VALUE = pa.array(sorted(a.value for a in ONE_VALUE))


def check_set_rows(rows: pa.RecordBatch, texts: pa.Array | list[str] | None = None, text_of_row: np.ndarray | None = None) -> list[tuple[int, Problem]]:
    """Every error-level rule of the book (:mod:`newsclaims.rules`) and of the models broken by the
    ``annotation_sets`` rows, as (row, problem) pairs; problems have no file, article or set yet.

    The models' rules are checked by :func:`check_rows`. The rows that keep them are searched for
    the rule book's breaches a column at a time, and each row found is then checked, and its
    problems stated, by :func:`newsclaims.rules.check_set` itself: both paths say the same thing.
    With ``texts`` (and ``text_of_row``, as for :func:`check_rows`) spans are also checked against them.
    """
    found = []
    for p in check_rows(rows, SET_ROW_FIELDS):
        layer = _LAYER_OF_COLUMN.get(p.path.split("[")[0].split(".")[0])
        found.append((p.row, Problem(p.error_id, f"{p.path}: {p.message}", layer=layer, annotation_id=p.annotation_id)))
    clean = np.ones(rows.num_rows, dtype=bool)
    clean[[row for row, _ in found]] = False
    places = np.flatnonzero(clean)
    if len(places):
        kept = rows if len(places) == rows.num_rows else rows.take(pa.array(places))
        text_of = None if text_of_row is None else text_of_row[places]
        article_texts = None if texts is None else ArticleTexts.of(texts)
        for row in places[_breaking_rows(kept, article_texts, text_of)].tolist():
            record = rows.slice(row, 1).to_pylist()[0]
            aset = AnnotationSet.model_validate({name: record[name] for name in AnnotationSet.model_fields})
            text = None if article_texts is None or text_of_row is None or text_of_row[row] == NO_TEXT else article_texts.text(int(text_of_row[row]))
            found += [(row, problem) for problem in check_set(aset, text, {}) if problem.level == ERROR]
    return sorted(found, key=lambda pair: pair[0])


def _breaking_rows(rows: pa.RecordBatch, texts: ArticleTexts | None, text_of_row: np.ndarray | None) -> np.ndarray:
    """Whether each row (all keeping the models' rules) may break a rule of the book; never false when it does."""
    marks = _Marks(rows.num_rows)
    for name in OPTIONAL_SET_TEXTS:
        marks.add(None, pc.equal(rows.column(name), ""))
    origin = rows.column("label_studio")
    marks.add(None, pc.equal(pc.struct_field(origin, "model_version"), ""))
    marks.add(None, _not_finite(pc.struct_field(origin, "lead_time")))
    layers = {name: _Layer(rows.column(name)) for name in ("entities", "claims", "figures")}
    entities, claims, figures = layers.values()
    contents = _Layer(pc.struct_field(claims.items, "content"), claims.rows)
    spans = [(entities.rows, entities.items), (figures.rows, figures.items), (contents.rows, contents.items)]
    spans += [(claims.rows, pc.struct_field(claims.items, name)) for name in ("cue", "source")]
    for span_rows, structs in spans:
        _mark_spans(marks, span_rows, structs, texts, text_of_row)
    parts = [(contents.rows, contents.items)] + [(claims.rows, pc.struct_field(claims.items, name)) for name in ("cue", "source")]
    entity = pc.struct_field(claims.items, "source_entity_id")
    codes = _IdCodes(
        [pc.struct_field(layer.items, "id") for layer in layers.values()]
        + [entity, pc.struct_field(figures.items, "claim_id")]
        + [pc.struct_field(structs, "id") for _, structs in parts]
    )
    entity_keys, claim_keys, figure_keys = (codes.keys(position, layer.rows) for position, layer in enumerate(layers.values()))
    every_key = np.concatenate([entity_keys, claim_keys, figure_keys])
    values, counts = np.unique(every_key, return_counts=True)
    marks.add_rows(values[(counts > 1) & (values >= 0)] // codes.width)
    _mark_parts(marks, parts, [codes.keys(5 + position, rows) for position, (rows, _) in enumerate(parts)], every_key, codes.width)
    mode, cue, source = (pc.struct_field(claims.items, name) for name in ("mode", "cue", "source"))
    entity_refs = codes.keys(3, claims.rows)
    marks.add(claims.rows, (entity_refs >= 0) & ~np.isin(entity_refs, entity_keys))
    attributed = pc.not_equal(mode, _UNATTRIBUTED)
    marks.add(claims.rows, pc.and_(attributed, pc.and_(pc.is_null(source), pc.is_null(entity))))
    marks.add(claims.rows, pc.and_(attributed, pc.is_null(cue)))
    marks.add(claims.rows, pc.and_(pc.invert(attributed), pc.or_(pc.or_(pc.is_valid(source), pc.is_valid(cue)), pc.is_valid(entity))))
    _mark_figures(marks, figures, codes.keys(4, figures.rows), claim_keys)
    return marks.rows


class _Marks:
    """The rows found to break a rule."""

    def __init__(self, count: int) -> None:
        self.rows = np.zeros(count, dtype=bool)

    def add(self, rows: np.ndarray | None, mask: Any) -> None:
        if isinstance(mask, (pa.Array, pa.ChunkedArray)):
            if not len(mask) or not pc.any(pc.fill_null(mask, False)).as_py():
                return
            mask = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)
        self.rows[mask if rows is None else rows[mask]] = True

    def add_rows(self, rows: np.ndarray) -> None:
        self.rows[rows] = True


class _Layer:
    """The items of a list column, and the row each comes from."""

    def __init__(self, lists: pa.Array, rows_of_lists: np.ndarray | None = None) -> None:
        parents = pc.list_parent_indices(lists).to_numpy()
        self.rows = parents if rows_of_lists is None else rows_of_lists[parents]
        self.items = lists.flatten()


def _not_finite(numbers: pa.Array) -> pa.Array:
    return pc.and_(pc.is_valid(numbers), pc.invert(pc.is_finite(numbers)))


class _IdCodes:
    """One integer per distinct id of a batch, from one dictionary over every id column given, so that
    ``row * width + code`` compares the ids of one set as integers (-1 where there is no id)."""

    def __init__(self, id_columns: list[pa.Array]) -> None:
        encoded = pc.dictionary_encode(pa.concat_arrays([column.cast(pa.string()) for column in id_columns]))
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        self.width = max(len(encoded.dictionary), 1)
        self._codes = np.split(codes, np.cumsum([len(column) for column in id_columns])[:-1])

    def keys(self, position: int, rows: np.ndarray) -> np.ndarray:
        codes = self._codes[position]
        return np.where(codes < 0, -1, rows.astype(np.int64) * self.width + codes)


def _offsets(structs: pa.Array, name: str) -> np.ndarray:
    return pc.fill_null(pc.struct_field(structs, name), -1).to_numpy(zero_copy_only=False).astype(np.int64)


def _mark_spans(marks: _Marks, rows: np.ndarray, structs: pa.Array, texts: ArticleTexts | None, text_of_row: np.ndarray | None) -> None:
    if not len(structs):
        return
    start, end, present, text = span_columns(structs)
    empty = present & (start >= end)
    marks.add(rows, empty)
    if texts is None or text_of_row is None:
        return
    article = text_of_row[rows]
    checked = np.flatnonzero(present & ~empty & (article != NO_TEXT))
    if len(checked):
        out_of_range, mismatch = span_faults(texts, article[checked], start[checked], end[checked], text.take(pa.array(checked)))
        marks.add(rows[checked], out_of_range | mismatch)


def _mark_parts(marks: _Marks, parts: list[tuple[np.ndarray, pa.Array]], part_keys: list[np.ndarray], annotation_keys: np.ndarray, width: int) -> None:
    """Claim parts whose id is an annotation's id, or names two spans."""
    keys = np.concatenate(part_keys)
    starts = np.concatenate([_offsets(structs, "start") for _, structs in parts])
    ends = np.concatenate([_offsets(structs, "end") for _, structs in parts])
    named = keys >= 0
    keys, starts, ends = keys[named], starts[named], ends[named]
    if not len(keys):
        return
    marks.add_rows(keys[np.isin(keys, annotation_keys)] // width)
    order = np.argsort(keys, kind="stable")
    keys, starts, ends = keys[order], starts[order], ends[order]
    firsts = np.concatenate([[0], np.flatnonzero(np.diff(keys)) + 1])
    differ = (np.minimum.reduceat(starts, firsts) != np.maximum.reduceat(starts, firsts)) | (np.minimum.reduceat(ends, firsts) != np.maximum.reduceat(ends, firsts))
    marks.add_rows(keys[firsts][differ] // width)


def _mark_figures(marks: _Marks, figures: _Layer, claim_refs: np.ndarray, claim_keys: np.ndarray) -> None:
    items, rows = figures.items, figures.rows
    if not len(items):
        return
    kind, approximation, value, low, high, date_value, inferred = (
        pc.struct_field(items, name) for name in ("kind", "approximation", "value", "value_low", "value_high", "date_value", "date_inferred")
    )
    marks.add(rows, (claim_refs >= 0) & ~np.isin(claim_refs, claim_keys))
    for name in OPTIONAL_FIGURE_TEXTS:
        marks.add(rows, pc.equal(pc.struct_field(items, name), ""))
    for numbers in (value, low, high):
        marks.add(rows, _not_finite(numbers))
    marks.add(rows, pc.and_(pc.equal(approximation, _RANGE), pc.or_(pc.is_null(low), pc.is_null(high))))
    marks.add(rows, pc.greater(low, high))
    dated = pc.is_in(kind, value_set=_DATE_KINDS)
    marks.add(rows, pc.and_(pc.and_(pc.invert(dated), pc.is_in(approximation, value_set=_ONE_VALUE)), pc.is_null(value)))
    marks.add(rows, pc.and_(pc.is_in(kind, value_set=_DATED_KINDS), pc.fill_null(pc.equal(date_value, ""), True)))
    stated = pc.fill_null(pc.not_equal(date_value, ""), False)
    marks.add(rows, pc.and_(pc.invert(dated), pc.or_(stated, pc.greater(pc.list_value_length(inferred), 0))))
