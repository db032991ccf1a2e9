from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsclaims.adjudicate import TOOL as ADJUDICATE_TOOL
from newsclaims.cli import main
from newsclaims.model import SCHEMA_VERSION, AnnotationFile, AnnotationSet, Entity
from newsclaims.status import Stage, StatusTotals, iter_status
from newsclaims.store import Corpus
from newsclaims.vocab import EntityType, SetKind

TEXTS = {
    "blank": "Rain closed the Fenwick ferry for a second day.",
    "single": "Odile Kray opened a bakery in Marston last week.",
    "double": "The Tarrow mill will hire 25 workers, Pia Lund said.",
    "review": "Bruno Hale won the Salt Lake chess open on Sunday.",
    "done": "Vela Systems moved its office to Quarry Street.",
    "outdated": "Anton Reis chairs the Elmfield water board.",
    "drafty": "The Greystone library lends 900 books a month.",
}
REVISED = {
    "moved": ("Nadia Frost leads the Corran choir.", "Nadia Frost now leads the Corran choir."),
    "leftover": ("Jon Ulm sold the Brae cafe.", "Jon Ulm has sold the Brae cafe to Iva Toll."),
}
PROJECT = "desk"


def entity(text: str, words: str, type_: EntityType) -> Entity:
    start = text.index(words)
    return Entity(id=f"e{start}", start=start, end=start + len(words), text=words, type=type_)


def a_set(set_id: str, text: str, sha: str, names: list[tuple[str, EntityType]], kind: SetKind = SetKind.ANNOTATION, **extra) -> AnnotationSet:
    return AnnotationSet(
        set_id=set_id, kind=kind, annotator=f"who-{set_id}", article_sha256=sha, entities=[entity(text, w, t) for w, t in names], **extra
    )


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    corpus = Corpus(tmp_path / "corpus")
    for article_id, text in TEXTS.items():
        corpus.add(text.encode("utf-8"), article_id)
    for article_id, texts in REVISED.items():
        for text in texts:
            corpus.add(text.encode("utf-8"), article_id)
    sha = {a: corpus.latest(a).text_sha256 for a in [*TEXTS, *REVISED]}
    first = {a: corpus.revisions(a)[0].text_sha256 for a in REVISED}
    person, org, gpe = EntityType.PERSON, EntityType.ORG, EntityType.GPE

    def two_passes(article_id: str, names_a, names_b) -> list[AnnotationSet]:
        text = TEXTS[article_id]
        return [a_set("p1", text, sha[article_id], names_a), a_set("p2", text, sha[article_id], names_b)]

    t = TEXTS
    review = two_passes("review", [("Bruno Hale", person)], [("Bruno Hale", person), ("Salt Lake", gpe)])
    done = two_passes("done", [("Vela Systems", org)], [("Vela Systems", org)])
    outdated = two_passes("outdated", [("Anton Reis", person)], [("Anton Reis", person)])
    sets = {
        "single": [a_set("ls-4-a8", t["single"], sha["single"], [("Odile Kray", person), ("Marston", gpe)])],
        "double": two_passes("double", [("Tarrow", gpe), ("Pia Lund", person)], [("Tarrow mill", org), ("Pia Lund", person)]),
        "review": review + [a_set("cand", t["review"], sha["review"], [("Bruno Hale", person)], SetKind.CANDIDATE, derived_from=["p1", "p2"])],
        "done": done + [a_set("gold", t["done"], sha["done"], [("Vela Systems", org)], SetKind.GOLD, derived_from=["p1", "p2"], reviewer="rev")],
        "outdated": outdated
        + [
            a_set("p3", t["outdated"], sha["outdated"], [("Elmfield", gpe)]),
            a_set("gold", t["outdated"], sha["outdated"], [("Anton Reis", person)], SetKind.GOLD, derived_from=["p1", "p2"], tool=ADJUDICATE_TOOL),
        ],
        "drafty": [a_set("ls-9-d2", t["drafty"], sha["drafty"], [("Greystone", gpe)], SetKind.DRAFT)],
        "moved": [a_set("p1", REVISED["moved"][0], first["moved"], [("Nadia Frost", person)])],
        "leftover": [
            a_set("p1", REVISED["leftover"][1], sha["leftover"], [("Jon Ulm", person)]),
            a_set("p1:r1", REVISED["leftover"][0], first["leftover"], [("Brae cafe", org)]),
        ],
    }
    corpus.save_annotation_files([AnnotationFile(schema_version=SCHEMA_VERSION, article_id=a, sets=s) for a, s in sets.items()])
    return corpus


