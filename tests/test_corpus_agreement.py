from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsclaims.cli import main
from newsclaims.corpus_agreement import corpus_agreement, krippendorff_alpha_nominal, pooled_agreement
from newsclaims.hf.card import stats_block
from newsclaims.model import SCHEMA_VERSION, AnnotationFile, AnnotationSet, Entity, Figure, LabelStudioOrigin
from newsclaims.store import Corpus
from newsclaims.vocab import Approximation, EntityType, FigureKind, SetKind

TEXTS = {
    "harbour": "Mara Voss told the Lindell council on Monday that 40 bridges near Ostrava need repairs.",
    "orchard": "Teodor Brant said Pellworth Farms lost about 300 apple trees in the March frost.",
    "tram": "The Kessel transit board under Ilse Marr expects 12 new trams by 2031, a spokesman said.",
}


def entity(text: str, words: str, type_: EntityType, id_: str | None = None) -> Entity:
    start = text.index(words)
    return Entity(id=id_ or f"e{start}", start=start, end=start + len(words), text=words, type=type_)


def figure(text: str, words: str, kind: FigureKind, approximation: Approximation = Approximation.EXACT) -> Figure:
    start = text.index(words)
    return Figure(id=f"f{start}", start=start, end=start + len(words), text=words, kind=kind, approximation=approximation)


def a_set(set_id: str, sha: str, entities=(), figures=(), kind: SetKind = SetKind.ANNOTATION, **extra) -> AnnotationSet:
    return AnnotationSet(set_id=set_id, kind=kind, annotator=f"who-{set_id}", article_sha256=sha, entities=list(entities), figures=list(figures), **extra)


def passes_by_article(corpus: Corpus) -> dict[str, list[AnnotationSet]]:
    """Two or three independent passes per article, disagreeing in known places."""
    sha = {article_id: corpus.latest(article_id).text_sha256 for article_id in TEXTS}
    h, o, t = TEXTS["harbour"], TEXTS["orchard"], TEXTS["tram"]
    return {
        "harbour": [
            a_set("p1", sha["harbour"], [entity(h, "Mara Voss", EntityType.PERSON), entity(h, "Lindell council", EntityType.ORG), entity(h, "Ostrava", EntityType.GPE)],
                  [figure(h, "40", FigureKind.COUNT), figure(h, "Monday", FigureKind.DATE)]),
            a_set("p2", sha["harbour"], [entity(h, "Mara Voss", EntityType.PERSON), entity(h, "Lindell", EntityType.GPE), entity(h, "Ostrava", EntityType.GPE)],
                  [figure(h, "40", FigureKind.COUNT)]),
        ],
        "orchard": [
            a_set("ls-7-a1", sha["orchard"], [entity(o, "Teodor Brant", EntityType.PERSON), entity(o, "Pellworth Farms", EntityType.ORG)],
                  [figure(o, "about 300", FigureKind.COUNT, Approximation.ABOUT), figure(o, "March", FigureKind.DATE)]),
            a_set("ls-7-a2", sha["orchard"], [entity(o, "Teodor Brant", EntityType.PERSON), entity(o, "Pellworth Farms", EntityType.ORG)],
                  [figure(o, "300", FigureKind.COUNT), figure(o, "March", FigureKind.DATE)]),
            a_set("ls-7-a3", sha["orchard"], [entity(o, "Teodor Brant", EntityType.PERSON), entity(o, "Pellworth", EntityType.ORG)],
                  [figure(o, "about 300", FigureKind.COUNT, Approximation.ABOUT)]),
        ],
        "tram": [
            a_set("p1", sha["tram"], [entity(t, "Kessel transit board", EntityType.ORG), entity(t, "Ilse Marr", EntityType.PERSON)],
                  [figure(t, "12", FigureKind.COUNT), figure(t, "2031", FigureKind.DATE)]),
            a_set("p2", sha["tram"], [entity(t, "Kessel", EntityType.GPE), entity(t, "Ilse Marr", EntityType.PERSON)],
                  [figure(t, "12", FigureKind.COUNT), figure(t, "2031", FigureKind.DATE)]),
        ],
    }


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    corpus = Corpus(tmp_path / "corpus")
    for article_id, text in TEXTS.items():
        corpus.add(text.encode("utf-8"), article_id)
    return corpus


