"""Live sync with a Label Studio server through label-studio-sdk: push the corpus, pull the work back.

Credentials come from the arguments, from ``LABEL_STUDIO_URL`` and ``LABEL_STUDIO_API_KEY``
(the SDK's own variable; a personal access token), or from the access file that ``newsclaims
studio`` keeps (:mod:`.credentials`). A token never appears in an error message.

Sets keep their identity through Label Studio (:mod:`.identity`): pushing adds the sets a
task lacks and updates the copies that are older than the corpus; pulling recognises them.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from ..errors import NewsclaimsError
from ..jsonio import write_json_array
from ..model import AnnotationSet
from ..store import Corpus
from ..vocab import SetKind
from .access import TIMEOUT_SECONDS
from .collect import Collected, collect
from .config import labeling_config_xml, read_labeling_config
from .corpus_io import collected_into_corpus, corpus_lookup, pushed_sets
from .credentials import resolve_credentials, shown_url
from .export import iter_tasks
from .identity import PulledItem, PulledTask, content, counterpart, is_newer
from .tasks import corpus_task, set_to_annotation, set_to_prediction, task_to_sets

IMPORT_BATCH = 200
DOWNLOAD_ATTEMPTS = 3
BACKOFF_SECONDS = 1.0


class LabelStudioError(NewsclaimsError):
    """The server could not be reached, refused a request, or gave an answer that does not add up."""


def connect(url: str | None = None, api_key: str | None = None, timeout: float = TIMEOUT_SECONDS, access_file: Path | str | None = None) -> LabelStudio:
    """A client of the server named by the arguments, the environment or the access file, in that order."""
    credentials = resolve_credentials(url, api_key, access_file)
    try:
        return LabelStudio(base_url=credentials.url, api_key=credentials.api_key, timeout=timeout)
    except (ApiError, httpx.HTTPError) as exc:  # the SDK checks a personal access token up front
        raise LabelStudioError(f"{shown_url(credentials.url)}: the API key from {credentials.source} is refused: {_describe(exc)}") from None


def _describe(exc: Exception) -> str:
    if isinstance(exc, ApiError):
        body = exc.body if isinstance(exc.body, (str, dict, list)) else repr(exc.body)
        return f"HTTP {exc.status_code}: {str(body)[:500]}"
    return f"{type(exc).__name__}: {exc}"


class _Calls:
    """Wraps SDK calls so that every failure becomes a LabelStudioError that says what was being done."""

    def __init__(self, client: LabelStudio) -> None:
        self.client = client
        self.url = shown_url(client._client_wrapper.get_base_url())

    def __call__(self, what: str, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except (ApiError, httpx.HTTPError, OSError) as exc:
            raise LabelStudioError(f"{self.url}: {what} failed: {_describe(exc)}") from None


def find_project(calls: _Calls, title: str) -> Any | None:
    matches = [p for p in calls("listing projects", lambda: list(calls.client.projects.list(title=title))) if p.title == title]
    if len(matches) > 1:
        raise LabelStudioError(f"{calls.url}: {len(matches)} projects are titled {title!r} (ids {[p.id for p in matches]}); rename one")
    return matches[0] if matches else None


@dataclass
class PushResult:
    """Tasks created (new articles), updated (new revisions) and unchanged; sets added to or
    updated in existing tasks."""

    project_id: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    project: str = "unchanged"
    sets_added: int = 0
    sets_updated: int = 0


def ensure_project(calls: _Calls, title: str) -> tuple[Any, str]:
    """The project titled ``title`` with the generated config: 'created', 'config updated' or 'unchanged'."""
    config = labeling_config_xml()
    project = find_project(calls, title)
    if project is None:
        return calls("creating the project", calls.client.projects.create, title=title, label_config=config), "created"
    if (project.label_config or "").strip() == config.strip():
        return project, "unchanged"
    ours, theirs = read_labeling_config(config), read_labeling_config(project.label_config or "<View/>")
    removed = {tag: [v for v in values if v not in ours.get(tag, [])] for tag, values in theirs.items()}
    removed = {tag: values for tag, values in removed.items() if values}
    calls(
        f"checking the new labeling config against existing annotations (it drops {removed or 'no label'})",
        calls.client.projects.validate_label_config,
        id=project.id,
        label_config=config,
    )
    calls("updating the labeling config", calls.client.projects.update, id=project.id, label_config=config)
    return project, "config updated"


@dataclass
class _SetChange:
    task_id: int
    aset: AnnotationSet
    article_id: str
    as_prediction: bool
    copy: PulledItem | None = None


def _existing_tasks(calls: _Calls, project_id: int) -> dict[tuple[str, str], PulledTask]:
    """The project's tasks as pull would read them, by (article id, text hash)."""
    counts = _server_counts(calls, project_id)
    tasks: dict[tuple[str, str], PulledTask] = {}
    if not counts:
        return tasks
    with tempfile.TemporaryDirectory(prefix="newsclaims-push-") as folder:
        export = Path(folder) / "export.json"
        download_export(calls, project_id, export)
        for task in _with_predictions(calls, iter_tasks(export), counts, f"{calls.url} project {project_id}"):
            converted = task_to_sets(task, lambda article_id: [])
            if isinstance(converted, list):
                continue
            items = [PulledItem(aset, item) for aset, item in zip(converted.sets, converted.items, strict=True)]
            tasks.setdefault((converted.article_id, converted.text_sha256), PulledTask(project_id, converted.task_id, converted.article_id, converted.text_sha256, items))
    return tasks


