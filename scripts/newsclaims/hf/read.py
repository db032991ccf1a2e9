"""The way back from a release: Parquet ``annotation_sets`` -> canonical annotation files."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import ConversionError
from ..model import AnnotationFile
from .parquet_io import iter_rows
from .rows import annotation_files_from_rows

CONFIG = "annotation_sets"


def release_shards(source: Path, config: str = CONFIG) -> list[Path]:
    """The Parquet files of ``config`` in ``source``: a release folder, a config folder or one file."""
    source = Path(source)
    if source.is_file():
        return [source]
    for folder in (source / config, source):
        shards = sorted(folder.glob("*.parquet")) if folder.is_dir() else []
        if shards:
            return shards
    raise ConversionError(f"{source}: [release-empty] expected Parquet files of config {config!r} in {source / config} or {source}, found none")


def annotation_files_from_release(source: Path) -> Iterator[AnnotationFile]:
    seen: set[str] = set()
    for annotations in annotation_files_from_rows(iter_rows(release_shards(source), CONFIG)):
        if annotations.article_id in seen:
            raise ConversionError(f"{source}: article={annotations.article_id} [release-unordered] the article's sets are not contiguous in the release")
        seen.add(annotations.article_id)
        yield annotations
