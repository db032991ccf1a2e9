"""Writers killed, out of space, read-only or run twice at once: the corpus and the outputs stay whole.

The kill loops run each writer as a child process (``python -m newsclaims``) once to list the
named steps it reaches (``$NEWSCLAIMS_FAULT_TRACE``), then once per step with
``$NEWSCLAIMS_FAULT_STEP`` set, which kills it there with SIGKILL. The next command must then
find every byte as it was before the writer ran, or as an uninterrupted run leaves it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import DATA, REPO
from loop_articles import ARTICLES, PUBLISHED, pass_set
from newsclaims.cli import main
from newsclaims.locks import BusyError, WriteError
from newsclaims.model import SCHEMA_VERSION, AnnotationFile
from newsclaims.publish import FAULT_VARIABLE, TRACE_VARIABLE
from newsclaims.store import Corpus

NEW_ARTICLE = "The harbour of Valdora reopened on Friday after 9 days, the port authority said.\n"
LS = DATA / "labelstudio"


_STAMP = re.compile(rb'"(created_at|updated_at)": "[^"]*"')


def snapshot(folder: Path, stamps: bool = True) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``folder``, hidden ones included; without
    ``stamps``, the times a set was made are blanked."""
    found = {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}
    return found if stamps else {name: data if data is None else _STAMP.sub(rb'"\1": ""', data) for name, data in found.items()}


def differences(found: dict, old: dict, new: dict) -> list[str]:
    return sorted({name for name in {*found, *old, *new} if found.get(name, 0) != old.get(name, 0) and found.get(name, 0) != new.get(name, 0)})


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in (FAULT_VARIABLE, TRACE_VARIABLE)}
    return subprocess.run([sys.executable, "-m", "newsclaims", *args], cwd=cwd, env={**environment, **env}, capture_output=True, text=True, timeout=120)


def reached_steps(args: list[str], cwd: Path) -> list[str]:
    trace = cwd.parent / f"{cwd.name}.trace"
    done = run(args, cwd, **{TRACE_VARIABLE: str(trace)})
    assert done.returncode == 0, done.stderr
    steps = trace.read_text(encoding="utf-8").split()
    # A step reached many times (one per article, per shard) is killed the first time; a move, also after the last.
    last_move = [s for s in steps if s.startswith("publish:moved#")][-1:]
    return [s for s in steps if s.endswith("#1") or s in last_move]


def kill_loop(
    tmp_path: Path, args: list[str], watched: str, next_command: list[str], next_code: int = 0, always_there: str | None = None, stamps: bool = True
) -> list[str]:
    """Kill ``args`` at each of its steps in a copy of ``tmp_path/base``; after ``next_command``
    (run in-process), ``watched`` must be byte for byte as before or as after a whole run."""
    base = tmp_path / "base"
    old = snapshot(base / watched, stamps)
    whole = tmp_path / "whole"
    shutil.copytree(base, whole, symlinks=True)
    steps = reached_steps(args, whole)
    new = snapshot(whole / watched, stamps)
    assert new != old, "the writer changed nothing: the test could not tell old from new"
    assert steps and "publish:journal#1" in steps, steps
    for index, step in enumerate(steps):
        work = tmp_path / f"kill-{index}"
        shutil.copytree(base, work, symlinks=True)
        killed = run(args, work, **{FAULT_VARIABLE: step})
        assert killed.returncode == -signal.SIGKILL, (step, killed.returncode, killed.stderr)
        if always_there:
            assert (work / always_there).is_dir(), f"killed at {step}: {always_there} is missing"
        cwd = Path.cwd()
        os.chdir(work)
        try:
            code = main(next_command)
        finally:
            os.chdir(cwd)
        assert code == next_code, step
        found = snapshot(work / watched, stamps)
        assert found in (old, new), f"killed at {step}: neither old nor new: {differences(found, old, new)}"
        shutil.rmtree(work)
    return steps


def loop_corpus(root: Path, passes: tuple[str, ...] = ("pass-a",)) -> Corpus:
    corpus = Corpus(root)
    files = []
    for article_id, text in ARTICLES.items():
        record = corpus.add(text.encode("utf-8"), article_id, published=PUBLISHED).revision
        sets = [pass_set(article_id, record.text_sha256, second=index == 1, set_id=set_id).model_copy(update={"annotator": set_id}) for index, set_id in enumerate(passes)]
        files.append(AnnotationFile(schema_version=SCHEMA_VERSION, article_id=article_id, sets=sets))
    corpus.save_annotation_files(files)
    return corpus


