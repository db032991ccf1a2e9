"""``newsclaims studio``: a local Label Studio with the corpus in it, in one command.

Everything lives under one home folder: ``venv/`` (Label Studio, installed on first use),
``data/`` (its SQLite database and logs), ``admin.json`` (the admin's email and password)
and ``access.json`` (the server's URL and the admin's personal access token, which ``ls
push``, ``ls pull`` and ``ls export`` read), both readable by the owner only. The stored
token is kept while it works; a revoked or expired one is replaced by a new one, stored.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from label_studio_sdk import LabelStudio

from ..errors import NewsclaimsError
from ..store import Corpus
from .credentials import ACCESS_FILE, read_access_file, write_access_file, write_private_json
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
    write_private_json(path, {"email": ADMIN_EMAIL, "password": password})
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


def token_works(url: str, token: str, timeout: float = HTTP_TIMEOUT) -> bool:
    """Whether the server gives an access token for ``token`` (a refresh): not revoked, not expired."""
    try:
        response = httpx.post(f"{url.rstrip('/')}/api/token/refresh/", json={"refresh": token}, timeout=timeout)
    except httpx.HTTPError:
        return False
    if response.status_code != 200:
        return False
    try:
        return isinstance(response.json().get("access"), str)
    except (ValueError, AttributeError):
        return False


def stored_token(server: LocalServer, home: Path) -> tuple[str, bool]:
    """(a working token of the admin, whether it is new): the one in ``home/access.json``
    when it still works, else a new one, stored there with the server's URL.

    A user has at most one valid token: making one revokes the one the admin may have made in
    the browser, so this happens only when the stored token no longer works.
    """
    path = Path(home) / ACCESS_FILE
    try:
        stored = read_access_file(path)
    except NewsclaimsError:
        stored = None
    if stored is not None and token_works(server.url, stored.api_key):
        if stored.url != server.url:
            write_access_file(path, server.url, stored.api_key)
        return stored.api_key, False
    token = personal_access_token(server.url, server.admin_email, server.admin_password)
    write_access_file(path, server.url, token)
    return token, True


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
        token, _ = stored_token(server, home)
        result = push(LabelStudio(base_url=server.url, api_key=token, timeout=HTTP_TIMEOUT), corpus, project_title, as_predictions=False)
        project_url = f"{server.url}/projects/{result.project_id}/data"
        out(f"project {project_title!r}: {result.created} task(s) created, {result.updated} updated, {result.unchanged} unchanged")
        out(f"open {project_url}")
        out(f"log in as {email} with password {password}")
        out(f"URL and access token for 'newsclaims ls push/pull' kept in {home / ACCESS_FILE} (readable by you only)")
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
