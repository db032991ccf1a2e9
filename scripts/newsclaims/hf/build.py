"""``newsclaims build``: the corpus -> a Parquet release, written beside the old one and swapped in whole.

The build holds the corpus's lock and writes the new release into the corpus's workspace;
publishing exchanges it with the old one in one step (:mod:`..publish`), so a kill at any
instant leaves the old release or the new one, never neither.

The release's version comes from comparing what it publishes with the release it replaces
(``release_version``); its record travels inside the release folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CorpusInvalidError
from ..model import SCHEMA_VERSION, AnnotationFile
from ..publish import fault_point
from ..release import croissant_info
from ..release_version import (
    ARTICLES_FILE,
    RELEASE_FILE,
    ReleaseInfo,
    article_digests,
    compare,
    describe,
    next_release,
    read_article_digests,
    read_release,
    release_digests,
    utc_today,
    write_article_digests,
    write_release_record,
)
from ..store import Corpus
from ..validate import ERROR, validate_corpus
from .croissant import CROISSANT_FILE, write_croissant
from .features import CONFIGS, config_features
from .ner_rows import ner_rows
from .parquet_io import ShardLimits, ShardWriter, check_replaceable, release_schema
from .rows import annotation_set_rows, article_row, claim_rows, entity_rows, figure_rows, gold_of

BUILD_PREFIX = ".parquet-build-"
"""Folders that builds of earlier versions of this code left when interrupted."""
RELEASE_FILES = (CROISSANT_FILE, RELEASE_FILE, ARTICLES_FILE)


@dataclass
class BuildResult:
    release_dir: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    release: ReleaseInfo | None = None
    moved: bool = False
    ner_losses: list = field(default_factory=list)
    """Gold entities the ``ner`` config's BIO tags cannot hold (``newsclaims export --format conll --report`` lists them too)."""

    def describe(self) -> str:
        """``release 1.1.0 (was 1.0.0: minor, 1 article added)``"""
        return describe(self.release, self.moved) if self.release else f"release written in {self.release_dir}"


def _remove_leftovers(parent: Path) -> None:
    """Folders of a build of an earlier version that was interrupted: never part of a release, safe to delete."""
    for leftover in parent.glob(f"{BUILD_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def write_release(corpus: Corpus, target: Path, release: str, limits: ShardLimits = ShardLimits(), progress: Callable[[int], None] | None = None) -> BuildResult:
    """Write every config of the release into ``target`` (a new, empty folder); ``progress(1)`` after each article revision."""
    writers = {name: ShardWriter(target / name, release_schema(name, release), limits.for_config(name)) for name in CONFIGS}
    records = sorted(corpus.load_manifest().articles, key=lambda r: (r.article_id, r.revision))
    by_sha = {r.text_sha256: r for r in records}
    loaded: dict[str, AnnotationFile | None] = {}
    ner_losses: list = []
    for record in records:
        if record.article_id not in loaded:
            new = loaded[record.article_id] = corpus.load_annotations(record.article_id)
            if new is not None:
                writers["annotation_sets"].write(annotation_set_rows(by_sha, new))
        annotations = loaded[record.article_id]
        text = corpus.read_text(record)
        gold = gold_of(annotations, record)
        writers["articles"].write([article_row(record, text, gold)])
        if gold is not None:
            writers["entities"].write(entity_rows(record, gold))
            writers["claims"].write(claim_rows(record, text, gold))
            writers["figures"].write(figure_rows(record, gold))
            writers["ner"].write(ner_rows(record, text, gold, ner_losses))
        if progress:
            progress(1)
        fault_point("build:article")
    result = BuildResult(release_dir=target, ner_losses=ner_losses)
    for name, writer in writers.items():
        result.files[name] = writer.close()
        result.rows[name] = writer.rows_written
    return result


def next_release_of(corpus: Corpus, staging: Path, today: str | None = None) -> tuple[ReleaseInfo, bool]:
    """Write the corpus's article digests into ``staging`` and compare them with the current release."""
    write_article_digests(staging / ARTICLES_FILE, article_digests(corpus))
    previous = read_release(corpus.parquet_dir)
    changes = compare(release_digests(corpus.parquet_dir) if previous else (), read_article_digests(staging / ARTICLES_FILE))
    return next_release(previous, changes, SCHEMA_VERSION, today or utc_today(), CONFIGS)


def build_release(corpus: Corpus, limits: ShardLimits = ShardLimits(), progress: Callable[[int], None] | None = None, today: str | None = None) -> BuildResult:
    """Validate, version the release, write it and its Croissant metadata beside the current one, then swap it in.

    An interrupted build leaves the previous release as it was. ``today`` (YYYY-MM-DD, UTC by
    default) dates the release when its version moves.
    """
    final = corpus.parquet_dir
    with corpus.writing() as publication:
        problems = [p for p in validate_corpus(corpus) if p.level == ERROR]
        if problems:
            raise CorpusInvalidError(f"{corpus.root}: refusing to build from a corpus with {len(problems)} validation error(s)", problems)
        check_replaceable(final, CONFIGS, RELEASE_FILES, "newsclaims build")
        _remove_leftovers(final.parent)
        staging = publication.folder(final.name)
        info, moved = next_release_of(corpus, staging, today)
        result = write_release(corpus, staging, info.version, limits, progress)
        write_release_record(staging, info)
        write_croissant(staging, config_features(), croissant_info(info))
        fault_point("build:written")
    result.release_dir = final
    result.release, result.moved = info, moved
    result.files = {name: [final / name / p.name for p in paths] for name, paths in result.files.items()}
    return result