def _plan_sets(task: PulledTask, sets: list[AnnotationSet], all_sets: list[AnnotationSet], as_predictions: bool, refused: list[str]) -> tuple[list[_SetChange], list[_SetChange]]:
    """The sets to add to an existing task and the copies to update; refusals go to ``refused``."""
    added, updated = [], []
    for aset in sets:
        as_prediction = as_predictions or aset.kind is SetKind.PREDICTION
        copy = counterpart(task, aset, all_sets)
        change = _SetChange(task.task_id, aset, task.article_id, as_prediction, copy)
        if copy is None:
            added.append(change)
        elif content(copy.aset) == content(aset):
            continue
        elif is_newer(aset.updated_at, copy.item.get("updated_at")):
            updated.append(change)
        else:
            what = "prediction" if copy.kind is SetKind.PREDICTION else "annotation"
            refused.append(f"article={task.article_id} set={aset.set_id} task={task.task_id} {what}={copy.item_id}")
    return added, updated


def push(client: LabelStudio, corpus: Corpus, project_title: str, as_predictions: bool = False, progress: Callable[[int], None] | None = None) -> PushResult:
    """Create or update the project: import every article revision not there yet (matched on
    article id and hash) with its gold, candidate and prediction sets; add the sets an existing
    task lacks and update Label Studio's copies that are older than the corpus set.

    Nothing is sent when a copy changed in Label Studio after the corpus set (pull first).
    ``progress(1)`` after each article.
    """
    calls = _Calls(client)
    project, status = ensure_project(calls, project_title)
    result = PushResult(project_id=project.id, project=status)
    existing = {} if status == "created" else _existing_tasks(calls, project.id)
    known_articles = {article_id for article_id, _ in existing}
    new_tasks: list[dict] = []
    added: list[_SetChange] = []
    updated: list[_SetChange] = []
    refused: list[str] = []
    for record in corpus.latest_revisions():
        if progress:
            progress(1)
        sets = pushed_sets(corpus, record)
        task = existing.get((record.article_id, record.text_sha256))
        if task is None:
            if record.article_id in known_articles:
                result.updated += 1
            else:
                result.created += 1
            new_tasks.append(corpus_task(record, corpus.read_text(record), sets, as_predictions))
            continue
        result.unchanged += 1
        annotations = corpus.load_annotations(record.article_id)
        more, newer = _plan_sets(task, sets, annotations.sets if annotations else [], as_predictions, refused)
        added += more
        updated += newer
    if refused:
        raise LabelStudioError(f"{calls.url}: {len(refused)} set(s) changed in Label Studio since they were pushed ({'; '.join(refused)}); run 'newsclaims ls pull' first")
    for start in range(0, len(new_tasks), IMPORT_BATCH):
        _import(calls, project.id, new_tasks[start : start + IMPORT_BATCH])
    for change in added:
        _add_set(calls, change)
    for change in updated:
        _update_set(calls, change)
    result.sets_added, result.sets_updated = len(added), len(updated)
    return result


def _add_set(calls: _Calls, change: _SetChange) -> None:
    what = f"adding set {change.aset.set_id} to task {change.task_id}"
    if change.as_prediction:
        prediction = set_to_prediction(change.aset)
        calls(what, calls.client.predictions.create, task=change.task_id, result=prediction["result"], model_version=prediction["model_version"])
        return
    annotation = set_to_annotation(change.aset, change.article_id)
    calls(
        what,
        calls.client.annotations.create,
        id=change.task_id,
        result=annotation["result"],
        ground_truth=annotation["ground_truth"],
        was_cancelled=False,
        import_id=annotation["id"],
    )


def _update_set(calls: _Calls, change: _SetChange) -> None:
    copy = change.copy
    assert copy is not None, "an update names the copy it replaces"
    what = f"updating set {change.aset.set_id} in task {change.task_id}"
    if copy.kind is SetKind.PREDICTION:
        calls(what, calls.client.predictions.update, id=copy.item_id, result=set_to_prediction(change.aset)["result"])
        return
    annotation = set_to_annotation(change.aset)
    calls(what, calls.client.annotations.update, id=copy.item_id, result=annotation["result"], ground_truth=annotation["ground_truth"])


