"""``newsclaims studio``: a local Label Studio with the corpus in it, in one command.

Everything lives under one home folder: ``venv/`` (Label Studio, installed on first use),
``data/`` (its SQLite database and logs) and ``admin.json`` (the admin's email and
password, readable by the owner only). The personal access token used to push the corpus
is made anew on every run, kept in memory only and revoked once the push is done.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from ..store import Corpus
from .local import HTTP_TIMEOUT, LS_VERSION, LabelStudioServerError, LocalServer, ServerAccess, ensure_installed, is_installed, personal_access_token
from .sync import push

ADMIN_EMAIL = "admin@newsclaims.local"
ADMIN_FILE = "admin.json"


@dataclass
class StudioSession(ServerAccess):
    """What ``run_studio`` set up. ``server`` is stopped when ``run_studio`` waited, running
    when it returned early (then the caller stops it)."""

    server: LocalServer
    project_id: int
    project_url: str
    push_result: Any = field(repr=False)


def _write_private_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON to a file only its owner can read, atomically."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(obj, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def admin_credentials(home: Path) -> tuple[str, str, bool]:
    """(email, password, created) of the admin, from ``home/admin.json``; a new random
    password is made and stored there when the file does not exist yet."""
    path = Path(home) / ADMIN_FILE
    if path.exists():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return stored["email"], stored["password"], False
        except (ValueError, KeyError, TypeError) as exc:
            raise LabelStudioServerError(f"{path}: unreadable ({type(exc).__name__}); delete it to make a new admin password") from None
    password = secrets.token_urlsafe(18)
    _write_private_json(path, {"email": ADMIN_EMAIL, "password": password})
    return ADMIN_EMAIL, password, True


def _wait_until_interrupted(server: LocalServer) -> None:
    """Block until Ctrl-C or SIGTERM; raise if the server dies on its own meanwhile."""
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    try:
        while not stop.is_set():
            if not server.running:
                raise LabelStudioServerError(f"the Label Studio server stopped on its own; see {server.log_path}")
            stop.wait(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _push(server: LocalServer, corpus: Corpus, project_title: str) -> Any:
    """Push with a personal access token made for the occasion and revoked right after.

    A user has at most one valid token, so making one revokes any the admin made in the
    browser; revoking ours afterwards leaves none valid, and the browser can make a new one.
    """
    token = personal_access_token(server.url, server.admin_email, server.admin_password)
    client = LabelStudio(base_url=server.url, api_key=token, timeout=HTTP_TIMEOUT)
    try:
        return push(client, corpus, project_title, as_predictions=False)
    finally:
        try:
            client.tokens.blacklist(refresh=token)
        except (ApiError, httpx.HTTPError):
            pass  # still valid: the next run revokes it


def run_studio(
    corpus: Corpus | Path | str,
    home: Path,
    port: int,
    project_title: str,
    out: Callable[[str], Any] = print,
    *,
    wait: bool = True,
    health_timeout: float = 180.0,
) -> StudioSession:
    """Install, initialize and start Label Studio under ``home``, push the corpus into the
    project ``project_title`` and print where to log in.

    With ``wait`` (the command), block until interrupted, then stop the server. Without it,
    return as soon as everything is printed, the server still running.
    """
    corpus = corpus if isinstance(corpus, Corpus) else Corpus(corpus)
    home = Path(home).absolute()
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)  # the database holds the users' tokens
    installing = not is_installed(home / "venv")
    if installing:
        out(f"installing Label Studio {LS_VERSION} into {home / 'venv'} (a few minutes, once)")
    started = time.monotonic()
    exe = ensure_installed(home / "venv")
    if installing:
        out(f"installed in {time.monotonic() - started:.0f} s")
    email, password, new_password = admin_credentials(home)
    server = LocalServer(home=home / "data", port=port, admin_email=email, admin_password=password, exe=exe)
    if not server.initialized:
        out(f"creating the Label Studio database in {server.home} (about half a minute, once)")
    elif new_password:  # admin.json was deleted: give the existing admin the new password
        server.reset_password(email, password)
    server.start()
    try:
        server.wait_healthy(health_timeout)
        result = _push(server, corpus, project_title)
        project_url = f"{server.url}/projects/{result.project_id}/data"
        out(f"project {project_title!r}: {result.created} task(s) created, {result.updated} updated, {result.unchanged} unchanged")
        out(f"open {project_url}")
        out(f"log in as {email} with password {password}")
        session = StudioSession(server=server, project_id=result.project_id, project_url=project_url, push_result=result)
        if not wait:
            return session
        out("press Ctrl-C to stop the server")
        _wait_until_interrupted(server)
    except BaseException:
        server.stop()
        raise
    server.stop()
    out("Label Studio stopped")
    return session
