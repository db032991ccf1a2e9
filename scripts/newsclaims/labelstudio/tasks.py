"""Label Studio tasks <-> annotation sets of one article, with provenance.

A task's ``data`` holds the article text and, when it comes from the corpus, its
``article_id``, ``revision`` and ``text_sha256``. Each Label Studio annotation, draft and
prediction of a task becomes one annotation set whose id names its origin
(``ls-<project>-a<id>``, ``-d<id>``, ``-p<id>``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ..model import AnnotationSet, ArticleRevision
from ..rules import ERROR, Problem, check_set, schema_error_id
from ..vocab import SetKind
from .keys import PREDICTION_MODEL_VERSION, set_key
from .results import RegionProblem, results_to_layers, set_to_results

TOOL = "label-studio"
_ID = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.:-]{0,63}$")


def TaskProblem(
    error_id: str, message: str, task_id: Any = None, annotation: str | None = None, region_id: str | None = None, article_id: str | None = None, level: str = ERROR, source: str = ""
) -> Problem:
    """A :class:`~newsclaims.rules.Problem` in one task, annotation or region of a Label Studio export
    (``source`` is the export file, ``annotation`` names the annotation: ``annotation=7``)."""
    return Problem(error_id, message, source, article_id, level=level, task_id=task_id, annotation=annotation, region_id=region_id)


@dataclass
class ConvertedTask:
    """One task's annotation sets, as models and as the plain records they were validated from.

    ``labels`` names the Label Studio annotation of each record (``annotation=7``); ``items``
    holds the exported annotation, draft or prediction of each set. Converted with
    ``validate=False`` there are records only, to be checked by the caller.
    """

    task_id: Any
    article_id: str
    text: str
    text_sha256: str
    sets: list[AnnotationSet] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- corpus -> tasks ----------------------------------------------------------------------


def task_data(record: ArticleRevision, text: str) -> dict[str, Any]:
    return {"text": text, "article_id": record.article_id, "revision": record.revision, "text_sha256": record.text_sha256}


def set_to_annotation(aset: AnnotationSet, article_id: str | None = None) -> dict[str, Any]:
    """An annotation to import; given the article, with the set's key as ``id`` (kept as ``import_id``)."""
    annotation = {"result": set_to_results(aset.entities, aset.claims, aset.figures), "ground_truth": aset.kind is SetKind.GOLD, "was_cancelled": False}
    return annotation if article_id is None else {"id": set_key(article_id, aset.set_id), **annotation}


def set_to_prediction(aset: AnnotationSet) -> dict[str, Any]:
    return {"result": set_to_results(aset.entities, aset.claims, aset.figures), "model_version": PREDICTION_MODEL_VERSION.format(set_id=aset.set_id)}


def corpus_task(record: ArticleRevision, text: str, sets: list[AnnotationSet], as_predictions: bool = False) -> dict[str, Any]:
    """A task to import: the article, its gold and candidate sets as annotations and its
    prediction sets as predictions (with ``as_predictions``, every set as a prediction)."""
    annotations = [] if as_predictions else [set_to_annotation(s, record.article_id) for s in sets if s.kind is not SetKind.PREDICTION]
    predictions = [set_to_prediction(s) for s in sets if as_predictions or s.kind is SetKind.PREDICTION]
    task: dict[str, Any] = {"data": task_data(record, text)}
    if annotations or not as_predictions:
        task["annotations"] = annotations
    if predictions or as_predictions:
        task["predictions"] = predictions
    return task


def task_of_sets(article_id: str, text: str, sha: str, sets: list[AnnotationSet]) -> dict[str, Any]:
    """A task for sets of any kind: predictions stay predictions, the rest become annotations.

    An annotation keeps what Label Studio lets an import set: ground truth, skipped, lead time.
    """
    annotations, predictions = [], []
    for aset in sets:
        if aset.kind is SetKind.PREDICTION:
            prediction = set_to_prediction(aset)
            if aset.label_studio and aset.label_studio.model_version:
                prediction["model_version"] = aset.label_studio.model_version
            predictions.append(prediction)
            continue
        annotation = set_to_annotation(aset)
        origin = aset.label_studio
        if origin is not None:
            annotation.update(ground_truth=origin.ground_truth, was_cancelled=origin.was_cancelled)
            if origin.lead_time is not None:
                annotation["lead_time"] = origin.lead_time
        annotations.append(annotation)
    task: dict[str, Any] = {"data": {"text": text, "article_id": article_id, "text_sha256": sha}, "annotations": annotations}
    if predictions:
        task["predictions"] = predictions
    return task


