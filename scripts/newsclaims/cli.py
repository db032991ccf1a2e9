"""The ``newsclaims`` command: parses options, prints, sets exit codes; the work is in the library.

The commands that talk to a Label Studio server, and those that need ``datasets`` (``build``
and ``schema``, which write its Features into the card, the Croissant file and ``schema/``),
import their modules when they run: with label-studio-sdk and ``datasets`` loaded up front,
every other command, and ``--help``, would start about 0.75 s later. The conversions never
load ``datasets``: Parquet files are written and read with schemas made by ``pyarrow`` alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable

from . import __version__
from .agreement import agreement
from .annotation_file import dump_annotation_file, load_annotation_file
from .errors import ConversionError, CorpusInvalidError, NewsclaimsError
from .jsonio import atomic_write_text
from .labelstudio.access import KEY_VARIABLE, TIMEOUT_SECONDS, URL_VARIABLE
from .progress import progress_bar
from .reanchor import reanchor
from .release import RELEASE_VERSION
from .show import render_html, render_text
from .store import Corpus
from .summary import corpus_summary
from .validate import ERROR, WARNING, Problem, validate_corpus

EXIT_OK, EXIT_PROBLEMS = 0, 1


def _corpus(args: argparse.Namespace) -> Corpus:
    return Corpus(args.corpus)


def print_problems(problems: list[Problem], as_json: bool = False, stream=None) -> None:
    stream = stream or sys.stdout
    if as_json:
        print(json.dumps([p.to_dict() for p in problems], indent=2, ensure_ascii=False), file=stream)
        return
    for problem in problems:
        print(problem.format(), file=stream)


def cmd_add(args: argparse.Namespace) -> int:
    path = Path(args.file)
    metadata = {name: getattr(args, name) for name in ("title", "publisher", "url", "published", "language", "rights", "note")}
    if args.published_inferred:
        metadata["published_inferred"] = True
    result = _corpus(args).add(path.read_bytes(), args.id, source=str(path), **metadata)
    record = result.revision
    if result.status.value == "unchanged":
        print(f"{path}: unchanged: identical bytes are already article={record.article_id} revision={record.revision} (sha256 {record.text_sha256})")
    else:
        print(f"{path}: {result.status.value}: article={record.article_id} revision={record.revision} sha256={record.text_sha256} -> {record.path}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    corpus = _corpus(args)
    with progress_bar("validating", unit="file") as advance:
        problems = validate_corpus(corpus, advance)
    print_problems(problems, as_json=args.format == "json")
    errors = sum(p.level == ERROR for p in problems)
    warnings = sum(p.level == WARNING for p in problems)
    if args.format != "json":
        print(f"{corpus.root}: {errors} error(s), {warnings} warning(s)")
        if not errors:
            print(corpus_summary(corpus).format())
    return EXIT_PROBLEMS if errors else EXIT_OK


def cmd_summary(args: argparse.Namespace) -> int:
    summary = corpus_summary(_corpus(args))
    print(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) if args.format == "json" else summary.format())
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema_files import schema_drift, write_schema

    schema_dir = Path(args.schema_dir)
    if args.check:
        diffs = schema_drift(schema_dir)
        for diff in diffs:
            sys.stdout.write(diff)
        if diffs:
            print(f"{schema_dir}: {len(diffs)} generated file(s) differ from the code; run 'newsclaims schema' to regenerate")
            return EXIT_PROBLEMS
        print(f"{schema_dir}: generated files are up to date")
        return EXIT_OK
    written = write_schema(schema_dir)
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"{schema_dir}: already up to date")
    return EXIT_OK


def cmd_format(args: argparse.Namespace) -> int:
    corpus = _corpus(args)
    changed = 0
    for path in corpus.annotation_paths():
        data = path.read_bytes()
        text = dump_annotation_file(load_annotation_file(data))
        if text.encode("utf-8") != data:
            atomic_write_text(path, text)
            print(f"formatted {path}")
            changed += 1
    print(f"{changed} file(s) reformatted")
    return EXIT_OK


def cmd_agreement(args: argparse.Namespace) -> int:
    corpus = _corpus(args)
    pairs = corpus.set_pairs(args.set_a, args.set_b, args.article or None)
    if not pairs:
        raise NewsclaimsError(f"no article has both sets {args.set_a!r} and {args.set_b!r}")
    report = agreement(pairs, args.set_a, args.set_b)
    print(json.dumps(report.to_dict(), indent=2) if args.format == "json" else report.format())
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    corpus = _corpus(args)
    record = corpus.latest(args.article_id)
    annotations = corpus.load_annotations(args.article_id)
    aset = next((s for s in annotations.sets if s.set_id == args.set), None) if annotations else None
    if aset is None:
        raise NewsclaimsError(f"article={args.article_id}: no annotation set {args.set!r}")
    text = corpus.read_text(corpus.revision_of(aset))
    if args.html:
        atomic_write_text(Path(args.html), render_html(text, aset, f"{record.article_id} — set {aset.set_id}"))
        print(f"wrote {args.html}")
    else:
        print(render_text(text, aset))
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from .hf.build import build_release
    from .hf.card import update_docs

    corpus = _corpus(args)
    with progress_bar("building", unit="article") as advance:
        result = build_release(corpus, RELEASE_VERSION, progress=advance)
    for name, paths in result.files.items():
        print(f"{name}: {result.rows[name]} row(s) in {len(paths)} file(s) under {result.release_dir / name}")
    for path in update_docs(Path(args.docs_dir), corpus, result.release_dir, RELEASE_VERSION):
        print(f"updated {path}")
    print(f"release {RELEASE_VERSION} built in {result.release_dir}")
    print(corpus_summary(corpus).format())
    print("next: 'newsclaims studio' to annotate in Label Studio, 'newsclaims show ARTICLE_ID' to read an annotation")
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    from .arrow_pool import default_pool
    from .convert import corpus_to_labelstudio, hf_to_corpus, hf_to_labelstudio, labelstudio_to_corpus, labelstudio_to_hf

    source_format, sources = args.source[0], [Path(p) for p in args.source[1:]]
    target_format, target = _format_and_path(args.target, "--to")
    source = sources[0] if sources else None
    corpus = _corpus(args)
    route = (source_format, target_format)
    if len(sources) > 1 and source_format != "labelstudio":
        raise NewsclaimsError(f"--from {source_format} takes one path, found {len(sources)}")
    if route == ("hf", "corpus"):
        with progress_bar("reading the release", unit="article") as advance:
            written = hf_to_corpus(_needed(source, "--from hf DIR_OR_PARQUET"), corpus, advance)
        for path in written:
            print(f"wrote {path}")
    elif route == ("labelstudio", "corpus"):
        _needed(source, "--from labelstudio EXPORT.json [MORE ...]")
        with progress_bar("reading exports") as advance:
            written, collected = _reported(args.report, lambda: labelstudio_to_corpus(sources, corpus, advance))
        print(f"{collected.tasks} task(s), {collected.sets} annotation set(s), {collected.regions} annotation(s) converted")
        for path in written:
            print(f"wrote {path}")
    elif route == ("labelstudio", "hf"):
        _needed(source, "--from labelstudio EXPORT.json [MORE ...]")
        with progress_bar("converting tasks") as advance:
            files, collected = _reported(args.report, lambda: labelstudio_to_hf(sources, _needed(target, "--to hf DIR"), corpus, workers=args.workers, progress=advance))
        print(f"{collected.tasks} task(s), {collected.regions} annotation(s) converted")
        for name, paths in files.items():
            print(f"{name}: {len(paths)} file(s) under {target / name}")
    elif route == ("hf", "labelstudio"):
        try:
            with default_pool("jemalloc"), progress_bar("writing tasks") as advance:
                count, problems = hf_to_labelstudio(_needed(source, "--from hf DIR"), _needed(target, "--to labelstudio TASKS.json"), workers=args.workers, progress=advance)
        except ConversionError as exc:
            _write_report(args.report, exc.problems, None)
            raise
        _write_report(args.report, problems, None)
        _print_warnings(problems)
        print(f"wrote {count} task(s) to {target}")
    elif route == ("corpus", "labelstudio"):
        count = corpus_to_labelstudio(corpus, _needed(target, "--to labelstudio TASKS.json"), as_predictions=args.as_ == "predictions")
        print(f"wrote {count} task(s) to {target}")
    else:
        raise NewsclaimsError(f"no conversion from {source_format!r} to {target_format!r}; see 'newsclaims convert --help'")
    return EXIT_OK


def _needed(path: Path | None, usage: str) -> Path:
    if path is None:
        raise NewsclaimsError(f"a path is needed: {usage}")
    return path


def _print_warnings(problems: list) -> None:
    for problem in problems:
        if problem.level != ERROR:
            print(problem.format(), file=sys.stderr)


def _reported(report: str | None, conversion: Callable[[], tuple]) -> tuple:
    """Run a conversion that returns (result, collected); write ``report`` and print warnings either way."""
    try:
        result, collected = conversion()
    except ConversionError as exc:
        _write_report(report, exc.problems, None)
        raise
    _write_report(report, collected.problems, collected)
    _print_warnings(collected.problems)
    return result, collected


def _write_report(path: str | None, problems: list, collected) -> None:
    if path is None:
        return
    report = {"problems": [p.to_dict() for p in problems]}
    if collected is not None:
        report.update(tasks=collected.tasks, sets=collected.sets, annotations=collected.regions)
    atomic_write_text(Path(path), json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def cmd_ls_push(args: argparse.Namespace) -> int:
    from .labelstudio.sync import connect, push

    with progress_bar("pushing articles", unit="article") as advance:
        result = push(connect(args.url, args.api_key, args.timeout), _corpus(args), args.project, as_predictions=args.as_ == "predictions", progress=advance)
    print(f"project {result.project_id} ({args.project}) {result.project}: {result.created} task(s) created, {result.updated} new revision(s), {result.unchanged} unchanged")
    return EXIT_OK


def cmd_ls_pull(args: argparse.Namespace) -> int:
    from .labelstudio.sync import connect, pull

    def run() -> tuple:
        with progress_bar("pulling tasks") as advance:
            pulled = pull(connect(args.url, args.api_key, args.timeout), _corpus(args), args.project, advance)
        return pulled, pulled.collected

    result, collected = _reported(args.report, run)
    print(f"project {result.project_id} ({args.project}): {collected.tasks} task(s), {collected.sets} annotation set(s), {collected.regions} annotation(s)")
    for path in result.written:
        print(f"wrote {path}")
    return EXIT_OK


def _format_and_path(values: list[str], option: str) -> tuple[str, Path | None]:
    if len(values) > 2:
        raise NewsclaimsError(f"{option} takes a format and at most one path, found {values}")
    return values[0], Path(values[1]) if len(values) == 2 else None


def cmd_ls_export(args: argparse.Namespace) -> int:
    from .labelstudio.sync import connect, export_complete

    count = export_complete(connect(args.url, args.api_key, args.timeout), args.project, Path(args.file))
    print(f"wrote {count} task(s) of project {args.project!r} to {args.file}, predictions in full")
    return EXIT_OK


def cmd_studio(args: argparse.Namespace) -> int:
    from .labelstudio.studio import run_studio

    run_studio(_corpus(args), Path(args.home), args.port, args.project)
    return EXIT_OK


def cmd_reanchor(args: argparse.Namespace) -> int:
    report = reanchor(_corpus(args), args.article_id, dry_run=args.dry_run)
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.format == "json" else report.format())
    return EXIT_OK if report.complete else EXIT_PROBLEMS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsclaims", description="Keep an annotated corpus of news articles: entities, claims, figures.")
    parser.add_argument("--version", action="version", version=f"newsclaims {__version__}")
    parser.add_argument("--corpus", default="corpus", help="corpus folder (default: ./corpus)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add = sub.add_parser("add", help="add an article file as a new immutable revision")
    add.add_argument("file")
    add.add_argument("--id", required=True, help="article id")
    for name in ("title", "publisher", "url", "language", "rights", "note"):
        add.add_argument(f"--{name}")
    add.add_argument("--published", help="publication date, YYYY-MM-DD")
    add.add_argument("--published-inferred", action="store_true", help="the publication date is inferred, not stated by a source")
    add.set_defaults(handler=cmd_add)

    validate = sub.add_parser("validate", help="check the whole corpus; every problem, one line each")
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.set_defaults(handler=cmd_validate)

    summary = sub.add_parser("summary", help="print counts of articles, annotation sets and annotations")
    summary.add_argument("--format", choices=("text", "json"), default="text")
    summary.set_defaults(handler=cmd_summary)

    schema = sub.add_parser("schema", help="write the generated schema files (JSON Schema, Label Studio config, Features)")
    schema.add_argument("--schema-dir", default="schema")
    schema.add_argument("--check", action="store_true", help="exit 1 and show a diff when a committed file differs")
    schema.set_defaults(handler=cmd_schema)

    agree = sub.add_parser("agreement", help="span and attribute agreement between two annotation sets")
    agree.add_argument("set_a", help="set id, e.g. pass-a")
    agree.add_argument("set_b", help="set id, e.g. pass-b")
    agree.add_argument("--article", action="append", help="limit to this article (repeatable)")
    agree.add_argument("--format", choices=("text", "json"), default="text")
    agree.set_defaults(handler=cmd_agreement)

    show = sub.add_parser("show", help="print an annotation set over its text, or write it as an HTML page")
    show.add_argument("article_id")
    show.add_argument("--set", default="gold", help="set id (default: gold)")
    show.add_argument("--html", metavar="FILE", help="write a standalone HTML page instead")
    show.set_defaults(handler=cmd_show)

    build = sub.add_parser("build", help="validate, then write the Parquet release, croissant.json and the card and datasheet statistics")
    build.add_argument("--docs-dir", default=".", help="folder of README.md and DATASHEET.md (default: .)")
    build.set_defaults(handler=cmd_build)

    convert = sub.add_parser("convert", help="convert annotations between the corpus, Label Studio and Hugging Face / Parquet")
    convert.add_argument("--from", dest="source", nargs="+", required=True, metavar="FORMAT", help="corpus | hf DIR_OR_PARQUET | labelstudio EXPORT.json [MORE.json or folders ...]")
    convert.add_argument("--to", dest="target", nargs="+", required=True, metavar="FORMAT", help="corpus | hf DIR | labelstudio TASKS.json")
    convert.add_argument("--as", dest="as_", choices=("annotations", "predictions"), default="annotations", help="with --to labelstudio: import the gold set as annotations or predictions")
    convert.add_argument("--report", metavar="FILE", help="write every problem found (and the counts) to FILE as JSON")
    convert.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for --from labelstudio --to hf, threads for --from hf --to labelstudio (default: all cores)")
    convert.set_defaults(handler=cmd_convert)

    ls = sub.add_parser("ls", help="sync with a Label Studio server (label-studio-sdk)")
    ls_sub = ls.add_subparsers(dest="ls_command", required=True, metavar="ACTION")
    for name, handler, text in (
        ("push", cmd_ls_push, "create or update the project and import the articles, with the gold set"),
        ("pull", cmd_ls_pull, "export every annotation, check, convert, validate and write the annotation files"),
        ("export", cmd_ls_export, "download the project's JSON export, with its predictions in full, for offline conversion"),
    ):
        action = ls_sub.add_parser(name, help=text)
        action.add_argument("--url", help=f"server URL (default: ${URL_VARIABLE})")
        action.add_argument("--api-key", help=f"personal access token (default: ${KEY_VARIABLE})")
        action.add_argument("--project", required=True, help="project title")
        action.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help=f"seconds to wait for each answer (default: {TIMEOUT_SECONDS:g})")
        if name == "push":
            action.add_argument("--as", dest="as_", choices=("annotations", "predictions"), default="annotations")
        elif name == "export":
            action.add_argument("file", help="where to write the export (JSON)")
        else:
            action.add_argument("--report", metavar="FILE", help="write every problem found (and the counts) to FILE as JSON")
        action.set_defaults(handler=handler)

    studio = sub.add_parser("studio", help="install and run a local Label Studio with the corpus pushed, until Ctrl-C")
    studio.add_argument("--home", default=".labelstudio", help="its virtualenv and data folder (default: .labelstudio)")
    studio.add_argument("--port", type=int, default=8080)
    studio.add_argument("--project", default="newsclaims", help="project title (default: newsclaims)")
    studio.set_defaults(handler=cmd_studio)

    reanchor_cmd = sub.add_parser("reanchor", help="move annotation sets of older revisions onto the latest one by quote selector")
    reanchor_cmd.add_argument("article_id")
    reanchor_cmd.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    reanchor_cmd.add_argument("--format", choices=("text", "json"), default="text")
    reanchor_cmd.set_defaults(handler=cmd_reanchor)

    fmt = sub.add_parser("format", help="rewrite annotation files in canonical form")
    fmt.set_defaults(handler=cmd_format)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (CorpusInvalidError, ConversionError) as exc:
        print_problems(exc.problems, stream=sys.stderr)
        print(f"newsclaims: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except NewsclaimsError as exc:
        print(f"newsclaims: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except FileNotFoundError as exc:
        print(f"newsclaims: {exc.filename}: no such file", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("newsclaims: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
