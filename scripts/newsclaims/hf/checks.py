"""The model's rules, checked over Arrow columns of release rows, a column at a time.

Validating a large release row by row through pydantic costs more than everything else a
conversion does. These checks read the same rules from the models (required fields,
patterns, bounds, vocabularies, list lengths) and apply them to whole columns; a span is
also checked against the article text (``text == article_text[start:end]``). Each failure
comes back with its row, its path in the row and the id of the annotation it is in.
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

    def step(self, name: str) -> "_Where":
        return _Where(self.rows, (*self.steps, (f".{name}", None)), self.ids)

    def into_list(self, lists: pa.Array) -> "_Where":
        parent = pc.list_parent_indices(lists).to_numpy()
        offsets = lists.offsets.to_numpy() - lists.offsets[0].as_py()
        index = np.arange(len(parent)) - offsets[parent]
        name, _ = self.steps[-1]
        steps = tuple((n, None if i is None else i[parent]) for n, i in self.steps[:-1]) + ((name, index),)
        return _Where(self.rows[parent], steps, None if self.ids is None else self.ids.take(pa.array(parent)))

    def only(self, mask: np.ndarray) -> "_Where":
        steps = tuple((n, None if i is None else i[mask]) for n, i in self.steps)
        return _Where(self.rows[mask], steps, None if self.ids is None else self.ids.filter(pa.array(mask)))

    def with_ids(self, ids: pa.Array) -> "_Where":
        return _Where(self.rows, self.steps, pc.coalesce(ids, self.ids) if self.ids is not None else ids)


class _Checker:
    def __init__(self, texts: pa.Array | list[str] | None, text_of_row: np.ndarray | None) -> None:
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
            self.problems.append(RowProblem(int(where.rows[position]), error_id, where.path(position), where.id(position), f"expected {expected}, found {found!r}"))

    def model(self, model: type[BaseModel], structs: pa.Array, where: _Where) -> None:
        decorators = model.__pydantic_decorators__
        if decorators.validators or decorators.field_validators or decorators.root_validators or decorators.model_validators:
            raise TypeError(f"{model.__name__} has validators that the column checks cannot apply; check it row by row or teach {__name__}")
        if "id" in model.model_fields:
            where = where.with_ids(pc.struct_field(structs, "id"))
        for name, info in model.model_fields.items():
            self.value(info.annotation, list(info.metadata), pc.struct_field(structs, name), where.step(name))
        if issubclass(model, Span) and self.texts is not None:
            self.span_texts(structs, where)

    def value(self, annotation: Any, metadata: list[Any], array: pa.Array, where: _Where) -> None:
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
            self.value(item, [], array.flatten(), where.into_list(array))
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.model(annotation, array, where)
        elif isinstance(annotation, type) and issubclass(annotation, Enum):
            allowed = [member.value for member in annotation]
            self.fail(where, pc.invert(pc.is_in(array, value_set=pa.array(allowed))), "value-vocabulary", f"one of {allowed}", array)
        else:
            self.bounded(metadata, array, where)

    def sized(self, metadata: list[Any], array: pa.Array, where: _Where) -> None:
        for rule in metadata:
            if isinstance(rule, annotated_types.MinLen):
                self.fail(where, pc.less(pc.list_value_length(array), rule.min_length), "list-too-short", f"at least {rule.min_length} item(s)", pc.list_value_length(array))

    def bounded(self, metadata: list[Any], array: pa.Array, where: _Where) -> None:
        for rule in metadata:
            pattern = getattr(rule, "pattern", None)
            if pattern is not None:
                self.fail(where, pc.invert(pc.match_substring_regex(array, pattern)), "value-pattern", f"text matching {pattern}", array)
            if isinstance(rule, annotated_types.Ge):
                self.fail(where, pc.less(array, rule.ge), "value-bound", f"a value >= {rule.ge}", array)

    def span_texts(self, structs: pa.Array, where: _Where) -> None:
        """``text == article_text[start:end]`` for every span whose offsets and text are there (see :mod:`.span_texts`)."""
        start, end, present, text = span_columns(structs)
        article = self.text_of_row[where.rows]
        checked = np.flatnonzero(present & (article != NO_TEXT) & (start >= 0))
        if not len(checked):
            return
        out_of_range, mismatch = span_faults(self.texts, article[checked], start[checked], end[checked], text.take(pa.array(checked)))
        for position in checked[out_of_range | mismatch].tolist():
            article_text, first, last = self.texts.text(int(article[position])), int(start[position]), int(end[position])
            if not first <= last <= len(article_text):
                self._span_problem(where, position, "span-out-of-range", f"expected 0 <= start <= end <= {len(article_text)}, found {first}:{last}")
            else:
                found = text[position].as_py()
                self._span_problem(where, position, "span-text-mismatch", f"expected the article's text at {first}:{last}, {article_text[first:last]!r}, found {found!r}")

    def _span_problem(self, where: _Where, position: int, error_id: str, message: str) -> None:
        self.problems.append(RowProblem(int(where.rows[position]), error_id, where.path(position), where.id(position), message))


SET_ROW_FIELDS = {"article_id": AnnotationFile.model_fields["article_id"], **AnnotationSet.model_fields}
"""The fields of an ``annotation_sets`` row that the models define (its ``revision`` is the store's)."""


def _understood(rule: Any) -> bool:
    """A rule the checks apply: a pattern, a lower bound, a minimum length, or strictness (Arrow's types are strict)."""
    if isinstance(rule, (annotated_types.Ge, annotated_types.MinLen, Strict)):
        return True
    return type(rule).__name__ == "_PydanticGeneralMetadata" and set(vars(rule)) == {"pattern"}


def check_rows(rows: pa.RecordBatch, fields: dict[str, Any], texts: pa.Array | list[str] | None = None, text_of_row: np.ndarray | None = None) -> list[RowProblem]:
    """Every rule of the model ``fields`` (name -> pydantic FieldInfo) broken in ``rows``.

    With ``texts`` (and the index in it of each row's article text, or ``NO_TEXT``) every span
    is also checked against its article's text.
    """
    checker = _Checker(texts, text_of_row)
    everywhere = _Where(np.arange(rows.num_rows), (), None)
    for name, info in fields.items():
        checker.value(info.annotation, list(info.metadata), rows.column(name), everywhere.step(name))
    return sorted(checker.problems, key=lambda p: (p.row, p.path))
