"""The generated labeling page in a real browser against a real Label Studio server.

An article is pushed with a suggested (prediction) set; a person opens the task, corrects one
figure's value and one claim's source with mouse and keyboard, submits, and the pulled set is
the suggestion with exactly those two changes. On a second article a person draws one
attributed claim with a figure from nothing; the actions it takes are counted.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from browser import CHROMIUM_ARGS, EDITOR, TEXT, VIEWPORT, Person, chromium_executable, log_in, open_task
from conftest import REPO
from newsclaims.cli import main
from newsclaims.labelstudio.results import relation_meaning, results_to_layers
from newsclaims.model import AnnotationFile, AnnotationSet, ClaimSpan, file_schema_version
from newsclaims.store import Corpus
from newsclaims.vocab import SetKind

PROJECT = "newsclaims labeling page"
SCREENSHOT = REPO / "schema" / "labeling-page.png"
SUGGESTED_ID, BLANK_ID = "page_flood", "page_blank"
FLOOD = (
    "Flood barriers along the river Ostra held overnight, the regional water board said on Friday, "
    "after three days of heavy rain pushed levels to a record. "
    "\"We pumped about 40,000 cubic metres out of the old town,\" said Hedda Varn, the board's chief engineer. "
    "She added that roughly 1,200 homes had lost power at the peak of the storm. "
    "Residents in the lower districts were told to stay upstairs until the water drained.\n"
)
BLANK = FLOOD.replace("Flood barriers", "Flood defences")
# Actions to draw one attributed claim with a figure and submit it (draw_attributed_claim).
# On the previous page (label chips above the text, fields below it, every relation labelled
# by hand: Relations tab, then per relation hover, "Show Relation Labels", the menu, the label)
# the same steps, counted with the same Person, took 41.
NEW_PAGE_ACTIONS = 28
OLD_PAGE_ACTIONS = 41


def at(needle: str, occurrence: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence):
        start = FLOOD.index(needle, start + 1)
    return start, start + len(needle)


def span(needle: str, occurrence: int = 1) -> dict:
    start, end = at(needle, occurrence)
    return {"start": start, "end": end, "text": needle}


def suggestion(sha: str) -> AnnotationSet:
    """Suggestions with two mistakes: the second claim's source ("the board", not "She") and
    the value of its figure (1000, not 1,200)."""
    return AnnotationSet.model_validate({
        "set_id": "suggested", "kind": "prediction", "tool": "suggest", "article_sha256": sha,
        "entities": [{"id": "e1", "type": "ORG", **span("regional water board")}, {"id": "e2", "type": "PERSON", **span("Hedda Varn")}],
        "claims": [
            {"id": "c1", "mode": "direct_quote", "content": [span("We pumped about 40,000 cubic metres out of the old town")],
             "cue": span("said", 2), "source": span("Hedda Varn"), "source_entity_id": "e2"},
            {"id": "c2", "mode": "indirect", "content": [span("roughly 1,200 homes had lost power at the peak of the storm")],
             "cue": span("added"), "source": span("the board"), "source_entity_id": None},
        ],
        "figures": [
            {"id": "f1", "kind": "measure", "approximation": "about", "value": 40000.0, "unit": "m3", "claim_id": "c1", **span("about 40,000 cubic metres")},
            {"id": "f2", "kind": "count", "approximation": "about", "value": 1000.0, "counted": "homes without power", "claim_id": "c2", **span("roughly 1,200")},
        ],
    })


def test_a_relation_takes_its_meaning_from_its_two_regions():
    assert relation_meaning("content", "source") == (relation_meaning("source", "content")[0], False)
    assert [relation_meaning(a, b) for a, b in [("source", "content"), ("entity", "source"), ("content", "figure"), ("cue", "content")]] == [
        (label, True) for label in (relation_meaning("content", "source")[0], relation_meaning("source", "entity")[0],
                                    relation_meaning("figure", "content")[0], relation_meaning("content", "cue")[0])
    ]
    assert relation_meaning("content", "content")[0].value == "continues"
    assert relation_meaning("figure", "entity") is None and relation_meaning("cue", "source") is None


def _claim_results(relations: list[dict]) -> list[dict]:
    regions = [("c9", "claim", "content", "We pumped about 40,000 cubic metres out of the old town"), ("s9", "claim", "source", "Hedda Varn"),
               ("q9", "claim", "cue", "said"), ("f9", "figure", "measure", "about 40,000 cubic metres"), ("e9", "entity", "PERSON", "Hedda Varn")]
    results = []
    for region_id, tag, label, needle in regions:
        start, end = at(needle, 2 if needle == "said" else 1)
        results.append({"id": region_id, "from_name": tag, "to_name": "text", "type": "labels", "value": {"start": start, "end": end, "labels": [label]}})
    results.append({"id": "c9", "from_name": "mode", "to_name": "text", "type": "choices", "value": {"start": 0, "end": 1, "choices": ["direct_quote"]}})
    results.append({"id": "f9", "from_name": "approximation", "to_name": "text", "type": "choices", "value": {"start": 0, "end": 1, "choices": ["about"]}})
    return results + [{"type": "relation", "from_id": a, "to_id": b, "direction": "right", **({"labels": [label]} if label else {})} for a, b, label in relations]


def test_unlabelled_relations_in_either_direction_read_like_labelled_ones():
    labelled = results_to_layers(_claim_results([("c9", "s9", "source"), ("c9", "q9", "cue"), ("s9", "e9", "refers_to"), ("f9", "c9", "in_claim")]), FLOOD)
    unlabelled = results_to_layers(_claim_results([("s9", "c9", None), ("c9", "q9", None), ("e9", "s9", None), ("c9", "f9", None)]), FLOOD)
    assert labelled.problems == unlabelled.problems == []
    assert (unlabelled.claims, unlabelled.figures) == (labelled.claims, labelled.figures)
    [claim] = labelled.claims
    assert (claim["source"]["text"], claim["source_entity_id"], claim["cue"]["text"], labelled.figures[0]["claim_id"]) == ("Hedda Varn", "e9", "said", "c9")


def test_a_relation_label_that_disagrees_with_its_regions_or_none_where_needed_is_an_error():
    wrong = results_to_layers(_claim_results([("c9", "s9", "cue"), ("c9", "q9", None)]), FLOOD)
    assert [(p.error_id, p.region_id) for p in wrong.problems] == [("relation-target", "c9")]
    assert "is source, found the label 'cue'" in wrong.problems[0].message
    meaningless = results_to_layers(_claim_results([("c9", "s9", None), ("c9", "q9", None), ("f9", "e9", None)]), FLOOD)
    assert [(p.error_id, p.region_id) for p in meaningless.problems] == [("relation-label", "f9")]
    assert "found figure -> entity" in meaningless.problems[0].message


@pytest.fixture
def browser_page():
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def run(capsys, corpus: Path, *args: str) -> str:
    code = main(["--corpus", str(corpus), *args])
    out = capsys.readouterr()
    assert code == 0, f"newsclaims {' '.join(args)} exited {code}:\n{out.out}\n{out.err}"
    return out.out


def pulled_pass(corpus: Corpus, article_id: str) -> AnnotationSet:
    passes = [s for s in corpus.load_annotations(article_id).sets if s.kind is SetKind.ANNOTATION and s.label_studio]
    assert len(passes) == 1, [s.set_id for s in passes]
    return passes[0]


def submit(page, person: Person) -> None:
    with page.expect_response(lambda r: "/annotations" in r.url and r.request.method in ("POST", "PATCH") and r.ok):
        person.click(page.get_by_role("button", name="Submit"), "Submit")


def draw_attributed_claim(page, person: Person) -> None:
    """One direct quote from nothing: source, cue, content with its mode, a figure with its
    approximation and value, and the three relations, none labelled. Regions are drawn first:
    a label chip clicked while a region is selected would add that label to it."""
    drawn = (("source", "Hedda Varn", 1), ("cue", "said", 2), ("content", "We pumped about 40,000 cubic metres out of the old town", 1), ("measure", "about 40,000 cubic metres", 1))
    for label, needle, occurrence in drawn:
        person.chip(label)
        person.drag(*at(needle, occurrence))
    person.click_text(*at("pumped"))
    person.click(page.locator(f"{EDITOR} .lsf-choice", has_text="direct_quote").first, "mode direct_quote")
    person.click_text(*at("40,000"))
    person.click(page.locator(f"{EDITOR} .lsf-choice", has_text="about").first, "approximation about")
    person.click(page.locator(f"{EDITOR} .lsf-number input").first, "value")
    person.type("40000")
    for start, end in ((at("pumped"), at("Hedda")), (at("pumped"), at("said", 2)), (at("40,000"), at("town"))):
        person.click_text(*start)
        person.press("Alt+r")
        person.click_text(*end)


@pytest.mark.labelstudio
def test_correcting_suggestions_in_the_browser_changes_only_what_was_corrected(label_studio, browser_page, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("LABEL_STUDIO_URL", label_studio.url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", label_studio.token)
    for name in ("README.md", "DATASHEET.md", "CHANGELOG.md"):
        shutil.copy(REPO / name, tmp_path / name)
    corpus = Corpus(tmp_path / "corpus")
    corpus.root.mkdir()
    for article_id, text in ((SUGGESTED_ID, FLOOD), (BLANK_ID, BLANK)):
        (tmp_path / f"{article_id}.txt").write_text(text, encoding="utf-8")
        run(capsys, corpus.root, "add", str(tmp_path / f"{article_id}.txt"), "--id", article_id, "--published", "2026-11-20", "--language", "en")
    predicted = suggestion(corpus.latest(SUGGESTED_ID).text_sha256)
    corpus.save_annotations(AnnotationFile(schema_version=file_schema_version([predicted]), article_id=SUGGESTED_ID, sets=[predicted]))
    run(capsys, corpus.root, "ls", "push", "--project", PROJECT)
    [project] = [p for p in label_studio.client.projects.list(title=PROJECT) if p.title == PROJECT]
    tasks = {t.data["article_id"]: t.id for t in label_studio.client.tasks.list(project=project.id, fields="task_only")}
    assert sorted(tasks) == sorted((SUGGESTED_ID, BLANK_ID))

    page = browser_page
    log_in(page, label_studio.url, label_studio.admin_email, label_studio.admin_password)
    open_task(page, label_studio.url, project.id, tasks[SUGGESTED_ID])
    page.wait_for_selector(f'{TEXT} [class*="htx-highlight-f2-"]')
    person = Person(page)
    person.region("f2")
    page.locator(f"{EDITOR} .lsf-number input").first.wait_for(state="visible")
    for shot in [tmp_path / "labeling-page.png"] + ([SCREENSHOT] if os.environ.get("NEWSCLAIMS_WRITE_SCREENSHOT") == "1" else []):
        page.screenshot(path=str(shot))
    assert (tmp_path / "labeling-page.png").stat().st_size > 0
    person.click(page.locator(f"{EDITOR} .lsf-number input").first, "value")
    person.press("Control+a")
    person.type("1200")
    person.click_text(*at("the board"))
    person.press("Backspace")
    person.chip("source")
    person.drag(*at("She"))
    person.click_text(*at("homes"))
    person.press("Alt+r")
    person.click_text(*at("She"))
    submit(page, person)

    page.keyboard.press("Escape")
    open_task(page, label_studio.url, project.id, tasks[BLANK_ID])
    drawing = Person(page)
    draw_attributed_claim(page, drawing)
    submit(page, drawing)

    run(capsys, corpus.root, "ls", "pull", "--project", PROJECT)
    corrected = pulled_pass(corpus, SUGGESTED_ID)
    new_source = corrected.claims[1].source
    assert new_source is not None and new_source.id not in (None, "c2.source")
    expected_claims = [predicted.claims[0], predicted.claims[1].model_copy(update={"source": ClaimSpan(**span("She"), id=new_source.id)})]
    expected_figures = [predicted.figures[0], predicted.figures[1].model_copy(update={"value": 1200.0})]
    assert (corrected.entities, corrected.claims, corrected.figures) == (predicted.entities, expected_claims, expected_figures)

    drawn = pulled_pass(corpus, BLANK_ID)
    [claim], [figure] = drawn.claims, drawn.figures
    assert (claim.mode.value, claim.content[0].text, claim.cue.text, claim.source.text) == (
        "direct_quote", "We pumped about 40,000 cubic metres out of the old town", "said", "Hedda Varn")
    assert (figure.kind.value, figure.approximation.value, figure.value, figure.claim_id, figure.text) == ("measure", "about", 40000.0, claim.id, "about 40,000 cubic metres")
    print(f"actions for one attributed claim with a figure: {drawing.actions} (previous page: {OLD_PAGE_ACTIONS}): {drawing.log}")
    assert drawing.actions == NEW_PAGE_ACTIONS < OLD_PAGE_ACTIONS, drawing.log
