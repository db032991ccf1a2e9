"""Benchmark the corpus's own commands at scale, beside the export -> Parquet conversion of the same annotations.

Usage (from the repository root, with the project's virtual environment):

    python scripts/benchmark_corpus.py [--sizes 1000 10000 100000] [--runs 3] [--big-runs 1]
                                       [--big-from N] [--commands KEY ...] [--timeout SECONDS] [--out DIR]

For each size N a synthetic corpus (:mod:`newsclaims.synthetic_corpus`: about 3,000
characters per article, a gold set of 50 entities, 20 claims and 15 figures, two independent
passes) and, when ``to_parquet`` is measured, the same sets as a Label Studio export are
written once under ``--out`` (default ``/tmp/newsclaims-corpus-bench``) and kept for later
runs. Every command then runs ``--runs`` times (``--big-runs`` times from ``--big-from``
articles up, by default above 10,000), each run a fresh ``python -m newsclaims`` process, in
rounds (every command once per round, the order reversed every other round). Before each run, what an earlier run changed is put
back, pending writes are flushed (``sync``) and the files the command reads are read once so
that they are in the page cache. Columns:

- ``median s``: the median wall time of the whole process (start-up and imports included:
  what a user waits for), ``min s`` and ``max s`` beside it;
- ``articles/s``: N over ``median s``;
- ``peak RSS MB``: the largest ``ru_maxrss`` over the runs (``os.wait4``: the process's own,
  or that of the largest process it started and waited for).

Commands (keys for ``--commands``):

- ``validate``, ``agreement`` (every independent pass of every article), ``status``, ``summary``;
- ``build``: a fresh build (the release folder removed first), card, datasheet and changelog
  written to a copy of the repository's, and ``build_incremental``: ``build`` again after one
  article's gold set changed (one entity retyped), run right after ``build`` in each round;
- ``to_labelstudio``: ``convert --from corpus --to labelstudio TASKS.json``;
- ``add``: one new article into the corpus (removed again after the run);
- ``to_parquet``: ``convert --from labelstudio EXPORT.json --to hf DIR`` of the same sets, all
  cores, ``--corpus`` an empty folder (the tasks carry their texts).

A run that exceeds ``--timeout`` is killed and reported as such; that command is not run
again, at that size or a larger one. The targets are printed as PASS / FAIL (UNDECIDED when
what they compare was not measured), and everything measured goes to ``DIR/results.json``.
The exit status is 1 when a command failed (not when it timed out or missed a target).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from newsclaims.synthetic_corpus import article_id, write_synthetic_corpus, write_synthetic_corpus_export

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1000, 10000, 100000)
DEFAULT_OUT = Path("/tmp/newsclaims-corpus-bench")
BIG = 10_000
MB = 1_000_000
DOCS = ("README.md", "DATASHEET.md", "CHANGELOG.md")
ADDED_ID = "bench-added"
ADDED_TEXT = "A bench article, added and removed again by each run of the benchmark.\n"
CHANGED_INDEX = 0


@dataclass
class Paths:
    """What one size's benchmark reads and writes."""

    root: Path

    @classmethod
    def for_size(cls, out: Path, n: int) -> Paths:
        return cls(out / f"n{n}")

    corpus = property(lambda self: self.root / "corpus")
    export = property(lambda self: self.root / "export.json")
    empty = property(lambda self: self.root / "empty-corpus")
    saved = property(lambda self: self.root / "saved")
    work = property(lambda self: self.root / "work")
    docs = property(lambda self: self.work / "docs")
    hf = property(lambda self: self.work / "hf")
    tasks = property(lambda self: self.work / "tasks.json")
    added = property(lambda self: self.root / "added.txt")
    changed = property(lambda self: self.corpus / "annotations" / f"{article_id(CHANGED_INDEX)}.json")


@dataclass
class Command:
    key: str
    label: str
    argv: list[str]
    reads: str = "corpus"
    """What the run reads, read once before it: the whole ``corpus``, its ``manifest`` only, or the ``export``."""


