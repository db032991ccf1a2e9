"""The README's commands and examples work as written."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, REPO
from newsclaims.cli import main

README = (REPO / "README.md").read_text(encoding="utf-8")
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
CONVERT_LINES = [line[2:].split("#")[0].strip() for line in README.splitlines() if line.startswith("$ newsclaims convert")]


def test_ci_runs_the_readme_test_command():
    commands = [line[2:] for line in README.splitlines() if line.startswith("$ python3 -m venv")]
    assert len(commands) == 2, "README shows two set-up commands: the main job and the tests"
    main_job, tests = commands
    assert "newsclaims validate" in main_job and "newsclaims build" in main_job
    assert "pytest" in tests and "'.[test]'" in tests
    extracted = subprocess.run(
        ["bash", "-c", "sed -n 's/^\\$ \\(.*pytest.*\\)$/\\1/p' README.md | head -n 1"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert extracted == tests
    assert "sed -n 's/^\\$ \\(.*pytest.*\\)$/\\1/p' README.md" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_ci_fails_when_no_test_is_collected(tmp_path: Path):
    shutil.copytree(REPO / ".ci", tmp_path / ".ci")
    (tmp_path / "README.md").write_text("$ python3 -m pytest -q nothing_here_test.py\n", encoding="utf-8")
    (tmp_path / "nothing_here_test.py").write_text("", encoding="utf-8")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", ".ci/run"], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and "collected no tests" in done.stderr


def test_there_are_python_examples():
    assert len(PYTHON_BLOCKS) >= 3 and len(CONVERT_LINES) == 5


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.splitlines()[0][:40])
def test_python_example_runs(block: str, tmp_path: Path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run([sys.executable, "-c", block], cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip()


def test_offline_convert_examples_run_in_order(tmp_path: Path, monkeypatch, capsys):
    shutil.copytree(REPO / "corpus", tmp_path / "corpus")
    shutil.copy(DATA / "labelstudio" / "seed-export.json", tmp_path / "export.json")
    monkeypatch.chdir(tmp_path)
    for line in CONVERT_LINES:
        assert main(shlex.split(line)[1:]) == 0, line
    assert (tmp_path / "tasks.json").is_file() and (tmp_path / "release" / "annotation_sets").is_dir()
