"""The suggester: one prediction set per article, made by the pinned spaCy model and our rules.

The model is loaded once per process, after its weight files pass the pinned-hash check. Our
layers (entities, claims, figures) run as the last component of the spaCy pipeline, so that
with several processes the rules run in the workers too, next to the parse they read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from .. import __version__
from ..corpus_writer import check_annotation_files
from ..errors import AnnotationError
from ..model import SCHEMA_VERSION, AnnotationFile, AnnotationSet, ArticleRevision, file_schema_version
from ..store import Corpus
from ..validate import ERROR, check_set
from ..vocab import SetKind
from .entities import TEXT_KEY
from .model_check import MODEL_PACKAGE, MODEL_VERSION, check_model, model_directory

SET_ID = "suggest"
RULES_VERSION = 1
ANNOTATOR = f"{MODEL_PACKAGE} {MODEL_VERSION} + newsclaims rules {RULES_VERSION}"
TOOL = f"newsclaims suggest {__version__}"
UNUSED_COMPONENTS = ("lemmatizer",)
LAYERS_COMPONENT = "newsclaims_layers"
MANY = 4
"""Above this many articles the parse is spread over several processes."""

_nlp = None


def load_pipeline():
    """The checked spaCy pipeline with our layers as its last component, loaded once per process."""
    global _nlp
    if _nlp is None:
        folder = model_directory()
        check_model(folder)
        import spacy
        from spacy.language import Language

        if not Language.has_factory(LAYERS_COMPONENT):
            Language.component(LAYERS_COMPONENT, func=_annotate_layers)
        nlp = spacy.load(folder, exclude=list(UNUSED_COMPONENTS))
        nlp.add_pipe(LAYERS_COMPONENT, last=True)
        _nlp = nlp
    return _nlp


def _annotate_layers(doc):
    """Entities, claims and figures of ``doc``, as records in ``doc.user_data`` (they travel back from workers)."""
    from .claims import find_claims
    from .entities import find_entities
    from .figures import find_figures

    entities = find_entities(doc)
    claims = find_claims(doc, entities)
    published = doc.user_data.get("published")
    figures = find_figures(doc.text, date.fromisoformat(published) if published else None, doc)
    doc.user_data["layers"] = [entities, claims, link_figures(figures, claims)]
    doc.user_data.pop(TEXT_KEY, None)
    return doc


def link_figures(figures: list[dict], claims: list[dict]) -> list[dict]:
    """Each figure with the id of the claim whose content holds it (F11): the innermost such content."""
    linked = []
    for figure in figures:
        holders = [
            (piece["end"] - piece["start"], claim["id"])
            for claim in claims
            for piece in claim["content"]
            if piece["start"] <= figure["start"] and figure["end"] <= piece["end"]
        ]
        linked.append({**figure, "id": figure.get("id") or f"f{figure['start']}", "claim_id": min(holders)[1] if holders else None})
    return linked


def build_set(text: str, layers: list[list[dict]], sha256: str, created_at: str) -> AnnotationSet:
    entities, claims, figures = layers
    return AnnotationSet.model_validate(
        {
            "set_id": SET_ID,
            "kind": SetKind.PREDICTION.value,
            "annotator": ANNOTATOR,
            "tool": TOOL,
            "created_at": created_at,
            "article_sha256": sha256,
            "entities": entities,
            "claims": claims,
            "figures": figures,
        }
    )


def suggest_texts(items: list[tuple[str, str | None]], workers: int = 1):
    """(text, published YYYY-MM-DD or None) pairs → their [entities, claims, figures] records, in order;
    several processes above a few texts."""
    nlp = load_pipeline()
    docs = []
    for text, published in items:
        doc = nlp.make_doc(text)
        doc.user_data["published"] = published
        docs.append(doc)
    n_process = workers if workers > 1 and len(docs) > MANY else 1
    for doc in nlp.pipe(docs, n_process=n_process, batch_size=8):
        yield doc.user_data["layers"]


@dataclass
class ArticleSuggestion:
    article_id: str
    revision: int
    entities: int
    claims: int
    figures: int
    changed: bool

    def format(self) -> str:
        state = "" if self.changed else " (unchanged)"
        return f"article={self.article_id} revision={self.revision}: {self.entities} entities, {self.claims} claims, {self.figures} figures{state}"


@dataclass
class SuggestResult:
    articles: list[ArticleSuggestion] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def suggest(corpus: Corpus, article_ids: list[str] | None = None, workers: int = 1) -> SuggestResult:
    """Write a ``suggest`` prediction set for each article's latest revision (every article when
    ``article_ids`` is None), replacing an earlier one and leaving every other set alone."""
    records = [corpus.latest(a) for a in dict.fromkeys(article_ids)] if article_ids else corpus.latest_revisions()
    texts = [corpus.read_text(r) for r in records]
    created_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    result = SuggestResult()
    files = []
    layers_of = suggest_texts([(t, r.published) for t, r in zip(texts, records, strict=True)], workers)
    for record, text, layers in zip(records, texts, layers_of, strict=True):
        aset = build_set(text, layers, record.text_sha256, created_at)
        _check(record, aset, text, corpus)
        annotations, changed = _with_set(corpus.load_annotations(record.article_id), record, aset)
        result.articles.append(ArticleSuggestion(record.article_id, record.revision, len(aset.entities), len(aset.claims), len(aset.figures), changed))
        if changed:
            files.append(annotations)
    if files:
        problems = [p for p in check_annotation_files(corpus, files) if p.level == ERROR and p.set_id in (None, SET_ID)]
        if problems:
            raise AnnotationError(f"suggest: {len(problems)} problem(s) in the suggested sets, nothing was written; first: {problems[0].format()}")
        result.written = corpus.save_annotation_files(files)
    return result


def _check(record: ArticleRevision, aset: AnnotationSet, text: str, corpus: Corpus) -> None:
    problems = [p for p in check_set(aset, text, {"file": str(corpus.annotation_path(record.article_id)), "article_id": record.article_id}) if p.level == ERROR]
    if problems:
        raise AnnotationError(f"suggest: {len(problems)} problem(s) in the suggested set, nothing was written; first: {problems[0].format()}")


def _same_suggestion(old: AnnotationSet, new: AnnotationSet) -> bool:
    ignore = {"created_at", "updated_at"}
    return old.model_dump(exclude=ignore) == new.model_dump(exclude=ignore)


def _with_set(annotations: AnnotationFile | None, record: ArticleRevision, aset: AnnotationSet) -> tuple[AnnotationFile, bool]:
    """The article's file with ``aset`` in place of the earlier suggest set (or added), and whether it changed."""
    if annotations is None:
        sets = [aset]
        return AnnotationFile(schema_version=file_schema_version(sets), article_id=record.article_id, sets=sets), True
    sets = list(annotations.sets)
    index = next((i for i, s in enumerate(sets) if s.set_id == SET_ID), None)
    if index is not None and sets[index].kind is not SetKind.PREDICTION:
        raise AnnotationError(
            f"article={record.article_id} set={SET_ID} [suggest-set-taken] expected the set id {SET_ID!r} to be a prediction "
            f"made by newsclaims suggest, found a set of kind {sets[index].kind.value}; nothing was written"
        )
    if index is not None and _same_suggestion(sets[index], aset):
        return annotations, False
    if index is None:
        sets.append(aset)
    else:
        sets[index] = aset
    version = annotations.schema_version if annotations.schema_version == SCHEMA_VERSION else file_schema_version(sets)
    return AnnotationFile(schema_version=version, article_id=record.article_id, sets=sets), True
