"""The corpus <-> Label Studio task files and exports, offline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from ..corpus_writer import changed_file, write_checked
from ..errors import ConversionError
from ..jsonio import write_json_array
from ..model import AnnotationSet, ArticleRevision
from ..store import Corpus
from ..vocab import SetKind
from .collect import Collected, collect
from .export import export_files, iter_tasks
from .identity import reconcile
from .tasks import TaskProblem, corpus_task


def corpus_lookup(corpus: Corpus) -> Callable[[str], list[ArticleRevision]]:
    by_article: dict[str, list[ArticleRevision]] = defaultdict(list)
    for record in corpus.load_manifest().articles:
        by_article[record.article_id].append(record)
    return lambda article_id: by_article.get(article_id, [])


def read_exports(paths: list[Path], corpus: Corpus, users: dict[int, str] | None = None, progress: Callable[[int], None] | None = None) -> Collected:
    files = export_files(paths)
    return collect(((str(f), iter_tasks(f)) for f in files), corpus_lookup(corpus), users, progress)


def collected_into_corpus(collected: Collected, corpus: Corpus, source: str) -> list[Path]:
    """Merge converted Label Studio sets into the corpus files, or raise with every problem.

    Sets that went to Label Studio and came back unchanged are recognised (see
    :mod:`.identity`); only files whose sets changed are written.
    """
    lookup = corpus_lookup(corpus)
    problems = list(collected.errors)
    for article_id, sets in sorted(collected.sets_by_article.items()):
        if not lookup(article_id):
            task_ids = sorted({s.label_studio.task_id for s in sets if s.label_studio and s.label_studio.task_id is not None})
            problems.append(
                TaskProblem(
                    "article-not-in-corpus",
                    f"no article {article_id!r} in the corpus; add it with 'newsclaims add' or convert with --to hf",
                    task_id=", ".join(map(str, task_ids)) or None,
                    article_id=article_id,
                    source=source,
                )
            )
    merged = {}
    for article_id, tasks in sorted(collected.tasks_by_article.items()):
        existing = corpus.load_annotations(article_id)
        merged[article_id] = reconcile(existing.sets if existing else [], tasks, collected.projects, collected.users, source)
        problems += merged[article_id].problems
    if problems:
        raise ConversionError(f"{source}: {len(problems)} problem(s); nothing was written", problems)
    files = []
    for article_id, result in merged.items():
        collected.changes[article_id] = result.changes
        collected.new_passes[article_id] = result.new_passes
        changed = changed_file(corpus, article_id, result.sets)
        if changed is not None:
            files.append(changed)
    return write_checked(corpus, files, source) if files else []


def labelstudio_to_corpus(paths: list[Path], corpus: Corpus, progress: Callable[[int], None] | None = None) -> tuple[list[Path], Collected]:
    collected = read_exports(paths, corpus, progress=progress)
    return collected_into_corpus(collected, corpus, ", ".join(str(p) for p in paths)), collected


PUSHED_KINDS = (SetKind.GOLD, SetKind.CANDIDATE, SetKind.PREDICTION)


def pushed_sets(corpus: Corpus, record: ArticleRevision, set_kinds: tuple[SetKind, ...] = PUSHED_KINDS) -> list[AnnotationSet]:
    """The sets of the revision that go to Label Studio, in file order."""
    annotations = corpus.load_annotations(record.article_id)
    return [s for s in annotations.sets if s.kind in set_kinds and s.article_sha256 == record.text_sha256] if annotations else []


def corpus_tasks(corpus: Corpus, as_predictions: bool = False, set_kinds: tuple[SetKind, ...] = PUSHED_KINDS) -> Iterator[dict]:
    """Tasks for the latest revision of every article, with its sets of ``set_kinds``."""
    for record in corpus.latest_revisions():
        yield corpus_task(record, corpus.read_text(record), pushed_sets(corpus, record, set_kinds), as_predictions)


def corpus_to_labelstudio(corpus: Corpus, target: Path, as_predictions: bool = False) -> int:
    return write_json_array(target, corpus_tasks(corpus, as_predictions))
