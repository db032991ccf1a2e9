"""Benchmark the suggester (``newsclaims suggest``): how right its prediction sets are, how fast
it makes them and how much memory it takes, on the evaluation articles.

Usage (from the repository root, with the project's virtual environment and the suggest extra):

    python scripts/benchmark_suggest.py [--split dev|heldout|seed|all] [--runs 3]
                                        [--articles 100] [--workers N] [--json FILE]

Splits: ``dev`` (``tests/data/eval/dev``, reference set ``first``), ``heldout``
(``tests/data/eval/heldout``, reference set ``first``; the articles the suggester was never
tuned on, on which the targets are measured) and ``seed`` (``corpus/``, reference set ``gold``:
a sanity check only, as the guidelines were written on it). ``all`` runs the three.

For each split:

- quality: the split's corpus is copied to a temporary folder, ``newsclaims.suggest.suggest``
  runs on the copy in a fresh process, and its ``suggest`` set is scored against the reference
  set by :mod:`newsclaims.suggest.evaluation` (its docstring defines every number of the
  table). Beside the suggester's F1 and rates stand those of a second annotator's independent
  sets (``<split>/second/<id>.json``, set ``second``) scored the same way against the same
  reference: the human ceiling to read the suggester's numbers against.
- speed: a corpus of ``--articles`` copies of the split's articles (each copy differs from the
  others by a few trailing spaces and newlines only, since the store keeps one article per
  text) is suggested ``--runs`` times, each run in a fresh process with ``--workers``
  processes (default: all cores) and no annotation file left by an earlier run. A run's time
  is the ``suggest`` call's, after the imports and the parent's model load (shown apart); the
  workers' start and model load are inside it. Printed: the median over the runs as articles
  and characters a second, and characters a second over 3,000 (articles of 3,000 characters a
  second).
- memory: the peak RSS (``resource.getrusage``, ``ru_maxrss``) of the suggesting process and
  of its largest worker, at a quarter of ``--articles`` and at ``--articles``, the largest of
  the runs at each size (the two sizes alternate within the runs).

Then the TARGETS, PASS/FAIL, on the held-out split (on the first split run when it is not).
Everything measured goes to ``--json FILE``. The exit status is 0 whatever the targets say;
1 when a run failed or an input is missing, with one line saying which.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pydantic import ValidationError

from newsclaims.errors import NewsclaimsError
from newsclaims.jsonio import atomic_write_text
from newsclaims.model import AnnotationFile
from newsclaims.store import Corpus, first_error
from newsclaims.suggest.evaluation import QUALITY_TARGETS, SuggestionScores, check_targets, format_scores, score_corpus, score_sets, set_of

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO / "tests" / "data" / "eval"
SPLITS = {
    "dev": (EVAL / "dev", "first"),
    "heldout": (EVAL / "heldout", "first"),
    "seed": (REPO / "corpus", "gold"),
}
SUGGEST_SET = "suggest"
SECOND_SET = "second"
CORPUS_PARTS = ("manifest.json", "articles", "annotations")
CHARS_PER_ARTICLE = 3000
MIN_ARTICLES_PER_SECOND = 20
MAX_MEMORY_GROWTH = 1.25


class BenchmarkError(NewsclaimsError):
    """A run of the suggester failed, or an input of the benchmark is missing."""


# -- one run, in its own process -----------------------------------------------------------


def run_in_child(corpus: Path, workers: int) -> None:
    """Suggest every article of ``corpus``; print what was measured as one JSON line."""
    from newsclaims.suggest.pipeline import load_pipeline, suggest

    started = time.perf_counter()
    load_pipeline()
    loaded = time.perf_counter()
    result = suggest(Corpus(corpus), workers=workers)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "load_s": loaded - started,
                "suggest_s": done - loaded,
                "articles": len(result.articles),
                "written": len(result.written),
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "peak_worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            }
        )
    )


def run_suggest(corpus: Path, workers: int) -> dict:
    """One run of the suggester on ``corpus`` in a fresh process."""
    started = time.perf_counter()
    child = subprocess.run(
        [sys.executable, __file__, "--child", str(corpus), "--workers", str(workers)], capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    if child.returncode != 0:
        lines = (child.stderr or child.stdout).strip().splitlines()
        raise BenchmarkError(f"{corpus}: [suggest-run-failed] expected exit 0, found {child.returncode}: {lines[-1] if lines else 'no output'}")
    run = json.loads(child.stdout.strip().splitlines()[-1])
    if run["written"] != run["articles"]:
        raise BenchmarkError(f"{corpus}: [suggest-run-incomplete] expected a set for each of {run['articles']} article(s), found {run['written']} written")
    return {**run, "process_s": wall}


# -- corpora ---------------------------------------------------------------------------------


def copy_corpus(source: Path, target: Path) -> Path:
    """The corpus parts of ``source`` (manifest, articles, annotations) copied to ``target``."""
    target.mkdir(parents=True)
    for part in CORPUS_PARTS:
        path = source / part
        if not path.exists():
            raise BenchmarkError(f"{path}: [benchmark-input-missing] expected the {part} of a corpus folder, found nothing")
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, target / part)
    return target


def whitespace_code(number: int) -> bytes:
    """A short run of spaces and newlines that differs for every ``number``."""
    return "".join(" \n"[int(bit)] for bit in bin(number)[2:]).encode("ascii")


def copies_corpus(source: Path, target: Path, count: int) -> tuple[int, int]:
    """A corpus of ``count`` copies of ``source``'s articles; (articles, characters)."""
    origin, corpus = Corpus(source), Corpus(target)
    records = origin.latest_revisions()
    if not records:
        raise BenchmarkError(f"{source / 'manifest.json'}: [benchmark-input-missing] expected articles, found none")
    chars = 0
    for number in range(count):
        record = records[number % len(records)]
        data = origin.read_bytes(record) + whitespace_code(number)
        corpus.add(data, f"copy_{number:05d}", published=record.published, language=record.language)
        chars += len(data.decode("utf-8"))
    return count, chars


