"""Label Studio tasks written as JSON text from Arrow rows of annotation sets.

The column-wise twin of :func:`newsclaims.labelstudio.tasks.task_of_sets`: one task per article revision, its
submitted and gold sets as annotations, its predictions as predictions, and the same bytes as
``orjson.dumps(task_of_sets(...))`` (a test holds them to it). Rows must have passed the
model's checks first (see :mod:`.ls_results`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..labelstudio.keys import PREDICTION_MODEL_VERSION
from ..vocab import SetKind
from .json_text import NULL, Column, Template, hole, json_bools, json_numbers, json_strings, nulled, quoted
from .ls_results import result_items
from .utf8 import text_bytes

_RESULT = [hole("result")]
_BEFORE_RESULT, _ANNOTATION = Template.of({"result": _RESULT, "ground_truth": hole("ground_truth"), "was_cancelled": hole("was_cancelled")}).after("result")
_TIMED = {"result": _RESULT, "ground_truth": hole("ground_truth"), "was_cancelled": hole("was_cancelled"), "lead_time": hole("lead_time")}
_, _TIMED_ANNOTATION = Template.of(_TIMED).after("result")
_, _PREDICTION = Template.of({"result": _RESULT, "model_version": hole("model_version")}).after("result")
_DATA = {"text": hole("text"), "article_id": hole("article_id"), "text_sha256": hole("sha")}
_TASK = Template.of({"data": _DATA, "annotations": [hole("annotations")]})
_BEFORE_PREDICTIONS = Template.of({"data": _DATA, "annotations": [hole("annotations")], "predictions": [hole("predictions")]}).before("predictions")
_MODEL_VERSION_BEFORE, _MODEL_VERSION_AFTER = PREDICTION_MODEL_VERSION.split("{set_id}")


@dataclass
class TaskRows:
    """The rows of one task: an article revision (its text by index) and its sets, in order."""

    article_id: str
    text_sha256: str
    text: int
    annotations: list[int] = field(default_factory=list)
    predictions: list[int] = field(default_factory=list)


def set_pieces(sets: pa.RecordBatch) -> tuple[Column, ...]:
    """Each set as the annotation or prediction Label Studio imports, as pieces to be joined row by row.

    The ``result`` list is written once; what follows it differs between annotations and predictions.
    """
    kind = sets.column("kind")
    origin = sets.column("label_studio")
    known = pc.is_valid(origin)

    def from_origin(name: str, otherwise) -> pa.Array:
        return pc.if_else(known, pc.struct_field(origin, name), otherwise)

    values = {
        "ground_truth": json_bools(from_origin("ground_truth", pc.equal(kind, SetKind.GOLD.value))),
        "was_cancelled": json_bools(from_origin("was_cancelled", False)),
    }
    annotation_ends = pc.coalesce(_TIMED_ANNOTATION.fill("", lead_time=json_numbers(from_origin("lead_time", None)), **values), _ANNOTATION.fill("", **values))
    version = from_origin("model_version", NULL)
    version = pc.if_else(pc.fill_null(pc.greater(pc.binary_length(version), 0), False), version, NULL)
    default = pc.binary_join_element_wise(_MODEL_VERSION_BEFORE, sets.column("set_id"), _MODEL_VERSION_AFTER, "")
    prediction_ends = _PREDICTION.fill("", model_version=json_strings(pc.coalesce(version, default)))
    ends = pc.if_else(pc.equal(kind, SetKind.PREDICTION.value), prediction_ends, annotation_ends)
    return (_BEFORE_RESULT, *result_items(sets), ends)


def _lists(items: pa.Array, groups: list[list[int]]) -> pa.Array:
    """The items at each group's rows, joined with commas; null for an empty group."""
    offsets = [0]
    for rows in groups:
        offsets.append(offsets[-1] + len(rows))
    order = [r for rows in groups for r in rows]
    if order != list(range(len(order))):
        items = pc.take(items, pa.array(order, pa.int64()))
    lists = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), items)
    return nulled(pc.binary_join(lists, ","), pc.equal(pc.list_value_length(lists), 0))


def _one_annotation_each(tasks: list[TaskRows], sets: int) -> bool:
    """Whether task ``i`` has set ``i`` as its one annotation and no prediction (each article has
    one set, as in most releases): the sets' pieces then go into the tasks as they are, and no
    list of sets is joined first, which saves two copies of every set's JSON."""
    return len(tasks) == sets and all(task.annotations == [row] and not task.predictions for row, task in enumerate(tasks))


def tasks_json(sets: pa.RecordBatch, tasks: list[TaskRows], texts: pa.Array) -> pa.Buffer:
    """The tasks' JSON texts joined with ",\\n" (the items of a JSON array, as :func:`newsclaims.jsonio.write_json_chunks` takes them).

    ``texts`` holds the tasks' article texts, one per task in the same order.
    """
    if [t.text for t in tasks] != list(range(len(texts))):
        raise ValueError("expected one text per task, in the tasks' order")
    pieces = set_pieces(sets)
    if _one_annotation_each(tasks, sets.num_rows):
        sets_json = pieces
    else:
        items = pc.binary_join_element_wise(*pieces, "")
        annotations = pc.fill_null(_lists(items, [t.annotations for t in tasks]), "")
        predictions = _lists(items, [t.predictions for t in tasks])
        sets_json = (annotations, pc.fill_null(pc.binary_join_element_wise(_BEFORE_PREDICTIONS, predictions, ""), ""))
    values = {
        "text": json_strings(texts),
        "article_id": quoted(pa.array([t.article_id for t in tasks], pa.string())),
        "sha": quoted(pa.array([t.text_sha256 for t in tasks], pa.string())),
        "annotations": sets_json,
    }
    leads = pa.array(["", *[",\n"] * (len(tasks) - 1)], pa.string()) if tasks else pa.array([], pa.string())
    task_json = _TASK.fill(leads, **values)
    if task_json.null_count:
        missing = [tasks[row].article_id for row in np.flatnonzero(task_json.is_null().to_numpy(zero_copy_only=False))[:3]]
        raise ValueError(f"{task_json.null_count} task(s) would be left out, first of articles {missing}: a value of theirs is null")
    return text_bytes(task_json)