def copy_docs(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name in ("README.md", "DATASHEET.md", "CHANGELOG.md"):
        shutil.copy(REPO / name, folder / name)


# -- killed ---------------------------------------------------------------------------------


def test_add_killed_at_any_step(tmp_path: Path):
    loop_corpus(tmp_path / "base" / "corpus")
    (tmp_path / "base" / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    steps = kill_loop(tmp_path, ["--corpus", "corpus", "add", "new.txt", "--id", "loop_new"], "corpus", ["--corpus", "corpus", "validate"])
    assert "add:staged#1" in steps


def test_convert_to_corpus_killed_at_any_step(tmp_path: Path):
    from newsclaims.hf.build import build_release

    source = loop_corpus(tmp_path / "source" / "corpus", ("pass-a", "pass-b"))
    build_release(source)
    loop_corpus(tmp_path / "base" / "corpus")
    shutil.copytree(source.parquet_dir, tmp_path / "base" / "release")
    args = ["--corpus", "corpus", "convert", "--from", "hf", "release", "--to", "corpus"]
    steps = kill_loop(tmp_path, args, "corpus", ["--corpus", "corpus", "validate"])
    assert {"annotations:staged#1", "publish:moved#1", "publish:moved#2"} <= set(steps)


def test_adjudicate_killed_at_any_step(tmp_path: Path):
    loop_corpus(tmp_path / "base" / "corpus", ("pass-a", "pass-b"))
    steps = kill_loop(tmp_path, ["--corpus", "corpus", "adjudicate", "--all"], "corpus", ["--corpus", "corpus", "validate"], stamps=False)
    assert "publish:moved#2" in steps


def test_build_killed_at_any_step_never_leaves_the_release_missing(tmp_path: Path):
    from newsclaims.hf.build import build_release

    corpus = loop_corpus(tmp_path / "base" / "corpus", ("pass-a", "pass-b"))
    build_release(corpus)
    corpus.add(NEW_ARTICLE.encode("utf-8"), "loop_new")
    copy_docs(tmp_path / "base" / "docs")
    args = ["--corpus", "corpus", "build", "--docs-dir", "docs"]
    steps = kill_loop(tmp_path, args, "corpus", ["--corpus", "corpus", "validate"], always_there="corpus/parquet")
    assert {"build:article#1", "build:written#1", "publish:moved#1", "publish:done#1"} <= set(steps)


def _export(tmp_path: Path, name: str, case: str) -> None:
    (tmp_path / "base" / name).write_text(json.dumps(json.loads((LS / "invalid" / case).read_text(encoding="utf-8"))["export"]), encoding="utf-8")


def test_convert_to_hf_killed_at_any_step_keeps_the_previous_output(tmp_path: Path):
    base = tmp_path / "base"
    shutil.copytree(REPO / "corpus", base / "corpus", ignore=shutil.ignore_patterns("parquet"))
    shutil.copy(LS / "valid-second-annotator.json", base / "export.json")
    _export(tmp_path, "bad.json", "region-labels.json")
    first = run(["--corpus", "corpus", "convert", "--from", "labelstudio", str(LS / "seed-export.json"), "--to", "hf", "out", "--workers", "1"], base)
    assert first.returncode == 0, first.stderr
    args = ["--corpus", "corpus", "convert", "--from", "labelstudio", "export.json", "--to", "hf", "out", "--workers", "1"]
    # The next command writing into out/ fails on its bad export, after finishing what was left.
    failing = ["--corpus", "corpus", "convert", "--from", "labelstudio", "bad.json", "--to", "hf", "out", "--workers", "1"]
    steps = kill_loop(tmp_path, args, ".", failing, next_code=1, always_there="out")
    assert {"convert-hf:shard#1", "publish:moved#1"} <= set(steps)


# -- one writer at a time ---------------------------------------------------------------------


def test_a_second_writer_waits_then_names_the_first(tmp_path: Path):
    corpus = loop_corpus(tmp_path / "corpus")
    (tmp_path / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    before = snapshot(corpus.root)
    with corpus.writing():
        second = run(["--corpus", "corpus", "add", "new.txt", "--id", "loop_new"], tmp_path, NEWSCLAIMS_LOCK_WAIT="0.2")
    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [f"newsclaims: another newsclaims command is writing corpus/ (pid {os.getpid()}); try again when it ends"]
    assert snapshot(corpus.root) == before
    assert main(["--corpus", str(corpus.root), "add", str(tmp_path / "new.txt"), "--id", "loop_new"]) == 0


def test_the_lock_is_busy_in_process_too(tmp_path: Path):
    from newsclaims.locks import locked

    lock = tmp_path / ".x.lock"
    child = subprocess.Popen([sys.executable, "-c", f"import fcntl,sys,time; f=open({str(lock)!r},'w'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(BusyError, match=r"another newsclaims command is writing x/; try again when it ends"):
            with locked(lock, "x/", wait=0.1):
                pass
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    with locked(lock, "x/", wait=0.1):
        assert lock.exists()
    assert not lock.exists()


def test_two_builds_at_once_both_succeed(tmp_path: Path):
    loop_corpus(tmp_path / "corpus", ("pass-a", "pass-b"))
    copy_docs(tmp_path / "docs")
    args = ["--corpus", "corpus", "build", "--docs-dir", "docs"]
    environment = {k: v for k, v in os.environ.items() if k not in (FAULT_VARIABLE, TRACE_VARIABLE)}
    children = [subprocess.Popen([sys.executable, "-m", "newsclaims", *args], cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(child.wait(timeout=120), child.stderr.read()) for child in children]
    assert [code for code, _ in results] == [0, 0], results
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == ["annotations", "articles", "manifest.json", "parquet"]
    assert main(["--corpus", str(tmp_path / "corpus"), "validate"]) == 0


def test_two_converts_into_one_folder_at_once_both_succeed(tmp_path: Path):
    environment = {k: v for k, v in os.environ.items() if k not in (FAULT_VARIABLE, TRACE_VARIABLE)}
    args = ["--corpus", str(REPO / "corpus"), "convert", "--from", "labelstudio", str(LS / "seed-export.json"), "--to", "hf", "out", "--workers", "1"]
    children = [subprocess.Popen([sys.executable, "-m", "newsclaims", *args], cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(child.wait(timeout=120), child.stderr.read()) for child in children]
    assert [code for code, _ in results] == [0, 0], results
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "out").rglob("*.parquet")) == [
        "out/annotation_sets/train-00000-of-00001.parquet",
        "out/articles/train-00000-of-00001.parquet",
    ]


# -- a full disk, a read-only folder ----------------------------------------------------------


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_add_on_a_full_disk_leaves_nothing_and_a_retry_works(tmp_path: Path, monkeypatch, capsys):
    corpus = loop_corpus(tmp_path / "corpus")
    (tmp_path / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    before = snapshot(corpus.root)
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", _no_space)
        assert main(["--corpus", str(corpus.root), "add", str(tmp_path / "new.txt"), "--id", "loop_new"]) == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "[write-failed] No space left on device" in line and "was left as it was" in line
    assert snapshot(corpus.root) == before
    assert main(["--corpus", str(corpus.root), "add", str(tmp_path / "new.txt"), "--id", "loop_new"]) == 0
    assert Corpus(corpus.root).latest("loop_new").revision == 1


def test_build_on_a_full_disk_keeps_the_release(tmp_path: Path, monkeypatch):
    import newsclaims.hf.build as build_module

    corpus = loop_corpus(tmp_path / "corpus", ("pass-a", "pass-b"))
    build_module.build_release(corpus)
    corpus.add(NEW_ARTICLE.encode("utf-8"), "loop_new")
    before = snapshot(corpus.root)

    def full(release_dir, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(release_dir / "croissant.json"))

    monkeypatch.setattr(build_module, "write_croissant", full)
    with pytest.raises(WriteError, match=r"croissant.json: \[write-failed\] No space left on device"):
        build_module.build_release(corpus)
    assert snapshot(corpus.root) == before


@contextmanager
def mounted(kind: str, folder: Path, options: str) -> Iterator[None]:
    """A tmpfs or read-only bind mount, where this process may mount (root in a container)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a file system needs root")
    folder.mkdir(parents=True, exist_ok=True)
    command = ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)] if kind == "tmpfs" else ["mount", "--bind", str(folder), str(folder)]
    if subprocess.run(command, capture_output=True).returncode != 0:
        pytest.skip("this system does not let the tests mount a file system")
    try:
        if kind == "bind":
            subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True, capture_output=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_add_on_a_really_full_disk(tmp_path: Path):
    disk = tmp_path / "disk"
    with mounted("tmpfs", disk, "size=64k"):
        loop_corpus(disk / "corpus")
        before = snapshot(disk / "corpus")
        (tmp_path / "big.txt").write_bytes(b"The harbour reopened. " * 4000)
        (tmp_path / "small.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        full = run(["--corpus", str(disk / "corpus"), "add", str(tmp_path / "big.txt"), "--id", "loop_big"], tmp_path)
        assert full.returncode == 1
        [line] = full.stderr.strip().splitlines()
        assert "No space left on device" in line and "Traceback" not in full.stderr
        assert snapshot(disk / "corpus") == before
        retry = run(["--corpus", str(disk / "corpus"), "add", str(tmp_path / "small.txt"), "--id", "loop_new"], tmp_path)
        assert retry.returncode == 0, retry.stderr


def test_writers_on_a_read_only_corpus_say_so_in_one_line(tmp_path: Path):
    corpus = loop_corpus(tmp_path / "corpus", ("pass-a", "pass-b"))
    (tmp_path / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    before = snapshot(corpus.root)
    with mounted("bind", corpus.root, ""):
        for args in (["add", "new.txt", "--id", "loop_new"], ["adjudicate", "--all"], ["build", "--docs-dir", "."]):
            done = run(["--corpus", "corpus", *args], tmp_path)
            assert done.returncode == 1, (args, done.stdout)
            assert "Traceback" not in done.stderr and "Read-only file system" in done.stderr, (args, done.stderr)
            assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert run(["--corpus", "corpus", "validate"], tmp_path).returncode == 0
    assert snapshot(corpus.root) == before
