"""Hugging Face ``datasets.Features`` of every release config, derived from the typed models.

Enum fields become string columns holding the label (never a ClassLabel integer), nested
models become structs and lists of models ``datasets.List`` of structs.
"""

from __future__ import annotations

import types
import typing
from enum import Enum

from datasets import Features, List, Value
from pydantic import BaseModel

from ..model import AnnotationSet, ArticleRevision, Claim, Entity, Figure, Span

CONFIGS = ("articles", "entities", "claims", "figures", "annotation_sets")

_SCALARS = {str: "string", int: "int64", float: "float64", bool: "bool"}


def feature_of(annotation: object):
    """The datasets feature for one Python type annotation of the models."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return feature_of(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"cannot map union {annotation!r} to one Arrow type")
        return feature_of(inner[0])
    if origin is list:
        return List(feature_of(typing.get_args(annotation)[0]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_features(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return Value("string")
    if annotation in _SCALARS:
        return Value(_SCALARS[annotation])
    raise TypeError(f"no Arrow type for {annotation!r}")


def model_features(model: type[BaseModel], exclude: tuple[str, ...] = ()) -> dict:
    return {name: feature_of(field.annotation) for name, field in model.model_fields.items() if name not in exclude}


def span_columns(prefix: str) -> dict:
    """A ``Span | None`` flattened into ``<prefix>_start``, ``<prefix>_end`` and ``<prefix>_text``."""
    return {f"{prefix}_{name}": feature for name, feature in model_features(Span).items()}


_KEY = {"article_id": Value("string"), "revision": Value("int64")}


def _ordered(first: tuple[str, ...], columns: dict) -> dict:
    return {**{name: columns[name] for name in first}, **{k: v for k, v in columns.items() if k not in first}}


def entities_features() -> Features:
    return Features({**_KEY, **_ordered(("id", "start", "end", "text"), model_features(Entity))})


def figures_features() -> Features:
    derived = {"claim_mode": Value("string"), "source_text": Value("string"), "source_entity_id": Value("string")}
    return Features({**_KEY, **_ordered(("id", "start", "end", "text"), model_features(Figure)), **derived})


def claims_features() -> Features:
    columns = model_features(Claim, exclude=("cue", "source"))
    columns = _ordered(("id",), columns)
    covering = {"start": Value("int64"), "end": Value("int64"), "text": Value("string")}
    derived = {"source_entity_text": Value("string"), "figure_ids": List(Value("string"))}
    return Features(
        {**_KEY, "id": columns.pop("id"), **covering, **columns, **span_columns("cue"), **span_columns("source"), **derived}
    )


def articles_features() -> Features:
    metadata = model_features(ArticleRevision, exclude=("path",))
    metadata = _ordered(("article_id", "revision", "text_sha256"), metadata)
    gold = {
        "gold_set_id": Value("string"),
        "entities": List(model_features(Entity)),
        "claims": List(model_features(Claim)),
        "figures": List(model_features(Figure)),
    }
    return Features({**metadata, "text": Value("string"), **gold})


def annotation_sets_features() -> Features:
    return Features({**_KEY, **model_features(AnnotationSet)})


def config_features() -> dict[str, Features]:
    return {
        "articles": articles_features(),
        "entities": entities_features(),
        "claims": claims_features(),
        "figures": figures_features(),
        "annotation_sets": annotation_sets_features(),
    }
