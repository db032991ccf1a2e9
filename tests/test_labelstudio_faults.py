"""Faults while talking to Label Studio: the command fails clearly and the corpus stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from fault_proxy import FaultProxy
from labelstudio_fixtures import LABEL_STUDIO_VENV
from ls_scenario import SEED_ID
from newsclaims.cli import main
from newsclaims.labelstudio.local import LocalServer, ensure_installed, free_port, personal_access_token
from newsclaims.labelstudio.sync import connect, push
from release_helpers import copy_corpus

pytestmark = pytest.mark.labelstudio
PROJECT = "newsclaims faults"


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def pushed(label_studio, tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    push(label_studio.client, corpus, PROJECT)
    return corpus


def pull(corpus, url: str, token: str, *extra: str) -> int:
    return main(["--corpus", str(corpus.root), "ls", "pull", "--project", PROJECT, "--url", url, "--api-key", token, *extra])


def failed_pull(corpus, url: str, token: str, capsys, *extra: str) -> str:
    """Pull, expect exit 1 with the corpus byte for byte as before and no token in the output; the error text."""
    before = snapshot(corpus.root)
    assert pull(corpus, url, token, *extra) == 1
    captured = capsys.readouterr()
    assert token not in captured.out + captured.err
    assert snapshot(corpus.root) == before
    return captured.err


def test_server_down(pushed, label_studio, capsys):
    err = failed_pull(pushed, f"http://127.0.0.1:{free_port()}", label_studio.token, capsys)
    assert "listing projects failed: ConnectError" in err


def test_server_answers_500(pushed, label_studio, capsys):
    with FaultProxy(label_studio.url) as proxy:
        proxy.mode = "error500"
        err = failed_pull(pushed, proxy.url, label_studio.token, capsys)
    assert "HTTP 500" in err and "injected server error" in err
    assert len([r for r in proxy.seen if r.startswith("GET /api/projects/")]) == 3, "the SDK retries a 5xx twice, with backoff"


def test_slow_server_times_out(pushed, label_studio, capsys):
    with FaultProxy(label_studio.url) as proxy:
        proxy.mode, proxy.delay = "slow", 3.0
        err = failed_pull(pushed, proxy.url, label_studio.token, capsys, "--timeout", "1")
    assert "Timeout" in err


def test_export_cut_once_is_downloaded_again(pushed, label_studio, capsys):
    with FaultProxy(label_studio.url) as proxy:
        proxy.mode, proxy.cuts = "cut-export", 1
        assert pull(pushed, proxy.url, label_studio.token) == 0
    assert sum("/export" in r for r in proxy.seen) == 2
    assert f"article={SEED_ID}: nothing changed" in capsys.readouterr().out, "the pushed gold was read back and recognised"


def test_export_cut_every_time_fails_and_writes_nothing(pushed, label_studio, capsys):
    with FaultProxy(label_studio.url) as proxy:
        proxy.mode = "cut-export"
        err = failed_pull(pushed, proxy.url, label_studio.token, capsys)
    assert "downloading the export (attempt 3 of 3) failed" in err


@pytest.fixture
def doomed_server(tmp_path_factory):
    """A second real server of our own, to be killed in the middle of a pull."""
    exe = ensure_installed(LABEL_STUDIO_VENV)
    server = LocalServer(home=tmp_path_factory.mktemp("doomed"), port=free_port(), admin_email="doomed@example.com", admin_password="doomed-pass-1", exe=exe)
    server.start()
    server.wait_healthy(180)
    yield server
    server.stop()


def test_server_killed_during_the_export(doomed_server, tmp_path: Path, capsys):
    token = personal_access_token(doomed_server.url, doomed_server.admin_email, doomed_server.admin_password)
    corpus = copy_corpus(tmp_path)
    push(connect(doomed_server.url, token), corpus, PROJECT)
    with FaultProxy(doomed_server.url) as proxy:
        proxy.mode = "kill-during-export"
        proxy.on_export = lambda: doomed_server.stop()
        err = failed_pull(corpus, proxy.url, token, capsys)
    assert "downloading the export" in err and "failed" in err
    assert not doomed_server.running
