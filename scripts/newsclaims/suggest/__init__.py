"""Pre-annotation: a machine-made prediction set per article (entities, claims, figures) for
annotators to correct in Label Studio. Needs the ``suggest`` extra (spaCy and its pinned model)."""

from .model_check import SuggestError
from .pipeline import SET_ID, SuggestResult, suggest

__all__ = ["SET_ID", "SuggestError", "SuggestResult", "suggest"]
