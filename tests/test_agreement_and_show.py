from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA, REPO, load_case
from corpus_cases import build_case_corpus
from newsclaims.agreement import agreement, match_overlapping
from newsclaims.cli import main
from newsclaims.model import AnnotationSet
from newsclaims.show import render_html, render_text
from newsclaims.store import Corpus
from newsclaims.vocab import Approximation, ClaimMode, EntityType

SEED = "000_6d2a1ba5d47be7a6"


@pytest.fixture
def minimal(tmp_path: Path) -> tuple[Corpus, AnnotationSet]:
    corpus = build_case_corpus(load_case(DATA / "valid" / "minimal.json"), tmp_path / "corpus")
    return corpus, corpus.load_annotations("a").gold()


def test_identical_sets_agree_fully(minimal):
    _, gold = minimal
    report = agreement([(gold, gold)], "x", "y")
    for counts in report.layers.values():
        assert counts.exact_f1 in (1.0, None) and counts.overlap_f1 in (1.0, None)
    assert all(c.rate == 1.0 for c in report.attributes.values())


def test_shifted_span_counts_as_overlap_not_exact_and_label_change_as_neither(minimal):
    _, gold = minimal
    other = gold.model_copy(deep=True)
    other.entities[0].end = 5
    other.entities[0].text = "Lavro"
    other.entities[1].type = EntityType.LOC
    report = agreement([(gold, other)], "gold", "other")
    entities = report.layers["entities"]
    assert (entities.a, entities.b, entities.exact, entities.overlap) == (2, 2, 0, 1)
    assert entities.exact_f1 == 0.0 and entities.overlap_f1 == 0.5
    assert report.labels["entities"]["GPE"].b == 0 and report.labels["entities"]["LOC"].a == 0
    assert report.attributes["entity type"].agreed == 1 and report.attributes["entity type"].compared == 2


def test_figure_value_and_approximation_disagreement_is_counted(minimal):
    _, gold = minimal
    other = gold.model_copy(deep=True)
    other.figures[0].approximation = Approximation.ABOUT
    other.figures[0].value = 501.0
    report = agreement([(gold, other)], "gold", "other")
    assert report.layers["figures"].exact_f1 == 1.0
    assert (report.attributes["figure approximation"].agreed, report.attributes["figure approximation"].compared) == (1, 2)
    assert report.attributes["figure value (value, low, high)"].agreed == 1


def test_claim_mode_and_source_disagreement(minimal):
    _, gold = minimal
    other = gold.model_copy(deep=True)
    other.claims[0].mode = ClaimMode.DIRECT_QUOTE
    other.claims[0].source_entity_id = None
    report = agreement([(gold, other)], "gold", "other")
    assert report.layers["claim content"].exact == 0 and report.layers["claim content"].overlap == 0
    assert report.attributes["claim mode"].rate == 0.0
    assert report.attributes["claim source"].rate == 0.0
    assert report.attributes["claim cue"].rate == 1.0


def test_overlap_matching_is_one_to_one():
    pairs = match_overlapping([(0, 10, "x"), (2, 4, "x")], [(1, 9, "x")])
    assert pairs == [(0, 0)]


def test_agreement_command_on_the_corpus(capsys):
    assert main(["--corpus", str(REPO / "corpus"), "agreement", "pass-a", "pass-b"]) == 0
    out = capsys.readouterr().out
    assert "agreement pass-a vs pass-b over 1 article(s)" in out and "claim content" in out
    assert main(["--corpus", str(REPO / "corpus"), "agreement", "pass-a", "nobody"]) == 1


def test_show_marks_entities_figures_and_claims(capsys):
    assert main(["--corpus", str(REPO / "corpus"), "show", SEED]) == 0
    out = capsys.readouterr().out
    assert "[Sergei Lavrov]PERSON" in out
    assert "{at least 500}count" in out
    assert "claim c1800 (indirect): source «emergency service», cue «said»" in out


def test_html_escapes_markup_in_the_text(minimal):
    _, gold = minimal
    text = "<b>Lavrov</b> & Co said 500 people left Kyiv on Feb 24."
    page = render_html(text, gold.model_copy(update={"entities": [], "claims": [], "figures": []}), "t <x>")
    assert "<b>Lavrov" not in page and "&lt;b&gt;Lavrov&lt;/b&gt; &amp; Co" in page
    assert "<title>t &lt;x&gt;</title>" in page


def test_show_html_writes_a_page(tmp_path: Path, capsys):
    page = tmp_path / "page.html"
    assert main(["--corpus", str(REPO / "corpus"), "show", SEED, "--html", str(page)]) == 0
    assert 'class="fig"' in page.read_text(encoding="utf-8")


def test_render_text_covers_every_line(minimal):
    corpus, gold = minimal
    text = corpus.read_text(corpus.latest("a"))
    assert render_text(text, gold).count("claim c1") == 1
