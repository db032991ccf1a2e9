"""``newsclaims build``: the corpus -> a Parquet release, written beside the old one and swapped in whole."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import CorpusInvalidError
from ..store import Corpus
from ..validate import ERROR, validate_corpus
from ..release import ANNOTATION_LICENSE_URL, ANNOTATION_PROTOCOL, CITATION, DATA_COLLECTION, DESCRIPTION, LIMITATIONS, RELEASE_DATE, PRETTY_NAME
from .croissant import CroissantInfo, write_croissant
from .features import CONFIGS, config_features
from .parquet_io import ShardLimits, ShardWriter, release_schema
from .rows import annotation_set_rows, article_row, claim_rows, entity_rows, figure_rows, gold_of

BUILD_PREFIX = ".parquet-build-"
OLD_PREFIX = ".parquet-old-"


@dataclass
class BuildResult:
    release_dir: Path
    files: dict[str, list[Path]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


def _remove_leftovers(parent: Path) -> None:
    """Folders of a build that was interrupted: never part of a release, safe to delete."""
    for leftover in parent.glob(f"{BUILD_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def write_release(corpus: Corpus, target: Path, release: str, limits: ShardLimits = ShardLimits(), progress: Callable[[int], None] | None = None) -> BuildResult:
    """Write every config of the release into ``target`` (a new, empty folder); ``progress(1)`` after each article revision."""
    writers = {name: ShardWriter(target / name, release_schema(name, release), limits.for_config(name)) for name in CONFIGS}
    records = sorted(corpus.load_manifest().articles, key=lambda r: (r.article_id, r.revision))
    by_sha = {r.text_sha256: r for r in records}
    loaded: dict[str, object] = {}
    for record in records:
        if record.article_id not in loaded:
            loaded[record.article_id] = corpus.load_annotations(record.article_id)
            if loaded[record.article_id] is not None:
                writers["annotation_sets"].write(annotation_set_rows(by_sha, loaded[record.article_id]))
        annotations = loaded[record.article_id]
        text = corpus.read_text(record)
        gold = gold_of(annotations, record)
        writers["articles"].write([article_row(record, text, gold)])
        if gold is not None:
            writers["entities"].write(entity_rows(record, gold))
            writers["claims"].write(claim_rows(record, text, gold))
            writers["figures"].write(figure_rows(record, gold))
        if progress:
            progress(1)
    result = BuildResult(release_dir=target)
    for name, writer in writers.items():
        result.files[name] = writer.close()
        result.rows[name] = writer.rows_written
    return result


def croissant_info(release: str) -> CroissantInfo:
    return CroissantInfo(
        name="newsclaims",
        version=release,
        description=PRETTY_NAME + ". " + DESCRIPTION,
        license=ANNOTATION_LICENSE_URL,
        url=None,
        date_published=RELEASE_DATE,
        citation=CITATION,
        creators=("the newsclaims maintainers",),
        language=("en",),
        data_collection=DATA_COLLECTION,
        data_annotation_protocol=ANNOTATION_PROTOCOL,
        data_annotation_platform="Label Studio 1.23 with the generated labeling config; hand-written JSON validated by newsclaims.",
        data_preprocessing_protocol="None: article bytes are stored exactly as received; offsets are Unicode code points of that text.",
        data_limitations=LIMITATIONS,
        data_biases="One article on one side of one event, from one unknown outlet: not representative of news in general.",
        personal_sensitive_information="Public figures named in their public roles; casualty figures in aggregate; no private individual.",
        data_use_cases="Research on attribution, quotation and the reporting of numbers; a test bed for annotation tooling.",
        data_social_impact="Figures are what the article reports, not verified facts; do not use them as casualty statistics.",
        data_release_maintenance_plan="Semantic versions with a changelog entry per release; corrections become new article revisions.",
    )


def build_release(corpus: Corpus, release: str, limits: ShardLimits = ShardLimits(), progress: Callable[[int], None] | None = None) -> BuildResult:
    """Validate, write the release and its Croissant metadata beside the current one, then swap it in.

    An interrupted build leaves the previous release as it was.
    """
    problems = [p for p in validate_corpus(corpus) if p.level == ERROR]
    if problems:
        raise CorpusInvalidError(f"{corpus.root}: refusing to build from a corpus with {len(problems)} validation error(s)", problems)
    final = corpus.parquet_dir
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(final.parent)
    staging = final.parent / f"{BUILD_PREFIX}{os.getpid()}"
    try:
        result = write_release(corpus, staging, release, limits, progress)
        write_croissant(staging, config_features(), croissant_info(release))
        old = final.parent / f"{OLD_PREFIX}{os.getpid()}"
        if final.exists():
            final.rename(old)
        staging.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.release_dir = final
    result.files = {name: [final / name / p.name for p in paths] for name, paths in result.files.items()}
    return result