@pytest.fixture
def statuses(corpus: Corpus) -> dict:
    found = {s.article_id: s for s in iter_status(corpus, project=PROJECT)}
    assert sorted(found) == sorted([*TEXTS, *REVISED])
    return found


def test_no_pass_asks_for_annotation(statuses):
    status = statuses["blank"]
    assert status.stage is Stage.NO_PASS and status.passes == [] and status.entity_exact_f1 is None
    assert status.next_step == "annotate: newsclaims ls push --project desk (or newsclaims studio), then newsclaims ls pull --project desk"
    assert " | no gold | entity F1 - | stale: - | " in status.format()


def test_one_pass_asks_for_a_second(statuses):
    status = statuses["single"]
    assert status.stage is Stage.ONE_PASS and status.independent_passes == 1
    assert status.next_step.startswith("a second pass: newsclaims ls push --project desk")
    assert "passes: ls-4-a8 (who-ls-4-a8, submitted, r1) |" in status.format()


def test_two_passes_without_gold_ask_for_adjudication_and_show_their_agreement(statuses):
    status = statuses["double"]
    assert status.stage is Stage.NEEDS_ADJUDICATION and status.next_step == "newsclaims adjudicate double"
    assert status.entity_exact_f1 == 0.5
    assert "entity F1 50.0%" in status.format()


def test_candidate_asks_for_review_in_label_studio(statuses):
    status = statuses["review"]
    assert status.stage is Stage.CANDIDATE and status.reference.set_id == "cand"
    assert status.next_step == "review in Label Studio: newsclaims ls push --project desk, mark ground truth, newsclaims ls pull --project desk"
    assert "| candidate from p1, p2 |" in status.format()


def test_gold_of_every_pass_is_ready(statuses):
    status = statuses["done"]
    assert status.stage is Stage.READY and status.stale == []
    assert status.next_step == "ready: newsclaims build"
    assert "| gold from p1, p2 | entity F1 100.0% |" in status.format()


def test_a_pass_the_gold_was_not_made_from_asks_for_re_adjudication(statuses):
    status = statuses["outdated"]
    assert status.stage is Stage.GOLD_OUTDATED
    assert status.stale == ["gold not derived from p3 (re-adjudicate)"]
    assert status.next_step == "re-adjudicate: newsclaims adjudicate outdated"


def test_re_adjudicating_a_gold_made_by_a_reviewer_says_it_replaces_it(corpus: Corpus):
    annotations = corpus.load_annotations("outdated")
    gold = annotations.gold()
    gold.tool, gold.reviewer = "label-studio 1.23.2", "rev"
    corpus.save_annotations(annotations)
    [status] = iter_status(corpus, ["outdated"])
    assert status.next_step == "re-adjudicate: newsclaims adjudicate outdated --force (replaces gold, made with label-studio 1.23.2)"


def test_sets_on_an_old_revision_ask_for_reanchor(statuses):
    status = statuses["moved"]
    assert status.revision == 2 and status.independent_passes == 0
    assert status.stale == ["p1 on r1 (newsclaims reanchor moved)"]
    assert status.next_step == "newsclaims reanchor moved"
    assert "passes: p1 (who-p1, submitted, r1)" in status.format()


