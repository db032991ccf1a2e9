"""The README's commands and examples work as written, in the environment its Quick start makes."""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import DATA, REPO
from newsclaims.cli import build_parser

README = (REPO / "README.md").read_text(encoding="utf-8")
FENCED = [(m.group(1), m.group(2), m.start()) for m in re.finditer(r"^ *```(\w*)\n(.*?)^ *```", README, re.DOTALL | re.MULTILINE)]
PYTHON_BLOCKS = [body for kind, body, _ in FENCED if kind == "python"]
COMMAND_LINES = [line.strip()[2:] for line in README.splitlines() if line.strip().startswith("$ ")]
SETUP_LINES = [line for line in COMMAND_LINES if line.startswith(("python3 -m venv ", "source "))]
NEWSCLAIMS_LINES = [line for line in COMMAND_LINES if line.startswith("newsclaims ")]
PYTHON_LINES = [line for line in COMMAND_LINES if line.startswith("python -c ")]

NEEDS_SERVER = [
    "newsclaims studio",
    "newsclaims ls pull --project newsclaims --report pull-report.json",
    "newsclaims ls push --project newsclaims",
    "newsclaims ls pull --project newsclaims",
    "newsclaims ls export --project newsclaims export.json",
]
"""The README's commands that need a Label Studio server: every other one runs offline in the test."""

USER_FILES = {
    "article.txt": "Dockers at the northern harbour stopped work at dawn on Monday, their union said.\n"
    "About 1,200 of them joined the strike, which the port authority called \"regrettable\".\n",
    "my_article.txt": "The town council voted on Tuesday to close two of its five libraries by 2027.\n"
    "\"We had no other choice,\" the mayor told reporters, citing a deficit of more than 3 million euros.\n",
}
"""Files the README's commands take as the user's own: written here, or copied from tests/data below."""


def _command(line: str) -> str:
    """A console line without its trailing comment, its words joined by single spaces."""
    return shlex.join(shlex.split(line, comments=True))


def _lead_in(position: int) -> str:
    """The README's prose between the fenced block that starts at ``position`` and the block before it."""
    previous_ends = [m.end() for m in re.finditer(r"^ *```\w*\n.*?^ *```", README[:position], re.DOTALL | re.MULTILINE)]
    return README[(previous_ends[-1] if previous_ends else 0) : position]


def _base_distributions() -> set[str]:
    """The distributions that ``pip install -e .`` installs: newsclaims' requirements without extras, recursively."""
    seen, todo = set(), ["newsclaims"]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            requirements = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for text in requirements:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return seen


def _extra_distributions(extra: str) -> set[str]:
    """The distributions newsclaims' extra ``extra`` names."""
    named = set()
    for text in importlib.metadata.requires("newsclaims") or []:
        requirement = Requirement(text)
        if requirement.marker is not None and requirement.marker.evaluate({"extra": extra}) and not requirement.marker.evaluate({"extra": ""}):
            named.add(canonicalize_name(requirement.name))
    return named


def _installed_by(lead_in: str) -> set[str]:
    """The distributions a ``pip install ...`` in the prose brings: named ones, and those of named extras of this project."""
    brought = set()
    for words in re.findall(r"pip install ([^`]+)`", lead_in):
        for word in shlex.split(words):
            extras = re.fullmatch(r"\.\[(\w+)\]", word)
            if extras:
                brought |= _extra_distributions(extras.group(1))
            elif not word.startswith("-"):
                brought.add(canonicalize_name(word))
    return brought


def _imported_distributions(code: str) -> set[str]:
    """The distributions whose modules ``code`` imports, leaving out the standard library and newsclaims itself."""
    modules = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules.add(node.module.split(".")[0])
    providers = importlib.metadata.packages_distributions()
    distributions = set()
    for module in modules - set(sys.stdlib_module_names) - {"newsclaims"}:
        assert module in providers, f"no installed distribution provides {module!r}"
        distributions |= {canonicalize_name(name) for name in providers[module]}
    return distributions


def _python_examples() -> list[tuple[str, str]]:
    """Every piece of Python the README shows (blocks and ``python -c`` lines), with the prose that leads into it."""
    examples = [(body, _lead_in(start)) for kind, body, start in FENCED if kind == "python"]
    for _kind, body, start in FENCED:
        for line in body.splitlines():
            if line.strip().startswith("$ python -c "):
                examples.append((shlex.split(line.strip()[2:])[2], _lead_in(start)))
    return examples


def test_ci_runs_the_readme_test_command():
    commands = [line for line in COMMAND_LINES if line.startswith("python3 -m venv")]
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


def test_every_command_line_is_a_setup_step_a_newsclaims_command_or_python():
    assert len(SETUP_LINES) == 3 and "source .venv/bin/activate" in SETUP_LINES
    assert len(NEWSCLAIMS_LINES) >= 20 and PYTHON_LINES
    assert sorted(SETUP_LINES + NEWSCLAIMS_LINES + PYTHON_LINES) == sorted(COMMAND_LINES)


