"""``newsclaims export``: the chosen set of every article, in a training format, with its loss report."""

from __future__ import annotations

from pathlib import Path

from ..errors import NewsclaimsError
from ..store import Corpus
from .brat import write_brat
from .conll import write_conll
from .documents import export_documents
from .loss import ExportReport
from .spacy_docbin import write_spacy

WRITERS = {"conll": write_conll, "spacy": write_spacy, "brat": write_brat}
FORMATS = tuple(WRITERS)


def export_corpus(corpus: Corpus, format: str, out: Path, set_id: str = "gold") -> ExportReport:
    """Write the set ``set_id`` of every article to ``out`` (a file; a folder for brat) and report what it could not hold."""
    if format not in WRITERS:
        raise NewsclaimsError(f"export: expected a format among {', '.join(FORMATS)}, found {format!r}")
    documents, without = export_documents(corpus, set_id)
    if not documents:
        raise NewsclaimsError(f"{corpus.root}: no article has a set {set_id!r} to export")
    report = WRITERS[format](documents, Path(out), set_id)
    report.articles_without_set = without
    return report
