"""Seeded, bounded fuzzing of the Label Studio importer and the validator: problems, never a crash."""

from __future__ import annotations

import copy
import json

import numpy as np
import pyarrow as pa
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from conftest import DATA, load_case
from corpus_cases import build_case_corpus
from newsclaims.columnar.checks import check_set_rows
from newsclaims.hf.parquet_io import release_schema
from newsclaims.labelstudio.tasks import ConvertedTask, task_to_sets
from newsclaims.validate import Problem, validate_corpus

TASK = json.loads((DATA / "labelstudio" / "valid-second-annotator.json").read_text(encoding="utf-8"))[0]
MINIMAL = load_case(DATA / "valid" / "minimal.json")

ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5000) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)


def paths(obj, prefix=()):
    """Every (container, key) place in a JSON value."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield obj, key
            yield from paths(value, prefix + (key,))
    elif isinstance(obj, list):
        for index, value in enumerate(obj):
            yield obj, index
            yield from paths(value, prefix + (index,))


@st.composite
def mutated(draw, document):
    document = copy.deepcopy(document)
    places = list(paths(document))
    for _ in range(draw(st.integers(1, 4))):
        container, key = places[draw(st.integers(0, len(places) - 1))]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        try:
            if action == "replace":
                container[key] = draw(ANY_VALUE)
            elif action == "delete":
                del container[key]
            elif isinstance(container, list):
                container.append(copy.deepcopy(container[key]))
        except (IndexError, KeyError):
            pass
        places = list(paths(document))
        if not places:
            break
    return document


@seed(20261125)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(TASK))
def test_importer_reports_problems_and_never_crashes(task):
    converted = task_to_sets(task, lambda article_id: [])
    if isinstance(converted, list):
        assert converted and all(isinstance(p, Problem) for p in converted)
        return
    assert isinstance(converted, ConvertedTask)
    for problem in converted.problems:
        assert problem.error_id and problem.message
    for aset in converted.sets:
        text = converted.text
        for entity in aset.entities:
            assert text[entity.start:entity.end] == entity.text


@seed(20261129)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(TASK))
def test_sets_checked_column_wise_are_refused_exactly_when_the_models_refuse_them(task):
    """The export -> Parquet path checks its rows with the column checks, not the models: same verdicts."""
    validated = task_to_sets(task, lambda article_id: [])
    checked = task_to_sets(task, lambda article_id: [], validate=False)
    if isinstance(validated, list):
        assert checked == validated
        return
    model_problems = [p for p in validated.problems if p not in checked.problems]
    refused_by_models = {p.annotation for p in model_problems}
    assert checked.sets == [] and len(checked.records) == len(checked.labels) == len(validated.records) + len(refused_by_models)
    rows = [{"article_id": checked.article_id, "revision": None, **record} for record in checked.records]
    table = pa.Table.from_pylist(rows, schema=release_schema("annotation_sets", "test"))
    refused_by_columns = {checked.labels[row] for row, _ in check_set_rows(table.to_batches()[0], [checked.text], np.zeros(len(rows), dtype=np.int64))} if rows else set()
    assert refused_by_columns == refused_by_models


def test_a_region_id_the_models_refuse_is_refused_column_wise_too():
    task = copy.deepcopy(TASK)
    first = task["annotations"][0]["result"][0]["id"]
    for result in (r for annotation in task["annotations"] for r in annotation["result"]):
        for key in ("id", "from_id", "to_id"):
            if result.get(key) == first:
                result[key] = "not an id"
    test_sets_checked_column_wise_are_refused_exactly_when_the_models_refuse_them.hypothesis.inner_test(task)
    assert any(p.error_id == "value-pattern" for p in task_to_sets(task, lambda article_id: []).problems)


@seed(20261125)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutated(MINIMAL["annotations"]["a.json"]))
def test_validator_reports_problems_and_never_crashes(tmp_path_factory, annotation_file):
    case = {**MINIMAL, "annotations": {"a.json": annotation_file}}
    corpus = build_case_corpus(case, tmp_path_factory.mktemp("fuzz") / "corpus")
    problems = validate_corpus(corpus)
    assert all(isinstance(p, Problem) and p.error_id and p.file for p in problems)
