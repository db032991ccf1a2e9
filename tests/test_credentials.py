"""Where the Label Studio URL and token come from, the access file, and tokens that outlive a restart."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from labelstudio_fixtures import LABEL_STUDIO_VENV
from newsclaims.cli import main
from newsclaims.labelstudio.access import KEY_VARIABLE, URL_VARIABLE
from newsclaims.labelstudio.credentials import (
    ACCESS_FILE,
    CredentialsError,
    read_access_file,
    resolve_credentials,
    shown_url,
    write_access_file,
)
from newsclaims.labelstudio.local import free_port
from release_helpers import copy_corpus

FILE_TOKEN = "token-from-the-file-0001"
ENV_TOKEN = "token-from-the-environment-0002"
ARG_TOKEN = "token-from-the-arguments-0003"


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    return monkeypatch


@pytest.fixture
def access_file(tmp_path: Path) -> Path:
    return write_access_file(tmp_path / "home" / ACCESS_FILE, "http://127.0.0.1:8080", FILE_TOKEN)


def test_access_file_is_readable_by_its_owner_only(access_file: Path):
    assert stat.S_IMODE(access_file.stat().st_mode) == 0o600
    stored = read_access_file(access_file)
    assert (stored.url, stored.api_key) == ("http://127.0.0.1:8080", FILE_TOKEN)
    assert FILE_TOKEN not in repr(stored)


def test_arguments_then_environment_then_file(clean_env, access_file: Path):
    assert resolve_credentials(access_file=access_file).api_key == FILE_TOKEN
    clean_env.setenv(URL_VARIABLE, "http://127.0.0.1:8080")
    clean_env.setenv(KEY_VARIABLE, ENV_TOKEN)
    assert resolve_credentials(access_file=access_file).api_key == ENV_TOKEN
    chosen = resolve_credentials("http://127.0.0.1:9090", ARG_TOKEN, access_file)
    assert (chosen.url, chosen.api_key) == ("http://127.0.0.1:9090", ARG_TOKEN)
    clean_env.delenv(KEY_VARIABLE)
    assert resolve_credentials(access_file=access_file).api_key == FILE_TOKEN, "the file's token, for the file's server"


def test_a_stored_token_is_never_sent_to_another_server(clean_env, access_file: Path):
    with pytest.raises(CredentialsError) as caught:
        resolve_credentials("http://elsewhere.example:8080", None, access_file)
    assert FILE_TOKEN not in str(caught.value) and "--api-key" in str(caught.value)


def test_no_credentials_at_all_names_every_way(clean_env, tmp_path: Path):
    with pytest.raises(CredentialsError, match="pass --url or set LABEL_STUDIO_URL, or run 'newsclaims studio'"):
        resolve_credentials(access_file=tmp_path / "missing.json")


def test_unreadable_access_file_is_one_line_without_its_content(clean_env, tmp_path: Path, capsys):
    broken = tmp_path / ACCESS_FILE
    broken.write_text('{"url": "http://127.0.0.1:8080", "token": "partial-secret-77', encoding="utf-8")
    assert main(["--corpus", str(tmp_path), "ls", "pull", "--project", "p", "--credentials", str(broken)]) == 1
    err = capsys.readouterr().err
    assert str(broken) in err and len(err.strip().splitlines()) == 1 and "partial-secret-77" not in err


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://u:secret@host:8080/ls", "http://u@host:8080/ls"),
        ("https://:secret@host", "https://host"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_urls_are_shown_without_password(url: str, shown: str):
    assert shown_url(url) == shown


def test_failed_command_shows_neither_password_nor_token(clean_env, tmp_path: Path, capsys):
    url = f"http://reader:pass-word-9@127.0.0.1:{free_port()}"
    assert main(["--corpus", str(tmp_path), "ls", "pull", "--project", "p", "--url", url, "--api-key", ARG_TOKEN]) == 1
    err = capsys.readouterr().err
    assert "pass-word-9" not in err and ARG_TOKEN not in err and "reader@127.0.0.1" in err


@pytest.fixture
def studio_home(tmp_path) -> Path:
    home = tmp_path / "studio"
    home.mkdir()
    (home / "venv").symlink_to(LABEL_STUDIO_VENV, target_is_directory=True)
    return home


@pytest.mark.labelstudio
def test_studio_restarts_keep_credentials_that_push_and_pull(label_studio, studio_home: Path, tmp_path: Path, clean_env, capsys):
    from label_studio_sdk import LabelStudio

    from newsclaims.labelstudio.studio import run_studio, token_works

    corpus = copy_corpus(tmp_path).root
    access = studio_home / ACCESS_FILE
    tokens = []
    for attempt in range(3):
        lines: list[str] = []
        session = run_studio(corpus, studio_home, free_port(), "credentials test", out=lines.append, wait=False)
        try:
            stored = json.loads(access.read_text(encoding="utf-8"))
            assert stored["url"] == session.url and token_works(session.url, stored["token"])
            assert stat.S_IMODE(access.stat().st_mode) == 0o600
            assert stored["token"] not in "\n".join(lines) and str(access) in "\n".join(lines)
            tokens.append(stored["token"])
            if attempt == 1:
                args = ["--corpus", str(corpus), "ls"]
                before = {p.name: p.read_bytes() for p in (corpus / "annotations").iterdir()}
                assert before, "the corpus copy has annotation files"
                assert main([*args, "push", "--project", "credentials test", "--credentials", str(access)]) == 0
                assert main([*args, "pull", "--project", "credentials test", "--credentials", str(access)]) == 0
                out = capsys.readouterr()
                assert stored["token"] not in out.out + out.err
                assert "1 unchanged" in out.out and "next: newsclaims status" in out.out
                assert {p.name: p.read_bytes() for p in (corpus / "annotations").iterdir()} == before
                # A token revoked meanwhile (say, in the browser) is replaced on the next start.
                LabelStudio(base_url=session.url, api_key=stored["token"]).tokens.blacklist(refresh=stored["token"])
                assert not token_works(session.url, stored["token"])
        finally:
            session.server.stop()
    assert tokens[0] == tokens[1], "a working token is reused across a restart"
    assert tokens[2] != tokens[1], "a revoked token is replaced"
