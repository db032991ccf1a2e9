from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO
from newsclaims.adjudicate import Status, adjudicate
from newsclaims.adjudication_page import render_adjudication_page
from newsclaims.cli import main
from newsclaims.errors import AdjudicationError
from newsclaims.model import SCHEMA_VERSION, AnnotationFile, AnnotationSet, Claim, ClaimSpan, Entity, Figure
from newsclaims.pass_comparison import PassIndex, compare_passes, parse_rule
from newsclaims.store import Corpus
from newsclaims.validate import ERROR, validate_corpus
from newsclaims.vocab import Approximation, ClaimMode, EntityType, FigureKind, SetKind

TEXT = (
    "Mayor Ana Ruiz said 40 families left Lumeville on Monday.\n"
    "The river authority warned that the <dam> & its gates could fail within two weeks."
)
ARTICLE = "flood"


def _at(phrase: str) -> tuple[int, int]:
    start = TEXT.index(phrase)
    return start, start + len(phrase)


def entity(phrase: str, id_: str, type_: EntityType) -> Entity:
    start, end = _at(phrase)
    return Entity(id=id_, start=start, end=end, text=phrase, type=type_)


def part(phrase: str) -> ClaimSpan:
    start, end = _at(phrase)
    return ClaimSpan(start=start, end=end, text=phrase)


def claim(id_: str, content: str, cue: str, source: str, source_entity_id: str | None, mode=ClaimMode.INDIRECT) -> Claim:
    return Claim(id=id_, mode=mode, content=[part(content)], cue=part(cue), source=part(source), source_entity_id=source_entity_id)


def count(phrase: str, id_: str, value: float, claim_id: str | None, counted: str = "families who left") -> Figure:
    start, end = _at(phrase)
    return Figure(id=id_, start=start, end=end, text=phrase, kind=FigureKind.COUNT, approximation=Approximation.EXACT, value=value, counted=counted, claim_id=claim_id)


def duration(id_: str, claim_id: str | None) -> Figure:
    start, end = _at("two weeks")
    return Figure(id=id_, start=start, end=end, text="two weeks", kind=FigureKind.DURATION, approximation=Approximation.EXACT, date_value="P2W", claim_id=claim_id)


def a_pass(corpus: Corpus, set_id: str, prefix: str = "", **changes) -> AnnotationSet:
    """One annotator's pass; ``prefix`` gives its items other ids, as separate passes have."""
    p = prefix
    items = {
        "entities": [
            entity("Ana Ruiz", f"{p}e1", EntityType.PERSON),
            entity("Lumeville", f"{p}e2", EntityType.GPE),
            entity("river authority", f"{p}e3", EntityType.ORG),
        ],
        "claims": [
            claim(f"{p}c1", "40 families left Lumeville on Monday", "said", "Ana Ruiz", f"{p}e1"),
            claim(f"{p}c2", "the <dam> & its gates could fail within two weeks", "warned", "The river authority", f"{p}e3"),
        ],
        "figures": [count("40", f"{p}f1", 40.0, f"{p}c1"), duration(f"{p}f2", f"{p}c2")],
    }
    items.update(changes)
    sha = corpus.latest(ARTICLE).text_sha256
    return AnnotationSet(set_id=set_id, kind=SetKind.ANNOTATION, annotator=f"annotator-{set_id}", tool="manual JSON", article_sha256=sha, **items)


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    corpus = Corpus(tmp_path / "corpus")
    corpus.add(TEXT.encode("utf-8"), ARTICLE)
    return corpus


def save(corpus: Corpus, *sets: AnnotationSet) -> Path:
    return corpus.save_annotations(AnnotationFile(schema_version=SCHEMA_VERSION, article_id=ARTICLE, sets=list(sets)))


def sets_of(corpus: Corpus) -> dict[str, AnnotationSet]:
    return {s.set_id: s for s in corpus.load_annotations(ARTICLE).sets}


def no_errors(corpus: Corpus) -> bool:
    return not [p for p in validate_corpus(corpus) if p.level == ERROR]


def run(corpus: Corpus, *args: str) -> int:
    return main(["--corpus", str(corpus.root), "adjudicate", *args])