# -- tasks -> sets ------------------------------------------------------------------------

ArticleLookup = Callable[[str], list[ArticleRevision]]


def _origin_set(
    task: dict[str, Any], kind: SetKind, item: dict[str, Any], text_sha: str, users: dict[int, str], problems: list[Problem], article_id: str, validate: bool
) -> tuple[AnnotationSet | None, dict[str, Any], str] | None:
    """The annotation set of one Label Studio annotation, draft or prediction (None unless ``validate``), its plain record and its label."""
    letter = {SetKind.ANNOTATION: "a", SetKind.DRAFT: "d", SetKind.PREDICTION: "p"}[kind]
    item_id = item.get("id")
    project = task.get("project")
    label = f"{kind.value}={item_id}"
    set_id = f"ls-{project}-{letter}{item_id}" if project is not None else f"ls-{letter}{item_id}"
    result = item.get("result")
    if type(result) is not list:
        problems.append(TaskProblem("result-invalid", f"result: expected a list, found {type(result).__name__}", task.get("id"), label, None, article_id))
        return None
    layers = results_to_layers(result, task["data"]["text"])
    for problem in layers.problems:
        problems.append(_from_region(problem, task.get("id"), label, article_id))
    if layers.problems:
        return None
    texts = {name: item.get(name) for name in ("created_at", "updated_at", *(("model_version",) if kind is SetKind.PREDICTION else ()))}
    wrong = [(name, value) for name, value in texts.items() if value is not None and type(value) is not str]
    for name, value in wrong:
        problems.append(TaskProblem("schema-invalid", f"{name}: expected a string or null, found {value!r}", task.get("id"), label, None, article_id))
    if wrong:
        return None
    completed_by = item.get("completed_by") if kind is SetKind.ANNOTATION else None
    if type(completed_by) is dict:
        completed_by = completed_by.get("id")
    annotator = users.get(completed_by) if type(completed_by) is int else None
    if kind is SetKind.DRAFT:
        annotator = item.get("user") if type(item.get("user")) is str else None
    lead_time: Any = item.get("lead_time")
    record = {
        "set_id": set_id,
        "kind": kind.value,
        "annotator": annotator,
        "tool": TOOL,
        "created_at": texts["created_at"],
        "updated_at": texts["updated_at"],
        "article_sha256": text_sha,
        "label_studio": {
            "project_id": project if type(project) is int else None,
            "task_id": task.get("id") if type(task.get("id")) is int else None,
            "annotation_id": item_id if type(item_id) is int else None,
            "completed_by": completed_by if type(completed_by) is int else None,
            "lead_time": float(lead_time) if type(lead_time) in (int, float) else None,
            "ground_truth": bool(item.get("ground_truth", False)),
            "was_cancelled": bool(item.get("was_cancelled", False)),
            "model_version": texts.get("model_version"),
        },
        "derived_from": [],
        "reviewer": None,
        "entities": layers.entities,
        "claims": layers.claims,
        "figures": layers.figures,
    }
    if not validate:
        return None, record, label
    try:
        aset = AnnotationSet.model_validate(record)
    except ValidationError as exc:
        for error in exc.errors():
            problems.append(_validation_problem(error, record, task.get("id"), label, article_id))
        return None
    broken = [p for p in check_set(aset, task["data"]["text"], {"article_id": article_id}) if p.level == ERROR]
    problems += [replace(p, task_id=task.get("id"), annotation=label, region_id=p.annotation_id) for p in broken]
    return None if broken else (aset, record, label)


_LAYER_OF = {"entities": "entity", "claims": "claim", "figures": "figure"}


