"""The round trip against a real Label Studio server (started by the session fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA
from ls_scenario import SEED_ID, annotate
from newsclaims.cli import main
from newsclaims.convert import hf_to_labelstudio, labelstudio_to_corpus, labelstudio_to_hf
from newsclaims.labelstudio.sync import export_complete, pull, push
from newsclaims.model import AnnotationSet
from newsclaims.vocab import SetKind
from release_helpers import copy_corpus

pytestmark = pytest.mark.labelstudio


def content(aset: AnnotationSet) -> tuple:
    return (aset.entities, aset.claims, aset.figures)


def project_tasks(client, project_id: int) -> list:
    return list(client.tasks.list(project=project_id, fields="task_only"))


@pytest.fixture
def env(label_studio, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
    return label_studio


def test_push_twice_annotate_as_second_user_then_pull_gives_both_annotators(env, tmp_path: Path, capsys):
    corpus = copy_corpus(tmp_path)
    original_gold = corpus.load_annotations(SEED_ID).gold()
    project = "newsclaims live round trip"
    assert main(["--corpus", str(corpus.root), "ls", "push", "--project", project]) == 0
    assert "created: 1 task(s) created" in capsys.readouterr().out
    assert main(["--corpus", str(corpus.root), "ls", "push", "--project", project]) == 0
    assert "unchanged: 0 task(s) created, 0 new revision(s), 1 unchanged" in capsys.readouterr().out

    client = env.client
    [project_info] = [p for p in client.projects.list(title=project) if p.title == project]
    [task] = project_tasks(client, project_info.id)
    user_id, _, annotator = env.new_annotator("annotator-live@example.com", "annotator-pass-1")
    annotate(client, annotator, annotator._client_wrapper.httpx_client, task.id)

    report = tmp_path / "report.json"
    assert main(["--corpus", str(corpus.root), "ls", "pull", "--project", project, "--report", str(report)]) == 0
    sets = {s.set_id: s for s in corpus.load_annotations(SEED_ID).sets}
    from_server = [s for s in sets.values() if s.label_studio and s.label_studio.project_id == project_info.id]
    kinds = sorted((s.kind.value, s.annotator or "", s.label_studio.was_cancelled) for s in from_server)
    assert kinds == sorted([
        ("annotation", "annotator-live@example.com", False),
        ("annotation", "annotator-live@example.com", True),
        ("draft", "annotator-live@example.com", False),
        ("prediction", "", False),
    ])
    gold = sets["gold"]
    assert gold == original_gold and not gold.label_studio, "the pushed gold comes back as itself, not as a new set"
    second = next(s for s in from_server if s.annotator == "annotator-live@example.com" and s.kind is SetKind.ANNOTATION and not s.label_studio.was_cancelled)
    assert second.label_studio.completed_by == user_id and second.label_studio.lead_time == 42.5

    recorded = copy_corpus(tmp_path / "recorded")
    labelstudio_to_corpus([DATA / "labelstudio" / "seed-export.json"], recorded)
    recorded_second = next(s for s in recorded.load_annotations(SEED_ID).sets if s.set_id == "ls-1-a2")
    assert content(second) == content(recorded_second), "the recorded fixture no longer matches what the server exports"
    prediction = next(s for s in from_server if s.kind is SetKind.PREDICTION)
    assert prediction.label_studio.model_version == "figure-finder-0.1" and [f.text for f in prediction.figures] == ["103"]
    assert json.loads(report.read_text(encoding="utf-8"))["problems"] == []

    before = {p.name: p.read_bytes() for p in corpus.annotation_paths()}
    assert main(["--corpus", str(corpus.root), "ls", "pull", "--project", project]) == 0
    assert {p.name: p.read_bytes() for p in corpus.annotation_paths()} == before, "pulling twice must change nothing"


def test_push_as_predictions_comes_back_as_the_gold_it_is(env, tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    before = corpus.annotation_path(SEED_ID).read_bytes()
    result = push(env.client, corpus, "newsclaims live predictions", as_predictions=True)
    assert (result.created, result.unchanged) == (1, 0)
    [task] = project_tasks(env.client, result.project_id)
    [prediction] = env.client.predictions.list(task=task.id)
    assert prediction.model_version == "newsclaims-gold"
    pulled = pull(env.client, corpus, "newsclaims live predictions")
    assert pulled.collected.sets == 1 and pulled.written == []
    assert corpus.annotation_path(SEED_ID).read_bytes() == before
    assert push(env.client, corpus, "newsclaims live predictions", as_predictions=True).sets_added == 0


def test_export_to_parquet_to_tasks_to_import_to_export_keeps_everything(env, tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    client = env.client
    first = push(client, corpus, "newsclaims live source")
    [task] = project_tasks(client, first.project_id)
    _, _, annotator = env.new_annotator("annotator-two@example.com", "annotator-pass-2")
    annotate(client, annotator, annotator._client_wrapper.httpx_client, task.id)
    export = tmp_path / "export.json"
    export_complete(client, "newsclaims live source", export)

    labelstudio_to_hf([export], tmp_path / "release", corpus)
    count, problems = hf_to_labelstudio(tmp_path / "release", tmp_path / "tasks.json")
    assert count == 1 and [p.error_id for p in problems] == ["draft-not-importable"]
    imported = json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8"))[0]
    assert len(imported["predictions"]) == 1
    target = client.projects.create(title="newsclaims live target", label_config=client.projects.get(id=first.project_id).label_config)
    client.projects.import_tasks(id=target.id, request=json.loads((tmp_path / "tasks.json").read_text(encoding="utf-8")))
    again = tmp_path / "again.json"
    export_complete(client, "newsclaims live target", again)

    def regions(path: Path) -> list:
        [exported] = json.loads(path.read_text(encoding="utf-8"))
        out = []
        for annotation in exported["annotations"]:
            results = []
            for r in annotation["result"]:
                r = {k: v for k, v in r.items() if k != "origin"}
                if r.get("type") == "number":
                    r["value"] = {**r["value"], "number": float(r["value"]["number"])}
                results.append(json.dumps(r, sort_keys=True))
            out.append((sorted(results), annotation["was_cancelled"], annotation["ground_truth"]))
        return sorted(out)

    assert regions(again) == regions(export)
    [original] = json.loads(export.read_text(encoding="utf-8"))
    [copied] = json.loads(again.read_text(encoding="utf-8"))
    assert copied["data"]["text"] == original["data"]["text"]
    def strip(p):
        return sorted(json.dumps({k: v for k, v in r.items() if k != "origin"}, sort_keys=True) for r in p["result"])
    assert [strip(p) for p in copied["predictions"]] == [strip(p) for p in original["predictions"]]
    assert [p["model_version"] for p in copied["predictions"]] == ["figure-finder-0.1"]
