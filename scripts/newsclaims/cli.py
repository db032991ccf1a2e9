"""The ``newsclaims`` command: parses options, prints, sets exit codes; the work is in the library.

The commands that talk to a Label Studio server, and those that need ``datasets`` (``build``
and ``schema``, which write its Features into the card, the Croissant file and ``schema/``),
import their modules when they run: with label-studio-sdk and ``datasets`` loaded up front,
every other command, and ``--help``, would start about 0.75 s later. The conversions never
load ``datasets``: Parquet files are written and read with schemas made by ``pyarrow`` alone.
"""

from __future__ import annotations

import argparse
import errno
import json
import math
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from . import __version__
from .agreement import agreement
from .annotation_file import dump_annotation_file
from .corpus_agreement import corpus_agreement
from .errors import ConversionError, CorpusInvalidError, NewsclaimsError
from .jsonio import atomic_write_text
from .labelstudio.access import DEFAULT_ACCESS_PATH, KEY_VARIABLE, TIMEOUT_SECONDS, URL_VARIABLE
from .model import Id
from .progress import progress_bar
from .reanchor import reanchor
from .show import render_html, render_text
from .status import DEFAULT_PROJECT, StatusTotals, iter_status
from .store import Corpus
from .summary import corpus_summary
from .validate import ERROR, WARNING, Problem, read_annotation_file, validate_corpus

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
    print(f"next: newsclaims ls push --project {DEFAULT_PROJECT} (or newsclaims studio) to annotate it; newsclaims status to see where every article stands")
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
    changed = []
    with corpus.writing() as publication:
        for path in corpus.annotation_paths():
            data = dump_annotation_file(read_annotation_file(path)).encode("utf-8")
            if data != path.read_bytes():
                publication.write_bytes(str(path.relative_to(corpus.root)), data)
                changed.append(path)
    for path in changed:
        print(f"formatted {path}")
    print(f"{len(changed)} file(s) reformatted")
    return EXIT_OK


def cmd_agreement(args: argparse.Namespace) -> int:
    corpus = _corpus(args)
    if args.set_a is None:
        pooled = corpus_agreement(corpus, args.article or None)
        print(json.dumps(pooled.to_dict(), indent=2, ensure_ascii=False) if args.format == "json" else pooled.format())
        return EXIT_OK
    if args.set_b is None:
        raise NewsclaimsError(f"agreement: expected two set ids or none, found one ({args.set_a!r})")
    pairs = corpus.set_pairs(args.set_a, args.set_b, args.article or None)
    if not pairs:
        raise NewsclaimsError(f"no article has both sets {args.set_a!r} and {args.set_b!r}")
    report = agreement(pairs, args.set_a, args.set_b)
    print(json.dumps(report.to_dict(), indent=2) if args.format == "json" else report.format())
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    statuses = iter_status(_corpus(args), args.article_ids or None, args.project)
    totals = StatusTotals()
    as_json = args.format == "json"
    if as_json:
        print('{"articles": [')
    for index, status in enumerate(statuses):
        totals.add(status)
        if as_json:
            print(("," if index else "") + json.dumps(status.to_dict(), ensure_ascii=False))
        else:
            print(status.format())
    print(f'], "totals": {json.dumps(totals.to_dict())}}}' if as_json else totals.format())
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
    from .hf.release_docs import update_release_docs

    corpus = _corpus(args)
    with progress_bar("building", unit="article") as advance:
        result = build_release(corpus, progress=advance)
    for name, paths in result.files.items():
        print(f"{name}: {result.rows[name]} row(s) in {len(paths)} file(s) under {result.release_dir / name}")
    for path in update_release_docs(Path(args.docs_dir), corpus, result):
        print(f"updated {path}")
    if result.ner_losses:
        print(f"ner: {len(result.ner_losses)} gold entity mention(s) that BIO tags cannot hold ('newsclaims export --format conll OUT --report FILE' lists them)")
    print(f"{result.describe()} built in {result.release_dir}")
    print(corpus_summary(corpus).format())
    print("next: 'newsclaims status' to see where every article stands, 'newsclaims studio' to annotate in Label Studio")
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    from .columnar.memory_pool import default_pool
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
    from .labelstudio.sync import push

    with progress_bar("pushing articles", unit="article") as advance:
        result = push(_client(args), _corpus(args), args.project, as_predictions=args.as_ == "predictions", progress=advance)
    print(
        f"project {result.project_id} ({args.project}) {result.project}: {result.created} task(s) created, {result.updated} new revision(s), {result.unchanged} unchanged;"
        f" {result.sets_added} set(s) added to existing tasks, {result.sets_updated} updated"
    )
    return EXIT_OK