def test_agreeing_passes_make_gold_derived_from_them_with_the_first_pass_ids(corpus, capsys):
    save(corpus, a_pass(corpus, "pass-a"), a_pass(corpus, "pass-b", prefix="b"))
    assert run(corpus, ARTICLE) == 0
    out = capsys.readouterr().out
    assert f"article={ARTICLE}: gold: from pass-a, pass-b; agreed 3 entity, 2 claim, 2 figure; 0 conflict(s)" in out
    assert out.rstrip().splitlines()[-1] == "next: 'newsclaims build' to release the new gold"
    gold = sets_of(corpus)["gold"]
    assert gold.kind is SetKind.GOLD and gold.derived_from == ["pass-a", "pass-b"]
    assert gold.annotator == "newsclaims adjudicate" and gold.tool == "newsclaims adjudicate"
    assert gold.created_at == gold.updated_at and gold.created_at.endswith("Z")
    assert [e.id for e in gold.entities] == ["e1", "e2", "e3"]
    assert [(c.id, c.source_entity_id) for c in gold.claims] == [("c1", "e1"), ("c2", "e3")]
    assert [(f.id, f.claim_id) for f in gold.figures] == [("f1", "c1"), ("f2", "c2")]
    assert list(sets_of(corpus)) == ["gold", "pass-a", "pass-b"]
    assert no_errors(corpus)


def test_conflicts_make_a_candidate_and_the_report_lists_each_pass_version(corpus, tmp_path, capsys):
    b_entities = [
        entity("Ana Ruiz", "be1", EntityType.PERSON),
        entity("Lumeville", "be2", EntityType.LOC),
        entity("river authority", "be3", EntityType.ORG),
    ]
    b_figures = [count("40", "bf1", 40.0, "bc1"), duration("bf2", "bc2"), count("two", "bf3", 2.0, None, counted="weeks")]
    save(corpus, a_pass(corpus, "pass-a"), a_pass(corpus, "pass-b", prefix="b", entities=b_entities, figures=b_figures))
    report_path = tmp_path / "report.json"
    assert run(corpus, ARTICLE, "--report", str(report_path)) == 0
    out = capsys.readouterr().out
    assert f"article={ARTICLE}: candidate: from pass-a, pass-b; agreed 2 entity, 2 claim, 2 figure; 2 conflict(s); a reviewer resolves them in Label Studio" in out
    assert out.rstrip().splitlines()[-1].startswith("next: 'newsclaims ls push --project P' sends each candidate to a reviewer")
    sets = sets_of(corpus)
    assert "gold" not in sets
    candidate = sets["candidate"]
    assert candidate.kind is SetKind.CANDIDATE and candidate.derived_from == ["pass-a", "pass-b"]
    assert [e.text for e in candidate.entities] == ["Ana Ruiz", "river authority"]
    assert [f.text for f in candidate.figures] == ["40", "two weeks"]

    report = json.loads(report_path.read_text(encoding="utf-8"))["articles"][0]
    assert report["output"] == {"set_id": "candidate", "kind": "candidate"}
    assert report["agreed"] == {"entity": 2, "claim": 2, "figure": 2}
    conflicts = report["conflicts"]
    assert [(c["layer"], c["text"]) for c in conflicts] == [("entity", "Lumeville"), ("figure", "two")]
    lumeville = conflicts[0]
    assert lumeville["span"] == [list(_at("Lumeville"))]
    assert lumeville["versions"]["pass-a"][0]["type"] == "GPE" and lumeville["versions"]["pass-b"][0]["type"] == "LOC"
    assert conflicts[1]["versions"]["pass-a"] == "absent" and conflicts[1]["versions"]["pass-b"][0]["value"] == 2.0
    assert report["dropped"] == [] and report["dangling_references"] == []
    assert no_errors(corpus)


def three_passes(corpus: Corpus) -> None:
    """Lumeville: GPE in a and c, LOC in b; the figure 'two' only in b."""
    b_entities = [entity("Ana Ruiz", "be1", EntityType.PERSON), entity("Lumeville", "be2", EntityType.LOC), entity("river authority", "be3", EntityType.ORG)]
    b_figures = [count("40", "bf1", 40.0, "bc1"), duration("bf2", "bc2"), count("two", "f1", 2.0, None, counted="weeks")]
    save(
        corpus,
        a_pass(corpus, "pass-a"),
        a_pass(corpus, "pass-b", prefix="b", entities=b_entities, figures=b_figures),
        a_pass(corpus, "pass-c", prefix="c"),
    )


