from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from newsclaims import synthetic
from newsclaims.convert import hf_to_labelstudio, labelstudio_to_hf
from newsclaims.labelstudio.layout import RelationLabel
from newsclaims.store import Corpus
from newsclaims.synthetic import ATTRIBUTES, CLAIMS, ENTITIES, FIGURES, REGIONS, RELATIONS, write_synthetic_export
from newsclaims.vocab import ClaimPart, EntityType, FigureKind

N = 50
RESULT_KEYS = ("id", "from_id", "to_id", "from_name", "to_name", "type", "direction", "labels", "value")


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "export.json"
    write_synthetic_export(path, N, seed=7)
    return path


@pytest.fixture(scope="module")
def converted(export: Path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("converted")
    files, collected = labelstudio_to_hf([export], folder / "hf", Corpus(folder / "empty-corpus"))
    return folder, files, collected


def test_same_n_and_seed_give_the_same_bytes(tmp_path: Path):
    first, second, other = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    size = write_synthetic_export(first, 5, seed=3)
    assert size == first.stat().st_size
    write_synthetic_export(second, 5, seed=3)
    write_synthetic_export(other, 5, seed=4)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_bytes_do_not_depend_on_orjson(tmp_path: Path, monkeypatch):
    with_default, with_json = tmp_path / "default.json", tmp_path / "json.json"
    write_synthetic_export(with_default, 5)
    monkeypatch.setattr(synthetic, "orjson", None)
    write_synthetic_export(with_json, 5)
    assert with_default.read_bytes() == with_json.read_bytes()


def test_a_smaller_export_is_a_prefix_of_a_larger_one(tmp_path: Path):
    small, large = tmp_path / "small.json", tmp_path / "large.json"
    write_synthetic_export(small, 3)
    write_synthetic_export(large, 6)
    assert large.read_bytes().startswith(small.read_bytes()[:-1] + b",")


def test_tasks_are_shaped_like_a_label_studio_export(export: Path):
    tasks = json.loads(export.read_text(encoding="utf-8"))
    assert len(tasks) == N
    assert [t["id"] for t in tasks] == list(range(1, N + 1))
    assert {t["annotations"][0]["completed_by"] for t in tasks} == {1, 2, 3}
    for index, task in enumerate(tasks):
        assert task["project"] == 1 and task["drafts"] == [] and task["predictions"] == []
        assert (task["total_annotations"], task["cancelled_annotations"], task["total_predictions"]) == (1, 0, 0)
        assert task["data"]["article_id"] == f"syn-{index:06d}" and "text_sha256" not in task["data"]
        assert 2900 <= len(task["data"]["text"]) <= 3300
        (annotation,) = task["annotations"]
        assert annotation["ground_truth"] is False and annotation["was_cancelled"] is False
        assert isinstance(annotation["lead_time"], float)
    text = "".join(t["data"]["text"] for t in tasks)
    assert {"é", "—", "“", "”"} <= set(text)
    assert any(ord(c) > 0xFFFF for c in text)


def test_results_follow_the_layout(export: Path):
    for task in json.loads(export.read_text(encoding="utf-8")):
        text = task["data"]["text"]
        results = task["annotations"][0]["result"]
        regions = [r for r in results if r["type"] == "labels"]
        attributes = [r for r in results if r["type"] in ("choices", "number", "textarea")]
        relations = [r for r in results if r["type"] == "relation"]
        assert (len(regions), len(attributes), len(relations), len(results)) == (REGIONS, ATTRIBUTES, RELATIONS, REGIONS + ATTRIBUTES + RELATIONS)
        labels = Counter(r["from_name"] for r in regions)
        assert labels == {"entity": ENTITIES, "figure": FIGURES, "claim": 3 * CLAIMS}
        assert Counter(r["value"]["labels"][0] for r in regions if r["from_name"] == "claim") == {p.value: CLAIMS for p in ClaimPart}
        assert all(r["value"]["labels"][0] in EntityType.definitions() for r in regions if r["from_name"] == "entity")
        assert all(r["value"]["labels"][0] in FigureKind.definitions() for r in regions if r["from_name"] == "figure")
        counts = Counter(r["from_name"] for r in attributes)
        assert counts["mode"] == 2 and counts["approximation"] == 4 and counts["value"] + counts["date_value"] == 4
        assert Counter(r["labels"][0] for r in relations) == {RelationLabel.CUE.value: 2, RelationLabel.SOURCE.value: 2, RelationLabel.IN_CLAIM.value: 1}
        ids = [r["id"] for r in regions]
        assert len(set(ids)) == REGIONS and all(re.fullmatch(r"[A-Za-z0-9_-]{10}", i) for i in ids)
        assert {r["id"] for r in attributes} <= set(ids)
        assert {r[k] for r in relations for k in ("from_id", "to_id")} <= set(ids)
        for result in regions + attributes:
            start, end = result["value"]["start"], result["value"]["end"]
            assert result["value"]["text"] == ([result["value"]["text"][0]] if result["type"] == "textarea" else text[start:end])
            assert (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum())
            assert text[start].isalnum() and text[end - 1].isalnum()


def test_fifty_tasks_convert_without_problems(converted):
    folder, files, collected = converted
    assert collected.problems == []
    assert (collected.tasks, collected.sets, collected.regions) == (N, N, N * (ENTITIES + CLAIMS + FIGURES))
    assert pq.read_table(folder / "hf" / "articles").num_rows == N
    sets = pq.read_table(folder / "hf" / "annotation_sets").to_pylist()
    assert len(sets) == N
    assert [len(s["entities"]) for s in sets] == [ENTITIES] * N
    assert [len(s["figures"]) for s in sets] == [FIGURES] * N
    assert [len(s["claims"]) for s in sets] == [CLAIMS] * N


def _comparable(result: dict) -> str:
    picked = {key: result[key] for key in RESULT_KEYS if key in result}
    value = dict(picked.get("value", {}))
    if "number" in value:
        value["number"] = float(value["number"])
    picked["value"] = value
    return json.dumps(picked, sort_keys=True, ensure_ascii=False)


def test_round_trip_keeps_every_result(export: Path, converted, tmp_path: Path):
    folder, _, _ = converted
    target = tmp_path / "tasks.json"
    count, problems = hf_to_labelstudio(folder / "hf", target)
    assert (count, problems) == (N, [])
    original = {t["data"]["article_id"]: t for t in json.loads(export.read_text(encoding="utf-8"))}
    for task in json.loads(target.read_text(encoding="utf-8")):
        source = original[task["data"]["article_id"]]
        assert task["data"]["text"] == source["data"]["text"]
        (annotation,) = task["annotations"]
        before = sorted(map(_comparable, source["annotations"][0]["result"]))
        after = sorted(map(_comparable, annotation["result"]))
        assert after == before
        assert annotation["lead_time"] == source["annotations"][0]["lead_time"]
