"""Reading a release back: Parquet ``annotation_sets`` -> annotation files, or batches of whole articles."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyarrow as pa

from ..errors import ConversionError
from ..model import AnnotationFile
from ..validate import Problem
from .parquet_io import BATCH_ROWS, iter_batches, iter_rows
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


@dataclass
class ArticleBatch:
    """Rows of whole articles, and the file each row comes from."""

    rows: pa.RecordBatch
    starts: list[int]
    files: list[Path]

    def file_of(self, row: int) -> Path:
        return self.files[bisect.bisect_right(self.starts, row) - 1]


def article_batches(source: Path, batch_rows: int = BATCH_ROWS) -> Iterator[ArticleBatch]:
    """``annotation_sets`` rows in batches (of about ``batch_rows``) that never split an article's rows."""
    pending: list[tuple[Path, pa.RecordBatch]] = []
    for path, batch in iter_batches(release_shards(source), CONFIG, batch_rows=batch_rows):
        ids = batch.column("article_id").to_pylist()
        cut = len(ids)
        while cut > 0 and ids[cut - 1] == ids[-1]:
            cut -= 1
        if cut:
            yield _joined([*pending, (path, batch.slice(0, cut))])
            pending = []
        pending.append((path, batch.slice(cut)))
    if pending:
        yield _joined(pending)


def _joined(pieces: list[tuple[Path, pa.RecordBatch]]) -> ArticleBatch:
    pieces = [(path, piece) for path, piece in pieces if piece.num_rows] or pieces[:1]
    starts, files, row = [], [], 0
    for path, piece in pieces:
        starts.append(row)
        files.append(path)
        row += piece.num_rows
    if len(pieces) == 1:
        return ArticleBatch(pieces[0][1], starts, files)
    return ArticleBatch(pa.Table.from_batches([piece for _, piece in pieces]).combine_chunks().to_batches()[0], starts, files)


class ReleaseTexts:
    """Article texts of a release's ``articles`` config, read in step with its ``annotation_sets``.

    Both configs are in article order, so a batch's texts are read just before it is needed
    and dropped once its articles are done (:meth:`forget`); only the texts of articles that
    have no sets stay until the end.
    """

    def __init__(self, source: Path) -> None:
        self.source = source
        self._batches = iter_batches(release_shards(source, "articles"), "articles", columns=["article_id", "text_sha256", "text"])
        self._texts: dict[tuple[str, str], str] = {}

    def text(self, article_id: str, sha: str) -> str:
        key = (article_id, sha)
        while key not in self._texts:
            found = next(self._batches, None)
            if found is None:
                message = f"no articles row with sha256 {sha}"
                raise ConversionError(f"{self.source}: article={article_id} [release-text-missing] {message}", [Problem("release-text-missing", message, str(self.source), article_id)])
            batch = found[1].to_pydict()
            self._texts.update(zip(zip(batch["article_id"], batch["text_sha256"]), batch["text"]))
        return self._texts[key]

    def forget(self, article_ids: set[str]) -> None:
        """Drop the texts of articles that are done."""
        for key in [k for k in self._texts if k[0] in article_ids]:
            del self._texts[key]