def commands(p: Paths) -> list[Command]:
    cli = ["--corpus", str(p.corpus)]
    return [
        Command("validate", "validate", [*cli, "validate"]),
        Command("build", "build (fresh)", [*cli, "build", "--docs-dir", str(p.docs)]),
        Command("build_incremental", "build after one article changed", [*cli, "build", "--docs-dir", str(p.docs)]),
        Command("agreement", "agreement (corpus)", [*cli, "agreement"]),
        Command("status", "status", [*cli, "status"]),
        Command("summary", "summary", [*cli, "summary"]),
        Command("to_labelstudio", "convert --from corpus --to labelstudio", [*cli, "convert", "--from", "corpus", "--to", "labelstudio", str(p.tasks)]),
        Command("add", "add one article", [*cli, "add", str(p.added), "--id", ADDED_ID], reads="manifest"),
        Command("to_parquet", "export -> Parquet, same sets (convert)", ["--corpus", str(p.empty), "convert", "--from", "labelstudio", str(p.export), "--to", "hf", str(p.hf)], reads="export"),
    ]


KEYS = [c.key for c in commands(Paths(Path(".")))]


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    returncode: int
    timed_out: bool
    error: str = ""


@dataclass
class Measure:
    key: str
    label: str
    status: str
    runs: list[Run] = field(default_factory=list)
    seconds: float | None = None
    low: float | None = None
    high: float | None = None
    peak_rss_mb: float | None = None


# -- the corpus and putting it back ---------------------------------------------------------


def prepare(p: Paths, n: int, keys: list[str], workers: int) -> None:
    """Write the corpus (and the export, when needed) unless an earlier run left them, and save
    what the runs change so that :func:`restore` can put it back."""
    p.root.mkdir(parents=True, exist_ok=True)
    for path, write in ((p.corpus, lambda: write_synthetic_corpus(p.corpus, n, workers=workers)), (p.export, lambda: write_synthetic_corpus_export(p.export, n, workers=workers))):
        if path.exists() or (path == p.export and "to_parquet" not in keys):
            continue
        start = time.perf_counter()
        write()
        print(f"  wrote {path} in {time.perf_counter() - start:.1f}s", flush=True)
    if not p.saved.exists():
        partial = p.root / "saved.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        shutil.copy2(p.corpus / "manifest.json", partial / "manifest.json")
        shutil.copy2(p.changed, partial / "changed.json")
        os.replace(partial, p.saved)
    p.empty.mkdir(exist_ok=True)
    p.added.write_text(ADDED_TEXT, encoding="utf-8")
    restore(p)


def restore(p: Paths) -> None:
    """Put the corpus back as it was written: no added article, the changed article as it was, no release."""
    shutil.rmtree(p.corpus / "articles" / ADDED_ID, ignore_errors=True)
    for saved, target in ((p.saved / "manifest.json", p.corpus / "manifest.json"), (p.saved / "changed.json", p.changed)):
        if target.read_bytes() != saved.read_bytes():
            shutil.copy2(saved, target)


