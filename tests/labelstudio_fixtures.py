"""The ``label_studio`` fixture: one real Label Studio server for the whole test session.

Label Studio is installed once into ``.labelstudio/venv`` at the root of the repository
(git-ignored, reused between runs); each session gets a fresh data folder and a free port.
Load with ``pytest_plugins = ["labelstudio_fixtures"]`` or ``-p labelstudio_fixtures``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from label_studio_sdk import LabelStudio

from newsclaims.labelstudio.local import (
    LabelStudioServerError,
    LocalServer,
    ServerAccess,
    create_annotator,
    ensure_installed,
    free_port,
    personal_access_token,
)
from newsclaims.labelstudio.studio import ADMIN_EMAIL

REPO = Path(__file__).resolve().parent.parent
LABEL_STUDIO_VENV = REPO / ".labelstudio" / "venv"
INSTALL_TIMEOUT = 900.0
INIT_TIMEOUT = 300.0
HEALTH_TIMEOUT = 180.0
CLIENT_TIMEOUT = 60.0


@dataclass
class LabelStudioHandle(ServerAccess):
    server: LocalServer
    token: str = field(repr=False)
    client: LabelStudio = field(repr=False)

    def new_annotator(self, email: str, password: str) -> tuple[int, str, LabelStudio]:
        """A user who can log in with ``password``: (user id, its token, a client acting as it)."""
        try:
            user = create_annotator(self.server, self.client, email, password)
        except LabelStudioServerError as exc:
            pytest.fail(f"cannot create the annotator {email}: {exc}", pytrace=False)
        return user["id"], user["token"], LabelStudio(base_url=self.url, api_key=user["token"], timeout=CLIENT_TIMEOUT)


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory):
    """A running server with a fresh database, its admin's token and an SDK client; stopped
    at the end of the session. Fails (with the end of the logs), never hangs, when Label
    Studio cannot be installed or started."""
    try:
        exe = ensure_installed(LABEL_STUDIO_VENV, timeout=INSTALL_TIMEOUT)
    except LabelStudioServerError as exc:
        pytest.fail(f"cannot install Label Studio: {exc}", pytrace=False)
    server = LocalServer(
        home=tmp_path_factory.mktemp("labelstudio") / "data",
        port=free_port(),
        admin_email=ADMIN_EMAIL,
        admin_password=secrets.token_urlsafe(12),
        exe=exe,
        init_timeout=INIT_TIMEOUT,
    )
    try:
        server.start()
        server.wait_healthy(HEALTH_TIMEOUT)
        token = personal_access_token(server.url, server.admin_email, server.admin_password)
    except LabelStudioServerError as exc:
        server.stop()
        pytest.fail(f"cannot start Label Studio: {exc}", pytrace=False)
    try:
        yield LabelStudioHandle(server, token, LabelStudio(base_url=server.url, api_key=token, timeout=CLIENT_TIMEOUT))
    finally:
        server.stop()