def test_commands_are_named_one_way_after_the_quick_start():
    after_quick_start = README[README.index("$ source .venv/bin/activate") + len("$ source .venv/bin/activate") :]
    assert ".venv/bin/" not in after_quick_start
    assert "$ python3 " not in after_quick_start


def test_the_server_commands_left_out_are_in_the_readme():
    commands = [_command(line) for line in NEWSCLAIMS_LINES]
    assert NEEDS_SERVER and all(command in commands for command in NEEDS_SERVER)
    assert all(command.split()[1] in ("studio", "ls") for command in NEEDS_SERVER)


def test_every_subcommand_is_in_the_toolkit_list():
    toolkit = README[README.index("## The toolkit") :]
    toolkit = toolkit[: toolkit.index("\n## ", 1)]
    listed = {tuple(_command(line.strip()[2:]).split()[1:3]) for line in toolkit.splitlines() if line.startswith("$ newsclaims ")}
    commands = _subcommands(build_parser())
    assert len(commands) >= 15
    missing = [" ".join(c) for c in commands if not any(entry[: len(c)] == c for entry in listed)]
    assert not missing, f"subcommands missing from the README's toolkit list: {missing}"


def _subcommands(parser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for action in parser._actions:
        if getattr(action, "choices", None) and hasattr(action, "add_parser"):
            for name, child in action.choices.items():
                nested = _subcommands(child, (*prefix, name))
                found.extend(nested or [(*prefix, name)])
    return found


def test_python_examples_need_only_the_base_install_or_say_what_to_install():
    examples = _python_examples()
    assert len(examples) >= 5
    base = _base_distributions()
    assert {"datasets", "pyarrow", "pandas"} <= base
    for code, lead_in in examples:
        missing = _imported_distributions(code) - base - _installed_by(lead_in)
        assert not missing, f"{code.splitlines()[0]!r} needs {sorted(missing)}, which its lead-in does not say to install"


def test_the_duckdb_example_keeps_figures_without_a_claim():
    duckdb_blocks = [block for block in PYTHON_BLOCKS if "duckdb.sql" in block and "claims" in block]
    assert len(duckdb_blocks) == 1
    assert "LEFT JOIN" in duckdb_blocks[0] and not re.search(r"(?<!LEFT )JOIN", duckdb_blocks[0])
    assert "LEFT JOIN keeps" in README


def _hub_offline(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.splitlines()[0][:40])
def test_python_example_runs(block: str, tmp_path: Path):
    done = subprocess.run([sys.executable, "-c", block], cwd=REPO, capture_output=True, text=True, env=_hub_offline(tmp_path), timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip()


@pytest.mark.parametrize("line", PYTHON_LINES, ids=lambda line: line[:40])
def test_python_command_line_runs(line: str, tmp_path: Path):
    env = {**_hub_offline(tmp_path), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    done = subprocess.run(["bash", "-c", line], cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip()


def test_every_offline_newsclaims_command_runs_in_order(tmp_path: Path):
    """In a copy of the repository, as a user who has the files the README names would run them."""
    executable = Path(sys.executable).parent / "newsclaims"
    assert executable.is_file(), "the newsclaims command is installed beside the interpreter (pip install -e .)"
    checkout = tmp_path / "checkout"
    shutil.copytree(REPO, checkout, ignore=shutil.ignore_patterns(".venv", ".labelstudio", ".git", ".hypothesis", "__pycache__", "*.egg-info"))
    for name, text in USER_FILES.items():
        (checkout / name).write_text(text, encoding="utf-8")
    shutil.copy(DATA / "labelstudio" / "seed-export.json", checkout / "export.json")
    env = {**_hub_offline(tmp_path), "PATH": f"{executable.parent}:{os.environ['PATH']}"}
    offline = [line for line in NEWSCLAIMS_LINES if _command(line) not in NEEDS_SERVER]
    assert len(offline) >= 15
    for line in offline:
        done = subprocess.run(["bash", "-c", line], cwd=checkout, capture_output=True, text=True, env=env, timeout=600)
        assert done.returncode == 0, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        assert done.stdout.strip(), line
    assert (checkout / "tasks.json").is_file() and (checkout / "release" / "annotation_sets").is_dir()
    assert (checkout / "corpus" / "annotations" / "my_article.json").is_file()


def test_the_benchmark_method_is_documented_beside_the_benchmark():
    benchmarks = REPO / "scripts" / "BENCHMARKS.md"
    assert "(scripts/BENCHMARKS.md)" in README and benchmarks.is_file()
    method = benchmarks.read_text(encoding="utf-8")
    assert "python scripts/benchmark_conversion.py" in method and "--no-huge-pages" in method
    assert "huge pages" not in README and "benchmark_conversion.py" not in README
