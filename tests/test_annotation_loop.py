"""The annotation loop end to end, against a real Label Studio server, through the command line.

Two new articles are added and pushed; two Label Studio users annotate them differently;
pull; status; agreement as published by build; adjudicate; a reviewer resolves the candidate
in Label Studio and marks it ground truth; pull; build; load_dataset; push and pull again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from loop_articles import ARTICLES, PUBLISHED, pass_set
from newsclaims.cli import main
from newsclaims.labelstudio.results import set_to_results
from newsclaims.store import Corpus

pytestmark = pytest.mark.labelstudio

PROJECT = "newsclaims annotation loop"
FIRST, SECOND, REVIEWER = "first.annotator@example.com", "second.annotator@example.com", "reviewer@example.com"


def run(capsys, checkout: Path, *args: str) -> str:
    code = main(["--corpus", str(checkout / "corpus"), *args])
    out = capsys.readouterr()
    assert code == 0, f"newsclaims {' '.join(args)} exited {code}:\n{out.out}\n{out.err}"
    return out.out


def corpus_bytes(corpus: Corpus) -> dict[str, bytes]:
    return {str(p.relative_to(corpus.root)): p.read_bytes() for p in sorted(corpus.root.rglob("*")) if p.is_file() and "parquet" not in p.parts}


def empty_checkout(target: Path) -> Path:
    """A checkout with the project's documents and an empty corpus: only what these tests add."""
    for name in ("README.md", "DATASHEET.md", "CHANGELOG.md"):
        shutil.copy(REPO / name, target / name)
    (target / "corpus").mkdir()
    return target


def annotate_pass(client, task, article_id: str, second: bool) -> None:
    aset = pass_set(article_id, task.data["text_sha256"], second)
    client.annotations.create(id=task.id, result=set_to_results(aset.entities, aset.claims, aset.figures), ground_truth=False, was_cancelled=False, lead_time=30.0)


