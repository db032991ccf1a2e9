"""Sets keep their identity through a real Label Studio server: pushed sets come back as
themselves, edits and reviews come back as what they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from ls_scenario import SEED_ID, find, region
from newsclaims.cli import main
from newsclaims.labelstudio.keys import set_key
from newsclaims.labelstudio.sync import LabelStudioError, pull, push
from newsclaims.labelstudio.tasks import set_to_annotation
from newsclaims.model import AnnotationSet
from newsclaims.passes import independent_passes, is_independent_pass
from newsclaims.vocab import SetKind
from release_helpers import copy_corpus

pytestmark = pytest.mark.labelstudio


def corpus_bytes(corpus) -> dict[str, bytes]:
    files = {str(p.relative_to(corpus.root)): p.read_bytes() for p in sorted(corpus.root.rglob("*")) if p.is_file()}
    assert files, "the corpus copy has no files"
    return files


def content(aset: AnnotationSet) -> tuple:
    return (aset.entities, aset.claims, aset.figures)


def sets_of(corpus) -> dict[str, AnnotationSet]:
    return {s.set_id: s for s in corpus.load_annotations(SEED_ID).sets}


def project_id(client, title: str) -> int:
    [project] = [p for p in client.projects.list(title=title) if p.title == title]
    return project.id


def only_task(client, title: str) -> int:
    [task] = list(client.tasks.list(project=project_id(client, title), fields="task_only"))
    return task.id


def copy_of(client, task_id: int, set_id: str) -> int:
    """The id of the Label Studio annotation that is the pushed corpus set ``set_id``."""
    matches = [a.id for a in client.annotations.list(id=task_id) if a.import_id == set_key(SEED_ID, set_id)]
    assert len(matches) == 1, matches
    return matches[0]


def without_one_entity(aset: AnnotationSet) -> list[dict]:
    """The set's results less one entity that no relation names: an edit a person could make."""
    results = set_to_annotation(aset)["result"]
    related = {r.get(end) for r in results if r.get("type") == "relation" for end in ("from_id", "to_id")}
    dropped = next(e.id for e in aset.entities if e.id not in related)
    return [r for r in results if r.get("id") != dropped]


