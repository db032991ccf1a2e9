"""Scoring a prediction set against a reference: spans per layer, checks on matched items, targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsclaims.errors import AnnotationError
from newsclaims.model import AnnotationFile, AnnotationSet
from newsclaims.store import Corpus, sha256_hex
from newsclaims.suggest import evaluation as ev

TEXT = (
    "Mayor Ines Dahl said on Monday that 40 homes in Brisk were flooded. "
    "About 300 people left the town, the police reported. "
    "The river rose by 2 metres."
)
SHA = sha256_hex(TEXT.encode("utf-8"))


def span(start: int, end: int, **extra) -> dict:
    return {"start": start, "end": end, "text": TEXT[start:end], **extra}


def at(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


def entity(phrase: str, kind: str, start_shift: int = 0) -> dict:
    start, end = at(phrase)
    return span(start + start_shift, end, id=f"e{start + start_shift}", type=kind)


def figure(phrase: str, kind: str, approximation: str = "exact", **values) -> dict:
    start, end = at(phrase)
    return span(start, end, id=f"f{start}", kind=kind, approximation=approximation, **values)


def claim(cid: str, mode: str, content: str, cue: str | None = None, source: str | None = None) -> dict:
    return {
        "id": cid,
        "mode": mode,
        "content": [span(*at(content))],
        "cue": span(*at(cue)) if cue else None,
        "source": span(*at(source)) if source else None,
    }


def aset(set_id: str, kind: str, entities: list, figures: list, claims: list) -> AnnotationSet:
    return AnnotationSet.model_validate(
        {"set_id": set_id, "kind": kind, "article_sha256": SHA, "entities": entities, "figures": figures, "claims": claims}
    )


def reference() -> AnnotationSet:
    return aset(
        "first",
        "gold",
        [entity("Ines Dahl", "PERSON"), entity("Brisk", "GPE")],
        [
            figure("Monday", "date", date_value="2024-03-11", date_inferred=["year", "month", "day"]),
            figure("40", "count", value=40.0),
            figure("About 300", "count", "about", value=300.0),
            figure("2 metres", "measure", value=2.0, unit="m"),
        ],
        [
            claim("c1", "indirect", "40 homes in Brisk were flooded", "said", "Mayor Ines Dahl"),
            claim("c2", "indirect", "About 300 people left the town", "reported", "the police"),
            claim("c3", "unattributed", "The river rose by 2 metres"),
        ],
    )


def prediction() -> AnnotationSet:
    """Against the reference: one entity cut short, one typed wrong, one extra; one figure
    missed, one with the wrong approximation, the date with the wrong day; one claim with its
    source cut short, one claim missed."""
    return aset(
        "suggest",
        "prediction",
        [entity("Ines Dahl", "PERSON", start_shift=1), entity("Brisk", "ORG"), entity("Mayor", "PERSON")],
        [
            figure("Monday", "date", date_value="2024-03-04", date_inferred=["year", "month", "day"]),
            figure("40", "count", value=40.0),
            figure("About 300", "count", "exact", value=300.0),
        ],
        [
            claim("c1", "indirect", "40 homes in Brisk were flooded", "said", "Ines Dahl"),
            claim("c2", "indirect", "About 300 people left the town", "reported", "the police"),
        ],
    )


def test_scores_of_a_hand_made_prediction():
    scores = ev.score_sets([(prediction(), reference())])
    assert scores.articles == 1

    entities = scores.layer("entities")
    assert (entities.counts.a, entities.counts.b, entities.counts.exact, entities.counts.overlap) == (3, 2, 1, 2)
    assert entities.exact_precision == pytest.approx(1 / 3)
    assert entities.exact_recall == pytest.approx(1 / 2)
    assert entities.exact_f1 == pytest.approx(0.4)
    assert entities.overlap_f1 == pytest.approx(0.8)
    assert entities.labelled_exact == 0, "the exact span Brisk has the wrong type"
    assert scores.checks[ev.ENTITY_TYPE].to_dict() == {"compared": 2, "agreed": 1, "rate": 0.5}

    figures = scores.layer("figures")
    assert (figures.counts.a, figures.counts.b, figures.counts.exact) == (3, 4, 3)
    assert figures.exact_recall == pytest.approx(0.75)
    assert figures.exact_precision == 1.0
    assert (scores.checks[ev.FIGURE_VALUE].compared, scores.checks[ev.FIGURE_VALUE].agreed) == (2, 1)
    assert (scores.checks[ev.DATE_VALUE].compared, scores.checks[ev.DATE_VALUE].agreed) == (1, 0)
    assert (scores.checks[ev.DATE_VALUE_OF_ALL].compared, scores.checks[ev.DATE_VALUE_OF_ALL].agreed) == (1, 0)

    assert scores.layer("claim content").counts.exact == 2
    assert scores.layer("claim content").exact_recall == pytest.approx(2 / 3)
    assert scores.layer("claim source").counts.exact == 1
    assert scores.layer("claim source").counts.overlap == 2
    assert scores.layer("claim cue").exact_f1 == 1.0
    assert (scores.checks[ev.CLAIM_SOURCE_CUE].compared, scores.checks[ev.CLAIM_SOURCE_CUE].agreed) == (2, 1)
    assert (scores.checks[ev.CLAIM_SOURCE].agreed, scores.checks[ev.CLAIM_CUE].agreed) == (1, 2)
    assert (scores.checks[ev.CLAIM_SOURCE_CUE_OF_ALL].compared, scores.checks[ev.CLAIM_SOURCE_CUE_OF_ALL].agreed) == (2, 1)
    assert scores.checks[ev.CLAIM_MODE].compared == 2


def test_a_missed_item_counts_against_the_of_all_checks_only():
    predicted = prediction().model_copy(update={"claims": prediction().claims[1:], "figures": prediction().figures[1:]})
    scores = ev.score_sets([(predicted, reference())])
    assert scores.checks[ev.CLAIM_SOURCE_CUE].to_dict()["rate"] == 1.0
    assert scores.checks[ev.CLAIM_SOURCE_CUE_OF_ALL].to_dict() == {"compared": 2, "agreed": 1, "rate": 0.5}
    assert scores.checks[ev.DATE_VALUE].compared == 0
    assert scores.checks[ev.DATE_VALUE_OF_ALL].to_dict() == {"compared": 1, "agreed": 0, "rate": 0.0}


def test_the_reference_against_itself_is_perfect_and_passes_every_target():
    scores = ev.score_sets([(reference(), reference())])
    for layer in ev.LAYERS:
        assert scores.layer(layer).exact_f1 in (1.0, None)
    assert scores.layer("entities").exact_f1 == 1.0
    rated = [name for name in ev.CHECKS if scores.checks[name].compared]
    assert rated, "no check was measured"
    assert all(scores.rate(name) == 1.0 for name in rated)
    results = ev.check_targets(scores)
    assert len(results) == len(ev.QUALITY_TARGETS) and all(passed for _, _, passed in results)


def test_the_hand_made_prediction_fails_the_targets_it_misses():
    results = {target.name: (value, passed) for target, value, passed in ev.check_targets(ev.score_sets([(prediction(), reference())]))}
    assert results["entities exact F1"] == (pytest.approx(0.4), False)
    assert results["figures exact span recall"] == (pytest.approx(0.75), False)
    assert results["claim source and cue right, of attributed claims"] == (pytest.approx(0.5), False)


def test_values_compare_as_numbers_with_their_approximation():
    ref = reference().figures[2]
    assert ev.same_value(ref.model_copy(update={"value": 300.0000000000001}), ref)
    assert not ev.same_value(ref.model_copy(update={"value": 301.0}), ref)
    assert not ev.same_value(ref.model_copy(update={"value": None, "value_low": 300.0}), ref)


def test_claims_match_by_the_overlap_of_their_content_pieces():
    ref = reference().claims
    shifted = [c.model_copy(update={"content": [c.content[0].model_copy(update={"start": c.content[0].start + 3, "text": TEXT[c.content[0].start + 3:c.content[0].end]})]}) for c in ref]
    assert sorted(ev.match_claims(shifted, ref)) == [(0, 0), (1, 1), (2, 2)]
    assert ev.match_claims(ref[:1], ref[1:]) == []


def test_sets_of_two_revisions_are_refused():
    other = prediction().model_copy(update={"article_sha256": "0" * 64})
    with pytest.raises(AnnotationError, match=r"evaluation-revision-mismatch"):
        ev.score_sets([(other, reference())])


def test_score_corpus_names_an_article_without_the_set(tmp_path: Path):
    corpus = Corpus(tmp_path / "corpus")
    corpus.add(TEXT.encode("utf-8"), "flood", published="2024-03-12")
    corpus.save_annotations(AnnotationFile(schema_version="1.0.0", article_id="flood", sets=[reference(), prediction()]))
    scores = ev.score_corpus(corpus, "suggest", "first")
    assert scores.articles == 1 and scores.layer("entities").counts.a == 3
    with pytest.raises(AnnotationError, match=r"article=flood \[evaluation-set-missing\] expected a set 'second'"):
        ev.score_corpus(corpus, "second", "first")


def test_the_table_names_every_layer_and_check():
    table = ev.format_scores(ev.score_sets([(prediction(), reference())]), ev.score_sets([(reference(), reference())]))
    for name in (*ev.LAYERS, *ev.CHECKS):
        assert name in table
    assert " 40.0 " in table and "100.0" in table
