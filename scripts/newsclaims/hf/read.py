"""Reading a release back: Parquet ``annotation_sets`` -> annotation files, or batches of whole articles."""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import ValidationError

from ..errors import ConversionError
from ..model import AnnotationFile
from ..validate import Problem
from .parquet_io import BATCH_ROWS, iter_batches
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
    """The annotation files of a release, in its order; a row the model refuses, or one holding
    a NaN or an infinity (which no annotation file can hold), is a :class:`ConversionError`."""
    seen: set[str] = set()
    current: list[tuple[Path, dict[str, Any]]] = []

    def rows() -> Iterator[dict[str, Any]]:
        for path, batch in iter_batches(release_shards(source), CONFIG):
            for row in batch.to_pylist():
                current[:] = [(path, row)]
                raise_if_not_finite(path, row)
                yield row

    try:
        for annotations in annotation_files_from_rows(rows()):
            if annotations.article_id in seen:
                raise ConversionError(f"{source}: article={annotations.article_id} [release-unordered] the article's sets are not contiguous in the release")
            seen.add(annotations.article_id)
            yield annotations
    except ValidationError as exc:
        path, row = current[0] if current else (source, {})
        raise _row_refused(path, row, exc) from None


def _row_refused(path: Path, row: dict[str, Any], exc: ValidationError) -> ConversionError:
    error = exc.errors()[0]
    loc = list(error["loc"])
    article_id = error["input"] if loc == ["article_id"] else row.get("article_id")
    found = repr(error.get("input"))[:80]
    return ConversionError(f"{path}: {_where(row, loc, article_id)}[schema-invalid] {_dotted(loc)}: {error['msg']}, found {found}")


def _where(row: dict[str, Any], loc: list, article_id: Any = None) -> str:
    """``article=... set=... layer=id `` for a place in an ``annotation_sets`` row."""
    parts = [f"article={article_id if article_id is not None else row.get('article_id')}"]
    if row.get("set_id") is not None:
        parts.append(f"set={row['set_id']}")
    if len(loc) >= 2 and loc[0] in _LAYERS and isinstance(loc[1], int):
        items = row.get(loc[0])
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        if isinstance(item, dict) and item.get("id") is not None:
            parts.append(f"{_LAYERS[loc[0]]}={item['id']}")
    return " ".join(parts) + " "


_LAYERS = {"entities": "entity", "claims": "claim", "figures": "figure"}


def _dotted(loc: list) -> str:
    return ".".join(str(part) for part in loc) or "(top)"