def load_figures(checkout: Path, hf_home: Path) -> list[dict]:
    code = (
        "import json, sys, datasets\n"
        "rows = datasets.load_dataset(sys.argv[1], 'figures', split='train')\n"
        "print(json.dumps([{k: r[k] for k in ('article_id', 'text', 'approximation', 'value')} for r in rows]))\n"
    )
    env = {**os.environ, "HF_HOME": str(hf_home), "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code, str(checkout)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_new_articles_go_from_two_passes_to_released_gold(label_studio, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
    checkout = empty_checkout(tmp_path)
    corpus = Corpus(checkout / "corpus")
    for article_id, text in ARTICLES.items():
        path = tmp_path / f"{article_id}.txt"
        path.write_text(text, encoding="utf-8")
        out = run(capsys, checkout, "add", str(path), "--id", article_id, "--published", PUBLISHED, "--language", "en")
        assert "next:" in out

    run(capsys, checkout, "ls", "push", "--project", PROJECT)
    admin = label_studio.client
    [project] = [p for p in admin.projects.list(title=PROJECT) if p.title == PROJECT]
    tasks = {t.data["article_id"]: t for t in admin.tasks.list(project=project.id, fields="task_only")}
    assert sorted(tasks) == sorted(ARTICLES)
    _, _, first = label_studio.new_annotator(FIRST, "first-pass-word")
    _, _, second = label_studio.new_annotator(SECOND, "second-pass-word")
    for article_id, task in tasks.items():
        annotate_pass(first, task, article_id, second=False)
        annotate_pass(second, task, article_id, second=True)

    out = run(capsys, checkout, "ls", "pull", "--project", PROJECT)
    assert "next:" in out
    status = json.loads(run(capsys, checkout, "status", "--project", PROJECT, "--format", "json"))
    for article in status["articles"]:
        annotators = sorted(p["annotator"] for p in article["passes"])
        assert annotators == [FIRST, SECOND] and article["independent_passes"] == 2, article
        assert article["reference"] is None and article["stage"] == "needs adjudication", article

    run(capsys, checkout, "build", "--docs-dir", str(checkout))
    card = (checkout / "README.md").read_text(encoding="utf-8")
    agreement = json.loads(run(capsys, checkout, "agreement", "--format", "json"))
    assert agreement["articles"] == 2 and agreement["pairs"] == 2
    assert agreement["layers"]["entities"]["exact_f1"] < 1.0 and agreement["layers"]["figures"]["exact_f1"] < 1.0
    assert "over 2 article(s)" in card and "(2 pair(s)" in card

    report = tmp_path / "adjudication.json"
    out = run(capsys, checkout, "adjudicate", "--all", "--report", str(report), "--html", str(tmp_path / "adjudication.html"))
    adjudicated = json.loads(report.read_text(encoding="utf-8"))
    conflicts = {a["article_id"]: a["conflicts"] for a in adjudicated["articles"]}
    assert sorted(conflicts) == sorted(ARTICLES) and all(conflicts.values())
    for article_id in ARTICLES:
        candidate = next(s for s in corpus.load_annotations(article_id).sets if s.kind.value == "candidate")
        assert len(candidate.derived_from) == 2
        first_pass = pass_set(article_id, candidate.article_sha256, second=False)
        assert len(candidate.entities) + len(candidate.figures) < len(first_pass.entities) + len(first_pass.figures)

    run(capsys, checkout, "ls", "push", "--project", PROJECT)
    _, _, reviewer = label_studio.new_annotator(REVIEWER, "reviewer-word")
    for article_id, task in tasks.items():
        annotations = list(reviewer.annotations.list(id=task.id))
        mine = {FIRST, SECOND}
        [review] = [a for a in annotations if a.ground_truth is False and a.completed_by not in {u.id for u in admin.users.list() if u.email in mine}]
        resolved = pass_set(article_id, task.data["text_sha256"], second=False)
        reviewer.annotations.update(id=review.id, result=set_to_results(resolved.entities, resolved.claims, resolved.figures), ground_truth=True)

    run(capsys, checkout, "ls", "pull", "--project", PROJECT)
    for article_id in ARTICLES:
        annotations = corpus.load_annotations(article_id)
        gold = annotations.gold()
        assert gold is not None and gold.reviewer == REVIEWER
        assert len(gold.derived_from) == 2
        expected = pass_set(article_id, gold.article_sha256, second=False)
        assert [f.text for f in gold.figures] == [f.text for f in expected.figures]
        assert not [s for s in annotations.sets if s.kind.value == "candidate"]
    status = json.loads(run(capsys, checkout, "status", "--project", PROJECT, "--format", "json"))
    assert [(a["reference"]["kind"], a["stage"]) for a in status["articles"]] == [("gold", "ready")] * 2

    run(capsys, checkout, "validate")
    run(capsys, checkout, "build", "--docs-dir", str(checkout))
    figures = load_figures(checkout, tmp_path / "hf")
    for article_id in ARTICLES:
        expected = pass_set(article_id, corpus.latest(article_id).text_sha256, second=False)
        released = [(f["text"], f["approximation"], f["value"]) for f in figures if f["article_id"] == article_id]
        assert released == [(f.text, f.approximation.value, f.value) for f in expected.figures]

    agreement_after = json.loads(run(capsys, checkout, "agreement", "--format", "json"))
    assert agreement_after["pairs"] == 2, "gold pulled back from Label Studio is never a pass"
    before = corpus_bytes(corpus)
    run(capsys, checkout, "ls", "push", "--project", PROJECT)
    run(capsys, checkout, "ls", "pull", "--project", PROJECT)
    run(capsys, checkout, "ls", "push", "--project", PROJECT)
    run(capsys, checkout, "ls", "pull", "--project", PROJECT)
    assert corpus_bytes(corpus) == before, "pushing and pulling with no one annotating changes nothing"
