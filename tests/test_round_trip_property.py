"""Lossless round trips, proved on random sets that the rule book accepts.

The sets come from the strategy of ``test_parquet_to_tasks`` (every attribute, shared claim
parts, empty and unusual numbers: -0.0, 1e300, subnormals; optional texts null or non-empty, as
the rule book asks) over hostile texts (CRLF, a lone CR, emoji with ZWJ and flags, combining
marks, NUL, right-to-left). Each must come back exactly, bytes compared where bytes are written:

- corpus -> Label Studio -> corpus: a set's tasks read back as the same entities, claims, figures;
- corpus -> Parquet -> corpus: the annotation file comes back byte for byte;
- Label Studio -> Parquet -> Label Studio: the tasks come back byte for byte.
"""

from __future__ import annotations

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclaims.annotation_file import dump_annotation_file
from newsclaims.convert import hf_to_corpus, hf_to_labelstudio, labelstudio_to_hf
from newsclaims.hf.rows import annotation_set_rows, text_article_row
from newsclaims.labelstudio.tasks import sha256_text, task_of_sets, task_to_sets
from newsclaims.model import AnnotationFile, AnnotationSet, file_schema_version
from newsclaims.rules import ERROR, check_set
from newsclaims.store import Corpus
from newsclaims.vocab import SetKind
from test_parquet_to_tasks import HOSTILE_PIECES, annotation_sets, write_parquet

ROUND_TRIPS = settings(derandomize=True, max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
TEXTS = st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=12).map("".join)


@st.composite
def articles(draw) -> tuple[str, list[AnnotationSet]]:
    """A text and its sets: distinct set ids, at most one gold (as a corpus file holds them)."""
    text = draw(TEXTS)
    sets: dict[str, AnnotationSet] = {}
    for _ in range(draw(st.integers(1, 3))):
        aset = AnnotationSet.model_validate(draw(annotation_sets(text, sha256_text(text))))
        if aset.kind is SetKind.GOLD and any(s.kind is SetKind.GOLD for s in sets.values()):
            aset = aset.model_copy(update={"kind": SetKind.ANNOTATION})
        sets.setdefault(aset.set_id, aset)
    return text, list(sets.values())


def layers(aset: AnnotationSet) -> bytes:
    return orjson.dumps(aset.model_dump(mode="json", include={"entities", "claims", "figures"}))


def exported(article_id: str, text: str, sets: list[AnnotationSet], task_id: int) -> dict:
    """A Label Studio export task holding ``sets``: the task Label Studio imports, with the ids it gives."""
    task = task_of_sets(article_id, text, sha256_text(text), sets)
    numbers = iter(range(1, 100))
    for key in ("annotations", "predictions"):
        task[key] = [{"id": next(numbers), **item} for item in task.get(key, [])]
    return {"id": task_id, "project": 1, **task}


@ROUND_TRIPS
@given(articles())
def test_corpus_to_label_studio_to_corpus(article):
    text, sets = article
    task = orjson.loads(orjson.dumps(exported("a", text, sets, 1)))
    converted = task_to_sets(task, lambda article_id: [])
    assert [p.format() for p in converted.problems] == []
    back = {s.label_studio.annotation_id: s for s in converted.sets}
    items = task["annotations"] + task["predictions"]
    assert len(back) == len(sets) == len(items)
    in_task_order = [s for s in sets if s.kind is not SetKind.PREDICTION] + [s for s in sets if s.kind is SetKind.PREDICTION]
    for aset, item in zip(in_task_order, items, strict=True):
        again = back[item["id"]]
        assert layers(again) == layers(aset)
        assert [p for p in check_set(again, text, {}) if p.level == ERROR] == []
        if aset.kind is SetKind.PREDICTION:
            assert again.kind is SetKind.PREDICTION


@ROUND_TRIPS
@given(articles())
def test_corpus_to_parquet_to_corpus(tmp_path_factory, article):
    text, sets = article
    folder = tmp_path_factory.mktemp("parquet")
    corpus = Corpus(folder / "corpus")
    record = corpus.add(text.encode("utf-8"), "a").revision
    annotations = AnnotationFile(schema_version=file_schema_version(sets), article_id="a", sets=sets)
    write_parquet(folder / "release", [text_article_row("a", text, record.text_sha256, record)], list(annotation_set_rows({record.text_sha256: record}, annotations)))
    hf_to_corpus(folder / "release", corpus)
    assert corpus.annotation_path("a").read_bytes() == dump_annotation_file(annotations).encode("utf-8")


@ROUND_TRIPS
@given(st.lists(articles(), min_size=1, max_size=3))
def test_label_studio_to_parquet_to_label_studio(tmp_path_factory, batch):
    folder = tmp_path_factory.mktemp("labelstudio")
    tasks = [exported(f"a{index}", text, sets, index + 1) for index, (text, sets) in enumerate(batch)]
    export = folder / "export.json"
    export.write_bytes(orjson.dumps(tasks))
    _, collected = labelstudio_to_hf([export], folder / "release", Corpus(folder / "empty"))
    assert [p.format() for p in collected.problems] == []
    hf_to_labelstudio(folder / "release", folder / "tasks.json")
    plain = [{key: value for key, value in task.items() if key not in ("id", "project")} for task in tasks]
    for task in plain:
        for key in ("annotations", "predictions"):
            if key in task:
                task[key] = [{k: v for k, v in item.items() if k != "id"} for item in task[key]]
        if not task.get("predictions"):
            task.pop("predictions", None)
    expected = b"[" + b"".join((b"\n" if i == 0 else b",\n") + orjson.dumps(task) for i, task in enumerate(plain)) + b"\n]\n"
    assert (folder / "tasks.json").read_bytes() == expected
