from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA, load_case
from newsclaims.errors import AnnotationError, CorpusInvalidError
from newsclaims.model import SCHEMA_VERSION, AnnotationFile, AnnotationSet, Entity
from newsclaims.reanchor import CONTEXT, locate, reanchor
from newsclaims.store import Corpus, sha256_hex
from newsclaims.validate import ERROR, check_set, claim_spans, validate_corpus
from newsclaims.vocab import EntityType, SetKind

CASES = sorted((DATA / "reanchor").glob("*.json"))


def build(case: dict, root: Path) -> Corpus:
    """The case's old text with its sets, then the correction stored as the next revision."""
    corpus = Corpus(root)
    old = corpus.add(case["old"].encode("utf-8"), case["article_id"]).revision
    pins = {"@old": old.text_sha256, "@new": sha256_hex(case["new"].encode("utf-8"))}
    sets = [AnnotationSet.model_validate({**raw, "article_sha256": pins[raw["article_sha256"]]}) for raw in case["sets"]]
    for aset in sets:
        text = case["old"] if aset.article_sha256 == old.text_sha256 else case["new"]
        assert [p.format() for p in check_set(aset, text, {}) if p.level == ERROR] == []
    corpus.save_annotations(AnnotationFile(schema_version=SCHEMA_VERSION, article_id=case["article_id"], sets=sets))
    corpus.add(case["new"].encode("utf-8"), case["article_id"])
    return corpus


def starts(aset: AnnotationSet) -> dict[str, int]:
    found = {item.id: item.start for item in [*aset.entities, *aset.figures]}
    for claim in aset.claims:
        found.update({f"{claim.id}/{part}": span.start for part, span in claim_spans(claim)})
    return found


def test_cases_exist():
    assert CASES
    for path in CASES:
        assert load_case(path)["why"], f"{path} must say what it tests"


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_case(path: Path, tmp_path: Path):
    case = load_case(path)
    expect = case["expect"]
    corpus = build(case, tmp_path / "corpus")
    article = case["article_id"]
    revisions = {"old": corpus.revisions(article)[0], "new": corpus.latest(article)}
    before = corpus.annotation_path(article).read_bytes()

    report = reanchor(corpus, article)

    assert (corpus.annotation_path(article).read_bytes() != before) is expect["changed"] is report.written
    result = {s.set_id: s for s in corpus.load_annotations(article).sets}
    assert sorted(result) == sorted(expect["sets"])
    for set_id, (where, ids) in expect["sets"].items():
        aset = result[set_id]
        assert aset.article_sha256 == revisions[where].text_sha256, set_id
        assert [i.id for i in [*aset.entities, *aset.claims, *aset.figures]] == ids
    for set_id, expected in expect["starts"].items():
        assert starts(result[set_id]) == expected
    old_spans = {(s["set_id"], item["id"]): item for s in case["sets"] for layer in ("entities", "claims", "figures") for item in s[layer]}
    unmoved = [[u.set_id, u.layer, u.annotation_id, u.part, u.reason] for u in report.unmoved]
    assert unmoved == expect["unmoved"]
    for u in report.unmoved:
        item = old_spans[(u.set_id, u.annotation_id)]
        span = item if u.layer != "claim" else (item[u.part.split("[")[0]] if not u.part.startswith("content") else item["content"][0])
        assert (u.start, u.end, u.text) == (span["start"], span["end"], span["text"])
        assert case["old"][u.start : u.end] == u.text
    assert {layer: sum(s.moved[layer] for s in report.sets) for layer in ("entity", "claim", "figure")} == expect["moved"]
    assert report.complete is (not expect["unmoved"])


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_validator_after_reanchor(path: Path, tmp_path: Path):
    """Sets moved to the latest revision are clean; a set left behind gets only outdated-revision."""
    corpus = build(load_case(path), tmp_path / "corpus")
    reanchor(corpus, "a")
    latest = corpus.latest("a").text_sha256
    sets = corpus.load_annotations("a").sets
    stale = {s.set_id for s in sets if s.article_sha256 != latest}
    errors = [p for p in validate_corpus(corpus) if p.level == ERROR]
    outdated = {p.set_id for p in errors if p.error_id == "outdated-revision"}
    others = [p.format() for p in errors if p.error_id != "outdated-revision"]
    assert outdated == stale and others == []


def test_validator_reports_only_outdated_revision_for_a_non_gold_leftover(tmp_path: Path):
    corpus = build(load_case(DATA / "reanchor" / "deleted-entity-word.json"), tmp_path / "corpus")
    reanchor(corpus, "a")
    problems = validate_corpus(corpus)
    assert [(p.error_id, p.set_id) for p in problems] == [("outdated-revision", "pass-b:r1")]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_second_run_changes_nothing(path: Path, tmp_path: Path):
    corpus = build(load_case(path), tmp_path / "corpus")
    reanchor(corpus, "a")
    after_first = corpus.annotation_path("a").read_bytes()
    again = reanchor(corpus, "a")
    assert corpus.annotation_path("a").read_bytes() == after_first
    assert not again.written and not again.changed
    assert [s.set_id for s in again.sets] == [s.set_id for s in corpus.load_annotations("a").sets if s.article_sha256 != corpus.latest("a").text_sha256]


