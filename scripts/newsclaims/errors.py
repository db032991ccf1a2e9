"""Typed errors raised by the library; the command line turns them into messages and exit codes."""

from __future__ import annotations


class NewsclaimsError(Exception):
    """Base of every error the library raises on purpose."""


class ArticleError(NewsclaimsError):
    """An article cannot be added to or read from the store."""


class DuplicateArticleError(ArticleError):
    """The same bytes are already stored under another article id."""


class AnnotationError(NewsclaimsError):
    """An annotation file or set is not valid."""


class AdjudicationError(NewsclaimsError):
    """Adjudication cannot run as asked (an unknown rule, an invalid pass)."""


class ConversionError(NewsclaimsError):
    """A conversion met input it cannot convert without losing something.

    ``problems`` holds every problem found, not only the first.
    """

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class CorpusInvalidError(NewsclaimsError):
    """An operation that needs a valid corpus found problems."""

    def __init__(self, message: str, problems: list | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])