def _client(args: argparse.Namespace):
    from .labelstudio.sync import connect

    return connect(args.url, args.api_key, args.timeout, args.credentials)


def cmd_ls_pull(args: argparse.Namespace) -> int:
    from .labelstudio.sync import pull

    def run() -> tuple:
        with progress_bar("pulling tasks") as advance:
            pulled = pull(_client(args), _corpus(args), args.project, advance)
        return pulled, pulled.collected

    result, collected = _reported(args.report, run)
    print(f"project {result.project_id} ({args.project}): {collected.tasks} task(s), {collected.sets} annotation set(s), {collected.regions} annotation(s)")
    for article_id, changes in sorted(result.changes.items()):
        print(f"article={article_id}: {'; '.join(changes) if changes else 'nothing changed'}")
    for path in result.written:
        print(f"wrote {path}")
    print(f"next: {result.next_step()}")
    return EXIT_OK


def _format_and_path(values: list[str], option: str) -> tuple[str, Path | None]:
    if len(values) > 2:
        raise NewsclaimsError(f"{option} takes a format and at most one path, found {values}")
    return values[0], Path(values[1]) if len(values) == 2 else None


def cmd_ls_export(args: argparse.Namespace) -> int:
    from .labelstudio.sync import export_complete

    count = export_complete(_client(args), args.project, Path(args.file))
    print(f"wrote {count} task(s) of project {args.project!r} to {args.file}, predictions in full")
    return EXIT_OK


def cmd_studio(args: argparse.Namespace) -> int:
    from .labelstudio.studio import run_studio

    run_studio(_corpus(args), Path(args.home), args.port, args.project)
    return EXIT_OK


def cmd_adjudicate(args: argparse.Namespace) -> int:
    from .adjudicate import adjudicate
    from .adjudication_page import render_adjudication_page

    if args.all and args.article_id:
        raise NewsclaimsError("give article ids or --all, not both")
    result = adjudicate(_corpus(args), args.article_id or None, rule=args.rule, force=args.force)
    for article in result.articles:
        print(article.format())
    if result.left_alone:
        print(f"{len(result.left_alone)} article(s) with a gold or candidate made by hand or by a reviewer left alone (--force replaces them)")
    for path in result.written:
        print(f"wrote {path}")
    if args.report:
        atomic_write_text(Path(args.report), json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {args.report}")
    if args.html:
        atomic_write_text(Path(args.html), render_adjudication_page(result))
        print(f"wrote {args.html}")
    print(result.next_step())
    return EXIT_PROBLEMS if result.failed else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from .export.run import export_corpus

    report = export_corpus(_corpus(args), args.format, Path(args.out), args.set)
    if args.report:
        report.write(Path(args.report))
    print(report.summary(args.report))
    return EXIT_OK


def cmd_suggest(args: argparse.Namespace) -> int:
    from .suggest import suggest

    result = suggest(_corpus(args), args.article_ids or None, workers=args.workers)
    for article in result.articles:
        print(article.format())
    for path in result.written:
        print(f"wrote {path}")
    print(f"next: newsclaims ls push --project {DEFAULT_PROJECT} (each task opens with the suggested regions drawn)")
    return EXIT_OK


def cmd_reanchor(args: argparse.Namespace) -> int:
    report = reanchor(_corpus(args), args.article_id, dry_run=args.dry_run)
    print(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) if args.format == "json" else report.format())
    return EXIT_OK if report.complete else EXIT_PROBLEMS


def positive_int(value: str) -> int:
    """An argument type: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, found {value!r}")
    return number


def positive_seconds(value: str) -> float:
    """An argument type: a finite number of seconds above zero."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number of seconds > 0, found {value!r}")
    return seconds


def port_number(value: str) -> int:
    """An argument type: a TCP port, 1 to 65535."""
    try:
        port = int(value)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, found {value!r}")
    return port


def calendar_date(value: str) -> str:
    """An argument type: a date that exists, written YYYY-MM-DD."""
    try:
        if len(value) == 10 and date.fromisoformat(value).isoformat() == value:
            return value
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"expected a date that exists, written YYYY-MM-DD, found {value!r}")


