"""The rule book, applied by every direction: one broken set, one error id, wherever it comes from.

Each case breaks one rule of :mod:`newsclaims.rules` in the small valid corpus of
``tests/data/valid/minimal.json`` and feeds the broken set to every direction that reads sets:
the corpus validator, a Parquet release converted to Label Studio tasks and to the corpus, and a
Label Studio export converted to the corpus and to Parquet (the live pull reads tasks with the
same code as the export files). Every direction must refuse it with the rule's id, and only it.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import DATA, load_case
from corpus_cases import build_case_corpus
from newsclaims.columnar.json_text import json_numbers
from newsclaims.convert import hf_to_corpus, hf_to_labelstudio, labelstudio_to_corpus, labelstudio_to_hf
from newsclaims.errors import ConversionError
from newsclaims.hf.parquet_io import release_schema
from newsclaims.hf.rows import text_article_row
from newsclaims.labelstudio.collect import collect
from newsclaims.labelstudio.results import set_to_results
from newsclaims.labelstudio.tasks import sha256_text
from newsclaims.model import AnnotationSet
from newsclaims.rules import ERROR, RULES, WARNING, Problem
from newsclaims.store import Corpus
from newsclaims.validate import validate_corpus

MINIMAL = load_case(DATA / "valid" / "minimal.json")
TEXT = MINIMAL["articles"]["a"]
SHA = sha256_text(TEXT)
GOLD = {"derived_from": [], "reviewer": None, **MINIMAL["annotations"]["a.json"]["sets"][0], "article_sha256": SHA}

Break = Callable[[dict[str, Any]], None]


def _set(layer: str, index: int, **values: Any) -> Break:
    return lambda s: s[layer][index].update(values)


def _second_claim_sharing_cue(s: dict[str, Any]) -> None:
    s["claims"][0]["cue"]["id"] = "k1"
    other = copy.deepcopy(s["claims"][0])
    other.update(id="c2", cue={"start": 12, "end": 15, "text": "500", "id": "k1"})
    s["claims"].append(other)


def _result(results: list[dict], region_id: str, from_name: str) -> dict:
    return next(r for r in results if r.get("id") == region_id and r["from_name"] == from_name)


def _rename_region(results: list[dict], old: str, new: str) -> None:
    for result in results:
        for key in ("id", "from_id", "to_id"):
            if result.get(key) == old:
                result[key] = new


NOT_IN_LABEL_STUDIO = "not in Label Studio"
"""A break that a Label Studio result list cannot hold (its span texts are read from the offsets,
a region has one span, a claim is its first content region, JSON has no NaN)."""

CASES: dict[str, tuple[Break, Callable[[list[dict]], None] | str | None]] = {
    "value-vocabulary": (_set("entities", 1, type="ALIEN"), lambda r: _result(r, "e2", "entity")["value"].update(labels=["ALIEN"])),
    "value-pattern": (_set("entities", 1, id="e 2"), lambda r: _rename_region(r, "e2", "e 2")),
    "value-bound": (_set("figures", 0, start=-1), lambda r: _result(r, "f1", "figure")["value"].update(start=-1)),
    "value-missing": (_set("claims", 0, mode=None), lambda r: r.remove(_result(r, "c1", "mode"))),
    "list-too-short": (_set("claims", 0, content=[]), NOT_IN_LABEL_STUDIO),
    "number-not-finite": (_set("figures", 0, value=math.nan), NOT_IN_LABEL_STUDIO),
    "empty-text": (_set("figures", 0, unit=""), None),
    "span-empty": (_set("entities", 1, start=28, end=28, text=""), None),
    "span-out-of-range": (_set("entities", 1, end=1000), None),
    "span-text-mismatch": (_set("entities", 1, text="Kiev"), NOT_IN_LABEL_STUDIO),
    "duplicate-id": (_set("entities", 1, id="e1"), None),
    "part-id-conflict": (_second_claim_sharing_cue, NOT_IN_LABEL_STUDIO),
    "dangling-reference": (_set("claims", 0, source_entity_id="e9"), None),
    "claim-source-missing": (_set("claims", 0, source=None, source_entity_id=None), None),
    "claim-cue-missing": (_set("claims", 0, cue=None), None),
    "unattributed-with-source": (_set("claims", 0, mode="unattributed"), None),
    "figure-value-inconsistent": (_set("figures", 0, approximation="range"), None),
    "figure-value-missing": (_set("figures", 0, value=None), None),
    "figure-date-missing": (_set("figures", 1, date_value=None), None),
    "figure-date-unexpected": (_set("figures", 0, date_value="2022"), None),
}
"""Each rule: how it breaks the gold set, and (for rules about what the models accept) how it
breaks the set's Label Studio results (None: the results of the broken set itself)."""

LABEL_STUDIO_ONLY_AS_SETS = {"duplicate-set-id"}
TYPES_ONLY = {"schema-invalid"}
"""A value of another type: no Parquet column or Label Studio result holds one (the corpus cases test it)."""