# -- quality -------------------------------------------------------------------------------


def second_annotator(folder: Path, reference_set: str) -> tuple[SuggestionScores | None, list[str]]:
    """Scores of the second annotator's sets against the reference, and the articles without one."""
    second_dir, corpus = folder / "second", Corpus(folder)
    if not second_dir.is_dir():
        return None, []
    pairs, missing = [], []
    for record in corpus.latest_revisions():
        path = second_dir / f"{record.article_id}.json"
        if not path.exists():
            missing.append(record.article_id)
            continue
        try:
            second = AnnotationFile.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise BenchmarkError(f"{path}: article={record.article_id} [annotation-file-invalid] expected an annotation file, found {first_error(exc)}") from None
        found = next((s for s in second.sets if s.set_id == SECOND_SET), None)
        if found is None:
            raise BenchmarkError(f"{path}: article={record.article_id} [evaluation-set-missing] expected a set {SECOND_SET!r}, found {[s.set_id for s in second.sets]}")
        reference = set_of(corpus, record.article_id, reference_set)
        pairs.append((found, reference))
    return (score_sets(pairs) if pairs else None), missing


def quality(name: str, work: Path, workers: int) -> dict:
    folder, reference_set = SPLITS[name]
    copy = copy_corpus(folder, work / f"{name}-quality")
    run = run_suggest(copy, workers)
    scores = score_corpus(Corpus(copy), SUGGEST_SET, reference_set)
    human, missing = second_annotator(folder, reference_set)
    return {"folder": folder, "reference_set": reference_set, "run": run, "scores": scores, "human": human, "human_missing": missing}


# -- speed and memory ----------------------------------------------------------------------


