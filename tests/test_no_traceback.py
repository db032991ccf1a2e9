"""No input reaches the user as a traceback: every command, with wrong arguments and with broken files.

Each run is ``python -m newsclaims`` in a subprocess. The commands come from ``build_parser()``,
so a new command is covered as soon as it exists; its typed options get their wrong values from
the argument types they use.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from newsclaims import cli
from newsclaims.model import AnnotationFile, AnnotationSet, Entity, Figure
from newsclaims.store import Corpus
from newsclaims.vocab import Approximation, EntityType, FigureKind, SetKind

TEXT = "Mayor Ana Ruiz said 40 buses ran on Monday.\nThe depot stayed shut.\n"
STARTS_A_SERVER = {"studio"}
"""Commands that install and start Label Studio when their arguments are right: only wrong ones are tried."""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CLOSED_PORT = _closed_port()


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """(command words, its parser) of every leaf command, ``ls push`` included."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*prefix, name)) or [((*prefix, name), sub)]
    return found


COMMANDS = _commands(cli.build_parser())
COMMAND_IDS = [" ".join(words) for words, _ in COMMANDS]


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    """A folder with a corpus of one small article (a gold set), a text file, an empty folder and docs."""
    root = tmp_path_factory.mktemp("no-traceback")
    corpus = Corpus(root / "corpus")
    record = corpus.add(TEXT.encode("utf-8"), "a").revision
    gold = AnnotationSet(
        set_id="gold",
        kind=SetKind.GOLD,
        annotator="tester",
        article_sha256=record.text_sha256,
        entities=[Entity(id="e1", start=6, end=14, text="Ana Ruiz", type=EntityType.PERSON)],
        figures=[Figure(id="f1", start=20, end=22, text="40", kind=FigureKind.COUNT, approximation=Approximation.EXACT, value=40.0, counted="buses")],
    )
    corpus.save_annotations(AnnotationFile(schema_version="1.0.0", article_id="a", sets=[gold]))
    (root / "article.txt").write_text("The ferry left at noon with 12 cars.\n", encoding="utf-8")
    (root / "folder").mkdir()
    (root / "docs").mkdir()
    for name in ("README.md", "DATASHEET.md", "CHANGELOG.md"):
        (root / "docs" / name).write_text(f"# {name}\n", encoding="utf-8")
    return root


def _values(place: Path) -> dict:
    """For each argument type: a right value and wrong ones."""
    return {
        cli.existing_file: (str(place / "article.txt"), [str(place / "folder"), str(place / "missing.txt")]),
        cli.existing_folder: (str(place / "docs"), [str(place / "article.txt"), str(place / "missing")]),
        cli.file_to_write: (str(place / "out" / "written.json"), [str(place / "folder")]),
        cli.folder_to_use: (str(place / "out" / "folder"), [str(place / "article.txt")]),
        cli.identifier: ("b", ["bad id!", ".hidden", "x" * 65]),
        cli.positive_int: ("1", ["0", "-3", "two"]),
        cli.positive_seconds: ("0.5", ["nan", "inf", "-1", "0", "soon"]),
        cli.port_number: (str(CLOSED_PORT), ["-1", "0", "65536", "http"]),
        cli.calendar_date: ("2024-03-01", ["2022-13-45", "2023-02-29", "20240301", "yesterday"]),
    }


OVERRIDES = {"source": ["corpus"], "target": ["labelstudio", "OUT/tasks.json"]}
"""Right values that no argument type gives: ``convert --from corpus --to labelstudio FILE``."""


def _right_arguments(parser: argparse.ArgumentParser, place: Path, skip: argparse.Action | None = None) -> list[str]:
    """The arguments a command needs to run: its positionals and required options, and a closed
    port on 127.0.0.1 for a command that talks to a server."""
    values = _values(place)
    args: list[str] = []
    for action in parser._actions:
        if action is skip or isinstance(action, argparse._HelpAction):
            continue
        if action.dest in OVERRIDES:
            value = [v.replace("OUT", str(place / "out")) for v in OVERRIDES[action.dest]]
        elif action.type in values:
            value = [values[action.type][0]]
        elif action.choices:
            value = [next(iter(action.choices))]
        else:
            value = ["a"]
        if action.option_strings and action.required:
            args += [action.option_strings[0], *value]
        elif not action.option_strings and action.nargs not in ("?", "*"):
            args += value
    if any("--api-key" in action.option_strings for action in parser._actions):
        args += ["--url", f"http://127.0.0.1:{CLOSED_PORT}", "--api-key", "not-a-token", "--timeout", "0.5"]
    return args