def test_every_error_rule_has_a_case():
    rules = {rule.id for rule in RULES.values() if rule.level == ERROR} - TYPES_ONLY - LABEL_STUDIO_ONLY_AS_SETS
    assert rules and rules == set(CASES)
    assert {rule.id for rule in RULES.values() if rule.level == WARNING} == {"span-whitespace", "span-splits-grapheme"}


def broken(rule: str) -> dict[str, Any]:
    aset = copy.deepcopy(GOLD)
    CASES[rule][0](aset)
    return aset


def label_studio_results(rule: str) -> list[dict] | None:
    """The result list of the broken set, as a Label Studio export holds it."""
    change = CASES[rule][1]
    if change == NOT_IN_LABEL_STUDIO:
        return None
    if change is None:
        aset = AnnotationSet.model_validate(broken(rule))
        return json.loads(json.dumps(set_to_results(aset.entities, aset.claims, aset.figures)))
    good = AnnotationSet.model_validate(GOLD)
    results = json.loads(json.dumps(set_to_results(good.entities, good.claims, good.figures)))
    change(results)
    return results


def error_ids(problems: list[Problem]) -> set[str]:
    return {p.error_id for p in problems if p.level == ERROR}


def refused(conversion: Callable[[], Any]) -> list[Problem]:
    """The problems a conversion is refused with; a refusal that carries none but its message (a
    reader that stops at the first NaN) is read back from the message's ``file: article=a ... [id]``."""
    with pytest.raises(ConversionError) as raised:
        conversion()
    if raised.value.problems:
        return raised.value.problems
    found = re.fullmatch(r"(.+?): article=(\S+) .*?\[([a-z0-9-]+)\] (.+)", str(raised.value))
    assert found, str(raised.value)
    return [Problem(found[3], found[4], found[1], found[2])]


def case_corpus(root: Path, sets: list[dict[str, Any]]) -> Corpus:
    case = copy.deepcopy(MINIMAL)
    omitted = {"derived_from": [], "reviewer": None}
    case["annotations"]["a.json"]["sets"] = [{**{k: v for k, v in s.items() if omitted.get(k, 0) != v}, "article_sha256": "@sha256:a"} for s in sets]
    if "NaN" in json.dumps(sets):
        # No canonical file holds a NaN: the file is written as JSON text, as a tool that allows NaN writes it.
        case["annotations"]["a.json"] = json.dumps({**case["annotations"]["a.json"], "sets": [{**s, "article_sha256": SHA} for s in case["annotations"]["a.json"]["sets"]]}, indent=2, sort_keys=True)
    return build_case_corpus(case, root)


def article_only_corpus(root: Path) -> Corpus:
    case = copy.deepcopy(MINIMAL)
    case["annotations"] = {}
    return build_case_corpus(case, root)


def write_release(folder: Path, sets: list[dict[str, Any]]) -> Path:
    rows = {"articles": [text_article_row("a", TEXT, SHA, None)], "annotation_sets": [{"article_id": "a", "revision": None, **s} for s in sets]}
    for name, config_rows in rows.items():
        (folder / name).mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(config_rows, schema=release_schema(name, "test")), folder / name / "train-00000-of-00001.parquet")
    return folder


def export_of(results_per_task: list[list[dict]], folder: Path) -> Path:
    tasks = [
        {"id": 1, "project": 1, "data": {"text": TEXT, "article_id": "a"}, "annotations": [{"id": 1, "completed_by": 1, "result": results, "ground_truth": False, "was_cancelled": False}]}
        for results in results_per_task
    ]
    path = folder / "export.json"
    path.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    return path


def directions(tmp_path: Path, sets: list[dict[str, Any]], results_per_task: list[list[dict]] | None) -> dict[str, list[Problem]]:
    """The problems each direction finds in ``sets`` (and in the Label Studio results, when given)."""
    found = {"corpus": validate_corpus(case_corpus(tmp_path / "corpus", sets))}
    release = write_release(tmp_path / "release", sets)
    found["parquet -> label studio"] = refused(lambda: hf_to_labelstudio(release, tmp_path / "tasks.json"))
    assert not (tmp_path / "tasks.json").exists()
    found["parquet -> corpus"] = refused(lambda: hf_to_corpus(release, article_only_corpus(tmp_path / "from-parquet")))
    if results_per_task is not None:
        export = export_of(results_per_task, tmp_path)
        found["label studio -> corpus"] = refused(lambda: labelstudio_to_corpus([export], article_only_corpus(tmp_path / "from-ls")))
        found["label studio -> parquet"] = refused(lambda: labelstudio_to_hf([export], tmp_path / "ls-release", Corpus(tmp_path / "from-ls")))
        assert not (tmp_path / "ls-release").exists()
        pulled = collect([("pull", json.loads(export.read_text(encoding="utf-8")))], lambda article_id: [])
        found["label studio pull"] = pulled.problems
    return found