def _validation_problem(error: ErrorDetails, record: dict[str, Any], task_id: Any, annotation: str, article_id: str) -> Problem:
    """A model validation error, located at the region it comes from."""
    loc = list(error["loc"])
    region_id = None
    if len(loc) >= 2 and loc[0] in _LAYER_OF and type(loc[1]) is int:
        region_id = record[loc[0]][loc[1]].get("id")
    path = ".".join(str(part) for part in loc)
    return TaskProblem(schema_error_id(error), f"{path}: {error['msg']}, found {error.get('input')!r}", task_id, annotation, region_id, article_id)


def _from_region(problem: RegionProblem, task_id: Any, annotation: str, article_id: str) -> Problem:
    return TaskProblem(problem.error_id, problem.message, task_id, annotation, problem.region_id, article_id)


def task_to_sets(task: Any, lookup: ArticleLookup, users: dict[int, str] | None = None, validate: bool = True) -> ConvertedTask | list[Problem]:
    """Convert one exported task; returns the problems instead when the task itself is unusable.

    With ``validate`` false the sets are not validated through the models: only their records
    come back, for the caller to check column-wise (:func:`newsclaims.columnar.checks.check_rows`).
    """
    users = users or {}
    if type(task) is not dict:
        return [TaskProblem("task-invalid", f"expected a task object, found {type(task).__name__}")]
    task_id = task.get("id")
    data = task.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        found = type(data.get("text")).__name__ if isinstance(data, dict) and "text" in data else f"keys {sorted(data) if isinstance(data, dict) else data!r}"
        return [TaskProblem("task-not-text", f"data.text: expected the article text as a string (a <Text> task), found {found}", task_id)]
    text = data["text"]
    if not text:
        return [TaskProblem("task-not-text", "data.text: expected the article text, found an empty string", task_id)]
    sha = sha256_text(text)
    article_id = data.get("article_id", f"ls-task-{task_id}")
    if not isinstance(article_id, str) or not _ID.match(article_id):
        return [TaskProblem("task-article-id", f"data.article_id: expected an id of letters, digits, '_', '.', ':', '-', found {article_id!r}", task_id)]
    problems: list[Problem] = []
    declared = data.get("text_sha256")
    if declared is not None and declared != sha:
        problems.append(TaskProblem("text-hash-mismatch", f"data.text_sha256 says {declared}, the task's text hashes to {sha}", task_id, None, None, article_id))
    revisions = lookup(article_id)
    if revisions and sha not in {r.text_sha256 for r in revisions}:
        known = ", ".join(f"r{r.revision}={r.text_sha256[:12]}" for r in revisions)
        problems.append(TaskProblem("article-hash-changed", f"the corpus has {known}; the task's text hashes to {sha[:12]} (no stored revision)", task_id, None, None, article_id))
    if problems:
        return problems
    converted = ConvertedTask(task_id, article_id, text, sha)
    lists = {key: task.get(key) or [] for key in ("annotations", "drafts", "predictions")}
    for key, value in lists.items():
        if type(value) is not list:
            converted.problems.append(TaskProblem("task-invalid", f"{key}: expected a list, found {value!r}", task_id, None, None, article_id))
            lists[key] = []
    items = [(SetKind.ANNOTATION, a) for a in lists["annotations"]] + [(SetKind.DRAFT, d) for d in lists["drafts"]]
    for prediction in lists["predictions"]:
        if isinstance(prediction, dict):
            items.append((SetKind.PREDICTION, prediction))
        else:
            converted.problems.append(
                TaskProblem("prediction-not-exported", f"prediction {prediction!r} is only an id in this export; pull it from the server with 'newsclaims ls pull'",
                    task_id, None, None, article_id, level="warning")
            )
    for kind, item in items:
        if not isinstance(item, dict):
            converted.problems.append(TaskProblem("annotation-invalid", f"{kind.value}: expected an object, found {item!r}", task_id, None, None, article_id))
            continue
        converted_set = _origin_set(task, kind, item, sha, users, converted.problems, article_id, validate)
        if converted_set is not None:
            aset, record, label = converted_set
            if aset is not None:
                converted.sets.append(aset)
                converted.items.append(item)
            converted.records.append(record)
            converted.labels.append(label)
    return converted