def _run(place: Path, corpus: Path, words: tuple[str, ...], args: list[str]) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LABEL_STUDIO")}
    env["HOME"] = str(place / "home")
    (place / "out").mkdir(exist_ok=True)
    command = [sys.executable, "-m", "newsclaims", "--corpus", str(corpus), *words, *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=place / "out", env=env, timeout=120)


def _assert_one_message(done: subprocess.CompletedProcess) -> None:
    """No traceback; a failure ends with one ``newsclaims`` line (after the problem lines it sums up, if any)."""
    assert "Traceback" not in done.stderr, done.stderr
    if done.returncode == 0:
        return
    lines = done.stderr.strip().splitlines()
    if not lines and done.returncode == 1:
        assert re.search(r"\[[a-z0-9-]+\]", done.stdout), f"exit 1 with no problem named: {done.stdout}"
        return
    assert lines, f"exit {done.returncode} with nothing on standard error"
    if done.returncode == 2:
        assert re.match(r"newsclaims( [a-z]+)*: error: ", lines[-1]), done.stderr
        return
    assert lines[-1].startswith("newsclaims: "), done.stderr
    assert all(re.search(r"\[[a-z0-9-]+\]", line) for line in lines[:-1]), done.stderr


def test_the_commands_are_found():
    assert len(COMMANDS) >= 15
    assert {"validate", "ls push", "adjudicate", "status"} <= set(COMMAND_IDS)
    assert STARTS_A_SERVER <= set(COMMAND_IDS)


def test_every_typed_argument_has_wrong_values_to_try(tmp_path):
    values = _values(tmp_path)
    typed = [(words, action.dest, action.type) for words, parser in COMMANDS for action in parser._actions if action.type is not None]
    assert typed
    assert [t for t in typed if t[2] not in values] == []


def _wrong_arguments() -> list:
    cases = []
    for words, parser in COMMANDS:
        for action in parser._actions:
            if action.type is not None:
                cases.append(pytest.param(words, action, id=f"{' '.join(words)} {action.option_strings[0] if action.option_strings else action.dest}"))
    return cases


@pytest.mark.parametrize("words,action", _wrong_arguments())
def test_a_wrong_argument_is_one_line(place: Path, words: tuple[str, ...], action: argparse.Action):
    parser = dict(COMMANDS)[words]
    for wrong in _values(place)[action.type][1]:
        args = _right_arguments(parser, place, skip=action if action.required or not action.option_strings else None)
        given = [action.option_strings[0], wrong] if action.option_strings else [wrong]
        done = _run(place, place / "corpus", words, [*args, *given])
        _assert_one_message(done)
        assert done.returncode == 2, (wrong, done.stderr)
        assert repr(wrong) in done.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("words", [w for w, _ in COMMANDS], ids=COMMAND_IDS)
def test_a_corpus_that_is_a_file_is_one_line(place: Path, words: tuple[str, ...]):
    done = _run(place, place / "article.txt", words, _right_arguments(dict(COMMANDS)[words], place))
    _assert_one_message(done)
    assert done.returncode == 2 and "--corpus" in done.stderr


def _annotation_text(place: Path) -> str:
    return (place / "corpus" / "annotations" / "a.json").read_text(encoding="utf-8")


