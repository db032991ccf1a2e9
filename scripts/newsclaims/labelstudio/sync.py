"""Live sync with a Label Studio server through label-studio-sdk: push the corpus, pull the work back.

Credentials come from the arguments or from ``LABEL_STUDIO_URL`` and ``LABEL_STUDIO_API_KEY``
(the SDK's own variable; a personal access token). A token never appears in an error message.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from ..errors import NewsclaimsError
from ..jsonio import write_json_array
from ..store import Corpus
from .access import KEY_VARIABLE, TIMEOUT_SECONDS, URL_VARIABLE
from .collect import Collected, collect
from .config import labeling_config_xml, read_labeling_config
from .corpus_io import collected_into_corpus, corpus_lookup, corpus_tasks
from .export import iter_tasks

IMPORT_BATCH = 200
DOWNLOAD_ATTEMPTS = 3
BACKOFF_SECONDS = 1.0


class LabelStudioError(NewsclaimsError):
    """The server could not be reached, refused a request, or gave an answer that does not add up."""


def connect(url: str | None = None, api_key: str | None = None, timeout: float = TIMEOUT_SECONDS) -> LabelStudio:
    url = url or os.environ.get(URL_VARIABLE)
    api_key = api_key or os.environ.get(KEY_VARIABLE)
    if not url:
        raise LabelStudioError(f"no Label Studio URL: pass --url or set {URL_VARIABLE}")
    if not api_key:
        raise LabelStudioError(f"no API key: pass --api-key or set {KEY_VARIABLE} (a personal access token from the server's Account & Settings page)")
    return LabelStudio(base_url=url, api_key=api_key, timeout=timeout)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ApiError):
        body = exc.body if isinstance(exc.body, (str, dict, list)) else repr(exc.body)
        return f"HTTP {exc.status_code}: {str(body)[:500]}"
    return f"{type(exc).__name__}: {exc}"


class _Calls:
    """Wraps SDK calls so that every failure becomes a LabelStudioError that says what was being done."""

    def __init__(self, client: LabelStudio) -> None:
        self.client = client
        self.url = client._client_wrapper.get_base_url()

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
    project_id: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    project: str = "unchanged"


def _task_keys(calls: _Calls, project_id: int) -> dict[tuple[str, str], int]:
    keys: dict[tuple[str, str], int] = {}
    for task in calls("listing tasks", lambda: list(calls.client.tasks.list(project=project_id, fields="task_only"))):
        data = task.data or {}
        if isinstance(data.get("article_id"), str) and isinstance(data.get("text_sha256"), str):
            keys.setdefault((data["article_id"], data["text_sha256"]), task.id)
    return keys


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


def push(client: LabelStudio, corpus: Corpus, project_title: str, as_predictions: bool = False, progress: Callable[[int], None] | None = None) -> PushResult:
    """Create or update the project and import every article not there yet (matched on article id and hash);
    ``progress(1)`` after each article."""
    calls = _Calls(client)
    project, status = ensure_project(calls, project_title)
    result = PushResult(project_id=project.id, project=status)
    existing = _task_keys(calls, project.id)
    known_articles = {article_id for article_id, _ in existing}
    batch: list[dict] = []
    for task in corpus_tasks(corpus, as_predictions):
        if progress:
            progress(1)
        key = (task["data"]["article_id"], task["data"]["text_sha256"])
        if key in existing:
            result.unchanged += 1
            continue
        if key[0] in known_articles:
            result.updated += 1
        else:
            result.created += 1
        batch.append(task)
        if len(batch) >= IMPORT_BATCH:
            _import(calls, project.id, batch)
            batch = []
    if batch:
        _import(calls, project.id, batch)
    return result


def _import(calls: _Calls, project_id: int, tasks: list[dict]) -> None:
    answer = calls("importing tasks", calls.client.projects.import_tasks, id=project_id, request=tasks, return_task_ids=True)
    if answer.task_count != len(tasks):
        raise LabelStudioError(f"{calls.url}: imported {len(tasks)} task(s), the server reports {answer.task_count}")


@dataclass
class PullResult:
    project_id: int
    collected: Collected
    written: list[Path]


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
    written = collected_into_corpus(collected, corpus, source)
    return PullResult(project.id, collected, written)