def test_push_and_pull_with_no_one_annotating_change_no_byte(label_studio, tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
    corpus = copy_corpus(tmp_path)
    before = corpus_bytes(corpus)
    title = "identity unchanged"
    for _ in range(3):
        assert main(["--corpus", str(corpus.root), "ls", "push", "--project", title]) == 0
        assert main(["--corpus", str(corpus.root), "ls", "pull", "--project", title]) == 0
        out = capsys.readouterr().out
        assert f"article={SEED_ID}: nothing changed" in out and "next: newsclaims status" in out, out
        assert corpus_bytes(corpus) == before
    task_id = only_task(label_studio.client, title)
    annotations = list(label_studio.client.annotations.list(id=task_id))
    assert [(a.import_id, a.ground_truth) for a in annotations] == [(set_key(SEED_ID, "gold"), True)], "pushed once, never duplicated"


def test_independent_annotation_and_edit_of_gold(label_studio, tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    title = "identity passes"
    client = label_studio.client
    push(client, corpus, title)
    task_id = only_task(client, title)
    gold = sets_of(corpus)["gold"]
    text = client.tasks.get(id=str(task_id)).data["text"]
    user_id, _, annotator = label_studio.new_annotator("identity-annotator@example.com", "identity-pass-1")

    own = annotator.annotations.create(id=task_id, result=[region("Wq1Er2Ty3U", "entity", "PERSON", text, find(text, "Lavrov"))], was_cancelled=False, ground_truth=False)
    gold_copy = copy_of(client, task_id, "gold")
    annotator.annotations.update(id=gold_copy, result=without_one_entity(gold), ground_truth=False)

    result = pull(client, corpus, title)
    pid = result.project_id
    sets = sets_of(corpus)
    assert content(sets["gold"]) == content(gold) and sets["gold"] == gold, "the gold set stays as it was"
    independent = sets[f"ls-{pid}-a{own.id}"]
    assert independent.annotator == "identity-annotator@example.com" and independent.derived_from == []
    assert is_independent_pass(independent)
    edited = sets[f"ls-{pid}-a{gold_copy}"]
    assert edited.kind is SetKind.ANNOTATION and edited.derived_from == ["gold"] and not is_independent_pass(edited)
    assert edited.annotator == "identity-annotator@example.com" and len(edited.entities) == len(gold.entities) - 1
    passes = independent_passes(corpus.load_annotations(SEED_ID), gold.article_sha256)
    assert f"ls-{pid}-a{own.id}" in [s.set_id for s in passes] and f"ls-{pid}-a{gold_copy}" not in [s.set_id for s in passes]
    assert result.next_step() == f"newsclaims adjudicate {SEED_ID}"

    # The gold's copy now belongs to the edited set: the next push gives the task the gold again.
    again = push(client, corpus, title)
    assert (again.sets_added, again.sets_updated) == (1, 0)
    settled = corpus_bytes(corpus)
    pull(client, corpus, title)
    assert corpus_bytes(corpus) == settled
    assert push(client, corpus, title).sets_added == 0
    pull(client, corpus, title)
    assert corpus_bytes(corpus) == settled


def test_reviewed_candidate_becomes_gold(label_studio, tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    title = "identity review"
    client = label_studio.client
    annotations = corpus.load_annotations(SEED_ID)
    old_gold = annotations.gold()
    candidate = old_gold.model_copy(update={"set_id": "candidate", "kind": SetKind.CANDIDATE, "annotator": "agreed items", "derived_from": ["pass-a", "pass-b"]})
    corpus.save_annotations(annotations.model_copy(update={"sets": [*annotations.sets, candidate]}))

    pushed = push(client, corpus, title)
    assert pushed.created == 1
    task_id = only_task(client, title)
    by_key = {a.import_id: a for a in client.annotations.list(id=task_id)}
    assert by_key[set_key(SEED_ID, "gold")].ground_truth and not by_key[set_key(SEED_ID, "candidate")].ground_truth
    _, _, reviewer = label_studio.new_annotator("identity-reviewer@example.com", "identity-pass-2")
    reviewed = reviewer.annotations.update(id=copy_of(client, task_id, "candidate"), result=without_one_entity(candidate), ground_truth=True)

    result = pull(client, corpus, title)
    sets = sets_of(corpus)
    assert "candidate" not in sets
    gold = sets["gold"]
    assert gold.kind is SetKind.GOLD and gold.derived_from == ["pass-a", "pass-b"]
    assert gold.reviewer == gold.annotator == "identity-reviewer@example.com" and gold.tool == "label-studio"
    assert gold.label_studio.annotation_id == reviewed.id and gold.label_studio.ground_truth and gold.label_studio.task_id == task_id
    assert len(gold.entities) == len(old_gold.entities) - 1
    assert [s.set_id for s in corpus.load_annotations(SEED_ID).sets if s.kind is SetKind.GOLD] == ["gold"]
    assert any(line.startswith("gold:") for line in result.changes[SEED_ID])

    settled = corpus_bytes(corpus)
    for _ in range(2):
        again = push(client, corpus, title)
        assert (again.sets_added, again.sets_updated) == (0, 0)
        pull(client, corpus, title)
        assert corpus_bytes(corpus) == settled


def test_push_updates_an_older_copy_and_refuses_a_newer_one(label_studio, tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    title = "identity newer"
    client = label_studio.client
    push(client, corpus, title)
    task_id = only_task(client, title)
    annotations = corpus.load_annotations(SEED_ID)
    gold = annotations.gold()
    readjudicated = AnnotationSet.model_validate(
        {**gold.model_dump(), "entities": [e.model_dump() for e in gold.entities[1:]], "updated_at": "2999-01-01T00:00:00Z"}
    )
    corpus.save_annotations(annotations.model_copy(update={"sets": [readjudicated if s.set_id == "gold" else s for s in annotations.sets]}))
    settled = corpus_bytes(corpus)
    pull(client, corpus, title)
    assert corpus_bytes(corpus) == settled, "an older copy in Label Studio never overwrites a newer corpus gold"
    assert push(client, corpus, title).sets_updated == 1
    pull(client, corpus, title)
    assert corpus_bytes(corpus) == settled

    # Changed in Label Studio, not pulled yet: the push refuses and sends nothing.
    gold_copy = copy_of(client, task_id, "gold")
    client.annotations.update(id=gold_copy, result=set_to_annotation(gold)["result"], ground_truth=True)
    stale = AnnotationSet.model_validate({**readjudicated.model_dump(), "updated_at": "2000-01-01T00:00:00Z"})
    corpus.save_annotations(annotations.model_copy(update={"sets": [stale if s.set_id == "gold" else s for s in annotations.sets]}))
    with pytest.raises(LabelStudioError, match="changed in Label Studio since they were pushed.*run 'newsclaims ls pull' first"):
        push(client, corpus, title)
    assert len(client.annotations.get(id=gold_copy).result) == len(set_to_annotation(gold)["result"])