def test_what_reanchor_left_behind_is_flagged_but_not_sent_back_to_it(statuses):
    status = statuses["leftover"]
    assert status.stage is Stage.ONE_PASS
    assert status.stale == ["p1:r1 left on r1 by reanchor (fix by hand)"]
    assert "reanchor" not in status.next_step


def test_an_open_draft_is_flagged_and_asked_to_be_submitted(statuses):
    status = statuses["drafty"]
    assert status.stage is Stage.NO_PASS and status.independent_passes == 0
    assert status.stale == ["open draft(s) ls-9-d2"]
    assert status.next_step == "submit the draft in Label Studio, then newsclaims ls pull --project desk"
    assert "passes: ls-9-d2 (who-ls-9-d2, draft, r1)" in status.format()


def test_totals(statuses):
    totals = StatusTotals()
    for status in statuses.values():
        totals.add(status)
    assert totals.to_dict() == {
        "articles": 9,
        "with_gold": 2,
        "ready": 1,
        "candidates": 1,
        "needing_adjudication": 2,
        "needing_passes": 5,
        "stale": 4,
    }


def test_status_command_text(corpus: Corpus, capsys):
    assert main(["--corpus", str(corpus.root), "status", "--project", PROJECT]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == sorted([*TEXTS, *REVISED])
    assert lines[-1] == "9 article(s): 2 with gold (1 ready), 1 candidate(s), 2 needing adjudication, 5 needing passes, 4 stale"


def test_status_command_json_for_chosen_articles(corpus: Corpus, capsys):
    assert main(["--corpus", str(corpus.root), "status", "review", "double", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"articles", "totals"}
    assert [a["article_id"] for a in data["articles"]] == ["double", "review"]
    review = data["articles"][1]
    assert set(review) == {"article_id", "revision", "stage", "passes", "independent_passes", "reference", "entity_exact_f1", "stale", "next"}
    assert review["stage"] == "candidate" and review["reference"]["derived_from"] == ["p1", "p2"]
    assert review["passes"][0] == {"set_id": "p1", "kind": "annotation", "annotator": "who-p1", "revision": 1, "derived_from": []}
    assert data["totals"]["articles"] == 2 and data["totals"]["candidates"] == 1


def test_status_of_an_unknown_article_is_one_line(corpus: Corpus, capsys):
    assert main(["--corpus", str(corpus.root), "status", "nowhere", "--format", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "article=nowhere [unknown-article]" in captured.err


def test_status_reads_one_annotation_file_at_a_time(corpus: Corpus, monkeypatch):
    loaded = []
    original = Corpus.load_annotations
    monkeypatch.setattr(Corpus, "load_annotations", lambda self, article_id: loaded.append(article_id) or original(self, article_id))
    statuses = iter_status(corpus)
    assert loaded == []
    assert next(statuses).article_id == "blank" and loaded == ["blank"]
    assert next(statuses).article_id == "done" and loaded == ["blank", "done"]


def test_a_broken_annotation_file_is_one_line(corpus: Corpus, capsys):
    corpus.annotation_path("done").write_text('{"schema_version": "1.1.0", "article_id": "done", "sets": [{"set_id": 5}]}', encoding="utf-8")
    assert main(["--corpus", str(corpus.root), "status", "done"]) == 1
    err = capsys.readouterr().err
    assert "done.json: article=done [annotation-file-invalid]" in err and "Traceback" not in err


def test_add_says_what_to_do_next(tmp_path: Path, capsys):
    article = tmp_path / "note.txt"
    article.write_text("Lotte Vinck repaired the Dunmore clock tower.", encoding="utf-8")
    assert main(["--corpus", str(tmp_path / "corpus"), "add", str(article), "--id", "clock"]) == 0
    out = capsys.readouterr().out
    assert "next: newsclaims ls push --project newsclaims (or newsclaims studio) to annotate it; newsclaims status" in out
