from __future__ import annotations

import json
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeElementTree
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from conftest import DATA, REPO
from newsclaims.cli import main
from newsclaims.convert import corpus_to_labelstudio, hf_to_labelstudio, labelstudio_to_corpus, labelstudio_to_hf
from newsclaims.labelstudio import config as ls_config
from newsclaims.labelstudio.results import results_to_layers, set_to_results
from newsclaims.model import Claim, ClaimSpan, Entity, Figure, Span
from newsclaims.store import Corpus
from newsclaims.vocab import DefinedEnum, EntityType, SetKind
from release_helpers import copy_corpus

LS_DATA = DATA / "labelstudio"
INVALID = sorted((LS_DATA / "invalid").glob("*.json"))
SEED = "000_6d2a1ba5d47be7a6"


def dumped(*layers) -> tuple:
    return tuple([item.model_dump(mode="json") for item in layer] for layer in layers)


def corpus_bytes(corpus: Corpus) -> dict[str, bytes]:
    return {str(p.relative_to(corpus.root)): p.read_bytes() for p in sorted(corpus.root.rglob("*")) if p.is_file()}


def test_config_parses_back_with_every_label_value(monkeypatch):
    tricky = {"PERSON": "PERSON", "AMP": "Smith & Co", "LT": "a<b", "QUOTE": 'say "hi"', "APOS": "it's", "UNICODE": "Ünïcode ✓"}
    enum = DefinedEnum("EntityType", {k: (v, f"definition of {v} & <more>") for k, v in tricky.items()})
    monkeypatch.setattr(ls_config, "EntityType", enum)
    xml = ls_config.labeling_config_xml()
    root = SafeElementTree.fromstring(xml)
    entity_labels = next(labels for labels in root.iter("Labels") if labels.get("name") == "entity")
    assert [label.get("value") for label in entity_labels] == list(tricky.values())
    assert [label.get("hint") for label in entity_labels] == [f"definition of {v} & <more>" for v in tricky.values()]


def test_generated_config_uses_text_only():
    root = SafeElementTree.fromstring(ls_config.labeling_config_xml())
    assert [t.tag for t in root.iter() if t.tag in ("Text", "HyperText", "Paragraphs")] == ["Text"]


def test_gold_round_trips_through_label_studio_results():
    corpus = Corpus(REPO / "corpus")
    gold = corpus.load_annotations(SEED).gold()
    text = corpus.read_text(corpus.latest(SEED))
    results = json.loads(json.dumps(set_to_results(gold.entities, gold.claims, gold.figures)))
    layers = results_to_layers(results, text)
    assert layers.problems == []
    assert (layers.entities, layers.claims, layers.figures) == dumped(gold.entities, gold.claims, gold.figures)


def test_corpus_to_tasks_file(tmp_path: Path):
    target = tmp_path / "tasks.json"
    assert corpus_to_labelstudio(Corpus(REPO / "corpus"), target) == 1
    [task] = json.loads(target.read_text(encoding="utf-8"))
    assert task["data"]["article_id"] == SEED and len(task["annotations"]) == 1
    assert task["annotations"][0]["ground_truth"] is True
    region_ids = {r["id"] for r in task["annotations"][0]["result"] if "id" in r}
    assert {"e403", "c429", "f555"} <= region_ids
    assert corpus_to_labelstudio(Corpus(REPO / "corpus"), target, as_predictions=True) == 1
    [task] = json.loads(target.read_text(encoding="utf-8"))
    assert "annotations" not in task and task["predictions"][0]["model_version"] == "newsclaims-gold"