def test_rule_agreed_keeps_agreed_items_and_reports_every_dropped_version(corpus):
    three_passes(corpus)
    result = adjudicate(corpus, [ARTICLE], rule="agreed")
    article = result.articles[0]
    assert article.status is Status.GOLD and article.rule is not None
    gold = sets_of(corpus)["gold"]
    assert gold.tool == "newsclaims adjudicate --rule agreed" and gold.derived_from == ["pass-a", "pass-b", "pass-c"]
    assert "Lumeville" not in [e.text for e in gold.entities] and "two" not in [f.text for f in gold.figures]
    dropped = sorted((d.layer, d.text, tuple(d.passes)) for d in article.dropped)
    assert dropped == [("entity", "Lumeville", ("pass-a", "pass-c")), ("entity", "Lumeville", ("pass-b",)), ("figure", "two", ("pass-b",))]
    assert all(d.reason == "rule agreed: not in every pass" for d in article.dropped)
    assert no_errors(corpus)


def test_rule_prefer_takes_that_pass_version_and_makes_its_ids_unique(corpus):
    three_passes(corpus)
    article = adjudicate(corpus, [ARTICLE], rule="prefer:pass-b").articles[0]
    gold = sets_of(corpus)["gold"]
    assert gold.tool == "newsclaims adjudicate --rule prefer:pass-b"
    lumeville = next(e for e in gold.entities if e.text == "Lumeville")
    assert (lumeville.id, lumeville.type) == ("be2", EntityType.LOC)
    two = next(f for f in gold.figures if f.text == "two")
    assert two.id == "f1-2", "pass-b's own f1 clashes with pass-a's f1"
    assert [(d.layer, d.passes, d.reason) for d in article.dropped] == [("entity", ["pass-a", "pass-c"], "rule prefer:pass-b: not in pass-b")]
    assert no_errors(corpus)


def test_rule_prefer_drops_what_only_other_passes_have(corpus):
    three_passes(corpus)
    article = adjudicate(corpus, [ARTICLE], rule="prefer:pass-a").articles[0]
    gold = sets_of(corpus)["gold"]
    assert next(e for e in gold.entities if e.text == "Lumeville").type is EntityType.GPE
    assert "two" not in [f.text for f in gold.figures]
    assert sorted((d.layer, d.text) for d in article.dropped) == [("entity", "Lumeville"), ("figure", "two")]


def test_rule_majority_takes_what_more_than_half_of_the_passes_have(corpus):
    three_passes(corpus)
    article = adjudicate(corpus, [ARTICLE], rule="majority").articles[0]
    gold = sets_of(corpus)["gold"]
    lumeville = next(e for e in gold.entities if e.text == "Lumeville")
    assert (lumeville.id, lumeville.type) == ("e2", EntityType.GPE)
    assert "two" not in [f.text for f in gold.figures]
    assert sorted((d.layer, d.text, d.reason) for d in article.dropped) == [
        ("entity", "Lumeville", "rule majority: in 1 of 3 passes"),
        ("figure", "two", "rule majority: in 1 of 3 passes"),
    ]
    assert {c.layer: c.taken_from for c in article.conflicts} == {"entity": ["pass-a"], "figure": []}


def test_references_are_repointed_by_span_and_dangling_ones_reported(corpus, tmp_path):
    b_entities = [entity("Ana Ruiz", "be1", EntityType.PERSON), entity("Lumeville", "be2", EntityType.GPE), entity("river authority", "be3", EntityType.GPE)]
    b_claims = [
        claim("bc1", "40 families left Lumeville on Monday", "said", "Ana Ruiz", "be1"),
        claim("bc2", "the <dam> & its gates could fail within two weeks", "warned", "The river authority", "be3", mode=ClaimMode.MIXED),
    ]
    save(corpus, a_pass(corpus, "pass-a"), a_pass(corpus, "pass-b", prefix="b", entities=b_entities, claims=b_claims))

    article = adjudicate(corpus, [ARTICLE], rule="prefer:pass-b").articles[0]
    gold = sets_of(corpus)["gold"]
    c2 = next(c for c in gold.claims if c.mode is ClaimMode.MIXED)
    assert (c2.id, c2.source_entity_id) == ("bc2", "be3")
    assert next(f for f in gold.figures if f.text == "two weeks").claim_id == "bc2", "f2 comes from pass-a, its claim from pass-b"
    assert article.dangling == []

    report_path = tmp_path / "report.json"
    assert run(corpus, ARTICLE, "--rule", "agreed", "--report", str(report_path)) == 0
    gold = sets_of(corpus)["gold"]
    assert [c.id for c in gold.claims] == ["c1"] and "river authority" not in [e.text for e in gold.entities]
    assert next(f for f in gold.figures if f.text == "two weeks").claim_id is None
    dangling = json.loads(report_path.read_text(encoding="utf-8"))["articles"][0]["dangling_references"]
    start, end = _at("the <dam> & its gates could fail within two weeks")
    assert dangling == [{"layer": "figure", "id": "f2", "field": "claim_id", "target": f"claim «the <dam> & its gates could fail within two weeks» at {start}:{end}, not in the output"}]
    assert no_errors(corpus)