def _floats(value: Any, loc: list) -> Iterator[tuple[list, float]]:
    if isinstance(value, float):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _floats(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _floats(item, [*loc, index])


def raise_if_not_finite(path: Path, row: dict[str, Any]) -> None:
    """A row of a release with a NaN or an infinity is refused, naming the first one."""
    for loc, value in _floats(row, []):
        if not math.isfinite(value):
            message = f"{_dotted(loc)}: expected a finite number, found {value}"
            items = row.get(loc[0]) if loc and loc[0] in _LAYERS else None
            item = items[loc[1]] if isinstance(items, list) and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(items) else None
            layer, annotation_id = (_LAYERS[loc[0]], item.get("id")) if isinstance(item, dict) else (None, None)
            problem = Problem("number-not-finite", message, str(path), row.get("article_id"), row.get("set_id"), layer, annotation_id)
            raise ConversionError(f"{path}: {_where(row, loc)}[number-not-finite] {message}", [problem])


@dataclass
class ArticleBatch:
    """Rows of whole articles, and the file each row comes from."""

    rows: pa.RecordBatch
    starts: list[int]
    files: list[Path]

    def file_of(self, row: int) -> Path:
        return self.files[bisect.bisect_right(self.starts, row) - 1]


def article_batches(source: Path, batch_rows: int = BATCH_ROWS) -> Iterator[ArticleBatch]:
    """``annotation_sets`` rows in batches of at least ``batch_rows`` (but the last) that never
    split an article's rows; a batch goes on across files, as each batch has a fixed cost."""
    pending: list[tuple[Path, pa.RecordBatch]] = []
    pending_rows = 0
    previous: str | None = None
    for path, batch in iter_batches(release_shards(source), CONFIG, batch_rows=batch_rows):
        ids = batch.column("article_id").to_pylist()
        if not ids:
            continue
        pending.append((path, batch))
        pending_rows += len(ids)
        cut = len(ids)
        while cut > 0 and ids[cut - 1] == ids[-1]:
            cut -= 1
        ends_an_article = cut > 0 or (pending_rows > len(ids) and previous != ids[0])
        previous = ids[-1]
        if ends_an_article and pending_rows - len(ids) + cut >= batch_rows:
            pending.pop()
            yield _joined([*pending, (path, batch.slice(0, cut))])
            pending, pending_rows = [(path, batch.slice(cut))], len(ids) - cut
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
        joined = ArticleBatch(pieces[0][1], starts, files)
    else:
        joined = ArticleBatch(pa.Table.from_batches([piece for _, piece in pieces]).combine_chunks().to_batches()[0], starts, files)
    return joined


class ReleaseTexts:
    """Article texts of a release's ``articles`` config, read in step with its ``annotation_sets``.

    Both configs are in article order, so a batch's texts are read just before it is needed
    and dropped once its articles are done (:meth:`forget`); only the texts of articles that
    have no sets stay until the end. Texts stay Arrow strings: :meth:`locate` says where one
    is, :meth:`gather` copies those found into one column.
    """

    def __init__(self, source: Path) -> None:
        self.source = source
        self._batches = iter_batches(release_shards(source, "articles"), "articles", columns=["article_id", "text_sha256", "text"])
        self._chunks: dict[int, pa.Array] = {}
        self._numbers = itertools.count()
        self._where: dict[tuple[str, str], tuple[int, int]] = {}

    def locate(self, article_id: str, sha: str) -> tuple[int, int]:
        """(batch, row) of the text of an article revision, reading on until it is found."""
        key = (article_id, sha)
        while key not in self._where:
            found = next(self._batches, None)
            if found is None:
                message = f"no articles row with sha256 {sha}"
                raise ConversionError(f"{self.source}: article={article_id} [release-text-missing] {message}", [Problem("release-text-missing", message, str(self.source), article_id)])
            chunk, batch = next(self._numbers), found[1]
            self._chunks[chunk] = batch.column("text")
            keys = zip(batch.column("article_id").to_pylist(), batch.column("text_sha256").to_pylist(), strict=True)
            self._where.update((key, (chunk, row)) for row, key in enumerate(keys))
        return self._where[key]

    def gather(self, places: list[tuple[int, int]]) -> pa.Array:
        """The texts at ``places`` (from :meth:`locate`), in that order, as one string column.

        Places are mostly runs of consecutive rows of a batch: each run is a slice, and the
        slices are copied once, together.
        """
        runs: list[list[int]] = []
        for chunk, row in places:
            if runs and runs[-1][0] == chunk and runs[-1][1] + runs[-1][2] == row:
                runs[-1][2] += 1
            else:
                runs.append([chunk, row, 1])
        slices = [self._chunks[chunk].slice(row, length) for chunk, row, length in runs]
        if len(slices) == 1:
            return slices[0]
        return pa.concat_arrays(slices) if slices else pa.array([], pa.string())

    def forget(self, article_ids: set[str]) -> None:
        """Drop the texts of articles that are done, and the batches no text is left in."""
        for key in [k for k in self._where if k[0] in article_ids]:
            del self._where[key]
        kept = {chunk for chunk, _ in self._where.values()}
        for chunk in [c for c in self._chunks if c not in kept]:
            del self._chunks[chunk]