def test_recorded_export_to_corpus_keeps_every_annotator_and_kind(tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    written, collected = labelstudio_to_corpus([LS_DATA / "seed-export.json"], corpus)
    assert [p.name for p in written] == [f"{SEED}.json"]
    sets = {s.set_id: s for s in corpus.load_annotations(SEED).sets}
    assert {"gold", "pass-a", "pass-b", "pass-c"} <= set(sets)
    gold = sets["gold"]
    imported_gold = sets["ls-1-a1"]
    assert imported_gold.label_studio.ground_truth and imported_gold.kind is SetKind.ANNOTATION
    assert (imported_gold.entities, imported_gold.claims, imported_gold.figures) == (gold.entities, gold.claims, gold.figures)
    second = sets["ls-1-a2"]
    assert second.label_studio.completed_by == 2 and second.label_studio.lead_time == 42.5
    assert (len(second.entities), len(second.claims), len(second.figures)) == (3, 3, 1)
    assert sets["ls-1-a3"].label_studio.was_cancelled and not sets["ls-1-a3"].entities
    assert sets["ls-1-d1"].kind is SetKind.DRAFT and sets["ls-1-d1"].annotator == "annotator-b@example.com"
    assert [p.error_id for p in collected.problems] == ["prediction-not-exported"]
    assert all(p.level == "warning" for p in collected.problems)


def test_second_annotator_regions_attributes_and_relations(tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    labelstudio_to_corpus([LS_DATA / "valid-second-annotator.json"], corpus)
    second = next(s for s in corpus.load_annotations(SEED).sets if s.set_id == "ls-1-a2")
    claims = {c.id: c for c in second.claims}
    quote = claims["Pa5Gd0sF8u"]
    assert [s.text for s in quote.content] == ["Neutral status is now being seriously discussed", "with security guarantees"]
    assert quote.cue.text == "said told" and quote.source is None and quote.source_entity_id == "Vb8nY4kP_s"
    cautioned = claims["Hc2Lr5tWq9"]
    assert cautioned.source.text == "Lavrov" and cautioned.source_entity_id == "Qm3_xT9aLk" and cautioned.mode.value == "indirect"
    [figure] = second.figures
    assert (figure.approximation.value, figure.value, figure.counted, figure.claim_id) == ("at_least", 500.0, "residents of Kharkiv killed", "Lw6Tb2yU5e")


def test_converting_the_same_export_twice_changes_nothing(tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    labelstudio_to_corpus([LS_DATA / "seed-export.json"], corpus)
    first = corpus_bytes(corpus)
    labelstudio_to_corpus([LS_DATA / "seed-export.json"], corpus)
    assert corpus_bytes(corpus) == first


def test_invalid_cases_exist():
    assert len(INVALID) >= 15


def _write_case(path: Path, tmp_path: Path) -> Path:
    case = json.loads(path.read_text(encoding="utf-8"))
    assert case["why"] and case["expect"]
    export = tmp_path / "export.json"
    export.write_text(case["raw"] if "raw" in case else json.dumps(case["export"], ensure_ascii=False), encoding="utf-8")
    return export


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_each_hostile_export_is_refused_with_its_error_and_nothing_written(path: Path, tmp_path: Path, capsys):
    expected = json.loads(path.read_text(encoding="utf-8"))["expect"]
    export = _write_case(path, tmp_path)
    corpus = copy_corpus(tmp_path)
    before = corpus_bytes(corpus)
    report = tmp_path / "report.json"
    code = main(["--corpus", str(corpus.root), "convert", "--from", "labelstudio", str(export), "--to", "corpus", "--report", str(report)])
    assert code == 1
    assert corpus_bytes(corpus) == before
    err = capsys.readouterr().err
    assert f"[{expected}]" in err and str(export) in err
    if expected != "export-truncated":
        problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
        assert {p["error_id"] for p in problems if p["level"] == "error"} == {expected}
        assert all(str(p["task_id"]) == "1" for p in problems)
        region_cases = {"value-vocabulary", "dangling-reference", "value-missing", "region-labels", "claim-part-orphan", "span-out-of-range",
                        "region-offsets-invalid", "unknown-label-tag", "unsupported-result", "attribute-misplaced", "region-extra-unsupported"}
        if expected in region_cases:
            assert all(p["region_id"] and p["annotation"] == "annotation=2" for p in problems if p["level"] == "error")


def test_export_of_articles_outside_the_corpus_goes_to_hf(tmp_path: Path):
    export = _write_case(LS_DATA / "invalid" / "article-not-in-corpus.json", tmp_path)
    files, collected = labelstudio_to_hf([export], tmp_path / "release", Corpus(REPO / "corpus"))
    assert collected.errors == [] and collected.sets == 1
    import pyarrow.parquet as pq

    [row] = pq.read_table(files["articles"][0]).to_pylist()
    assert row["article_id"] == "not-in-corpus" and row["revision"] is None and row["text"].startswith("Russia and Ukraine")


def test_labelstudio_to_hf_to_labelstudio_keeps_regions_attributes_relations(tmp_path: Path):
    files, _ = labelstudio_to_hf([LS_DATA / "seed-export.json"], tmp_path / "release", Corpus(REPO / "corpus"))
    count, problems = hf_to_labelstudio(tmp_path / "release", tmp_path / "tasks.json")
    assert count == 1 and [p.error_id for p in problems] == ["draft-not-importable"]
    [task] = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))
    [original] = json.loads((LS_DATA / "seed-export.json").read_text(encoding="utf-8"))

    def canonical(results):
        """Results as comparable strings; a number is a float either way (500 and 500.0 are the same value)."""
        out = []
        for r in results:
            r = {k: v for k, v in r.items() if k != "origin"}
            if r.get("type") == "number":
                r["value"] = {**r["value"], "number": float(r["value"]["number"])}
            out.append(json.dumps(r, sort_keys=True))
        return sorted(out)

    assert [canonical(a["result"]) for a in task["annotations"]] == [canonical(a["result"]) for a in original["annotations"]]
    assert [a["was_cancelled"] for a in task["annotations"]] == [a["was_cancelled"] for a in original["annotations"]]
    assert task["data"]["text"] == original["data"]["text"]


# -- property-based: random spans over hostile text ----------------------------------------

HOSTILE_PIECES = ["🇺🇦", "👩‍👩‍👧", "e\u0301", "\r\n", "\r", "\t", "שלום עולם", "<b>Acme</b> & Co", "<img onerror=alert(1)>", "Lavrov", " ", "\u2028", "500", "₴"]
text_strategy = st.lists(st.sampled_from(HOSTILE_PIECES), min_size=3, max_size=25).map("".join)


@st.composite
def text_and_spans(draw):
    text = draw(text_strategy)
    n = len(text)
    bounds = st.tuples(st.integers(0, n - 1), st.integers(1, n)).filter(lambda b: b[0] < b[1])
    spans = [Span(start=s, end=e, text=text[s:e]) for s, e in draw(st.lists(bounds, min_size=1, max_size=8))]
    return text, spans


@seed(20261125)
@settings(max_examples=200, deadline=None)
@given(text_and_spans(), st.data())
def test_offline_round_trip_of_random_spans(sample, data):
    text, spans = sample
    entities = [Entity(id=f"e{i}", type=data.draw(st.sampled_from(list(EntityType))), **s.model_dump()) for i, s in enumerate(spans)]
    content = spans[0]
    def part(s):
        return ClaimSpan(**s.model_dump())
    claims = [Claim(id="c0", mode="indirect", content=[part(content)] + [part(s) for s in spans[1:2]], cue=part(spans[-1]), source=part(spans[0]), source_entity_id="e0")]
    figures = [Figure(id=f"f{i}", kind="count", approximation="about", value=float(i) + 0.5, unit="km & <m>",
        counted="people \"killed\"", claim_id="c0", **s.model_dump()) for i, s in enumerate(spans[:3])]
    results = json.loads(json.dumps(set_to_results(entities, claims, figures), ensure_ascii=False))
    layers = results_to_layers(results, text)
    assert layers.problems == []
    def order(items):
        return sorted(items, key=lambda x: (x.content[0].start, x.content[0].end, x.id) if isinstance(x, Claim) else (x.start, x.end, x.id))
    assert (layers.entities, layers.claims, layers.figures) == dumped(order(entities), claims, order(figures))
    for entity in layers.entities:
        assert text[entity["start"]:entity["end"]] == entity["text"]