def test_a_claim_whose_source_entity_is_not_in_the_output_loses_the_link(corpus):
    b_entities = [entity("Ana Ruiz", "be1", EntityType.ORG), entity("Lumeville", "be2", EntityType.GPE), entity("river authority", "be3", EntityType.ORG)]
    save(corpus, a_pass(corpus, "pass-a"), a_pass(corpus, "pass-b", prefix="b", entities=b_entities))
    article = adjudicate(corpus, [ARTICLE], rule="agreed").articles[0]
    c1 = next(c for c in sets_of(corpus)["gold"].claims if c.id == "c1")
    assert c1.source_entity_id is None and c1.source is not None
    assert [(d.layer, d.item_id, d.field) for d in article.dangling] == [("claim", "c1", "source_entity_id")]
    assert no_errors(corpus)


def test_hand_made_gold_is_refused_without_force_and_replaced_with_it(corpus, capsys):
    hand = a_pass(corpus, "gold").model_copy(update={"kind": SetKind.GOLD, "annotator": "editor", "tool": "manual JSON"})
    path = save(corpus, hand, a_pass(corpus, "pass-a"), a_pass(corpus, "pass-b", prefix="b"))
    before = path.read_bytes()
    assert run(corpus, ARTICLE) == 1
    out = capsys.readouterr().out
    assert f"article={ARTICLE}: refused: gold (gold) was made with manual JSON by editor, not by newsclaims adjudicate; --force replaces it" in out
    assert path.read_bytes() == before

    assert run(corpus, "--all") == 0
    assert "1 article(s) with a gold or candidate made by hand or by a reviewer left alone" in capsys.readouterr().out
    assert path.read_bytes() == before

    assert run(corpus, ARTICLE, "--force") == 0
    gold = sets_of(corpus)["gold"]
    assert gold.tool == "newsclaims adjudicate" and gold.annotator == "newsclaims adjudicate"
    assert [s.kind for s in corpus.load_annotations(ARTICLE).sets].count(SetKind.GOLD) == 1
    assert no_errors(corpus)


def test_a_third_pass_re_adjudicates_and_a_gold_rule_is_used_again(corpus, capsys):
    save(corpus, a_pass(corpus, "pass-a"), a_pass(corpus, "pass-b", prefix="b"))
    assert run(corpus, "--all") == 0
    assert sets_of(corpus)["gold"].derived_from == ["pass-a", "pass-b"]

    annotations = corpus.load_annotations(ARTICLE)
    c_entities = [entity("Ana Ruiz", "ce1", EntityType.PERSON), entity("Lumeville", "ce2", EntityType.LOC), entity("river authority", "ce3", EntityType.ORG)]
    save(corpus, *annotations.sets, a_pass(corpus, "pass-c", prefix="c", entities=c_entities))
    capsys.readouterr()
    assert run(corpus, "--all") == 0
    assert "candidate: from pass-a, pass-b, pass-c" in capsys.readouterr().out
    sets = sets_of(corpus)
    assert "gold" not in sets, "the stale adjudicated gold gives way to the candidate"
    assert sets["candidate"].derived_from == ["pass-a", "pass-b", "pass-c"]

    assert run(corpus, "--rule", "majority") == 0
    sets = sets_of(corpus)
    assert "candidate" not in sets and sets["gold"].tool == "newsclaims adjudicate --rule majority"

    annotations = corpus.load_annotations(ARTICLE)
    d_entities = [entity("Ana Ruiz", "de1", EntityType.PERSON), entity("Lumeville", "de2", EntityType.LOC), entity("river authority", "de3", EntityType.ORG)]
    save(corpus, *annotations.sets, a_pass(corpus, "pass-d", prefix="d", entities=d_entities))
    capsys.readouterr()
    assert run(corpus) == 0
    assert "gold: from pass-a, pass-b, pass-c, pass-d" in capsys.readouterr().out
    gold = sets_of(corpus)["gold"]
    assert gold.tool == "newsclaims adjudicate --rule majority" and gold.derived_from == ["pass-a", "pass-b", "pass-c", "pass-d"]
    assert "Lumeville" not in [e.text for e in gold.entities], "two of four passes are no majority"
    assert no_errors(corpus)