def change_one_article(p: Paths) -> None:
    """Retype one entity of one article's gold set, keeping the file canonical and valid."""
    document = json.loads(p.changed.read_text(encoding="utf-8"))
    entity = document["sets"][0]["entities"][0]
    entity["type"] = "LOC" if entity["type"] != "LOC" else "GPE"
    p.changed.write_text(json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def before(command: Command, p: Paths) -> None:
    """Off the clock: put back what other runs changed, set up this run's input, flush, read its input."""
    if command.key != "build_incremental":
        restore(p)
        shutil.rmtree(p.corpus / "parquet", ignore_errors=True)
    else:
        change_one_article(p)
    if command.key == "build" or not p.docs.exists():
        shutil.rmtree(p.docs, ignore_errors=True)
        p.docs.mkdir(parents=True)
        for name in DOCS:
            shutil.copy2(REPO / name, p.docs / name)
    for output in (p.hf, p.tasks):
        if output.is_dir():
            shutil.rmtree(output)
        else:
            output.unlink(missing_ok=True)
    os.sync()
    read_through({"corpus": [p.corpus], "manifest": [p.corpus / "manifest.json"], "export": [p.export]}[command.reads])


def read_through(paths: list[Path]) -> None:
    buffer = bytearray(1 << 20)
    for path in paths:
        for file in (f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]:
            with open(file, "rb", buffering=0) as handle:
                while handle.readinto(buffer):
                    pass


# -- running ---------------------------------------------------------------------------------


def run_child(argv: list[str], cwd: Path, timeout: float | None) -> Run:
    """One process; its wall time and peak RSS from ``os.wait4``; killed after ``timeout`` seconds."""
    cwd.mkdir(parents=True, exist_ok=True)
    expired = threading.Event()
    with open(cwd / "child.out", "wb") as out, open(cwd / "child.err", "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "newsclaims", *argv], stdout=out, stderr=err, cwd=cwd, start_new_session=True)

        def expire() -> None:
            expired.set()
            os.killpg(process.pid, 9)

        timer = threading.Timer(timeout, expire) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - start
        except BaseException:
            os.killpg(process.pid, 9)
            process.wait()
            raise
        finally:
            if timer:
                timer.cancel()
    code = os.waitstatus_to_exitcode(status)
    error = "" if code == 0 or expired.is_set() else (cwd / "child.err").read_text(encoding="utf-8", errors="replace")[-2000:]
    return Run(elapsed, usage.ru_maxrss / 1024, code, expired.is_set(), error)


def summarize(command: Command, runs: list[Run], timeout: float | None) -> Measure:
    last = runs[-1]
    if last.timed_out:
        return Measure(command.key, command.label, f"timeout after {timeout:g}s", runs, peak_rss_mb=last.peak_rss_mb)
    if last.returncode != 0:
        return Measure(command.key, command.label, f"failed (exit {last.returncode})", runs, peak_rss_mb=last.peak_rss_mb)
    times = [r.seconds for r in runs]
    return Measure(command.key, command.label, "ok", runs, statistics.median(times), min(times), max(times), max(r.peak_rss_mb for r in runs))


def round_order(chosen: list[Command], number: int) -> list[list[Command]]:
    """One round: ``build`` and ``build_incremental`` stay together, in that order; the rest is
    reversed every other round."""
    units: list[list[Command]] = []
    for command in chosen:
        if command.key == "build_incremental" and units and units[-1][0].key == "build":
            units[-1].append(command)
        else:
            units.append([command])
    return units if number % 2 else units[::-1]


def bench_size(out: Path, n: int, runs: int, keys: list[str], timeout: float | None, stopped: dict[str, str], workers: int) -> dict:
    p = Paths.for_size(out, n)
    print(f"\nN={n:,}", flush=True)
    prepare(p, n, keys, workers)
    chosen = [c for c in commands(p) if c.key in keys]
    done: dict[str, list[Run]] = {c.key: [] for c in chosen}
    for number in range(1, runs + 1):
        print(f"  round {number}/{runs}:", end="", flush=True)
        for unit in round_order(chosen, number):
            for command in unit:
                last = done[command.key][-1:]
                if command.key in stopped or (last and (last[0].returncode != 0 or last[0].timed_out)):
                    continue
                if command.key == "build_incremental" and (not done.get("build") or done["build"][-1].returncode != 0):
                    continue
                before(command, p)
                run = run_child(command.argv, p.work / command.key, timeout)
                done[command.key].append(run)
                shown = "timeout" if run.timed_out else "failed" if run.returncode else f"{run.seconds:.2f}s"
                print(f" {command.key} {shown}", end="", flush=True)
        print(flush=True)
    restore(p)
    shutil.rmtree(p.corpus / "parquet", ignore_errors=True)
    measures = {}
    for command in chosen:
        if not done[command.key]:
            reason = stopped.get(command.key, "not run: build failed")
            measures[command.key] = Measure(command.key, command.label, reason)
            continue
        measures[command.key] = summarize(command, done[command.key], timeout)
        if done[command.key][-1].timed_out or done[command.key][-1].returncode:
            stopped[command.key] = f"not run: {measures[command.key].status} at N={n:,}"
    return {"n": n, "measures": measures}


# -- reporting -------------------------------------------------------------------------------


def fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def table(result: dict) -> str:
    n = result["n"]
    header = f"{'command':<42} {'median s':>9} {'min s':>8} {'max s':>8} {'articles/s':>11} {'peak RSS MB':>12}"
    lines = [f"N={n:,} articles", header, "-" * len(header)]
    for m in result["measures"].values():
        if m.seconds is None:
            lines.append(f"{m.label:<42} {m.status:>28} {'':>11} {fmt(m.peak_rss_mb, '.0f'):>12}")
        else:
            lines.append(f"{m.label:<42} {m.seconds:>9.2f} {m.low:>8.2f} {m.high:>8.2f} {n / m.seconds:>11,.0f} {m.peak_rss_mb:>12.0f}")
    return "\n".join(lines)


@dataclass
class Target:
    name: str
    verdict: str
    detail: str


def _measure(results: dict[int, dict], n: int, key: str) -> Measure | None:
    return results.get(n, {}).get("measures", {}).get(key)


def _undecided(name: str, *measures: tuple[int, str, Measure | None]) -> Target | None:
    missing = [f"{key} at N={n:,}: {'not measured' if m is None else m.status}" for n, key, m in measures if m is None or m.seconds is None]
    return Target(name, "UNDECIDED", "; ".join(missing)) if missing else None


def time_ratio(results: dict[int, dict], name: str, n: int, top: str, bottom: str, limit: float, timeout: float | None) -> Target:
    a, b = _measure(results, n, top), _measure(results, n, bottom)
    if a is not None and b is not None and b.seconds is not None and a.runs and a.runs[-1].timed_out and timeout:
        ratio = timeout / b.seconds
        return Target(name, "FAIL" if ratio > limit else "UNDECIDED", f"{top} timed out at {timeout:g}s: at least {ratio:.2f}x (limit {limit:g}x)")
    undecided = _undecided(name, (n, top, a), (n, bottom, b))
    if undecided:
        return undecided
    ratio = a.seconds / b.seconds
    return Target(name, "PASS" if ratio <= limit else "FAIL", f"{a.seconds:.2f}s / {b.seconds:.2f}s = {ratio:.2f}x (limit {limit:g}x)")


def rss_below(results: dict[int, dict], name: str, n: int, key: str, limit_mb: float) -> Target:
    m = _measure(results, n, key)
    if m is not None and m.peak_rss_mb is not None and (m.seconds is not None or m.peak_rss_mb >= limit_mb):
        return Target(name, "PASS" if m.peak_rss_mb < limit_mb else "FAIL", f"{m.peak_rss_mb:.0f} MB (limit {limit_mb:g} MB)")
    return _undecided(name, (n, key, m)) or Target(name, "UNDECIDED", "not measured")


def time_below(results: dict[int, dict], name: str, n: int, key: str, limit_s: float) -> Target:
    m = _measure(results, n, key)
    if m is not None and m.runs and m.runs[-1].timed_out:
        return Target(name, "FAIL", f"{key} timed out")
    return _undecided(name, (n, key, m)) or Target(name, "PASS" if m.seconds < limit_s else "FAIL", f"{m.seconds:.3f}s (limit {limit_s:g}s)")


def rate_above(results: dict[int, dict], name: str, n: int, key: str, per_second: float) -> Target:
    m = _measure(results, n, key)
    if m is not None and m.runs and m.runs[-1].timed_out:
        return Target(name, "FAIL", f"{key} timed out")
    undecided = _undecided(name, (n, key, m))
    if undecided:
        return undecided
    rate = n / m.seconds
    return Target(name, "PASS" if rate >= per_second else "FAIL", f"{n:,} articles in {m.seconds:.2f}s = {rate:,.0f} articles/s (need {per_second:,.0f})")


def rss_growth(results: dict[int, dict], name: str, small: int, large: int, key: str, factor: float) -> Target:
    a, b = _measure(results, large, key), _measure(results, small, key)
    if a is not None and b is not None and a.peak_rss_mb is not None and b.peak_rss_mb is not None and b.seconds is not None:
        ratio = a.peak_rss_mb / b.peak_rss_mb
        if a.seconds is not None or ratio > factor:
            return Target(name, "PASS" if ratio <= factor else "FAIL", f"{a.peak_rss_mb:.0f} MB / {b.peak_rss_mb:.0f} MB = {ratio:.2f}x (limit {factor:g}x)")
    return _undecided(name, (large, key, a), (small, key, b)) or Target(name, "UNDECIDED", "not measured")


def targets(results: dict[int, dict], timeout: float | None) -> list[Target]:
    """The targets whose sizes were all run with the commands they compare, each judged at the size it names."""
    wanted = [
        ({10_000: ("build", "to_parquet")}, lambda: time_ratio(results, "build of 10,000 articles <= 3x export -> Parquet of the same annotations", 10_000, "build", "to_parquet", 3, timeout)),
        *(({n: ("build",)}, lambda n=n: rss_below(results, f"build peak RSS at {n:,} articles < 500 MB", n, "build", 500)) for n in sorted(results)),
        ({10_000: ("build",), 100_000: ("build",)}, lambda: rss_growth(results, "build peak RSS at 100,000 articles <= 1.25x the peak at 10,000", 10_000, 100_000, "build", 1.25)),
        ({10_000: ("validate",)}, lambda: rate_above(results, "validate >= 1,000 articles/s at 10,000 articles", 10_000, "validate", 1000)),
        ({10_000: ("agreement",)}, lambda: rss_below(results, "agreement over 10,000 articles < 300 MB", 10_000, "agreement", 300)),
        ({10_000: ("status",)}, lambda: rss_below(results, "status over 10,000 articles < 300 MB", 10_000, "status", 300)),
        ({100_000: ("add",)}, lambda: time_below(results, "add into a 100,000-article corpus < 0.5 s", 100_000, "add", 0.5)),
        ({10_000: ("build", "build_incremental")}, lambda: time_ratio(results, "build after one article of 10,000 changed < 10% of a full build", 10_000, "build_incremental", "build", 0.1, timeout)),
    ]
    return [judge() for needs, judge in wanted if all(n in results and all(key in results[n]["measures"] for key in keys) for n, keys in needs.items())]


def save(out: Path, results: list[dict], found: list[Target]) -> Path:
    path = out / "results.json"
    payload = {
        "command": sys.argv,
        "python": sys.version,
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg()[0],
        "sizes": [{"n": r["n"], "measures": {k: asdict(m) for k, m in r["measures"].items()}} for r in results],
        "targets": [asdict(t) for t in found],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


# -- command line ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the corpus's commands on synthetic corpora, beside the export -> Parquet conversion of the same annotations.")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), metavar="N", help="articles per synthetic corpus (default: 1000 10000 100000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per command below --big-from articles, median taken (default: 3)")
    parser.add_argument("--big-runs", type=int, default=1, help="runs per command from --big-from articles up (default: 1)")
    parser.add_argument("--big-from", type=int, default=BIG + 1, metavar="N", help=f"sizes from N articles up run --big-runs times (default: {BIG + 1:,})")
    parser.add_argument("--commands", nargs="+", choices=KEYS, default=KEYS, metavar="KEY", help=f"measure only these: {' '.join(KEYS)} (build_incremental runs after build)")
    parser.add_argument("--timeout", type=float, default=900, metavar="SECONDS", help="a run taking longer is killed and reported (default: 900; 0: none)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for the corpora, exports and results.json (default: {DEFAULT_OUT})")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes writing a synthetic corpus (default: all cores)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.big_runs < 1:
        parser.error("--runs and --big-runs: at least 1")
    if any(n < 1 for n in args.sizes):
        parser.error("--sizes: at least 1 article")
    if "build_incremental" in args.commands and "build" not in args.commands:
        args.commands.append("build")
    args.commands = [key for key in KEYS if key in args.commands]
    args.sizes = sorted(set(args.sizes))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(128 + signal.SIGTERM))
    timeout = args.timeout or None
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}, Python {sys.version.split()[0]}, commands: {' '.join(args.commands)}")
    stopped: dict[str, str] = {}
    results = [bench_size(args.out, n, args.runs if n < args.big_from else args.big_runs, args.commands, timeout, stopped, args.workers) for n in args.sizes]
    for result in results:
        print("\n" + table(result))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other processes slow every run alike)")
    found = targets({r["n"]: r for r in results}, timeout)
    print("\nTargets")
    for target in found:
        print(f"{target.verdict:<9} {target.name}: {target.detail}")
    print(f"\nresults: {save(args.out, results, found)}")
    failed = [m for r in results for m in r["measures"].values() if m.status.startswith("failed")]
    for m in failed:
        print(f"{m.label}: {m.status}\n{m.runs[-1].error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