def save(corpus: Corpus, sets: dict[str, list[AnnotationSet]]) -> None:
    corpus.save_annotation_files([AnnotationFile(schema_version=SCHEMA_VERSION, article_id=a, sets=s) for a, s in sets.items()])


def test_alpha_of_the_two_coder_binary_textbook_example():
    # Two coders, ten units: 0,1,0,0,0,0,0,0,1,0 against 1,1,1,0,0,1,0,0,0,0.
    # Coincidences: o00 = 10, o11 = 2, o01 = o10 = 4; n0 = 14, n1 = 6, n = 20.
    # alpha = 1 - (n - 1) * (o01 + o10) / (2 * n0 * n1) = 1 - 19 * 8 / 168 = 1 - 152/168.
    first = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    second = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha_nominal(zip(first, second, strict=True)) == pytest.approx(1 - 152 / 168)
    assert round(krippendorff_alpha_nominal(zip(first, second, strict=True)), 3) == 0.095


def test_alpha_of_a_three_value_example_computed_by_hand():
    # (a,a) (a,b) (b,b) (c,c) (c,a): n_a = 4, n_b = 3, n_c = 3, n = 10; 4 disagreeing coincidences;
    # sum over c != k of n_c n_k = 100 - (16 + 9 + 9) = 66; alpha = 1 - 9 * 4 / 66 = 5/11.
    pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("c", "c"), ("c", "a")]
    assert krippendorff_alpha_nominal(pairs) == pytest.approx(5 / 11)


def test_alpha_is_undefined_without_variation_and_one_with_perfect_agreement():
    assert krippendorff_alpha_nominal([]) is None
    assert krippendorff_alpha_nominal([("x", "x"), ("x", "x")]) is None
    assert krippendorff_alpha_nominal([("x", "x"), ("y", "y")]) == 1.0


def test_pooled_f1_counts_every_pair_of_every_article(corpus: Corpus):
    groups = passes_by_article(corpus)
    report = pooled_agreement(groups.items())
    assert (report.articles, report.pairs) == (3, 1 + 3 + 1)
    entities = report.layers["entities"].counts
    # Spans match only with the same label. harbour: 3 vs 3, 2 exact, 2 overlapping; orchard: three pairs of
    # 2 vs 2, with 2, 1, 1 exact and 2 overlapping each; tram: 2 vs 2, 1 exact, 1 overlapping.
    assert (entities.a + entities.b, entities.exact, entities.overlap) == (6 + 12 + 4, 2 + 4 + 1, 2 + 6 + 1)
    assert entities.exact_f1 == pytest.approx(2 * 7 / 22)
    # Attributes compare items matched whatever their label: 3, 2 per orchard pair, and 2.
    assert report.attributes["entity type"].compared == 3 + 6 + 2
    assert report.attributes["entity type"].agreed == 2 + 6 + 1


def test_an_article_with_one_pass_adds_nothing(corpus: Corpus):
    groups = passes_by_article(corpus)
    alone = {**groups, "tram": groups["tram"][:1]}
    report = pooled_agreement(alone.items())
    assert (report.articles, report.pairs) == (2, 4)
    assert report.article_ids == ["harbour", "orchard"]


def test_intervals_hold_the_pooled_f1_and_are_reproducible(corpus: Corpus):
    groups = passes_by_article(corpus)
    first, second = pooled_agreement(groups.items()), pooled_agreement(groups.items())
    assert first.to_dict() == second.to_dict()
    checked = 0
    for layer in first.layers.values():
        for f1, interval in ((layer.counts.exact_f1, layer.exact_interval), (layer.counts.overlap_f1, layer.overlap_interval)):
            if f1 is None:
                continue
            assert interval is not None
            assert 0 <= interval[0] <= f1 <= interval[1] <= 1
            checked += 1
    assert checked >= 4
    entities = first.layers["entities"]
    assert entities.exact_interval[0] < entities.exact_interval[1], "articles that disagree differently give a real interval"


def test_a_single_article_gives_no_interval(corpus: Corpus):
    report = pooled_agreement([("tram", passes_by_article(corpus)["tram"])])
    assert report.layers["entities"].counts.exact_f1 == 0.5
    assert report.layers["entities"].exact_interval is None


