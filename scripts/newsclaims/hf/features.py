"""The columns of every release config, derived from the typed models.

Enum fields become string columns holding the label (never a ClassLabel integer), nested
models become structs and lists of models lists of structs. The one exception is the ``ner``
config's ``ner_tags``: a ``ClassLabel`` (:class:`ClassLabelOf`, an int64 in Arrow) whose names
are pinned by the vocabulary, as token-classification scripts expect. The columns are described once,
in plain terms (a scalar type's name, :class:`ListOf`, a dict for a struct), and given as
``datasets.Features`` (for the card, the Croissant file and ``schema/``), or as an Arrow schema
and the bytes of the Features' schema metadata (what a release is written with and read
against): reading or writing a release's Parquet does not import ``datasets``.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING

import pyarrow as pa
from pydantic import BaseModel

from ..export.bio import NER_TAGS
from ..model import AnnotationSet, ArticleRevision, Claim, Entity, Figure, Span

if TYPE_CHECKING:
    from datasets import Features


@dataclass(frozen=True)
class ListOf:
    item: Column


@dataclass(frozen=True)
class ClassLabelOf:
    """Labels stored as their index in ``names``: ``datasets.ClassLabel`` in Features, int64 in Arrow."""

    names: tuple[str, ...]


Column = str | ListOf | ClassLabelOf | dict
"""A scalar (its ``datasets.Value`` name), a list, a class label, or a struct of named columns."""

_SCALARS = {str: "string", int: "int64", float: "float64", bool: "bool"}


def column_of(annotation: object) -> Column:
    """The column for one Python type annotation of the models."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return column_of(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"cannot map union {annotation!r} to one Arrow type")
        return column_of(inner[0])
    if origin is list:
        return ListOf(column_of(typing.get_args(annotation)[0]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_columns(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "string"
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    raise TypeError(f"no Arrow type for {annotation!r}")


def model_columns(model: type[BaseModel], exclude: tuple[str, ...] = ()) -> dict:
    return {name: column_of(field.annotation) for name, field in model.model_fields.items() if name not in exclude}


def span_columns(prefix: str) -> dict:
    """A ``Span | None`` flattened into ``<prefix>_start``, ``<prefix>_end`` and ``<prefix>_text``."""
    return {f"{prefix}_{name}": column for name, column in model_columns(Span).items()}


_KEY = {"article_id": "string", "revision": "int64"}


def _ordered(first: tuple[str, ...], columns: dict) -> dict:
    return {**{name: columns[name] for name in first}, **{k: v for k, v in columns.items() if k not in first}}


def entities_columns() -> dict:
    return {**_KEY, **_ordered(("id", "start", "end", "text"), model_columns(Entity))}


def figures_columns() -> dict:
    derived = {"claim_mode": "string", "source_text": "string", "source_entity_id": "string"}
    return {**_KEY, **_ordered(("id", "start", "end", "text"), model_columns(Figure)), **derived}


def claims_columns() -> dict:
    columns = model_columns(Claim, exclude=("cue", "source"))
    columns = _ordered(("id",), columns)
    covering = {"start": "int64", "end": "int64", "text": "string"}
    derived = {"source_entity_text": "string", "figure_ids": ListOf("string")}
    return {**_KEY, "id": columns.pop("id"), **covering, **columns, **span_columns("cue"), **span_columns("source"), **derived}


def articles_columns() -> dict:
    metadata = model_columns(ArticleRevision, exclude=("path",))
    metadata = _ordered(("article_id", "revision", "text_sha256"), metadata)
    gold = {
        "gold_set_id": "string",
        "entities": ListOf(model_columns(Entity)),
        "claims": ListOf(model_columns(Claim)),
        "figures": ListOf(model_columns(Figure)),
    }
    return {**metadata, "text": "string", **gold}


def annotation_sets_columns() -> dict:
    return {**_KEY, **model_columns(AnnotationSet)}


def ner_columns() -> dict:
    """One sentence of a gold set: its tokens and their BIO entity tags."""
    sentence = {"sentence": "int64", "start": "int64", "end": "int64"}
    return {**_KEY, **sentence, "tokens": ListOf("string"), "ner_tags": ListOf(ClassLabelOf(NER_TAGS))}


_CONFIG_COLUMNS = {
    "articles": articles_columns,
    "entities": entities_columns,
    "claims": claims_columns,
    "figures": figures_columns,
    "annotation_sets": annotation_sets_columns,
    "ner": ner_columns,
}
CONFIGS = tuple(_CONFIG_COLUMNS)


def _feature_dict(column: Column) -> dict:
    """A column as ``Features.to_dict()`` gives it."""
    if isinstance(column, ListOf):
        return {"feature": _feature_dict(column.item), "_type": "List"}
    if isinstance(column, dict):
        return {name: _feature_dict(inner) for name, inner in column.items()}
    if isinstance(column, ClassLabelOf):
        return {"names": list(column.names), "_type": "ClassLabel"}
    return {"dtype": column, "_type": "Value"}


def config_features() -> dict[str, Features]:
    """Each config's ``datasets.Features``."""
    from datasets import Features

    return {config: Features.from_dict(_feature_dict(columns())) for config, columns in _CONFIG_COLUMNS.items()}


@cache
def features_metadata(config: str) -> bytes:
    """The ``huggingface`` schema metadata of a config's files: the bytes ``datasets`` gives them
    (``Features.arrow_schema``), made without it (a test holds the two to each other)."""
    return json.dumps({"info": {"features": _feature_dict(_CONFIG_COLUMNS[config]())}}).encode()


_ARROW_SCALARS = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}


def _arrow_type(column: Column) -> pa.DataType:
    if isinstance(column, ListOf):
        return pa.list_(_arrow_type(column.item))
    if isinstance(column, dict):
        return pa.struct([pa.field(name, _arrow_type(inner)) for name, inner in column.items()])
    if isinstance(column, ClassLabelOf):
        return pa.int64()
    return _ARROW_SCALARS[column]


@cache
def config_schema(config: str) -> pa.Schema:
    """The Arrow schema of a config's files (without metadata), as ``datasets`` derives it from
    :func:`config_features` (a test holds the two to each other)."""
    return pa.schema([pa.field(name, _arrow_type(column)) for name, column in _CONFIG_COLUMNS[config]().items()])