def identifier(value: str) -> str:
    """An argument type: an id as the schema allows it (an article id, a set id)."""
    try:
        return TypeAdapter(Id).validate_python(value)
    except ValidationError:
        raise argparse.ArgumentTypeError(f"expected 1 to 64 letters, digits, '_', '.', ':' or '-' (not first: '.', ':'), found {value!r}") from None


def existing_file(value: str) -> str:
    """An argument type: a file to read, which must exist and not be a folder."""
    path = Path(value)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"expected an existing file, found no file at {value!r}")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"expected a file, found a folder at {value!r}")
    return value


def existing_folder(value: str) -> str:
    """An argument type: a folder that must exist."""
    path = Path(value)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"expected an existing folder, found {'a file' if path.exists() else 'nothing'} at {value!r}")
    return value


def file_to_write(value: str) -> str:
    """An argument type: where a file will be written, which may exist as a file but not as a folder."""
    if Path(value).is_dir():
        raise argparse.ArgumentTypeError(f"expected a file name to write, found a folder at {value!r}")
    return value


def folder_to_use(value: str) -> str:
    """An argument type: a folder that may not exist yet, but is not a file."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"expected a folder, found a file at {value!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsclaims", description="Keep an annotated corpus of news articles: entities, claims, figures.")
    parser.add_argument("--version", action="version", version=f"newsclaims {__version__}")
    parser.add_argument("--corpus", default="corpus", type=folder_to_use, help="corpus folder (default: ./corpus)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    add = sub.add_parser("add", help="add an article file as a new immutable revision")
    add.add_argument("file", type=existing_file, help="the article's text: a UTF-8 file, stored byte for byte")
    add.add_argument("--id", required=True, type=identifier, help="article id")
    for name, text in (
        ("title", "headline, when known"),
        ("publisher", "who published the article, when known"),
        ("url", "where it was published, when known"),
        ("language", "BCP 47 language tag of the text, e.g. en"),
        ("rights", "licence or rights note, when known"),
        ("note", "free-text note on the metadata: what is known and how"),
    ):
        add.add_argument(f"--{name}", help=text)
    add.add_argument("--published", type=calendar_date, metavar="YYYY-MM-DD", help="publication date, YYYY-MM-DD")
    add.add_argument("--published-inferred", action="store_true", help="the publication date is inferred, not stated by a source")
    add.set_defaults(handler=cmd_add)

    validate = sub.add_parser("validate", help="check the whole corpus; every problem, one line each")
    validate.add_argument("--format", choices=("text", "json"), default="text", help="text: one line per problem and a summary; json: a list of problems (default: text)")
    validate.set_defaults(handler=cmd_validate)

    summary = sub.add_parser("summary", help="print counts of articles, annotation sets and annotations")
    summary.add_argument("--format", choices=("text", "json"), default="text", help="text for reading, json for scripts (default: text)")
    summary.set_defaults(handler=cmd_summary)

    schema = sub.add_parser("schema", help="write the generated schema files (JSON Schema, Label Studio config, Features)")
    schema.add_argument("--schema-dir", default="schema", type=folder_to_use, help="folder of the generated schema files (default: schema)")
    schema.add_argument("--check", action="store_true", help="exit 1 and show a diff when a committed file differs")
    schema.set_defaults(handler=cmd_schema)

    agree = sub.add_parser("agreement", help="agreement of the independent passes over the corpus, or between two annotation sets")
    agree.add_argument("set_a", nargs="?", help="set id, e.g. pass-a (with no set ids: every independent pass of every article)")
    agree.add_argument("set_b", nargs="?", help="set id, e.g. pass-b")
    agree.add_argument("--article", action="append", help="limit to this article (repeatable)")
    agree.add_argument("--format", choices=("text", "json"), default="text", help="text: tables for reading; json: every figure for scripts (default: text)")
    agree.set_defaults(handler=cmd_agreement)

    status = sub.add_parser("status", help="where each article stands (passes, gold, agreement, what is stale) and what to run next")
    status.add_argument("article_ids", nargs="*", metavar="ARTICLE", help="only these articles (default: every article)")
    status.add_argument("--project", default=DEFAULT_PROJECT, help=f"Label Studio project title to name in the next steps (default: {DEFAULT_PROJECT})")
    status.add_argument("--format", choices=("text", "json"), default="text", help="text: one line per article and the totals; json: the same as one object (default: text)")
    status.set_defaults(handler=cmd_status)

    show = sub.add_parser("show", help="print an annotation set over its text, or write it as an HTML page")
    show.add_argument("article_id", metavar="ARTICLE", help="article id")
    show.add_argument("--set", default="gold", help="set id (default: gold)")
    show.add_argument("--html", metavar="FILE", type=file_to_write, help="write a standalone HTML page instead")
    show.set_defaults(handler=cmd_show)

    build = sub.add_parser("build", help="validate, then write the Parquet release, croissant.json and the card and datasheet statistics")
    build.add_argument("--docs-dir", default=".", type=existing_folder, help="folder of README.md, DATASHEET.md and CHANGELOG.md (default: .)")
    build.set_defaults(handler=cmd_build)

    convert = sub.add_parser("convert", help="convert annotations between the corpus, Label Studio and Hugging Face / Parquet")
    convert.add_argument("--from", dest="source", nargs="+", required=True, metavar="FORMAT", help="corpus | hf DIR_OR_PARQUET | labelstudio EXPORT.json [MORE.json or folders ...]")
    convert.add_argument("--to", dest="target", nargs="+", required=True, metavar="FORMAT", help="corpus | hf DIR | labelstudio TASKS.json")
    convert.add_argument("--as", dest="as_", choices=("annotations", "predictions"), default="annotations", help="with --to labelstudio: import the gold set as annotations or predictions")
    convert.add_argument("--report", metavar="FILE", type=file_to_write, help="write every problem found (and the counts) to FILE as JSON")
    convert.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1, help="processes for --from labelstudio --to hf, threads for --from hf --to labelstudio (default: all cores)")
    convert.set_defaults(handler=cmd_convert)

    ls = sub.add_parser("ls", help="sync with a Label Studio server (label-studio-sdk)")
    ls_sub = ls.add_subparsers(dest="ls_command", required=True, metavar="ACTION")
    for name, handler, text in (
        ("push", cmd_ls_push, "create or update the project and import the articles, with their gold, candidate and prediction sets"),
        ("pull", cmd_ls_pull, "export every annotation, check, convert, validate and write the annotation files"),
        ("export", cmd_ls_export, "download the project's JSON export, with its predictions in full, for offline conversion"),
    ):
        action = ls_sub.add_parser(name, help=text)
        action.add_argument("--url", help=f"server URL (default: ${URL_VARIABLE})")
        action.add_argument("--api-key", help=f"personal access token (default: ${KEY_VARIABLE}, else the credentials file)")
        action.add_argument("--credentials", metavar="FILE", default=str(DEFAULT_ACCESS_PATH), type=file_to_write,
            help=f"URL and token kept by 'newsclaims studio', used when neither option nor variable gives them (default: {DEFAULT_ACCESS_PATH})")
        action.add_argument("--project", required=True, help="project title")
        action.add_argument("--timeout", type=positive_seconds, default=TIMEOUT_SECONDS, metavar="SECONDS", help=f"seconds to wait for each answer (default: {TIMEOUT_SECONDS:g})")
        if name == "push":
            action.add_argument("--as", dest="as_", choices=("annotations", "predictions"), default="annotations",
                help="annotations: gold and candidate sets as annotations (gold as ground truth); predictions: every set as a prediction (default: annotations)")
        elif name == "export":
            action.add_argument("file", type=file_to_write, help="where to write the export (JSON)")
        else:
            action.add_argument("--report", metavar="FILE", type=file_to_write, help="write every problem found (and the counts) to FILE as JSON")
        action.set_defaults(handler=handler)

    studio = sub.add_parser("studio", help="install and run a local Label Studio with the corpus pushed, until Ctrl-C")
    studio.add_argument("--home", default=".labelstudio", type=folder_to_use, help="its virtualenv and data folder (default: .labelstudio)")
    studio.add_argument("--port", type=port_number, default=8080, help="port on 127.0.0.1 to serve on (default: 8080)")
    studio.add_argument("--project", default="newsclaims", help="project title (default: newsclaims)")
    studio.set_defaults(handler=cmd_studio)

    suggest_cmd = sub.add_parser("suggest", help="pre-annotate articles: a prediction set of entities, claims and figures for each (needs the suggest extra)")
    suggest_cmd.add_argument("article_ids", nargs="*", metavar="ARTICLE", help="only these articles (default: every article)")
    suggest_cmd.add_argument("--workers", type=positive_int, default=os.cpu_count() or 1, help="processes for the parse when there are more than a few articles (default: all cores)")
    suggest_cmd.set_defaults(handler=cmd_suggest)

    reanchor_cmd = sub.add_parser("reanchor", help="move annotation sets of older revisions onto the latest one by quote selector")
    reanchor_cmd.add_argument("article_id", metavar="ARTICLE", help="article id")
    reanchor_cmd.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    reanchor_cmd.add_argument("--format", choices=("text", "json"), default="text", help="text for reading, json for scripts (default: text)")
    reanchor_cmd.set_defaults(handler=cmd_reanchor)

    adjudicate_cmd = sub.add_parser("adjudicate", help="compare the independent passes of articles and make their gold, or a candidate for a reviewer")
    adjudicate_cmd.add_argument("article_id", nargs="*", help="articles to adjudicate (default: every article with two or more passes)")
    adjudicate_cmd.add_argument("--all", action="store_true", help="every article with two or more passes and no gold made by hand or by a reviewer")
    adjudicate_cmd.add_argument("--rule", help="resolve conflicts: agreed (agreed items only), prefer:SET_ID (that pass's version), majority (more than half of the passes)")
    adjudicate_cmd.add_argument("--report", metavar="FILE", type=file_to_write, help="write the comparison (passes, agreed counts, conflicts, dropped items, dangling references) to FILE as JSON")
    adjudicate_cmd.add_argument("--html", metavar="FILE", type=file_to_write, help="write a standalone HTML page: the passes side by side, conflicts highlighted")
    adjudicate_cmd.add_argument("--force", action="store_true", help="replace a gold or candidate made by hand or by a reviewer")
    adjudicate_cmd.set_defaults(handler=cmd_adjudicate)

    export = sub.add_parser("export", help="write one set of every article as CoNLL BIO, a spaCy DocBin or brat standoff, reporting what the format cannot hold")
    export.add_argument("out", metavar="OUT", help="the file to write (a new or empty folder for brat)")
    export.add_argument("--format", required=True, choices=("conll", "spacy", "brat"),
        help="conll: BIO tags of the entities; spacy: a DocBin of every layer (the export extra); brat: standoff files, every layer")
    export.add_argument("--set", default="gold", help="set id to export from each article (default: gold)")
    export.add_argument("--report", metavar="FILE", type=file_to_write, help="write every annotation the format cannot hold (article, set, layer, id, why) to FILE as JSON")
    export.set_defaults(handler=cmd_export)

    fmt = sub.add_parser("format", help="rewrite annotation files in canonical form")
    fmt.set_defaults(handler=cmd_format)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.handler(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        return _stdout_closed()
    except (CorpusInvalidError, ConversionError) as exc:
        print_problems(exc.problems, stream=sys.stderr)
        print(f"newsclaims: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_PROBLEMS
    except NewsclaimsError as exc:
        print(f"newsclaims: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_PROBLEMS
    except OSError as exc:
        print(f"newsclaims: {describe_os_error(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("newsclaims: interrupted", file=sys.stderr)
        return 130


def one_line(message: str) -> str:
    """A message on one line, whatever the library put in it (a schema error's own report spans several)."""
    return " ".join(part.strip() for part in message.splitlines() if part.strip())


EXIT_PIPE_CLOSED = 128 + 13
_OS_ERROR_IDS = {
    errno.ENOENT: "file-missing",
    errno.EISDIR: "is-a-directory",
    errno.ENOTDIR: "not-a-directory",
    errno.EACCES: "permission-denied",
    errno.EPERM: "permission-denied",
    errno.EEXIST: "file-exists",
    errno.ENOSPC: "no-space",
    errno.EROFS: "read-only",
    errno.ENAMETOOLONG: "name-too-long",
}


def describe_os_error(exc: OSError) -> str:
    """One line for an error of the file system: the path it concerns, a stable id, what the system said.

    A rename names its target (``filename2``): a temporary file beside it is no concern of the user.
    """
    path = exc.filename2 if exc.filename2 is not None else exc.filename
    error_id = _OS_ERROR_IDS.get(exc.errno, "os-error") if exc.errno is not None else "os-error"
    reason = exc.strerror or str(exc)
    return f"{path}: [{error_id}] {reason}" if path is not None else f"[{error_id}] {reason}"


def _stdout_closed() -> int:
    """The reader of our output went away (``newsclaims validate | head -1``): stop quietly, as Unix tools do.

    Standard output is pointed at /dev/null so that the flush at exit does not fail a second time.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
    return EXIT_PIPE_CLOSED


if __name__ == "__main__":
    sys.exit(main())
