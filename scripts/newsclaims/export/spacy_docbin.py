"""A spaCy ``DocBin`` (``.spacy``): one ``Doc`` per article, tokenized by ``spacy.blank("en")``.

Entities are ``doc.ents`` (label: type, ``kb_id_``: Wikidata id, ``id_``: annotation id) and
all of them, overlapping ones too, ``doc.spans["entities"]``. Figures are
``doc.spans["figures"]`` (label: kind) and claim parts ``doc.spans["claim_content"]``,
``["claim_cue"]`` and ``["claim_source"]`` (label: mode, ``id_``: claim id). Everything
else about each annotation is in ``doc.user_data["newsclaims"]``, keyed by layer and id:
user data survives a ``DocBin`` written with ``store_user_data=True`` (its lists come back
as tuples). A span whose ends are not spaCy token boundaries is reported, never moved.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import NewsclaimsError
from ..jsonio import atomic_write_bytes
from ..model import Span
from .documents import ExportDocument
from .loss import BOUNDARY_INSIDE_TOKEN, ENTITY_OVERLAP, ExportReport, Loss

CLAIM_GROUPS = {"content": "claim_content", "cue": "claim_cue", "source": "claim_source"}


def spacy_docs(documents: list[ExportDocument], report: ExportReport) -> list:
    """One ``Doc`` per document; what they hold and lose is added to ``report``."""
    nlp = _blank_english()
    docs = []
    totals = {"entity mentions": 0, "figures": 0, "claims": 0}
    for document in documents:
        aset = document.aset
        doc = nlp.make_doc(document.text)

        def span_of(span: Span, layer: str, annotation_id: str, label: str, kb_id: str = "", part: str | None = None):
            found = doc.char_span(span.start, span.end, label=label, kb_id=kb_id, span_id=annotation_id, alignment_mode="strict")  # noqa: B023 (called within its iteration only)
            if found is None:
                named = f"{part} " if part else ""
                why = f"{named}{span.text!r} at {span.start}:{span.end} does not start and end on spaCy token boundaries"
                report.losses.append(Loss(document.article_id, aset.set_id, layer, annotation_id, BOUNDARY_INSIDE_TOKEN, why, part))  # noqa: B023 (as above)
            return found

        entities = [(e, span_of(e, "entity", e.id, e.type.value, e.wikidata or "")) for e in aset.entities]
        entities = [(e, s) for e, s in entities if s is not None]
        doc.spans["entities"] = [s for _, s in entities]
        doc.ents = _non_overlapping(entities, document, report)
        totals["entity mentions"] += len(doc.ents)
        figures = [span_of(f, "figure", f.id, f.kind.value) for f in aset.figures]
        doc.spans["figures"] = [s for s in figures if s is not None]
        totals["figures"] += len(doc.spans["figures"])
        groups: dict[str, list] = {name: [] for name in CLAIM_GROUPS.values()}
        for claim in aset.claims:
            parts = [(f"content[{i}]" if len(claim.content) > 1 else "content", "content", s) for i, s in enumerate(claim.content)]
            parts += [(name, name, s) for name, s in (("cue", claim.cue), ("source", claim.source)) if s is not None]
            spans = [(group, span_of(s, "claim", claim.id, claim.mode.value, part=name)) for name, group, s in parts]
            for group, found in spans:
                if found is not None:
                    groups[CLAIM_GROUPS[group]].append(found)
            totals["claims"] += all(found is not None for _, found in spans)
        for name, spans in groups.items():
            doc.spans[name] = spans
        doc.user_data["newsclaims"] = {
            "article_id": document.article_id,
            "revision": document.revision,
            "set_id": aset.set_id,
            "article_sha256": aset.article_sha256,
            "entities": {e.id: e.model_dump(mode="json", exclude={"id", "start", "end", "text"}) for e in aset.entities},
            "figures": {f.id: f.model_dump(mode="json", exclude={"id", "start", "end", "text"}) for f in aset.figures},
            "claims": {c.id: c.model_dump(mode="json", exclude={"id"}) for c in aset.claims},
        }
        report.articles.append(document.article_id)
        docs.append(doc)
    report.written.update(totals)
    return docs


def _blank_english():
    try:
        import spacy
    except ImportError:
        raise NewsclaimsError("the spaCy export needs spaCy: pip install 'newsclaims[export]'") from None
    return spacy.blank("en")


def _non_overlapping(entities: list, document: ExportDocument, report: ExportReport) -> list:
    """The spans ``doc.ents`` can hold: of overlapping mentions the first (the longer at equal starts)."""
    kept: list = []
    taken: dict[int, str] = {}
    for entity, span in sorted(entities, key=lambda pair: (pair[1].start, -pair[1].end)):
        other = next((taken[i] for i in range(span.start, span.end) if i in taken), None)
        if other is not None:
            why = f"{entity.text!r} at {entity.start}:{entity.end} overlaps entity {other} in doc.ents; kept in doc.spans['entities'] only"
            report.losses.append(Loss(document.article_id, document.aset.set_id, "entity", entity.id, ENTITY_OVERLAP, why))
            continue
        taken.update({i: entity.id for i in range(span.start, span.end)})
        kept.append(span)
    return sorted(kept, key=lambda span: span.start)


def write_spacy(documents: list[ExportDocument], out: Path, set_id: str) -> ExportReport:
    report = ExportReport("spacy", str(out), set_id)
    docs = spacy_docs(documents, report)
    from spacy.tokens import DocBin

    docbin = DocBin(store_user_data=True)
    for doc in docs:
        docbin.add(doc)
    atomic_write_bytes(Path(out), docbin.to_bytes())
    return report
