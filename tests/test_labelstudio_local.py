"""The local Label Studio server and ``newsclaims studio``, against a real server."""

from __future__ import annotations

import json
import queue
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from labelstudio_fixtures import LABEL_STUDIO_VENV, REPO
from newsclaims.labelstudio.credentials import ACCESS_FILE
from newsclaims.labelstudio.local import (
    HOST,
    LabelStudioServerError,
    LocalServer,
    free_port,
    is_healthy,
    personal_access_token,
    port_in_use,
)
from newsclaims.labelstudio.studio import ADMIN_EMAIL, ADMIN_FILE, run_studio, token_works

pytestmark = pytest.mark.labelstudio

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
STOP_TIMEOUT = 60


def listening_addresses(port: int) -> list[str]:
    """Local addresses of the TCP sockets listening on ``port``, from /proc/net/tcp{,6}."""
    found = []
    for name in ("tcp", "tcp6"):
        table = Path("/proc/net") / name
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if int(port_hex, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.append(address)
    return found


def written_files(home: Path) -> list[Path]:
    """Every file under ``home`` except Label Studio's database, its virtual environment and
    the access file, which is there to keep the token (readable by its owner only)."""
    return [
        path for path in home.rglob("*")
        if path.is_file() and "label_studio.sqlite3" not in path.name and path.name != ACCESS_FILE
        and "venv" not in path.relative_to(home).parts
    ]


def assert_no_token(home: Path, *tokens: str) -> None:
    files = written_files(home)
    assert files, f"expected logs under {home}"
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for token in tokens:
            assert token not in text, f"a token is written in {path}"
        assert not JWT.search(text), f"something like a token is written in {path}"


def test_server_is_healthy_and_listens_on_loopback_only(label_studio):
    assert label_studio.url == f"http://127.0.0.1:{label_studio.server.port}"
    assert is_healthy(label_studio.url)
    addresses = listening_addresses(label_studio.server.port)
    assert addresses, "nothing listens on the server's port"
    assert set(addresses) == {"0100007F"}, f"listening on {addresses}, expected 127.0.0.1 only"


def test_admin_token_works_with_the_sdk(label_studio):
    me = label_studio.client.users.whoami()
    assert me.email == ADMIN_EMAIL == label_studio.admin_email
    assert label_studio.client.projects.list() is not None


def test_second_annotator_has_its_own_user_and_token(label_studio):
    admin = label_studio.client.users.whoami()
    user_id, token, client = label_studio.new_annotator("Annotator.One@NewsClaims.local", "annotator-pw-123")
    me = client.users.whoami()
    assert me.id == user_id != admin.id
    assert me.email == "annotator.one@newsclaims.local"
    assert token != label_studio.token
    assert label_studio.client.users.whoami().id == admin.id  # the admin's token still works
    # Asking again gives a new token and revokes the old one; the user stays the same.
    again_id, again_token, again_client = label_studio.new_annotator("annotator.one@newsclaims.local", "annotator-pw-456")
    assert again_id == user_id and again_token != token
    assert again_client.users.whoami().id == user_id


def test_busy_port_is_refused(label_studio, tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind((HOST, 0))
        other.listen()
        for port in (label_studio.server.port, other.getsockname()[1]):
            server = LocalServer(home=tmp_path / "data", port=port, admin_email="a@newsclaims.local", admin_password="pw", exe=label_studio.server.exe)
            with pytest.raises(LabelStudioServerError, match=f"port {port} on 127.0.0.1 is already in use"):
                server.start()
            assert not server.running
    assert not (tmp_path / "data" / "label_studio.sqlite3").exists(), "refused before initializing"


def test_no_token_in_written_files_or_failed_login(label_studio):
    _, annotator_token, _ = label_studio.new_annotator("annotator.two@newsclaims.local", "annotator-pw-789")
    assert_no_token(label_studio.server.home, label_studio.token, annotator_token)
    with pytest.raises(LabelStudioServerError) as failed:
        personal_access_token(label_studio.url, label_studio.admin_email, "not-the-password")
    message = str(failed.value)
    assert "cannot log in as admin@newsclaims.local" in message
    for secret in (label_studio.token, annotator_token, "not-the-password", label_studio.admin_password):
        assert secret not in message


def test_free_port_is_free():
    port = free_port()
    assert not port_in_use(port)


@pytest.fixture
def studio_home(label_studio, tmp_path) -> Path:
    """A studio home whose ``venv`` is the test installation (a symlink, so nothing reinstalls)."""
    home = tmp_path / "studio"
    home.mkdir()
    (home / "venv").symlink_to(LABEL_STUDIO_VENV, target_is_directory=True)
    return home


def test_studio_pushes_the_corpus_and_stops_on_sigterm(studio_home, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "corpus", corpus, ignore=shutil.ignore_patterns("parquet"))
    port = free_port()
    lines: list[str] = []
    session = run_studio(corpus, studio_home, port, "newsclaims studio test", out=lines.append, wait=False)
    try:
        assert session.server.running and is_healthy(session.url)
        assert session.url == f"http://127.0.0.1:{port}"
        assert session.project_url == f"{session.url}/projects/{session.project_id}/data"
        assert session.admin_email == ADMIN_EMAIL
        printed = "\n".join(lines)
        assert session.project_url in printed
        assert ADMIN_EMAIL in printed and session.admin_password in printed
        result = session.push_result
        assert result.project_id == session.project_id
        assert result.created > 0, printed

        admin_file = studio_home / ADMIN_FILE
        assert stat.S_IMODE(admin_file.stat().st_mode) == 0o600
        assert json.loads(admin_file.read_text()) == {"email": ADMIN_EMAIL, "password": session.admin_password}
        assert stat.S_IMODE(studio_home.stat().st_mode) == 0o700

        # The push's token is kept for 'ls pull', readable by the owner only, and printed nowhere.
        access = studio_home / ACCESS_FILE
        assert stat.S_IMODE(access.stat().st_mode) == 0o600
        stored = json.loads(access.read_text())
        assert stored["url"] == session.url and token_works(session.url, stored["token"])
        assert stored["token"] not in printed and str(access) in printed
        assert_no_token(studio_home, stored["token"])
    finally:
        session.server.stop()
    assert not session.server.running and not port_in_use(port)

    # The command itself, on the same home: reuses the database and admin.json, pushes again
    # (nothing new), waits, and stops the server on SIGTERM.
    command = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from newsclaims.labelstudio.studio import run_studio;"
         "run_studio(sys.argv[1], sys.argv[2], int(sys.argv[3]), 'newsclaims studio test', out=lambda s: print(s, flush=True))",
         str(corpus), str(studio_home), str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines_out: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines_out.put(line) for line in command.stdout], daemon=True).start()
    output: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while "press Ctrl-C" not in "".join(output) and time.monotonic() < deadline:
            try:
                output.append(lines_out.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                break
        printed = "".join(output)
        assert "press Ctrl-C" in printed, printed
        assert f"/projects/{session.project_id}/data" in printed, printed
        assert "0 task(s) created" in printed, printed
        assert is_healthy(f"http://127.0.0.1:{port}")
        command.send_signal(signal.SIGTERM)
        command.wait(timeout=STOP_TIMEOUT)
        time.sleep(0.5)
        while not lines_out.empty():
            output.append(lines_out.get())
        assert command.returncode == 0, "".join(output)
        assert "Label Studio stopped" in "".join(output)
        assert not port_in_use(port)
        assert json.loads(access.read_text()) == stored, "a working token is reused, not replaced"
    finally:
        if command.poll() is None:  # SIGTERM makes run_studio stop its server; kill is the last resort
            command.send_signal(signal.SIGTERM)
            try:
                command.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                command.kill()
                command.wait(timeout=STOP_TIMEOUT)