def test_gold_copies_derived_sets_predictions_drafts_and_skips_change_nothing(corpus: Corpus):
    groups = passes_by_article(corpus)
    save(corpus, groups)
    before = corpus_agreement(corpus).to_dict()
    assert before["pairs"] == 5
    sha = corpus.latest("harbour").text_sha256
    copy = groups["harbour"][0]
    extras = [
        copy.model_copy(update={"set_id": "gold", "kind": SetKind.GOLD}),
        copy.model_copy(update={"set_id": "cand", "kind": SetKind.CANDIDATE, "derived_from": ["p1", "p2"]}),
        copy.model_copy(update={"set_id": "ls-3-a9", "label_studio": LabelStudioOrigin(task_id=3, annotation_id=9, ground_truth=True)}),
        copy.model_copy(update={"set_id": "ls-3-a10", "label_studio": LabelStudioOrigin(task_id=3, annotation_id=10, was_cancelled=True)}),
        copy.model_copy(update={"set_id": "fix", "derived_from": ["p1"]}),
        copy.model_copy(update={"set_id": "ls-3-p1", "kind": SetKind.PREDICTION}),
        copy.model_copy(update={"set_id": "ls-3-d1", "kind": SetKind.DRAFT}),
    ]
    assert all(e.article_sha256 == sha for e in extras)
    save(corpus, {**groups, "harbour": groups["harbour"] + extras})
    assert corpus_agreement(corpus).to_dict() == before


def test_passes_of_an_older_revision_are_not_compared(corpus: Corpus):
    groups = passes_by_article(corpus)
    save(corpus, groups)
    corpus.add((TEXTS["tram"] + " Service starts in spring.").encode("utf-8"), "tram")
    report = corpus_agreement(corpus)
    assert (report.articles, report.pairs, report.article_ids) == (2, 4, ["harbour", "orchard"])


def test_card_block_without_pairs_says_so(corpus: Corpus):
    save(corpus, {"harbour": passes_by_article(corpus)["harbour"][:1]})
    block = stats_block(corpus, "9.9.9")
    assert block.rstrip().endswith("No article has two independent annotation passes yet.")
    assert "| layer |" not in block


def test_card_block_with_pairs_has_intervals_and_never_names_sets(corpus: Corpus):
    groups = passes_by_article(corpus)
    gold = groups["harbour"][0].model_copy(update={"set_id": "gold", "kind": SetKind.GOLD})
    save(corpus, {**groups, "harbour": groups["harbour"] + [gold]})
    block = stats_block(corpus, "9.9.9")
    assert "over 3 article(s) with two or more independent passes (5 pair(s)" in block
    assert "| layer | spans (both sides) | exact F1 % | exact F1 95 % interval | overlap F1 % | overlap F1 95 % interval |" in block
    assert "Krippendorff's alpha (nominal)" in block
    assert "`p1`" not in block and "gold`" not in block and "No article has" not in block
    entities_row = next(line for line in block.splitlines() if line.startswith("| entities |"))
    assert entities_row.split(" | ")[2] == f"{100 * 2 * 7 / 22:.1f}"


def test_agreement_command_without_set_ids(corpus: Corpus, capsys):
    save(corpus, passes_by_article(corpus))
    assert main(["--corpus", str(corpus.root), "agreement"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("agreement of independent passes over 3 article(s) with two or more (5 pair(s))")
    assert "entity type" in out and "alpha" in out
    assert main(["--corpus", str(corpus.root), "agreement", "--format", "json", "--article", "harbour", "--article", "tram"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["articles"], data["pairs"], data["article_ids"]) == (2, 2, ["harbour", "tram"])
    assert set(data["layers"]) == {"entities", "figures", "claim content", "claim cue", "claim source"}
    assert data["interval"]["resamples"] == 1000 and data["layers"]["entities"]["exact_f1_interval"] is not None
    assert main(["--corpus", str(corpus.root), "agreement", "p1"]) == 1
    assert "expected two set ids or none" in capsys.readouterr().err


def test_agreement_command_with_no_pairs(corpus: Corpus, capsys):
    assert main(["--corpus", str(corpus.root), "agreement"]) == 0
    assert capsys.readouterr().out.strip() == "No article has two independent annotation passes yet."


def test_resampling_in_small_steps_gives_the_same_intervals(corpus: Corpus, monkeypatch):
    groups = passes_by_article(corpus)
    whole = pooled_agreement(groups.items()).to_dict()
    monkeypatch.setattr("newsclaims.corpus_agreement.CHUNK_CELLS", 1)
    assert pooled_agreement(groups.items()).to_dict() == whole
