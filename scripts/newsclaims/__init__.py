"""newsclaims: an annotated corpus of news articles (entities, claims, figures) and its toolkit."""

from .errors import NewsclaimsError
from .model import (
    SCHEMA_VERSION,
    AnnotationFile,
    AnnotationSet,
    ArticleRevision,
    Claim,
    Entity,
    Figure,
    LabelStudioOrigin,
    Manifest,
    Span,
)
from .store import Corpus
from .validate import Problem, validate_corpus

__version__ = "0.1.0"

__all__ = [
    "SCHEMA_VERSION",
    "AnnotationFile",
    "AnnotationSet",
    "ArticleRevision",
    "Claim",
    "Corpus",
    "Entity",
    "Figure",
    "LabelStudioOrigin",
    "Manifest",
    "NewsclaimsError",
    "Problem",
    "Span",
    "validate_corpus",
]
