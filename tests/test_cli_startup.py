"""The command line loads label-studio-sdk only for the commands that talk to a server, and
``datasets`` only for ``build`` and ``schema``, which write its Features into the card,
the Croissant file and ``schema/``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from newsclaims.cli import main
from newsclaims.labelstudio.access import KEY_VARIABLE, URL_VARIABLE
from release_helpers import copy_corpus

HEAVY = ("label_studio_sdk", "datasets", "pyarrow")
LOADED = f"import sys; print(sorted({{name.split('.')[0] for name in sys.modules}} & {set(HEAVY)!r}))"


def _loaded(code: str) -> list[str]:
    """The heavy libraries loaded once ``code`` has run (and succeeded) in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", f"{code}; {LOADED}"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def _loaded_after(corpus: Path, args: list[str]) -> list[str]:
    """The heavy libraries loaded once ``newsclaims ARGS`` has run and succeeded."""
    return _loaded(f"from newsclaims.cli import main; assert main({['--corpus', str(corpus), *args]!r}) == 0")


def test_the_command_line_starts_without_the_heavy_libraries():
    assert _loaded("from newsclaims.cli import build_parser; build_parser()") == []


def test_the_check_sees_a_heavy_library():
    assert _loaded("import datasets") == ["datasets", "pyarrow"]


def test_no_conversion_loads_datasets(tmp_path):
    corpus = copy_corpus(tmp_path, with_release=True)
    release, tasks = corpus.parquet_dir, tmp_path / "tasks.json"
    conversions = [
        ["convert", "--from", "corpus", "--to", "labelstudio", str(tasks)],
        ["convert", "--from", "labelstudio", str(tasks), "--to", "hf", str(tmp_path / "release")],
        ["convert", "--from", "hf", str(release), "--to", "labelstudio", str(tmp_path / "from-release.json")],
        ["convert", "--from", "hf", str(release), "--to", "corpus"],
        ["convert", "--from", "labelstudio", str(tasks), "--to", "corpus"],
    ]
    for args in conversions:
        assert "datasets" not in _loaded_after(corpus.root, args), args


def test_build_loads_datasets(tmp_path):
    corpus = copy_corpus(tmp_path, with_release=True)
    assert "datasets" in _loaded_after(corpus.root, ["build"])


@pytest.mark.parametrize("action", [["push"], ["pull"], ["export", "export.json"]])
def test_a_server_command_loads_what_it_needs(tmp_path, monkeypatch, capsys, action: list[str]):
    monkeypatch.delenv(URL_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["--corpus", str(tmp_path / "corpus"), "ls", action[0], "--project", "p", *action[1:]]) == 1
    assert f"no Label Studio URL: pass --url or set {URL_VARIABLE}" in capsys.readouterr().err


def test_studio_reaches_the_server_module(tmp_path, monkeypatch):
    import newsclaims.labelstudio.studio as studio

    calls = []
    monkeypatch.setattr(studio, "run_studio", lambda *args: calls.append(args))
    assert main(["--corpus", str(tmp_path / "corpus"), "studio", "--home", str(tmp_path / "home"), "--port", "8123", "--project", "p"]) == 0
    corpus, home, port, project = calls[0]
    assert (corpus.root, home, port, project) == (tmp_path / "corpus", tmp_path / "home", 8123, "p")
