"""Training exports (CoNLL BIO, spaCy DocBin, brat standoff) and their loss reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO
from newsclaims.cli import main
from newsclaims.errors import ConversionError, NewsclaimsError
from newsclaims.export.bio import NER_TAGS, tag_sentences
from newsclaims.export.brat import brat_to_sets
from newsclaims.export.run import export_corpus
from newsclaims.export.tokens import sentences_of, tokenize
from newsclaims.model import AnnotationFile, AnnotationSet, Claim, ClaimSpan, Entity, Figure, file_schema_version
from newsclaims.store import Corpus
from newsclaims.validate import ERROR, check_set
from release_helpers import copy_corpus

# Written for these tests: CRLF line ends, a combining diaeresis and acute, emoji (one with
# ZWJ), a flag, a nested entity and one that ends inside a token.
HARBOUR = (
    "Mayor Zoe\u0308 Okafor said on Tuesday that about 40 families left Port Averly.\r\n"
    "The Averly Harbour Board, she said, \u201cexpects at least 1,200 visitors \U0001f389 next week.\u201d\r\n"
    "Rene\u0301 Lindqvist of the Board disagreed on the Averlyan coast. \U0001f469\u200d\U0001f469\u200d\U0001f467 Residents \U0001f1fa\U0001f1e6 wrote."
)


def _span(text: str, needle: str, nth: int = 0) -> dict:
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return {"start": start, "end": start + len(needle), "text": needle}


def _harbour_set(text: str, sha: str, set_id: str = "gold") -> AnnotationSet:
    entities = [
        Entity(id="e-zoe", type="PERSON", wikidata="Q42", **_span(text, "Zoe\u0308 Okafor")),
        Entity(id="e-port", type="GPE", **_span(text, "Port Averly")),
        Entity(id="e-board", type="ORG", **_span(text, "Averly Harbour Board")),
        Entity(id="e-averly", type="GPE", **_span(text, "Averly", 1)),
        Entity(id="e-rene", type="PERSON", **_span(text, "Rene\u0301 Lindqvist")),
        Entity(id="e-coast", type="LOC", **_span(text, "Averly", 2)),
    ]
    claims = [
        Claim(
            id="c-left",
            mode="indirect",
            content=[ClaimSpan(**_span(text, "about 40 families left Port Averly"))],
            cue=ClaimSpan(**_span(text, "said")),
            source=ClaimSpan(**_span(text, "Zoe\u0308 Okafor")),
            source_entity_id="e-zoe",
        ),
        Claim(
            id="c-visitors",
            mode="mixed",
            content=[
                ClaimSpan(id="part-board", **_span(text, "The Averly Harbour Board")),
                ClaimSpan(**_span(text, "\u201cexpects at least 1,200 visitors \U0001f389 next week.\u201d")),
            ],
            cue=ClaimSpan(**_span(text, "said", 1)),
            source=ClaimSpan(**_span(text, "she")),
            source_entity_id="e-zoe",
        ),
        Claim(id="c-lines", mode="unattributed", content=[ClaimSpan(**_span(text, "Port Averly.\r\nThe Averly"))]),
    ]
    figures = [
        Figure(id="f-tue", kind="date", approximation="exact", date_value="2024-05-14", date_inferred=["year", "month"], claim_id="c-left", **_span(text, "Tuesday")),
        Figure(id="f-40", kind="count", approximation="about", value=40.0, counted="families", claim_id="c-left", **_span(text, "about 40")),
        Figure(id="f-1200", kind="count", approximation="at_least", value=1200.0, counted="visitors", claim_id="c-visitors", **_span(text, "at least 1,200")),
        Figure(id="f-week", kind="date", approximation="vague", date_value="2024-W21", **_span(text, "next week")),
    ]
    return AnnotationSet(set_id=set_id, kind="gold" if set_id == "gold" else "annotation", annotator="tester", article_sha256=sha, entities=entities, claims=claims, figures=figures)


@pytest.fixture
def harbour(tmp_path: Path) -> Corpus:
    corpus = Corpus(tmp_path / "corpus")
    record = corpus.add(HARBOUR.encode("utf-8"), "harbour").revision
    sets = [_harbour_set(HARBOUR, record.text_sha256), _harbour_set(HARBOUR, record.text_sha256, "pass-a")]
    assert [p for s in sets for p in check_set(s, HARBOUR, {}) if p.level == ERROR] == []
    corpus.save_annotations(AnnotationFile(schema_version=file_schema_version(sets), article_id="harbour", sets=sets))
    corpus.add(b"Ada Obi met Kel Ng.\nThey left.", "short")
    return corpus


# -- tokens and sentences -------------------------------------------------------------------


def test_tokens_keep_code_point_offsets_and_whole_characters():
    tokens = tokenize(HARBOUR)
    assert tokens and all(HARBOUR[t.start : t.end] == t.text for t in tokens)
    texts = [t.text for t in tokens]
    for whole in ("Zoe\u0308", "Rene\u0301", "1,200", "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\U0001f1fa\U0001f1e6", "\U0001f389"):
        assert whole in texts
    assert not any(char.isspace() for t in tokens for char in t.text)


def test_tokenizer_splits_possessives_hyphens_and_punctuation():
    text = "Ukraine\u2019s 20,000 Russian-speaking people (12.5%) didn't."
    assert [t.text for t in tokenize(text)] == ["Ukraine", "\u2019s", "20,000", "Russian", "-", "speaking", "people", "(", "12.5", "%", ")", "didn", "'t", "."]


def test_sentences_end_on_end_punctuation_and_line_breaks_but_not_after_abbreviations():
    text = "Gen. Ada Obi spoke. She left!\r\nThen \u201cGo.\u201d He ran to J. Doe. it went on\nHeadline without a stop"
    sentences = [text[s.start : s.end] for s in sentences_of(text)]
    assert sentences == ["Gen. Ada Obi spoke.", "She left!", "Then \u201cGo.\u201d", "He ran to J. Doe. it went on", "Headline without a stop"]


def test_bio_tags_and_what_they_cannot_hold():
    entities = _harbour_set(HARBOUR, "0" * 64).entities
    tagged, losses, count = tag_sentences(HARBOUR, entities, "harbour", "gold")
    assert len(tagged) == 4 and count == 4
    first = dict(zip((t.text for t in tagged[0].sentence.tokens), tagged[0].tags, strict=True))
    assert first["Zoe\u0308"] == "B-PERSON" and first["Okafor"] == "I-PERSON" and first["Port"] == "B-GPE" and first["Mayor"] == "O"
    assert [(loss.annotation_id, loss.reason) for loss in losses] == [("e-averly", "entity-overlap"), ("e-coast", "boundary-inside-token")]
    assert "overlaps entity e-board" in losses[0].why and "'Averlyan'" in losses[1].why
    assert all(tag in NER_TAGS for t in tagged for tag in t.tags)


# -- CoNLL ------------------------------------------------------------------------------------


def test_conll_text_is_pinned(tmp_path: Path):
    corpus = Corpus(tmp_path / "corpus")
    text = "Ada Obi met Kel Ng.\nThey left."
    sha = corpus.add(text.encode(), "short").revision.text_sha256
    entities = [Entity(id="e1", type="PERSON", **_span(text, "Ada Obi")), Entity(id="e2", type="PERSON", **_span(text, "Kel Ng"))]
    aset = AnnotationSet(set_id="gold", kind="gold", article_sha256=sha, entities=entities)
    corpus.save_annotations(AnnotationFile(schema_version=file_schema_version([aset]), article_id="short", sets=[aset]))
    report = export_corpus(corpus, "conll", tmp_path / "out.conll")
    assert (tmp_path / "out.conll").read_text(encoding="utf-8") == (
        "-DOCSTART- O\n\nAda B-PERSON\nObi I-PERSON\nmet O\nKel B-PERSON\nNg I-PERSON\n. O\n\nThey O\nleft O\n. O\n\n"
    )
    assert report.summary() == "conll: 1 article, 2 sentences, 2 entity mentions written; nothing lost"


def test_conll_reports_every_figure_claim_and_entity_it_drops(harbour: Corpus, tmp_path: Path, capsys):
    out, report = tmp_path / "out.conll", tmp_path / "report.json"
    assert main(["--corpus", str(harbour.root), "export", "--format", "conll", str(out), "--report", str(report)]) == 0
    line = capsys.readouterr().out.strip()
    assert line == (
        f"conll: 1 article, 4 sentences, 4 entity mentions written; 1 overlapping entity, 1 entity with a boundary inside a token,"
        f" 4 figures and 3 claims not representable (see {report}); 1 article without a set 'gold'"
    )
    data = json.loads(report.read_text(encoding="utf-8"))
    lost = {(loss["layer"], loss["annotation_id"]) for loss in data["losses"]}
    aset = harbour.load_annotations("harbour").gold()
    assert lost == {("entity", "e-averly"), ("entity", "e-coast")} | {("figure", f.id) for f in aset.figures} | {("claim", c.id) for c in aset.claims}
    assert all(loss["article_id"] == "harbour" and loss["set_id"] == "gold" and loss["why"] for loss in data["losses"])
    assert data["articles"] == ["harbour"] and data["articles_without_set"] == ["short"]
    text = out.read_text(encoding="utf-8")
    assert text.count("-DOCSTART- O") == 1 and "Zoe\u0308 B-PERSON\n" in text and "Averlyan O\n" in text


def test_export_refuses_a_set_whose_spans_do_not_match_its_text(harbour: Corpus, tmp_path: Path, capsys):
    path = harbour.annotation_path("harbour")
    path.write_text(path.read_text(encoding="utf-8").replace('"text": "Port Averly"', '"text": "Port Avery"', 1), encoding="utf-8")
    with pytest.raises(ConversionError) as raised:
        export_corpus(harbour, "conll", tmp_path / "out.conll")
    assert {p.error_id for p in raised.value.problems} == {"span-text-mismatch"}
    assert main(["--corpus", str(harbour.root), "export", "--format", "conll", str(tmp_path / "out.conll")]) == 1
    err = capsys.readouterr().err
    assert "article=harbour set=gold entity=e-port [span-text-mismatch]" in err and "Traceback" not in err
    assert not (tmp_path / "out.conll").exists()


def test_export_of_a_set_no_article_has_is_an_error(harbour: Corpus, tmp_path: Path):
    with pytest.raises(NewsclaimsError, match="no article has a set 'nobody'"):
        export_corpus(harbour, "conll", tmp_path / "out.conll", set_id="nobody")


# -- spaCy ------------------------------------------------------------------------------------


def test_spacy_docbin_reads_back_with_entities_figures_claims_and_attributes(harbour: Corpus, tmp_path: Path):
    import spacy
    from spacy.tokens import DocBin

    out = tmp_path / "out.spacy"
    report = export_corpus(harbour, "spacy", out)
    [doc] = list(DocBin().from_disk(out).get_docs(spacy.blank("en").vocab))
    assert doc.text == HARBOUR
    assert [(e.text, e.label_, e.id_) for e in doc.ents] == [
        ("Zoe\u0308 Okafor", "PERSON", "e-zoe"),
        ("Port Averly", "GPE", "e-port"),
        ("Averly Harbour Board", "ORG", "e-board"),
        ("Rene\u0301 Lindqvist", "PERSON", "e-rene"),
    ]
    assert doc.ents[0].kb_id_ == "Q42"
    assert {s.id_ for s in doc.spans["entities"]} == {"e-zoe", "e-port", "e-board", "e-averly", "e-rene"}
    assert [(s.text, s.label_, s.id_) for s in doc.spans["figures"]] == [
        ("Tuesday", "date", "f-tue"), ("about 40", "count", "f-40"), ("at least 1,200", "count", "f-1200"), ("next week", "date", "f-week")
    ]
    assert [s.id_ for s in doc.spans["claim_content"]] == ["c-left", "c-visitors", "c-visitors", "c-lines"]
    assert [(s.text, s.label_) for s in doc.spans["claim_cue"]] == [("said", "indirect"), ("said", "mixed")]
    assert [s.text for s in doc.spans["claim_source"]] == ["Zoe\u0308 Okafor", "she"]
    stored = doc.user_data["newsclaims"]
    assert stored["article_id"] == "harbour" and stored["set_id"] == "gold"
    assert stored["figures"]["f-1200"]["approximation"] == "at_least" and stored["figures"]["f-1200"]["value"] == 1200.0
    assert list(stored["figures"]["f-tue"]["date_inferred"]) == ["year", "month"]
    assert stored["claims"]["c-visitors"]["content"][0]["id"] == "part-board"
    assert [(loss.annotation_id, loss.reason) for loss in report.losses] == [("e-coast", "boundary-inside-token"), ("e-averly", "entity-overlap")]
    assert report.written == {"entity mentions": 4, "figures": 4, "claims": 3}


# -- brat -------------------------------------------------------------------------------------


def test_brat_round_trip_gives_back_every_set_of_the_harbour(harbour: Corpus, tmp_path: Path):
    original = {s.set_id: s for s in harbour.load_annotations("harbour").sets}
    assert original
    for set_id, aset in original.items():
        out = tmp_path / f"brat-{set_id}"
        report = export_corpus(harbour, "brat", out, set_id=set_id)
        assert report.losses == [] and report.articles == ["harbour"]
        assert (out / "harbour.txt").read_bytes() == HARBOUR.encode("utf-8")
        [document] = brat_to_sets(out)
        assert document.article_id == "harbour" and document.text == HARBOUR
        assert document.aset == aset


def test_brat_lines_use_code_points_of_the_exact_text(harbour: Corpus, tmp_path: Path):
    export_corpus(harbour, "brat", tmp_path / "brat")
    text = (tmp_path / "brat" / "harbour.txt").read_bytes().decode("utf-8")
    lines = (tmp_path / "brat" / "harbour.ann").read_text(encoding="utf-8").split("\n")
    bounds = [line.split("\t") for line in lines if line.startswith("T")]
    assert bounds
    for _, label_offsets, shown in bounds:
        _, start, end = label_offsets.split(" ")
        assert text[int(start) : int(end)].replace("\r", " ").replace("\n", " ") == shown
    assert "T3\tORG " in "\n".join(lines) and any("Claim" in b[1] and "Port Averly.  The Averly" == b[2] for b in bounds)
    assert any(line.startswith("A") and line.endswith(" at_least") for line in lines)
    assert any(line.startswith("R") and "\tCarriedBy " in line for line in lines)


def test_brat_round_trip_of_every_set_of_the_repository_corpus(tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    sets = [s for path in corpus.annotation_paths() for s in corpus.load_annotations(path.stem).sets]
    assert sets
    for aset in sets:
        out = tmp_path / f"brat-{aset.set_id}"
        assert export_corpus(corpus, "brat", out, set_id=aset.set_id).losses == []
        assert [d.aset for d in brat_to_sets(out)] == [aset]


def test_brat_files_made_in_brat_read_with_a_set_id(tmp_path: Path):
    (tmp_path / "doc.txt").write_bytes(b"Ada Obi met\r\nKel Ng.")
    (tmp_path / "doc.ann").write_bytes(
        b"T1\tPERSON 0 7\tAda Obi\nT2\tPERSON 13 19\tKel Ng\nT3\tClaim 0 11\tAda Obi met\nA1\tMode T3 unattributed\n"
    )
    with pytest.raises(ConversionError) as raised:
        brat_to_sets(tmp_path)
    assert [p.error_id for p in raised.value.problems] == ["brat-set-unnamed"]
    [document] = brat_to_sets(tmp_path, set_id="pass-x")
    assert [(e.id, e.text) for e in document.aset.entities] == [("e0-T1", "Ada Obi"), ("e13-T2", "Kel Ng")]
    assert document.aset.claims[0].mode.value == "unattributed" and document.aset.set_id == "pass-x"


def test_brat_span_text_with_a_tab_reads_back(tmp_path: Path):
    (tmp_path / "doc.txt").write_bytes(b"Ada\tObi met Kel.")
    (tmp_path / "doc.ann").write_bytes(b"T1\tPERSON 0 7\tAda\tObi\n")
    [document] = brat_to_sets(tmp_path, set_id="pass-x")
    assert [(e.start, e.end, e.text) for e in document.aset.entities] == [(0, 7, "Ada\tObi")]


def test_a_broken_brat_sidecar_is_reported(harbour: Corpus, tmp_path: Path):
    out = tmp_path / "brat"
    export_corpus(harbour, "brat", out)
    (out / "harbour.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConversionError) as raised:
        brat_to_sets(out)
    assert [p.error_id for p in raised.value.problems] == ["brat-sidecar-invalid"]


@pytest.mark.parametrize(
    "line, error_id",
    [
        ("T999\tPERSON 0 3\tZoe", "brat-text-mismatch"),
        ("T999\tPERSON 0 99999\tZoe", "brat-span-invalid"),
        ("T999\tCue 6 11\tZoe\u0308 ", "brat-part-orphan"),
        ("T1\tPERSON 6 16\tZoe\u0308 Okafor", "brat-id-duplicate"),
        ("E1\tClaim:T3", "brat-unsupported"),
        ("#9\tAnnotatorNotes T1\tnot json", "brat-line-invalid"),
    ],
    ids=["text-mismatch", "out-of-range", "orphan-part", "duplicate-id", "event", "note-not-json"],
)
def test_brat_problems_are_reported_not_dropped(harbour: Corpus, tmp_path: Path, line: str, error_id: str):
    out = tmp_path / "brat"
    export_corpus(harbour, "brat", out)
    ann = out / "harbour.ann"
    ann.write_text(ann.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    with pytest.raises(ConversionError) as raised:
        brat_to_sets(out)
    assert [p.error_id for p in raised.value.problems] == [error_id]
    assert raised.value.problems[0].file == str(ann)


def test_brat_export_never_writes_into_a_folder_with_files(harbour: Corpus, tmp_path: Path):
    out = tmp_path / "brat"
    out.mkdir()
    (out / "mine.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(NewsclaimsError, match="export-target-exists"):
        export_corpus(harbour, "brat", out)
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brat", "corpus"]


def test_summary_lines_on_the_repository_corpus(tmp_path: Path):
    corpus = Corpus(REPO / "corpus")
    lines = {fmt: export_corpus(corpus, fmt, tmp_path / f"out-{fmt}").summary("r.json") for fmt in ("conll", "spacy", "brat")}
    assert lines["conll"].startswith("conll: 1 article, ") and "figures and " in lines["conll"]
    assert lines["brat"].endswith("; nothing lost")