def test_offsets_are_code_points(tmp_path: Path):
    case = load_case(DATA / "reanchor" / "code-points.json")
    corpus = build(case, tmp_path / "corpus")
    reanchor(corpus, "a")
    [gold] = corpus.load_annotations("a").sets
    new = case["new"]
    inserted = len(new) - len(case["old"])
    assert inserted == 13 and len(new.encode("utf-16-le")) // 2 - len(case["old"]) == 17 and "\r\n" in new
    for entity in gold.entities:
        assert new[entity.start : entity.end] == entity.text
    assert [e.start for e in gold.entities] == [e["start"] + inserted for e in case["sets"][0]["entities"]]


def test_nothing_to_move(tmp_path: Path):
    corpus = Corpus(tmp_path / "corpus")
    corpus.add(b"Lavrov said so.", "a")
    report = reanchor(corpus, "a")
    assert report.sets == [] and not report.written and "nothing to move" in report.format()
    sha = corpus.latest("a").text_sha256
    entity = Entity(id="e1", type=EntityType.PERSON, start=0, end=6, text="Lavrov")
    gold = AnnotationSet(set_id="gold", kind=SetKind.GOLD, article_sha256=sha, entities=[entity])
    corpus.save_annotations(AnnotationFile(schema_version=SCHEMA_VERSION, article_id="a", sets=[gold]))
    before = corpus.annotation_path("a").read_bytes()
    assert reanchor(corpus, "a").sets == []
    assert corpus.annotation_path("a").read_bytes() == before


def test_dry_run_checks_but_does_not_write(tmp_path: Path):
    corpus = build(load_case(DATA / "reanchor" / "insert-before-spans.json"), tmp_path / "corpus")
    before = corpus.annotation_path("a").read_bytes()
    report = reanchor(corpus, "a", dry_run=True)
    assert report.changed and not report.written and "dry run" in report.format()
    assert corpus.annotation_path("a").read_bytes() == before


def test_report_names_every_span_that_stays(tmp_path: Path):
    corpus = build(load_case(DATA / "reanchor" / "deleted-entity-word.json"), tmp_path / "corpus")
    text = reanchor(corpus, "a").format()
    assert "set=pass-b entity=e1 0:6 'Lavrov': not found" in text
    assert "set=pass-b claim=c1 source" in text and "depends on e1 which did not move" in text
    assert "moved 2 entity(s), 0 claim(s), 0 figure(s); 1 entity(s), 1 claim(s), 1 figure(s) stay on r1 as set=pass-b:r1" in text
    assert text.endswith(f"wrote {corpus.annotation_path('a')}")


def test_taken_leftover_id_is_refused(tmp_path: Path):
    case = load_case(DATA / "reanchor" / "deleted-entity-word.json")
    case["sets"].append({**case["sets"][0], "set_id": "pass-b:r1", "entities": [], "claims": [], "figures": [], "article_sha256": "@new"})
    corpus = build(case, tmp_path / "corpus")
    before = corpus.annotation_path("a").read_bytes()
    with pytest.raises(AnnotationError, match=r"\[reanchor-conflict\]"):
        reanchor(corpus, "a")
    assert corpus.annotation_path("a").read_bytes() == before


def test_other_problems_block_the_write(tmp_path: Path):
    corpus = build(load_case(DATA / "reanchor" / "insert-before-spans.json"), tmp_path / "corpus")
    annotations = corpus.load_annotations("a")
    pass_b = annotations.sets[1]
    pass_b.entities.append(pass_b.entities[0])
    corpus.save_annotations(annotations)
    before = corpus.annotation_path("a").read_bytes()
    with pytest.raises(CorpusInvalidError) as caught:
        reanchor(corpus, "a")
    assert {p.error_id for p in caught.value.problems} == {"duplicate-id"}
    assert corpus.annotation_path("a").read_bytes() == before


def test_context_is_clipped_at_the_ends_of_the_text():
    span = Entity(id="e1", type=EntityType.GPE, start=0, end=4, text="Kyiv")
    assert CONTEXT == 32
    assert locate(span, "Kyiv and Kyiv", "Kyiv and Kyiv again") == (0, "")
    assert locate(span, "Kyiv and Kyiv", "So Kyiv and Kyiv") == (3, "")
    assert locate(span, "Kyiv and Kyiv", "So Kyiv, and Kyiv") == (None, "ambiguous: 2 matches")