def _import(calls: _Calls, project_id: int, tasks: list[dict]) -> None:
    answer = calls("importing tasks", calls.client.projects.import_tasks, id=project_id, request=tasks, return_task_ids=True)
    if answer.task_count != len(tasks):
        raise LabelStudioError(f"{calls.url}: imported {len(tasks)} task(s), the server reports {answer.task_count}")


@dataclass
class PullResult:
    """The pulled project, what was read, the files written and what changed, per article."""

    project_id: int
    collected: Collected
    written: list[Path]

    @property
    def changes(self) -> dict[str, list[str]]:
        return self.collected.changes

    def next_step(self) -> str:
        """The command to run next."""
        passes = sorted(article_id for article_id, count in self.collected.new_passes.items() if count)
        if len(passes) == 1:
            return f"newsclaims adjudicate {passes[0]}"
        if passes:
            return f"newsclaims adjudicate ARTICLE (new passes of {', '.join(passes)})"
        return "newsclaims status"


def download_export(calls: _Calls, project_id: int, target: Path, attempts: int = DOWNLOAD_ATTEMPTS) -> None:
    """Download the project's full JSON export to ``target``, again from the start if the stream breaks.

    The SDK retries requests that fail before an answer; a download cut in the middle is
    retried here, with exponential backoff, and then reported.
    """

    def download() -> None:
        with open(target, "wb") as handle:
            for chunk in calls.client.projects.exports.download_sync(project_id, export_type="JSON", download_all_tasks=True):
                handle.write(chunk)

    for attempt in range(1, attempts + 1):
        try:
            calls(f"downloading the export (attempt {attempt} of {attempts})", download)
            return
        except LabelStudioError:
            if attempt == attempts:
                raise
            time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))


def _server_counts(calls: _Calls, project_id: int) -> dict[int, int]:
    """Annotations per task as the server counts them (submitted and cancelled)."""
    tasks = calls("listing tasks", lambda: list(calls.client.tasks.list(project=project_id, fields="task_only")))
    return {t.id: (t.total_annotations or 0) + (t.cancelled_annotations or 0) for t in tasks}


def _with_predictions(calls: _Calls, tasks: Iterator[dict], counts: dict[int, int], source: str) -> Iterator[dict]:
    """Tasks of the export, each checked against the server's counts and given its full predictions."""
    seen = set()
    for task in tasks:
        task_id = task.get("id")
        seen.add(task_id)
        if task_id not in counts:
            raise LabelStudioError(f"{source}: task={task_id} is in the export but not in the server's task list")
        found = len(task.get("annotations") or [])
        if found != counts[task_id]:
            raise LabelStudioError(f"{source}: task={task_id}: the server counts {counts[task_id]} annotation(s), the export holds {found}")
        if any(not isinstance(p, dict) for p in task.get("predictions") or []):
            predictions = calls(f"reading the predictions of task {task_id}", calls.client.predictions.list, task=task_id)
            task["predictions"] = [p.model_dump(mode="json") for p in predictions]
        yield task
    missing = sorted(set(counts) - seen)
    if missing:
        raise LabelStudioError(f"{source}: the server lists {len(counts)} task(s), the export holds {len(seen)}; missing {missing[:10]}")


def _project(calls: _Calls, title: str) -> Any:
    project = find_project(calls, title)
    if project is None:
        raise LabelStudioError(f"{calls.url}: no project titled {title!r}")
    return project


def export_complete(client: LabelStudio, project_title: str, target: Path) -> int:
    """Write the project's export with every prediction in full (the plain export has only their ids)."""
    calls = _Calls(client)
    project = _project(calls, project_title)
    counts = _server_counts(calls, project.id)
    source = f"{calls.url} project {project.id} ({project_title})"
    with tempfile.TemporaryDirectory(prefix="newsclaims-export-") as folder:
        export = Path(folder) / "export.json"
        download_export(calls, project.id, export)
        return write_json_array(target, _with_predictions(calls, iter_tasks(export), counts, source))


def pull(client: LabelStudio, corpus: Corpus, project_title: str, progress: Callable[[int], None] | None = None) -> PullResult:
    """Export every annotation, draft and prediction of the project, check, convert, validate, write.

    The export is downloaded to a temporary file and read task by task. Nothing is written to
    the corpus unless everything converts and validates; then every file is replaced at once.
    """
    calls = _Calls(client)
    project = _project(calls, project_title)
    counts = _server_counts(calls, project.id)
    users = {u.id: u.email for u in calls("listing users", lambda: list(client.users.list()))}
    source = f"{calls.url} project {project.id} ({project_title})"
    with tempfile.TemporaryDirectory(prefix="newsclaims-pull-") as folder:
        export = Path(folder) / "export.json"
        download_export(calls, project.id, export)
        tasks = _with_predictions(calls, iter_tasks(export), counts, source)
        collected = collect([(source, tasks)], corpus_lookup(corpus), users, progress)
    collected.projects.add(project.id)
    with corpus.writing():  # no other writer between comparing with the corpus and writing
        written = collected_into_corpus(collected, corpus, source)
    return PullResult(project.id, collected, written)