@pytest.mark.parametrize("rule", sorted(CASES))
def test_every_direction_refuses_a_broken_set_with_the_rule_id(rule: str, tmp_path: Path):
    results = label_studio_results(rule)
    found = directions(tmp_path, [broken(rule)], None if results is None else [results])
    assert len(found) == (6 if results is not None else 3)
    assert {name: error_ids(problems) for name, problems in found.items()} == {name: {rule} for name in found}
    for name, problems in found.items():
        for problem in problems:
            assert problem.file and problem.article_id == "a" and problem.message, (name, problem)
            assert problem.format().startswith(f"{problem.file}: "), (name, problem)


def test_the_valid_set_goes_through_every_direction(tmp_path: Path):
    good = AnnotationSet.model_validate(GOLD)
    corpus = case_corpus(tmp_path / "corpus", [GOLD])
    assert validate_corpus(corpus) == []
    release = write_release(tmp_path / "release", [GOLD])
    hf_to_labelstudio(release, tmp_path / "tasks.json")
    hf_to_corpus(release, article_only_corpus(tmp_path / "from-parquet"))
    export = export_of([json.loads(json.dumps(set_to_results(good.entities, good.claims, good.figures)))], tmp_path)
    labelstudio_to_corpus([export], article_only_corpus(tmp_path / "from-ls"))
    _, collected = labelstudio_to_hf([export], tmp_path / "ls-release", Corpus(tmp_path / "from-ls"))
    assert collected.errors == [] and collected.sets == 1


def test_a_set_id_twice_is_refused_by_every_direction(tmp_path: Path):
    passes = [{**GOLD, "kind": "annotation", "set_id": "p1"}] * 2
    good = AnnotationSet.model_validate(GOLD)
    results = json.loads(json.dumps(set_to_results(good.entities, good.claims, good.figures)))
    found = directions(tmp_path, passes, [results, results])
    assert {name: error_ids(problems) for name, problems in found.items() if name != "label studio pull"} == {
        name: {"duplicate-set-id"} for name in found if name != "label studio pull"
    }
    [problem] = [p for p in found["label studio -> parquet"] if p.error_id == "duplicate-set-id"]
    assert (problem.article_id, problem.set_id, problem.task_id) == ("a", "ls-1-a1", 1)


def test_nan_in_parquet_is_refused_naming_file_article_set_and_annotation(tmp_path: Path):
    release = write_release(tmp_path / "release", [broken("number-not-finite")])
    [shard] = sorted((release / "annotation_sets").glob("*.parquet"))
    for conversion in (lambda: hf_to_labelstudio(release, tmp_path / "tasks.json"), lambda: hf_to_corpus(release, article_only_corpus(tmp_path / "corpus"))):
        with pytest.raises(ConversionError) as raised:
            conversion()
        lines = [p.format() for p in raised.value.problems] or [str(raised.value)]
        assert len(lines) == 1 and lines[0].startswith(f"{shard}: article=a set=gold figure=f1 [number-not-finite] "), lines
        assert "expected a finite number, found nan" in lines[0]
    assert not (tmp_path / "tasks.json").exists()


def test_an_empty_text_in_label_studio_is_refused_not_read_as_null(tmp_path: Path):
    results = label_studio_results("empty-text")
    assert {"text": [""]} == {k: v for k, v in _result(results, "f1", "unit")["value"].items() if k == "text"}
    problems = collect([("export", [{"id": 1, "data": {"text": TEXT}, "annotations": [{"id": 1, "result": results}]}])], lambda article_id: []).problems
    assert [(p.error_id, p.region_id, p.task_id, p.annotation) for p in problems] == [("empty-text", "f1", 1, "annotation=1")]


def test_one_problem_type_and_one_report_shape():
    corpus_problem = Problem("span-empty", "expected start < end, found 3:3", "a.json", "a", "gold", "entity", "e1")
    task_problem = Problem("span-empty", "expected start < end, found 3:3", "export.json", "a", "ls-1-a1", "entity", "e1", task_id=1, annotation="annotation=1", region_id="e1")
    assert corpus_problem.format() == "a.json: article=a set=gold entity=e1 [span-empty] expected start < end, found 3:3"
    assert task_problem.format() == "export.json: task=1 article=a set=ls-1-a1 annotation=1 entity=e1 [span-empty] expected start < end, found 3:3"
    assert list(corpus_problem.to_dict()) == list(task_problem.to_dict())


def test_a_nan_that_reaches_the_json_writer_is_an_error_not_a_null():
    assert json_numbers(pa.array([1.5, None, -0.0])).to_pylist() == ["1.5", None, "-0.0"]
    with pytest.raises(ValueError, match="NaN or infinite"):
        json_numbers(pa.array([1.0, math.nan]))
