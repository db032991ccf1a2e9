"""Parquet shards with an explicit schema: writing them in row groups, and reading them back checked.

Every file carries the ``datasets`` Features (key ``huggingface``, as ``datasets`` writes
it) and a ``newsclaims`` key with the schema version, the release version and the config.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import ConversionError
from ..model import SCHEMA_VERSION
from .features import config_schema, features_metadata

METADATA_KEY = b"newsclaims"
WRITE_OPTIONS: dict[str, Any] = {"compression": "zstd", "use_dictionary": False, "write_statistics": True}
"""How every shard is written. Plain encoding rather than dictionaries: on the releases' text,
ids and labels zstd alone makes files as small, written faster and read back up to 2x faster."""
BATCH_ROWS = 1_000
"""Rows read at a time."""
WRITE_BATCH_ROWS = 500
"""Rows turned from Python objects into Arrow (and checked) at a time when writing; the
objects take far more memory than the Arrow table they become."""
ROW_GROUP_ROWS = 2_500
"""Rows per Parquet row group: readers such as ``datasets`` pay a little for every row group."""


@dataclass(frozen=True)
class ShardLimits:
    """Rows per shard file of each config; a release with more rows is split."""

    articles: int = 20_000
    annotation_sets: int = 20_000
    flat: int = 1_000_000

    def for_config(self, config: str) -> int:
        return getattr(self, config, self.flat)


def release_schema(config: str, release: str) -> pa.Schema:
    """The schema a config's files are written with: its columns, its ``datasets`` Features and
    the ``newsclaims`` metadata."""
    ours = json.dumps({"schema_version": SCHEMA_VERSION, "release": release, "config": config}, sort_keys=True)
    return config_schema(config).with_metadata({b"huggingface": features_metadata(config), METADATA_KEY: ours.encode()})


def shard_name(index: int, count: int) -> str:
    return f"train-{index:05d}-of-{count:05d}.parquet"


class ShardWriter:
    """Writes rows of one config into numbered shards of at most ``max_rows`` rows.

    Rows become Arrow tables ``batch_rows`` at a time; row groups have ``row_group_rows`` rows,
    except the last of each shard. ``check(table, first)``, when given, sees every batch before
    it is written (``first`` is the number of rows written before it).
    """

    def __init__(
        self,
        folder: Path,
        schema: pa.Schema,
        max_rows: int,
        batch_rows: int = WRITE_BATCH_ROWS,
        prefix: str = "part-",
        check: Callable[[pa.Table, int], None] | None = None,
        row_group_rows: int = ROW_GROUP_ROWS,
    ) -> None:
        self.folder = folder
        self.schema = schema
        self.max_rows = max_rows
        self.batch_rows = min(batch_rows, max_rows)
        self.row_group_rows = row_group_rows
        self._buffer: list[dict[str, Any]] = []
        self._pending: pa.Table | None = None
        self._writer: pq.ParquetWriter | None = None
        self._rows_in_shard = 0
        self.rows_written = 0
        self.paths: list[Path] = []
        self.prefix = prefix
        self.check = check
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self._buffer.append(row)
            self.rows_written += 1
            if len(self._buffer) >= self.batch_rows or self._rows_in_shard + len(self._buffer) >= self.max_rows:
                self._flush()

    def _flush(self) -> None:
        """Turn the buffered rows into a table; write the full row groups, and the rest when the shard is full."""
        if self._buffer:
            table = pa.Table.from_pylist(self._buffer, schema=self.schema)
            if self.check:
                self.check(table, self.rows_written - len(self._buffer))
            self._pending = table if self._pending is None else pa.concat_tables([self._pending, table])
            self._rows_in_shard += len(self._buffer)
            self._buffer = []
        while self._pending is not None and len(self._pending) >= self.row_group_rows:
            self._write_row_group(self._pending.slice(0, self.row_group_rows))
            self._pending = self._pending.slice(self.row_group_rows) if len(self._pending) > self.row_group_rows else None
        if self._rows_in_shard >= self.max_rows:
            self._close_shard()

    def _write_row_group(self, table: pa.Table) -> None:
        if self._writer is None:
            path = self.folder / f"{self.prefix}{len(self.paths):05d}.parquet"
            self.paths.append(path)
            self._writer = pq.ParquetWriter(path, self.schema, **WRITE_OPTIONS)
        self._writer.write_table(table, row_group_size=len(table))

    def _close_shard(self) -> None:
        if self._pending is not None:
            self._write_row_group(self._pending)
            self._pending = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._rows_in_shard = 0

    def close(self, rename: bool = True) -> list[Path]:
        """Flush, close and rename the shards to ``train-XXXXX-of-YYYYY.parquet``; an empty config gets one empty shard.

        With ``rename`` false the parts keep their names (and none is made for no rows): the
        caller numbers the parts of several writers together.
        """
        self._flush()
        self._close_shard()
        if not rename:
            return self.paths
        if not self.paths:
            self.paths.append(write_empty_shard(self.folder / "part-00000.parquet", self.schema))
        self.paths = number_shards(self.paths)
        return self.paths


def write_empty_shard(path: Path, schema: pa.Schema) -> Path:
    """A shard with the schema and no rows, for a config that has none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(schema.empty_table(), path, **WRITE_OPTIONS)
    return path