@pytest.mark.parametrize("rule", [None, "majority"])
def test_a_second_run_writes_nothing(corpus, capsys, rule):
    three_passes(corpus)
    options = [ARTICLE] + (["--rule", rule] if rule else [])
    assert run(corpus, *options) == 0
    path = corpus.annotation_path(ARTICLE)
    before, stamp = path.read_bytes(), path.stat().st_mtime_ns
    capsys.readouterr()
    assert run(corpus, *options) == 0
    out = capsys.readouterr().out
    assert f"article={ARTICLE}: unchanged:" in out and "wrote" not in out
    assert out.rstrip().splitlines()[-1] == "next: nothing to adjudicate"
    assert path.read_bytes() == before and path.stat().st_mtime_ns == stamp


def test_unknown_article_is_one_line_and_exit_1(corpus, capsys):
    save(corpus, a_pass(corpus, "pass-a"), a_pass(corpus, "pass-b", prefix="b"))
    assert run(corpus, "nowhere") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "article=nowhere [unknown-article]" in err and "Traceback" not in err


def test_one_pass_needs_a_second_one(corpus, capsys):
    path = save(corpus, a_pass(corpus, "pass-a"))
    before = path.read_bytes()
    assert run(corpus, ARTICLE) == 1
    out = capsys.readouterr().out
    assert f"article={ARTICLE}: needs a second pass: found 1 independent pass(es) of revision 1: pass-a; two or more are compared" in out
    assert run(corpus, "--all") == 0, "with --all an article waiting for its second pass is reported, not an error"
    assert "needs a second pass" in capsys.readouterr().out
    assert path.read_bytes() == before


def test_sets_that_are_no_independent_pass_are_not_compared(corpus, capsys):
    draft = a_pass(corpus, "draft-1", prefix="d").model_copy(update={"kind": SetKind.DRAFT})
    correction = a_pass(corpus, "fix-1", prefix="x").model_copy(update={"derived_from": ["pass-a"]})
    save(corpus, a_pass(corpus, "pass-a"), draft, correction)
    assert run(corpus, ARTICLE) == 1
    assert "needs a second pass: found 1 independent pass(es)" in capsys.readouterr().out


@pytest.mark.parametrize("rule", ["bogus", "prefer:", "Majority"])
def test_unknown_rule_is_one_line_listing_the_rules(corpus, capsys, rule):
    save(corpus, a_pass(corpus, "pass-a"), a_pass(corpus, "pass-b", prefix="b"))
    assert run(corpus, ARTICLE, "--rule", rule) == 1
    err = capsys.readouterr().err
    assert err == f"newsclaims: unknown rule {rule!r}; expected one of: agreed, prefer:<set_id>, majority\n"
    with pytest.raises(AdjudicationError):
        parse_rule(rule)


def test_prefer_a_pass_the_article_lacks_is_refused(corpus, capsys):
    three_passes(corpus)
    assert run(corpus, ARTICLE, "--rule", "prefer:pass-z") == 1
    assert "refused: rule prefer:pass-z: no pass 'pass-z' among pass-a, pass-b, pass-c" in capsys.readouterr().out
    assert "gold" not in sets_of(corpus) and "candidate" not in sets_of(corpus)


def test_an_invalid_pass_stops_before_anything_is_written(corpus, capsys):
    bad = a_pass(corpus, "pass-b", prefix="b")
    bad.entities[0].text = "Ana Ruis"
    path = save(corpus, a_pass(corpus, "pass-a"), bad)
    before = path.read_bytes()
    assert run(corpus, ARTICLE) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "set=pass-b entity=be1 [span-text-mismatch]" in err and "Traceback" not in err
    assert path.read_bytes() == before


