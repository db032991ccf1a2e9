"""Progress bars: drawn on a terminal, silent otherwise, and advanced by every command that can run long."""

from __future__ import annotations

import io
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import DATA
from newsclaims import cli
from newsclaims.progress import progress_bar
from newsclaims.synthetic import write_synthetic_export
from release_helpers import copy_corpus

SEED_EXPORT = DATA / "labelstudio" / "seed-export.json"


class _Screen(io.StringIO):
    """Standard error that says whether it is a terminal."""

    def __init__(self, terminal: bool) -> None:
        super().__init__()
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@pytest.mark.parametrize("terminal", [True, False])
def test_a_bar_is_drawn_on_a_terminal_only(monkeypatch, terminal: bool):
    screen = _Screen(terminal)
    monkeypatch.setattr(sys, "stderr", screen)
    with progress_bar("converting", unit="task") as advance:
        advance(3)
    assert ("converting" in screen.getvalue()) is terminal


@pytest.fixture
def advances(monkeypatch) -> dict[str, int]:
    """What each command's bars were advanced by, by description."""
    seen: dict[str, int] = {}

    @contextmanager
    def recording(description: str, total: int | None = None, unit: str = "task"):
        seen.setdefault(description, 0)

        def advance(n: int) -> None:
            seen[description] += n

        yield advance

    monkeypatch.setattr(cli, "progress_bar", recording)
    return seen


def test_every_long_command_advances_its_bar(tmp_path: Path, advances: dict[str, int]):
    corpus = copy_corpus(tmp_path)
    files, revisions = len(corpus.annotation_paths()), len(corpus.load_manifest().articles)
    def run(*args):
        return cli.main(["--corpus", str(corpus.root), *map(str, args)])
    export = tmp_path / "export.json"
    write_synthetic_export(export, 7, seed=3)
    assert run("validate") == 0
    assert run("build", "--docs-dir", tmp_path) == 0
    assert run("convert", "--from", "hf", corpus.parquet_dir, "--to", "corpus") == 0
    assert run("convert", "--from", "labelstudio", SEED_EXPORT, "--to", "corpus") == 0
    assert run("convert", "--from", "labelstudio", export, "--to", "hf", tmp_path / "release") == 0
    assert run("convert", "--from", "hf", tmp_path / "release", "--to", "labelstudio", tmp_path / "tasks.json") == 0
    assert advances == {"validating": files, "building": revisions, "reading the release": files, "reading exports": 1, "converting tasks": 7, "writing tasks": 7}