def number_shards(paths: list[Path]) -> list[Path]:
    """Rename parts, in order, to ``train-XXXXX-of-YYYYY.parquet``; their new paths."""
    numbered = [path.with_name(shard_name(index, len(paths))) for index, path in enumerate(paths)]
    for path, target in zip(paths, numbered, strict=True):
        path.rename(target)
    return numbered


_SHARD_NAME = re.compile(r"^train-\d{5}-of-\d{5}\.parquet$")


def check_replaceable(folder: Path, configs: tuple[str, ...], files: tuple[str, ...], writer: str) -> None:
    """Refuse to replace ``folder`` unless it is missing, empty, or an earlier output of ``writer``:
    only ``configs`` folders of shards carrying this code's metadata, and ``files``."""
    folder = Path(folder)
    if not os.path.lexists(folder):
        return
    if folder.is_symlink() or not folder.is_dir():
        _not_ours(folder, writer, configs, "a link" if folder.is_symlink() else "a file")
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    shards = 0
    for entry in entries:
        if entry.name in files and entry.is_file(follow_symlinks=False):
            continue
        if entry.name not in configs or not entry.is_dir(follow_symlinks=False):
            _not_ours(folder, writer, configs, repr(entry.name))
        inner = sorted(os.scandir(entry.path), key=lambda e: e.name)
        stray = next((e.name for e in inner if not (_SHARD_NAME.match(e.name) and e.is_file(follow_symlinks=False))), None)
        if stray is not None:
            _not_ours(folder, writer, configs, repr(f"{entry.name}/{stray}"))
        for shard in inner:
            shards += 1
            try:
                metadata = read_metadata(Path(shard.path), check_version=False)
            except ConversionError:
                metadata = None
            config = metadata.get("config") if isinstance(metadata, dict) else None
            if config != entry.name:
                _not_ours(folder, writer, configs, f"{entry.name}/{shard.name} without its metadata")
    if entries and not shards:
        _not_ours(folder, writer, configs, "no Parquet shard")


def _not_ours(folder: Path, writer: str, configs: tuple[str, ...], found: str) -> None:
    raise ConversionError(
        f"{folder}: [output-not-ours] expected a new or empty folder, or one written by '{writer}' "
        f"({', '.join(configs)} shards), found {found}; it was left as it was: give another folder"
    )


def read_metadata(path: Path, check_version: bool = True) -> dict[str, Any]:
    """The ``newsclaims`` metadata of a Parquet file, checked against this code's schema version."""
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ConversionError(f"{path}: [parquet-unreadable] expected a Parquet file, found {exc}") from None
    raw = (schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise ConversionError(f"{path}: [parquet-metadata-missing] expected '{METADATA_KEY.decode()}' metadata (schema_version, release, config), found none")
    try:
        metadata = json.loads(raw)
    except (ValueError, RecursionError):
        metadata = None
    if not isinstance(metadata, dict):
        raise ConversionError(f"{path}: [parquet-metadata-invalid] expected a JSON object as '{METADATA_KEY.decode()}' metadata, found {raw[:40]!r}")
    if check_version and metadata.get("schema_version") != SCHEMA_VERSION:
        raise ConversionError(
            f"{path}: [parquet-schema-version] this code reads schema version {SCHEMA_VERSION}, the file has {metadata.get('schema_version')!r}"
        )
    return metadata


def check_schema(path: Path, found: pa.Schema, expected: pa.Schema) -> None:
    """The file's columns and types must be the ones the models give its config."""
    found, expected = found.remove_metadata(), expected.remove_metadata()
    if found.equals(expected):
        return
    differences = [
        f"{name}: expected {expected.field(name).type if name in expected.names else 'no such column'}, found {found.field(name).type if name in found.names else 'none'}"
        for name in dict.fromkeys([*expected.names, *found.names])
        if name not in found.names or name not in expected.names or not found.field(name).equals(expected.field(name))
    ]
    raise ConversionError(f"{path}: [parquet-schema] the columns differ from this schema version's: {'; '.join(differences) or 'column order'}")


def iter_batches(paths: list[Path], config: str, columns: list[str] | None = None, batch_rows: int = BATCH_ROWS) -> Iterator[tuple[Path, pa.RecordBatch]]:
    """(file, record batch) of a config's shards, in order; each file's metadata and schema are checked first."""
    for path in paths:
        metadata = read_metadata(path)
        if metadata.get("config") != config:
            raise ConversionError(f"{path}: [parquet-config] expected config {config!r}, found {metadata.get('config')!r}")
        try:
            parquet = pq.ParquetFile(path)
            check_schema(path, parquet.schema_arrow, config_schema(config))
            for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
                yield path, batch
        except (pa.ArrowInvalid, OSError) as exc:
            raise ConversionError(f"{path}: [parquet-unreadable] {exc}") from None


def iter_rows(paths: list[Path], config: str, batch_rows: int = BATCH_ROWS) -> Iterator[dict[str, Any]]:
    """Rows of a config's shards, in order, batch by batch; each file's metadata and schema are checked first."""
    for _, batch in iter_batches(paths, config, batch_rows=batch_rows):
        yield from batch.to_pylist()
