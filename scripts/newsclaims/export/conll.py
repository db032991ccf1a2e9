"""CoNLL-2003-like BIO text: ``token TAG`` per line, a blank line after each sentence, ``-DOCSTART- O`` per article.

Only entities have tags: every figure and claim is reported as lost, with the entities the
tags cannot hold.
"""

from __future__ import annotations

from pathlib import Path

from ..jsonio import atomic_write_text
from .bio import tag_sentences
from .documents import ExportDocument
from .loss import NOT_REPRESENTABLE, ExportReport, Loss

DOCSTART = "-DOCSTART- O"


def conll_text(documents: list[ExportDocument], report: ExportReport) -> str:
    """The CoNLL text of ``documents``; what it holds and loses is added to ``report``."""
    lines: list[str] = []
    sentences = mentions = 0
    for document in documents:
        aset = document.aset
        tagged, losses, count = tag_sentences(document.text, aset.entities, document.article_id, aset.set_id)
        report.articles.append(document.article_id)
        report.losses += losses
        mentions += count
        for figure in aset.figures:
            report.losses.append(Loss(document.article_id, aset.set_id, "figure", figure.id, NOT_REPRESENTABLE, "CoNLL BIO tags hold entities only"))
        for claim in aset.claims:
            report.losses.append(Loss(document.article_id, aset.set_id, "claim", claim.id, NOT_REPRESENTABLE, "CoNLL BIO tags hold entities only"))
        lines += [DOCSTART, ""]
        for sentence in tagged:
            lines += [f"{token.text} {tag}" for token, tag in zip(sentence.sentence.tokens, sentence.tags, strict=True)]
            lines.append("")
            sentences += 1
    report.written.update({"sentences": sentences, "entity mentions": mentions})
    return "\n".join(lines) + ("\n" if lines else "")


def write_conll(documents: list[ExportDocument], out: Path, set_id: str) -> ExportReport:
    report = ExportReport("conll", str(out), set_id)
    atomic_write_text(Path(out), conll_text(documents, report))
    return report