BROKEN = {
    "number-not-finite": lambda text: text.replace('"value": 40.0', '"value": NaN'),
    "infinity": lambda text: text.replace('"value": 40.0', '"value": -Infinity'),
    "string-lone-surrogate": lambda text: text.replace('"counted": "buses"', '"counted": "bus\\udc80"'),
    "json-too-deep": lambda text: "[" * 100_000 + "]" * 100_000,
    "cut-off": lambda text: text[: len(text) // 2],
    "not-utf8": lambda text: b"\xff\xfe{\x00\x80",
    "manifest-not-json": None,
}
"""Broken corpora: the annotation file of article a changed, or the manifest cut off."""
VALIDATE_SAYS = {"number-not-finite": "number-not-finite", "infinity": "number-not-finite", "string-lone-surrogate": "string-lone-surrogate",
                 "json-too-deep": "json-too-deep", "cut-off": "json-invalid", "not-utf8": "json-invalid", "manifest-not-json": "schema-invalid"}


def _broken_corpus(place: Path, case: str, target: Path) -> Path:
    shutil.copytree(place / "corpus", target)
    change = BROKEN[case]
    if change is None:
        manifest = target / "manifest.json"
        manifest.write_bytes(manifest.read_bytes()[:40])
        return target
    content = change(_annotation_text(place))
    path = target / "annotations" / "a.json"
    assert content != _annotation_text(place)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    return target


def _broken_runs() -> list:
    runs = []
    for words, _ in COMMANDS:
        if words[0] in STARTS_A_SERVER:
            continue
        talks_to_a_server = words[0] == "ls"
        for case in list(BROKEN)[:1] if talks_to_a_server else BROKEN:
            runs.append(pytest.param(words, case, id=f"{' '.join(words)}-{case}"))
    return runs


def test_there_are_broken_runs():
    assert len(_broken_runs()) >= 7 * 10 and set(VALIDATE_SAYS) == set(BROKEN)


@pytest.mark.parametrize("words,case", _broken_runs())
def test_a_broken_file_is_one_line(place: Path, tmp_path: Path, words: tuple[str, ...], case: str):
    corpus = _broken_corpus(place, case, tmp_path / "corpus")
    done = _run(place, corpus, words, _right_arguments(dict(COMMANDS)[words], place))
    _assert_one_message(done)
    reads_it = not (words == ("format",) and case == "manifest-not-json")
    shown_as_read = case in ("number-not-finite", "infinity") and words[0] in ("show", "summary")
    if words[0] in ("validate", "format", "reanchor", "build", "show", "summary") and reads_it:
        assert done.returncode == 1 or shown_as_read, done
    if words == ("validate",):
        assert f"[{VALIDATE_SAYS[case]}]" in done.stdout, done.stdout
    elif words in (("format",), ("reanchor",)) and reads_it:
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert ("manifest.json" if case == "manifest-not-json" else "a.json") in done.stderr, done.stderr


def test_a_closed_pipe_ends_quietly(place: Path):
    command = [sys.executable, "-m", "newsclaims", "--corpus", str(place / "corpus"), "validate"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    process.stdout.close()
    error = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) in (0, 141)
    assert error == b""


def test_writing_where_a_folder_is_is_one_line(place: Path, tmp_path: Path):
    corpus = shutil.copytree(place / "corpus", tmp_path / "corpus")
    (tmp_path / "tasks.json").mkdir()
    done = _run(place, corpus, ("convert",), ["--from", "corpus", "--to", "labelstudio", str(tmp_path / "tasks.json")])
    _assert_one_message(done)
    assert done.returncode == 1 and "tasks.json" in done.stderr


def test_an_unreadable_article_file_is_one_line(place: Path, tmp_path: Path):
    corpus = shutil.copytree(place / "corpus", tmp_path / "corpus")
    article = corpus / "articles" / "a" / "r1.txt"
    article.unlink()
    article.mkdir()
    done = _run(place, corpus, ("show",), ["a"])
    _assert_one_message(done)
    assert done.returncode == 1 and "r1.txt: [is-a-directory]" in done.stderr


def test_describe_os_error_names_the_target_of_a_rename():
    error = IsADirectoryError(21, "Is a directory", "/x/.tasks.json.tmp", None, "/x/tasks.json")
    assert cli.describe_os_error(error) == "/x/tasks.json: [is-a-directory] Is a directory"
    assert cli.describe_os_error(PermissionError(13, "Permission denied", "/x/a.json")) == "/x/a.json: [permission-denied] Permission denied"