def test_identical_items_in_every_pass_are_agreed_whatever_their_ids(corpus):
    passes = [PassIndex(a_pass(corpus, "pass-a")), PassIndex(a_pass(corpus, "pass-b", prefix="zz"))]
    comparison = compare_passes(passes)
    assert comparison.conflicts == [] and comparison.agreed_counts() == {"entity": 3, "claim": 2, "figure": 2}


def test_the_page_shows_the_passes_side_by_side_with_conflicts_highlighted(corpus, tmp_path, capsys):
    three_passes(corpus)
    page_path = tmp_path / "page.html"
    assert run(corpus, ARTICLE, "--html", str(page_path)) == 0
    page = page_path.read_text(encoding="utf-8")
    assert page.count('<div class="pass">') == 3
    assert page.count('class="ent conflict"') == 3, "Lumeville in each of the three passes"
    assert page.count('class="fig conflict"') == 1 and 'class="ent agreed"' in page
    assert "&lt;dam&gt; &amp; its gates" in page and "<dam>" not in page
    assert '<td class="absent">absent</td>' in page


def test_the_seed_corpus_passes_make_a_candidate_that_validates(tmp_path, capsys):
    root = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", root, ignore=shutil.ignore_patterns("parquet"))
    corpus = Corpus(root)
    ids = [r.article_id for r in corpus.latest_revisions()]
    assert ids
    result = adjudicate(corpus, ids, force=True)
    assert [a.status for a in result.articles] == [Status.CANDIDATE] * len(ids)
    assert all(a.conflicts and a.output.derived_from == a.passes for a in result.articles)
    assert render_adjudication_page(result).count('<div class="pass">') == sum(len(a.passes) for a in result.articles)
    assert no_errors(corpus)


def test_claim_part_ids_stay_one_span_each_in_the_output(corpus):
    a_claims = [
        claim("c1", "40 families left Lumeville on Monday", "said", "Ana Ruiz", "e1"),
        claim("c2", "the <dam> & its gates could fail within two weeks", "warned", "The river authority", "e3"),
    ]
    a_claims[0].cue.id = "region-7"
    b_claims = [
        claim("bc1", "40 families left Lumeville on Monday", "said", "Ana Ruiz", "be1"),
        claim("bc2", "the <dam> & its gates could fail within two weeks", "warned", "The river authority", "be3", mode=ClaimMode.MIXED),
    ]
    b_claims[1].cue.id = "region-7"
    save(corpus, a_pass(corpus, "pass-a", claims=a_claims), a_pass(corpus, "pass-b", prefix="b", claims=b_claims))
    adjudicate(corpus, [ARTICLE], rule="prefer:pass-b")
    cues = {c.id: c.cue.id for c in sets_of(corpus)["gold"].claims}
    assert cues == {"c1": "region-7", "bc2": "region-7-2"}
    assert no_errors(corpus)


def test_a_claim_sourced_only_by_a_dropped_entity_is_dropped_and_reported(corpus):
    def claims(p: str) -> list[Claim]:
        only_entity = claim(f"{p}c1", "40 families left Lumeville on Monday", "said", "Ana Ruiz", f"{p}e1").model_copy(update={"source": None})
        return [only_entity, claim(f"{p}c2", "the <dam> & its gates could fail within two weeks", "warned", "The river authority", f"{p}e3")]

    b_entities = [entity("Ana Ruiz", "be1", EntityType.ORG), entity("Lumeville", "be2", EntityType.GPE), entity("river authority", "be3", EntityType.ORG)]
    save(corpus, a_pass(corpus, "pass-a", claims=claims("")), a_pass(corpus, "pass-b", prefix="b", entities=b_entities, claims=claims("b")))
    article = adjudicate(corpus, [ARTICLE], rule="agreed").articles[0]
    gold = sets_of(corpus)["gold"]
    assert [c.id for c in gold.claims] == ["c2"]
    assert next(f for f in gold.figures if f.text == "40").claim_id is None
    start, end = _at("Ana Ruiz")
    assert [(d.layer, d.reason) for d in article.dropped if d.layer == "claim"] == [
        ("claim", f"its only source is the entity «Ana Ruiz» at {start}:{end}, not in the output")
    ]
    assert [(d.layer, d.item_id, d.field) for d in article.dangling] == [("figure", "f1", "claim_id")]
    assert no_errors(corpus)