def speed(name: str, work: Path, articles: int, runs: int, workers: int) -> dict:
    folder = SPLITS[name][0]
    small_size = max(articles // 4, 5)
    sizes = {"small": small_size, "large": articles}
    corpora, chars = {}, {}
    for key, size in sizes.items():
        corpora[key] = work / f"{name}-speed-{size}"
        _, chars[key] = copies_corpus(folder, corpora[key], size)
    measured: dict[str, list[dict]] = {"small": [], "large": []}
    for round_number in range(runs):
        order = ("small", "large") if round_number % 2 == 0 else ("large", "small")
        for key in order:
            shutil.rmtree(corpora[key] / "annotations", ignore_errors=True)
            measured[key].append(run_suggest(corpora[key], workers))
    large = measured["large"]
    median_s = statistics.median(r["suggest_s"] for r in large)
    chars_per_s = chars["large"] / median_s
    peaks = {key: max(r["peak_rss_mb"] for r in measured[key]) for key in sizes}
    worker_peaks = {key: max(r["peak_worker_rss_mb"] for r in measured[key]) for key in sizes}
    return {
        "articles": articles,
        "chars": chars["large"],
        "workers": workers,
        "runs": large,
        "median_suggest_s": median_s,
        "median_process_s": statistics.median(r["process_s"] for r in large),
        "median_load_s": statistics.median(r["load_s"] for r in large),
        "articles_per_s": articles / median_s,
        "chars_per_s": chars_per_s,
        "articles_3000_per_s": chars_per_s / CHARS_PER_ARTICLE,
        "memory": {
            "sizes": [small_size, articles],
            "peak_rss_mb": [peaks["small"], peaks["large"]],
            "peak_worker_rss_mb": [worker_peaks["small"], worker_peaks["large"]],
            "small_runs": measured["small"],
            "growth": peaks["large"] / peaks["small"],
            "worker_growth": (worker_peaks["large"] / worker_peaks["small"]) if worker_peaks["small"] else None,
        },
    }


# -- report --------------------------------------------------------------------------------


def format_split(name: str, q: dict, s: dict) -> str:
    relative = q["folder"].relative_to(REPO)
    lines = [f"== {name}: {q['scores'].articles} article(s) of {relative}, set {SUGGEST_SET} against set {q['reference_set']} =="]
    if name == "seed":
        lines.append("(a sanity check: the guidelines were written on this article)")
    ceiling = q["human"]
    lines.append(format_scores(q["scores"], ceiling, SUGGEST_SET, "human") if ceiling else format_scores(q["scores"], name=SUGGEST_SET))
    if ceiling is None and not q["human_missing"]:
        lines.append(f"human ceiling: no second annotator's sets in {relative}/second")
    elif ceiling is not None:
        lines.append(f"human ceiling: set {SECOND_SET} against set {q['reference_set']} on {ceiling.articles} article(s)")
    if q["human_missing"]:
        lines.append(f"no second annotator's set for: {', '.join(q['human_missing'])}")
    mean_chars = s["chars"] / s["articles"]
    lines += [
        "",
        f"speed: {s['articles']} articles ({s['chars']:,} characters, {mean_chars:,.0f} each), {s['workers']} worker(s), median of {len(s['runs'])} run(s): "
        f"{s['median_suggest_s']:.2f} s = {s['articles_per_s']:.2f} articles/s, {s['chars_per_s']:,.0f} characters/s, "
        f"{s['articles_3000_per_s']:.2f} articles of 3,000 characters/s",
        f"       model load in the suggesting process {s['median_load_s']:.2f} s (not timed), whole process {s['median_process_s']:.2f} s",
    ]
    m = s["memory"]
    worker = m["worker_growth"]
    lines.append(
        f"memory: peak RSS {m['peak_rss_mb'][0]:.0f} MB at {m['sizes'][0]} articles, {m['peak_rss_mb'][1]:.0f} MB at {m['sizes'][1]} "
        f"(x{m['growth']:.2f}); largest worker {m['peak_worker_rss_mb'][0]:.0f} MB, {m['peak_worker_rss_mb'][1]:.0f} MB"
        + (f" (x{worker:.2f})" if worker else "")
    )
    return "\n".join(lines)


def targets(name: str, q: dict, s: dict) -> list[dict]:
    results = [
        {"target": f"{t.name} >= {100 * t.minimum:.0f}%", "value": value, "percent": True, "passed": passed}
        for t, value, passed in check_targets(q["scores"], QUALITY_TARGETS)
    ]
    results.append(
        {
            "target": f">= {MIN_ARTICLES_PER_SECOND} articles of {CHARS_PER_ARTICLE:,} characters a second",
            "value": s["articles_3000_per_s"],
            "percent": False,
            "passed": s["articles_3000_per_s"] >= MIN_ARTICLES_PER_SECOND,
        }
    )
    m = s["memory"]
    growth = max(g for g in (m["growth"], m["worker_growth"]) if g is not None)
    results.append(
        {
            "target": f"memory flat: peak RSS at {m['sizes'][1]} articles <= {MAX_MEMORY_GROWTH}x at {m['sizes'][0]} (process and largest worker)",
            "value": growth,
            "percent": False,
            "passed": growth <= MAX_MEMORY_GROWTH,
        }
    )
    return results


def format_targets(name: str, results: list[dict]) -> str:
    heading = f"TARGETS on the {name} split" + ("" if name == "heldout" else " (not the held-out split: for tuning only)")
    lines = [heading]
    for r in results:
        value = r["value"]
        shown = "-" if value is None else (f"{100 * value:.1f}%" if r["percent"] else f"{value:.2f}")
        lines.append(f"  {'PASS' if r['passed'] else 'FAIL'}  {r['target']}: {shown}")
    return "\n".join(lines)


def to_json(value):
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Path):
        return str(value.relative_to(REPO))
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def benchmark(split_names: list[str], runs: int, articles: int, workers: int) -> dict:
    measured = {}
    with tempfile.TemporaryDirectory(prefix="newsclaims-suggest-bench-") as tmp:
        work = Path(tmp)
        for name in split_names:
            measured[name] = {"quality": quality(name, work, workers)}
        for name in split_names:
            measured[name]["speed"] = speed(name, work, articles, runs, workers)
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per split (default 3)")
    parser.add_argument("--articles", type=int, default=100, help="articles in the speed corpus (default 100)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for the parse (default: all cores)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every number measured to FILE")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_in_child(args.child, args.workers)
        return 0
    if args.runs < 1 or args.articles < 8 or args.workers < 1:
        parser.error("--runs and --workers must be at least 1, --articles at least 8")
    split_names = list(SPLITS) if args.split == "all" else [args.split]
    try:
        measured = benchmark(split_names, args.runs, args.articles, args.workers)
        print(f"newsclaims suggest benchmark: {os.cpu_count()} core(s), {args.workers} worker(s), {args.runs} run(s), {args.articles} articles for speed\n")
        for name in split_names:
            print(format_split(name, measured[name]["quality"], measured[name]["speed"]) + "\n")
        target_split = "heldout" if "heldout" in split_names else split_names[0]
        results = targets(target_split, measured[target_split]["quality"], measured[target_split]["speed"])
        print(format_targets(target_split, results))
        if args.json:
            document = {
                "cores": os.cpu_count(),
                "workers": args.workers,
                "runs": args.runs,
                "articles": args.articles,
                "splits": to_json(measured),
                "targets": {"split": target_split, "results": results},
            }
            atomic_write_text(args.json, json.dumps(document, indent=2) + "\n")
            print(f"\nwrote {args.json}")
    except NewsclaimsError as exc:
        print(f"benchmark_suggest: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
