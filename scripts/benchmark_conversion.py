"""Benchmark the Label Studio <-> Parquet conversion against a floor and reference tools.

Usage (from the repository root, with the project's virtual environment):

    python scripts/benchmark_conversion.py [--sizes 1000 10000 50000] [--runs 3] [--out DIR]
                                           [--quick] [--timeout SECONDS] [--methods KEY ...]
                                           [--no-huge-pages]

For each size N a synthetic export (:mod:`newsclaims.synthetic`) is written once into
``--out`` (default ``/tmp/newsclaims-bench``). Every method then runs ``--runs`` times (at
least 3), each run in a fresh child process that writes new files. Before the clock starts,
what an earlier run wrote is removed and the file system's pending work is done (``sync``),
so that no run pays for the writeback of another's files, and the run's input files are read
once, so that every run finds them in the page cache. The runs go in rounds, each round running
every method once, so that the machine's drift during the benchmark falls on all methods
alike: the two conversions whose outputs other methods read come first, then the others in
the order below, reversed every other round (a method's run can depend on what ran just
before it). The table of N gives:

- ``median s``: the median of the work the child times itself, after its imports and set-up
  (``newsclaims convert`` is run through its CLI entry point ``newsclaims.cli.main``, with
  what the command imports when it runs, ``newsclaims.convert``, imported first);
- ``process s``: the median wall time of the whole child process, start-up and imports included;
- ``MB/s`` and ``tasks/s``: the export's size (10^6 bytes) and task count over ``median s``;
- ``peak RSS MB``: the largest ``ru_maxrss`` of the child over the runs (``os.wait4``);
- ``x floor``: ``median s`` over the floor's.

Methods:

- ours: export -> Parquet (``newsclaims convert --from labelstudio X --to hf DIR``) and
  Parquet -> Label Studio tasks (``--from hf DIR --to labelstudio T.json``), with ``--corpus``
  an empty folder;
- floor: a streaming parse of every task (ijson, yajl2_c backend) plus ``pyarrow.parquet.write_table``
  (zstd) of the tables our conversion produced (``articles`` and ``annotation_sets``, read
  before the clock starts); the parse and the write are also shown apart;
- ``label_studio_sdk.converter`` to JSON_MIN and to CONLL2003 (the slow one has ``--timeout``);
- ``orjson.loads`` of the whole export + ``datasets.Dataset.from_list`` + ``.to_parquet``, the
  always-empty ``meta`` and ``prediction`` objects dropped first (Parquet cannot store a struct
  without fields, so ``to_parquet`` fails on an export as it is);
- orjson write: ``orjson.dumps`` of our produced tasks (loaded before the clock starts) and the
  file write, the reference for Parquet -> tasks;
- ``datasets.load_dataset("parquet", ...)`` of our Parquet (a fresh cache per run, offline)
  against ``pyarrow.parquet.read_table``, and ``load_dataset`` of a one-row file cut from it:
  what ``load_dataset`` costs whatever the size. When SciPy is installed (the test extra brings
  it, through ``mlcroissant``), the first ``load_dataset`` of a process imports ``scipy.io``
  (about 0.1 s); that import is made before the clock starts, like every other import.
- ``load_dataset`` of a one-row file of one integer: what it costs whatever the file's schema;
- a bound: ``pyarrow.parquet.read_table`` of our whole release (both configs) plus the write of
  the tasks JSON our conversion produced (loaded before the clock starts), the least that any
  Parquet -> tasks conversion does.

Under the targets, two bounds are printed as a share of the limit they bound: that last one,
against 1.5x the orjson write; and ``load_dataset``'s fixed cost (one row) plus ``read_table``,
against 2x ``read_table``, as ``load_dataset`` decodes the same Parquet before it writes its cache.

- DuckDB: ``COPY (SELECT * FROM read_json(export)) TO out (FORMAT parquet)``, what a user would
  run instead of our conversion to get Parquet out of an export (it checks nothing, and its
  columns are Label Studio's, not the release's).

The targets are printed as PASS/FAIL lines from 50,000 tasks up (``JUDGED_FROM``); below that
they are printed with their numbers and the verdict ``-``: at 1,000 tasks the fixed costs of
process start and of importing ``datasets`` / ``pyarrow`` dominate the ratios, and no code of
ours can move them. The peak RSS target is judged when the largest size is 50,000 tasks or
more. Everything measured is written to ``DIR/results.json``. ``--quick`` runs N=1000 only, 3 runs.
The exit status is 1 when a method failed to run, 0 otherwise, whatever the targets say.

``--no-huge-pages`` runs every method with transparent huge pages off. Allocators that ask for
huge pages (pyarrow's default, mimalloc, does) have the kernel zero and often compact 2 MB at a
time on first touch, and how much of that a run pays depends on the free memory the run before
it left: on a machine whose huge pages are on for such requests (``madvise``), ``read_table``
was 0.053 s after ``load_dataset`` and 0.071 s before it (10,000 tasks, medians of 4), and
0.045 / 0.051 s with them off. It removes that dependence only; a run can still be slowed by
the one before it in other ways (with huge pages off, the orjson write at 10,000 tasks took
0.32-0.38 s in every run made right after ``Dataset.from_list``'s 1 GB process, 0.19 s in most
others).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from newsclaims.labelstudio.config import labeling_config_xml
from newsclaims.synthetic import write_synthetic_export

DEFAULT_SIZES = (1000, 10000, 50000)
DEFAULT_OUT = Path("/tmp/newsclaims-bench")
MIN_RUNS = 3
BYTES_PER_TASK = 10_300
DISK_FACTOR = 8
MB = 1_000_000
PR_SET_THP_DISABLE = 41
TASKS_LIMIT = 1.5
"""Parquet -> tasks may take this many times the orjson write (a target, and the bound's limit)."""
LOAD_LIMIT = 2
"""``load_dataset`` may take this many times ``read_table`` (a target, and the bound's limit)."""

PRELUDE = """
import json, sys, time
clock = time.perf_counter
def report(seconds, **parts):
    print()
    print(json.dumps({"seconds": seconds, "parts": parts}))
"""

OURS = """
import os
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
from newsclaims.cli import main
import newsclaims.convert  # imported by the convert command when it runs: an import, not work
start = clock()
code = main(sys.argv[1:])
report(clock() - start)
sys.exit(code)
"""

FLOOR = """
import ijson.backends.yajl2_c as ijson
import pyarrow.parquet as pq
export, hf, out = sys.argv[1:4]
tables = {name: pq.read_table(f"{hf}/{name}") for name in ("articles", "annotation_sets")}
start = clock()
count = 0
with open(export, "rb") as handle:
    for task in ijson.items(handle, "item", use_float=True):
        count += 1
parsed = clock()
for name, table in tables.items():
    pq.write_table(table, f"{out}/{name}.parquet", compression="zstd")
written = clock()
report(written - start, parse=parsed - start, write=written - parsed, tasks=count)
"""

LS_CONVERTER = """
from label_studio_sdk.converter import Converter
export, config, project, out, fmt = sys.argv[1:6]
converter = Converter(config=config, project_dir=project, download_resources=False)
start = clock()
converter.convert(export, out, fmt, is_dir=False)
report(clock() - start)
"""

DATASETS_FROM_LIST = """
import orjson
import datasets
export, out = sys.argv[1:3]
start = clock()
with open(export, "rb") as handle:
    tasks = orjson.loads(handle.read())
for task in tasks:
    task.pop("meta", None)
    for annotation in task["annotations"]:
        annotation.pop("prediction", None)
loaded = clock()
dataset = datasets.Dataset.from_list(tasks)
built = clock()
dataset.to_parquet(out)
written = clock()
report(written - start, load=loaded - start, from_list=built - loaded, to_parquet=written - built)
"""

ORJSON_WRITE = """
import orjson
source, out = sys.argv[1:3]
with open(source, "rb") as handle:
    tasks = orjson.loads(handle.read())
start = clock()
data = orjson.dumps(tasks)
dumped = clock()
with open(out, "wb") as handle:
    handle.write(data)
written = clock()
report(written - start, dumps=dumped - start, write=written - dumped)
"""

DATASETS_IMPORTS = """
import datasets
try:
    import scipy.io  # imported by datasets' first load when SciPy is installed: an import, not work
except ImportError:
    pass
"""

LOAD_DATASET = DATASETS_IMPORTS + """
cache, *files = sys.argv[1:]
start = clock()
dataset = datasets.load_dataset("parquet", data_files=files, split="train", cache_dir=cache)
report(clock() - start, rows=dataset.num_rows)
"""

LOAD_DATASET_ONE_ROW = DATASETS_IMPORTS + """
import pyarrow as pa
import pyarrow.parquet as pq
cache, scratch, first = sys.argv[1:4]
one = f"{scratch}/one-row.parquet"
pq.write_table(pq.read_table(first).slice(0, 1) if first else pa.table({"n": [1]}), one)
start = clock()
dataset = datasets.load_dataset("parquet", data_files=[one], split="train", cache_dir=cache)
report(clock() - start, rows=dataset.num_rows)
"""

READ_AND_WRITE = """
import glob
import pyarrow.dataset
import pyarrow.parquet as pq
hf, tasks, out = sys.argv[1:4]
with open(tasks, "rb") as handle:
    data = handle.read()
start = clock()
rows = sum(pq.read_table(path).num_rows for path in sorted(glob.glob(f"{hf}/*/*.parquet")))
read = clock()
with open(out, "wb") as handle:
    handle.write(data)
written = clock()
report(written - start, read=read - start, write=written - read, rows=rows)
"""

DUCKDB_READ_JSON = """
import duckdb
export, out = sys.argv[1:3]
start = clock()
duckdb.sql(f"COPY (SELECT * FROM read_json('{export}')) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
report(clock() - start)
"""

READ_TABLE = """
import pyarrow.dataset
import pyarrow.parquet as pq
files = sys.argv[1:]
start = clock()
rows = sum(pq.read_table(path).num_rows for path in files)
report(clock() - start, rows=rows)
"""


@dataclass
class Paths:
    """Every file one size's benchmark reads or writes."""

    root: Path
    export: Path
    empty_corpus: Path
    hf: Path
    tasks: Path
    config: Path
    scratch: Path

    @classmethod
    def for_size(cls, out: Path, n: int) -> Paths:
        root = out / f"n{n}"
        return cls(root, root / "export.json", root / "empty-corpus", root / "hf", root / "tasks.json", out / "labeling-config.xml", root / "scratch")

    @property
    def annotation_sets(self) -> Path:
        return self.hf / "annotation_sets"

    def annotation_shards(self) -> list[str]:
        return [str(p) for p in sorted(self.annotation_sets.glob("*.parquet"))]


@dataclass
class Method:
    key: str
    label: str
    snippet: str
    args: Callable[[Paths, Path], list[str]]
    timeout: float | None = None
    outputs: Callable[[Paths], list[Path]] = lambda _paths: []
    """What the method writes outside its scratch folder: removed before each run (off the
    clock), so that every method writes new files, not over the last run's."""
    inputs: Callable[[Paths], list[Path]] = lambda paths: [paths.export]
    """What the method reads (files or folders): read once before each run, off the clock."""
    needs: tuple[str, ...] = ()
    """The methods that write what this one reads: measured with it, they run before it in every round."""


@dataclass
class Run:
    seconds: float | None
    process_seconds: float
    peak_rss_mb: float
    returncode: int
    timed_out: bool
    parts: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class Measure:
    key: str
    label: str
    runs: list[Run]
    status: str
    seconds: float | None
    process_seconds: float | None
    peak_rss_mb: float | None
    parts: dict[str, float]


def _cli(*args: str) -> Callable[[Paths, Path], list[str]]:
    return lambda p, _scratch: [a.format(**{k: str(v) for k, v in asdict(p).items()}) for a in args]


def _shards(paths: Paths) -> list[Path]:
    return [paths.annotation_sets]


def methods(timeout: float | None) -> list[Method]:
    return [
        Method("ours_to_parquet", "ours: export -> Parquet, all cores", OURS, _cli("--corpus", "{empty_corpus}", "convert", "--from", "labelstudio", "{export}", "--to", "hf", "{hf}"),
            outputs=lambda p: [p.hf]),
        Method(
            "ours_to_parquet_1w",
            "ours: export -> Parquet, 1 process",
            OURS,
            _cli("--corpus", "{empty_corpus}", "convert", "--from", "labelstudio", "{export}", "--to", "hf", "{hf}-1w", "--workers", "1"),
            outputs=lambda p: [Path(f"{p.hf}-1w")],
        ),
        Method("ours_to_tasks", "ours: Parquet -> tasks", OURS, _cli("--corpus", "{empty_corpus}", "convert", "--from", "hf", "{hf}", "--to", "labelstudio", "{tasks}"),
            outputs=lambda p: [p.tasks], inputs=lambda p: [p.hf], needs=("ours_to_parquet",)),
        Method("floor", "floor: ijson parse + Parquet write", FLOOR, lambda p, s: [str(p.export), str(p.hf), str(s)], inputs=lambda p: [p.export, p.hf], needs=("ours_to_parquet",)),
        Method("ls_json_min", "label_studio_sdk converter JSON_MIN", LS_CONVERTER, lambda p, s: [str(p.export), str(p.config), str(s / "project"), str(s / "out"), "JSON_MIN"]),
        Method("ls_conll2003", "label_studio_sdk converter CONLL2003", LS_CONVERTER, lambda p, s: [str(p.export), str(p.config), str(s / "project"), str(s / "out"), "CONLL2003"], timeout),
        Method("datasets_from_list", "orjson.loads + Dataset.from_list + to_parquet *", DATASETS_FROM_LIST, lambda p, s: [str(p.export), str(s / "dataset.parquet")]),
        Method("duckdb_read_json", "DuckDB read_json -> Parquet (what a user runs)", DUCKDB_READ_JSON, lambda p, s: [str(p.export), str(s / "duckdb.parquet")]),
        Method("orjson_write", "orjson write of our tasks (reference)", ORJSON_WRITE, lambda p, s: [str(p.tasks), str(s / "tasks.json")],
            inputs=lambda p: [p.tasks], needs=("ours_to_parquet", "ours_to_tasks")),
        Method("load_dataset", "datasets.load_dataset of our Parquet", LOAD_DATASET, lambda p, s: [str(s / "hf-cache"), *p.annotation_shards()], inputs=_shards, needs=("ours_to_parquet",)),
        Method("read_table", "pyarrow read_table of our Parquet", READ_TABLE, lambda p, s: p.annotation_shards(), inputs=_shards, needs=("ours_to_parquet",)),
        Method("load_dataset_one_row", "datasets.load_dataset of one row (its fixed cost)", LOAD_DATASET_ONE_ROW, lambda p, s: [str(s / "hf-cache"), str(s), p.annotation_shards()[0]],
            inputs=_shards, needs=("ours_to_parquet",)),
        Method("load_dataset_minimal", "datasets.load_dataset of one integer", LOAD_DATASET_ONE_ROW, lambda p, s: [str(s / "hf-cache"), str(s), ""], inputs=lambda p: []),
        Method(
            "read_and_write",
            "read our Parquet + write tasks' bytes (bound)",
            READ_AND_WRITE,
            lambda p, s: [str(p.hf), str(p.tasks), str(s / "tasks.json")],
            inputs=lambda p: [p.hf, p.tasks],
            needs=("ours_to_parquet", "ours_to_tasks"),
        ),
    ]


# -- running one child --------------------------------------------------------------------


def child_env(scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1", HF_DATASETS_CACHE=str(scratch / "hf-cache"), HF_HOME=str(scratch / "hf-home"))
    return env


def last_json_line(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return {}


def run_child(argv: list[str], scratch: Path, timeout: float | None) -> Run:
    """Run one child in an empty ``scratch`` folder; its wall time and its own peak RSS come from ``os.wait4``."""
    scratch.mkdir(parents=True)
    stdout, stderr = scratch.parent / "child.out", scratch.parent / "child.err"
    expired = threading.Event()
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, env=child_env(scratch))

        def expire() -> None:
            expired.set()
            process.kill()

        timer = threading.Timer(timeout, expire) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
            elapsed = time.perf_counter() - start
        except BaseException:
            # Interrupted or terminated: the child must not go on running on its own.
            process.kill()
            process.wait()
            raise
        finally:
            if timer:
                timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    reported = last_json_line(stdout.read_text(encoding="utf-8", errors="replace"))
    error = "" if process.returncode == 0 else stderr.read_text(encoding="utf-8", errors="replace")[-2000:]
    return Run(reported.get("seconds"), elapsed, usage.ru_maxrss / 1024, process.returncode, expired.is_set(), reported.get("parts", {}), error)


def run_once(method: Method, paths: Paths) -> Run:
    """One run of a method in a fresh child, after what its last run wrote is removed, the
    file system's pending work is done (``os.sync``: no method pays for the writeback, or the
    freeing of deleted blocks, of another's files) and what it reads is read once (see
    :func:`read_through`)."""
    scratch = paths.scratch / method.key
    for output in [*method.outputs(paths), scratch]:
        if output.is_dir():
            shutil.rmtree(output)
        else:
            output.unlink(missing_ok=True)
    os.sync()
    read_through(method.inputs(paths))
    return run_child([sys.executable, "-c", PRELUDE + method.snippet, *method.args(paths, scratch)], scratch, method.timeout)


def read_through(paths: list[Path]) -> None:
    """Read files (and the files under folders) once, so that every run finds its input in the
    page cache. A kernel may page out file pages that have not been touched for a while (this
    machine's does after about a minute), so a run would otherwise read its input from disk or from
    memory depending on how long ago another run read it. A run still depends on the run just
    before it in other ways, which the alternating rounds (:func:`round_order`) even out."""
    buffer = bytearray(1 << 20)
    for path in paths:
        for file in sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]:
            with open(file, "rb", buffering=0) as handle:
                while handle.readinto(buffer):
                    pass


def stopped(runs: list[Run]) -> bool:
    """Whether the last run failed or timed out: the method is not run again."""
    return bool(runs) and (runs[-1].returncode != 0 or runs[-1].seconds is None)


def summarize(method: Method, runs: list[Run]) -> Measure:
    last = runs[-1]
    if last.timed_out:
        return Measure(method.key, method.label, runs, f"timeout after {method.timeout:g}s", None, None, last.peak_rss_mb, {})
    if stopped(runs):
        return Measure(method.key, method.label, runs, f"failed (exit {last.returncode})", None, None, last.peak_rss_mb, {})
    parts = {key: statistics.median(r.parts[key] for r in runs) for key, value in runs[0].parts.items() if isinstance(value, float)}
    return Measure(
        method.key,
        method.label,
        runs,
        "ok",
        statistics.median(r.seconds for r in runs),
        statistics.median(r.process_seconds for r in runs),
        max(r.peak_rss_mb for r in runs),
        parts,
    )


# -- one size -----------------------------------------------------------------------------


def check_disk(out: Path, sizes: list[int]) -> None:
    free = shutil.disk_usage(out).free
    needed = DISK_FACTOR * BYTES_PER_TASK * max(sizes)
    print(f"free disk under {out}: {free / MB:,.0f} MB; the largest size needs about {needed / MB:,.0f} MB")
    if free < needed:
        raise SystemExit(f"not enough free disk under {out}: {free / MB:,.0f} MB free, about {needed / MB:,.0f} MB needed")


def prepare(out: Path, n: int) -> tuple[Paths, int, float]:
    paths = Paths.for_size(out, n)
    shutil.rmtree(paths.root, ignore_errors=True)
    paths.empty_corpus.mkdir(parents=True)
    start = time.perf_counter()
    size = write_synthetic_export(paths.export, n)
    return paths, size, time.perf_counter() - start


def round_order(chosen: list[Method], round_number: int) -> list[Method]:
    """The methods of one round: the ones whose outputs others read first (the Parquet, the
    tasks JSON), then the rest, in reverse order every other round, so that each compared pair
    runs in both orders."""
    needed = {need for method in chosen for need in method.needs}
    feeding = [method for method in chosen if method.key in needed]
    rest = [method for method in chosen if method.key not in needed]
    return feeding + (rest if round_number % 2 else rest[::-1])


def bench_size(out: Path, n: int, runs: int, timeout: float | None, only: list[str] | None = None) -> dict[str, Any]:
    """Every method once per round (see :func:`round_order`), ``runs`` rounds: a drift of the
    machine's speed during the run falls on all methods alike, so their ratios compare runs
    made side by side. A method that fails or times out is not run again."""
    paths, size, generation = prepare(out, n)
    print(f"\nN={n}: export {paths.export} ({size / MB:,.1f} MB) generated in {generation:.1f}s", flush=True)
    chosen = [method for method in methods(timeout) if not only or method.key in only]
    done: dict[str, list[Run]] = {method.key: [] for method in chosen}
    for round_number in range(1, runs + 1):
        print(f"  round {round_number}/{runs}:", end="", flush=True)
        for method in round_order(chosen, round_number):
            if stopped(done[method.key]):
                continue
            run = run_once(method, paths)
            done[method.key].append(run)
            print(f" {method.key} {'failed' if run.seconds is None else f'{run.seconds:.2f}s'}", end="", flush=True)
        print(flush=True)
    shutil.rmtree(paths.scratch, ignore_errors=True)
    measures = {method.key: summarize(method, done[method.key]) for method in chosen}
    return {"n": n, "export_bytes": size, "generation_seconds": generation, "measures": measures}


# -- reporting ----------------------------------------------------------------------------


def fmt(value: float | None, pattern: str) -> str:
    return "-" if value is None else format(value, pattern)


def table(result: dict[str, Any]) -> str:
    n, size, measures = result["n"], result["export_bytes"], result["measures"]
    floor = measures["floor"].seconds if "floor" in measures else None
    header = f"{'method':<48} {'median s':>9} {'process s':>10} {'MB/s':>8} {'tasks/s':>9} {'peak RSS MB':>12} {'x floor':>8}"
    lines = [f"N={n:,} tasks, export {size / MB:,.1f} MB", header, "-" * len(header)]
    for m in measures.values():
        if m.seconds is None:
            lines.append(f"{m.label:<48} {m.status:>9}{'':>40} {fmt(m.peak_rss_mb, '.0f'):>12}")
            continue
        ratio = m.seconds / floor if floor else None
        lines.append(
            f"{m.label:<48} {m.seconds:>9.3f} {m.process_seconds:>10.2f} {size / MB / m.seconds:>8.1f} {n / m.seconds:>9,.0f} {m.peak_rss_mb:>12.0f} {fmt(ratio, '.2f'):>8}"
        )
        if m.parts:
            lines.append(f"{'':<4}{', '.join(f'{k} {v:.3f}s' for k, v in m.parts.items())}")
    return "\n".join(lines)


@dataclass
class Target:
    name: str
    verdict: str
    detail: str


def ratio_target(name: str, top: Measure, bottom: Measure, limit: float) -> Target:
    if top.seconds is None or bottom.seconds is None:
        return Target(name, "UNDECIDED", f"{top.label}: {top.status}; {bottom.label}: {bottom.status}")
    ratio = top.seconds / bottom.seconds
    return Target(name, "PASS" if ratio <= limit else "FAIL", f"{top.seconds:.3f}s / {bottom.seconds:.3f}s = {ratio:.2f}x (limit {limit:g}x)")


def speedup_target(name: str, ours: Measure, other: Measure, factor: float, timeout: float | None) -> Target:
    if ours.seconds is None:
        return Target(name, "UNDECIDED", f"{ours.label}: {ours.status}")
    if other.seconds is None:
        if other.runs and other.runs[-1].timed_out and timeout:
            bound = timeout / ours.seconds
            return Target(name, "PASS" if bound >= factor else "UNDECIDED", f"{other.label} timed out at {timeout:g}s: at least {bound:.1f}x (need {factor:g}x)")
        return Target(name, "UNDECIDED", f"{other.label}: {other.status}")
    speedup = other.seconds / ours.seconds
    return Target(name, "PASS" if speedup >= factor else "FAIL", f"{other.seconds:.3f}s / {ours.seconds:.3f}s = {speedup:.1f}x (need {factor:g}x)")


JUDGED_FROM = 50_000
"""Ratios are judged from this many tasks: below it, the fixed costs of process start and of
importing ``datasets`` or ``pyarrow`` (which no code of ours can move) weigh on the ratios more
than the conversion does, so those sizes get their numbers and no verdict."""
DUCKDB_LIMIT = 1.0
"""Export -> Parquet, which checks every rule, may take at most as long as DuckDB's ``read_json``
-> Parquet of the same export, which checks none: what a user would run instead."""


def size_targets(result: dict[str, Any], timeout: float | None) -> list[Target]:
    """The targets of one size whose methods were all measured; below :data:`JUDGED_FROM` tasks
    the ratios are shown with the verdict ``-``."""
    m, n = result["measures"], result["n"]
    wanted = [
        (ratio_target, f"N={n}: ours export->Parquet <= 1.5x floor", "ours_to_parquet", "floor", 1.5),
        (ratio_target, f"N={n}: ours export->Parquet in 1 process <= 1.5x floor", "ours_to_parquet_1w", "floor", 1.5),
        (speedup_target, f"N={n}: ours export->Parquet >= 10x faster than converter CONLL2003", "ours_to_parquet", "ls_conll2003", 10),
        (ratio_target, f"N={n}: ours Parquet->tasks <= {TASKS_LIMIT:g}x orjson write", "ours_to_tasks", "orjson_write", TASKS_LIMIT),
        (ratio_target, f"N={n}: load_dataset <= {LOAD_LIMIT:g}x read_table", "load_dataset", "read_table", LOAD_LIMIT),
        (ratio_target, f"N={n}: ours export->Parquet <= {DUCKDB_LIMIT:g}x DuckDB read_json->Parquet", "ours_to_parquet", "duckdb_read_json", DUCKDB_LIMIT),
    ]
    found = [
        check(name, m[first], m[second], limit, timeout) if check is speedup_target else check(name, m[first], m[second], limit)
        for check, name, first, second, limit in wanted
        if first in m and second in m
    ]
    return found if n >= JUDGED_FROM else [replace(target, verdict="-", detail=f"{target.detail}; no verdict below {JUDGED_FROM:,} tasks") for target in found]


def bounds(result: dict[str, Any]) -> list[str]:
    """How much of a target's limit the least possible work already takes, at one size.

    Parquet -> tasks has to read the release and write the tasks' bytes, which the orjson
    reference (it starts from tasks in memory) does not. ``load_dataset`` pays its fixed cost
    for our schema (one row) and then decodes the same Parquet as ``read_table`` before it
    writes its cache.
    """
    m, n = result["measures"], result["n"]
    lines = []
    for parts, reference, factor, what in (
        (("read_and_write",), "orjson_write", TASKS_LIMIT, "Parquet->tasks: reading our Parquet and writing the finished tasks' bytes, with no conversion,"),
        (("load_dataset_one_row", "read_table"), "read_table", LOAD_LIMIT, "load_dataset: its fixed cost (one row) plus read_table"),
    ):
        if all(key in m and m[key].seconds is not None for key in (*parts, reference)):
            least, limit = sum(m[key].seconds for key in parts), factor * m[reference].seconds
            lines.append(f"N={n}: {what} takes {least:.3f}s, {least / limit:.0%} of the limit ({factor:g}x {m[reference].seconds:.3f}s = {limit:.3f}s)")
    return lines


def memory_target(results: list[dict[str, Any]]) -> list[Target]:
    """Peak RSS below 400 MB at the largest size, and growing at most 1.25x from the smallest
    size to it: judged when the largest size is at least :data:`JUDGED_FROM` tasks."""
    first, last = results[0], results[-1]
    if "ours_to_parquet_1w" not in first["measures"] or len(results) < 2 or last["n"] < JUDGED_FROM:
        return []
    small, large = first["measures"]["ours_to_parquet_1w"].peak_rss_mb, last["measures"]["ours_to_parquet_1w"].peak_rss_mb
    name = f"peak RSS of ours export->Parquet (1 process: all work in the measured process) at N={last['n']} <= 1.25x N={first['n']} and < 400 MB"
    if small is None or large is None:
        return [Target(name, "UNDECIDED", "not measured")]
    ratio = large / small
    verdict = "PASS" if ratio <= 1.25 and large < 400 else "FAIL"
    return [Target(name, verdict, f"{large:.0f} MB / {small:.0f} MB = {ratio:.2f}x")]


def save(out: Path, args: argparse.Namespace, results: list[dict[str, Any]], targets: list[Target], bound_lines: list[str]) -> Path:
    path = out / "results.json"
    payload = {
        "command": sys.argv,
        "python": sys.version,
        "cpus": os.cpu_count(),
        "runs": args.runs,
        "huge_pages": "off" if args.no_huge_pages else "system",
        "sizes": [
            {**{k: v for k, v in r.items() if k != "measures"}, "measures": {key: asdict(m) for key, m in r["measures"].items()}}
            for r in results
        ],
        "targets": [asdict(t) for t in targets],
        "bounds": bound_lines,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


# -- command line -------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the Label Studio <-> Parquet conversion against a floor and reference tools.")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), metavar="N", help="tasks per synthetic export (default: 1000 10000 50000)")
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help=f"runs per method, median taken (default and minimum: {MIN_RUNS})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"folder for the exports, outputs and results.json (default: {DEFAULT_OUT})")
    parser.add_argument("--quick", action="store_true", help=f"smoke check: N=1000 only, {MIN_RUNS} runs")
    parser.add_argument("--timeout", type=float, default=1800, metavar="SECONDS", help="timeout of one run of the CONLL2003 converter (default: 1800; 0: none)")
    parser.add_argument(
        "--no-huge-pages",
        action="store_true",
        help="run every method with transparent huge pages off (Linux), so that what a run pays for its first touch of memory does not depend on the run before it",
    )
    parser.add_argument("--methods", nargs="+", choices=[m.key for m in methods(None)], metavar="KEY",
        help="measure only these methods (with the ones that write what they read: ours_to_tasks reads ours_to_parquet's Parquet)")
    args = parser.parse_args(argv)
    missing = [f"{method.key} needs {need}, whose output it reads" for method in methods(None) if method.key in (args.methods or ()) for need in method.needs if need not in args.methods]
    if missing:
        parser.error(f"--methods: {'; '.join(missing)}")
    if args.quick:
        args.sizes, args.runs = [1000], MIN_RUNS
    if args.runs < MIN_RUNS:
        parser.error(f"--runs: at least {MIN_RUNS}")
    args.sizes = sorted(set(args.sizes))
    return args


def disable_huge_pages() -> None:
    """Turn transparent huge pages off for this process and the children it starts (they inherit it)."""
    try:
        failed = ctypes.CDLL(None, use_errno=True).prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0
    except (OSError, AttributeError):
        failed = True
    if failed:
        raise SystemExit(f"--no-huge-pages: this system cannot turn transparent huge pages off for a process (prctl errno {ctypes.get_errno()})")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.no_huge_pages:
        disable_huge_pages()
    signal.signal(signal.SIGTERM, lambda _signal, _frame: sys.exit(128 + signal.SIGTERM))
    timeout = args.timeout or None
    args.out.mkdir(parents=True, exist_ok=True)
    check_disk(args.out, args.sizes)
    (args.out / "labeling-config.xml").write_text(labeling_config_xml(), encoding="utf-8")
    huge_pages = "off" if args.no_huge_pages else "as the system sets them"
    print(f"{os.cpu_count()} CPU(s), Python {sys.version.split()[0]}, {args.runs} runs per method, transparent huge pages {huge_pages}")
    results = [bench_size(args.out, n, args.runs, timeout, args.methods) for n in args.sizes]
    for result in results:
        print("\n" + table(result))
    print("* the empty meta and prediction objects dropped first: Parquet cannot store a struct without fields")
    targets = [t for r in results for t in size_targets(r, timeout)] + memory_target(results)
    print("\nTargets")
    for target in targets:
        print(f"{target.verdict:<9} {target.name}: {target.detail}")
    bound_lines = [line for r in results for line in bounds(r)]
    if bound_lines:
        print("\nBounds: the share of a limit that the least possible work takes")
        print("\n".join(bound_lines))
    print(f"\nresults: {save(args.out, args, results, targets, bound_lines)}")
    failed = [m.label for r in results for m in r["measures"].values() if m.status.startswith("failed")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
