"""Conversion at scale: the same Parquet whichever path produced it, and engines that read it as it is."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import REPO
from newsclaims import ls_to_parquet
from newsclaims.hf.parquet_io import ShardWriter, release_schema
from newsclaims.labelstudio import export as export_reader
from newsclaims.labelstudio.tasks import task_to_sets
from newsclaims.ls_to_parquet import NOT_A_RELEASE, labelstudio_to_hf, plan_shards
from newsclaims.store import Corpus
from newsclaims.synthetic import write_synthetic_export

N_TASKS = 60


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scale") / "export.json"
    write_synthetic_export(path, N_TASKS, seed=7)
    return path


def release_bytes(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.parquet"))}


def convert(export: Path, target: Path, **options) -> dict[str, list[Path]]:
    files, collected = labelstudio_to_hf([export], target, Corpus(target.parent / "empty"), tasks_per_shard=25, **options)
    assert collected.errors == [] and collected.tasks == N_TASKS
    return files


def test_shard_writer_checks_each_batch_and_writes_full_row_groups(tmp_path: Path):
    checked = []
    writer = ShardWriter(tmp_path, pa.schema([("n", pa.int64())]), max_rows=10, batch_rows=3, row_group_rows=4, check=lambda table, first: checked.append((first, table.column("n").to_pylist())))
    writer.write({"n": n} for n in range(23))
    paths = writer.close()
    groups = [[pq.ParquetFile(p).metadata.row_group(i).num_rows for i in range(pq.ParquetFile(p).num_row_groups)] for p in paths]
    assert groups == [[4, 4, 2], [4, 4, 2], [3]]
    assert pa.concat_tables([pq.read_table(p) for p in paths]).column("n").to_pylist() == list(range(23))
    assert [n for _, batch in checked for n in batch] == list(range(23))
    assert all(first == batch[0] and len(batch) <= 3 for first, batch in checked)


def test_shards_follow_the_tasks_across_files_one_piece_per_file(tmp_path: Path, monkeypatch):
    counts = (300, 130, 500)
    files = []
    for index, count in enumerate(counts):
        files.append(tmp_path / f"export-{index}.json")
        files[-1].write_text(json.dumps([{"n": index * 1000 + n} for n in range(count)], indent=1), encoding="utf-8")
    monkeypatch.setattr(ls_to_parquet, "task_spans", lambda path: export_reader.task_spans(path, block_bytes=256))
    jobs = list(plan_shards(files))
    assert [job.tasks for job in jobs] == [250, 500, 180]
    assert [[Path(path).name for path, _ in job.pieces] for job in jobs] == [["export-0.json"], ["export-0.json", "export-1.json", "export-2.json"], ["export-2.json"]]
    read = [task["n"] for job in jobs for path, spans in job.pieces for task in export_reader.read_task_range(Path(path), spans)]
    assert read == [index * 1000 + n for index, count in enumerate(counts) for n in range(count)]


def test_a_config_without_rows_gets_one_empty_shard_with_its_schema(tmp_path: Path):
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{"id": 1, "data": {"text": "No sets here."}, "annotations": []}]), encoding="utf-8")
    files, collected = labelstudio_to_hf([export], tmp_path / "release", Corpus(tmp_path / "empty"))
    assert collected.errors == [] and collected.tasks == 1
    assert [p.name for p in files["annotation_sets"]] == ["train-00000-of-00001.parquet"]
    expected = ls_to_parquet.config_schemas(NOT_A_RELEASE)["annotation_sets"]
    empty = pq.read_table(files["annotation_sets"][0])
    assert empty.num_rows == 0 and empty.schema.equals(expected) and empty.schema.metadata == expected.metadata
    assert pq.read_table(files["articles"]).column("text").to_pylist() == ["No sets here."]


def test_one_or_two_workers_give_the_same_bytes(export: Path, tmp_path: Path):
    one = convert(export, tmp_path / "one", workers=1)
    convert(export, tmp_path / "two", workers=2)
    assert len(one["annotation_sets"]) == 3
    assert release_bytes(tmp_path / "one") == release_bytes(tmp_path / "two")


def test_one_shard_converts_in_process_to_the_same_bytes(tmp_path: Path):
    small = tmp_path / "small.json"
    write_synthetic_export(small, 20, seed=7)
    files = {}
    for workers in (1, 2):
        files[workers], collected = labelstudio_to_hf([small], tmp_path / f"w{workers}", Corpus(tmp_path / "empty"), tasks_per_shard=25, workers=workers)
        assert collected.errors == [] and collected.tasks == 20
    assert len(files[2]["annotation_sets"]) == 1
    assert release_bytes(tmp_path / "w1") == release_bytes(tmp_path / "w2")


def test_split_exports_give_the_same_bytes_as_one(export: Path, tmp_path: Path):
    tasks = json.loads(export.read_bytes())
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "a.json").write_text(json.dumps(tasks[:17], indent=1), encoding="utf-8")
    (parts / "b.json").write_text(json.dumps(tasks[17:]), encoding="utf-8")
    convert(export, tmp_path / "whole", workers=1)
    files, collected = labelstudio_to_hf([parts], tmp_path / "split", Corpus(tmp_path / "empty"), tasks_per_shard=25, workers=2)
    assert release_bytes(tmp_path / "whole") == release_bytes(tmp_path / "split")


def test_streamed_release_equals_an_in_memory_conversion(export: Path, tmp_path: Path):
    files = convert(export, tmp_path / "streamed", workers=2)
    rows = []
    for task in json.loads(export.read_bytes()):
        converted = task_to_sets(task, lambda article_id: [])
        rows += [{"article_id": converted.article_id, "revision": None, **s.model_dump(mode="json")} for s in converted.sets]
    expected = pa.Table.from_pylist(rows, schema=release_schema("annotation_sets", NOT_A_RELEASE))
    streamed = pa.concat_tables([pq.read_table(p) for p in files["annotation_sets"]])
    assert streamed.equals(expected)


def test_datasets_streaming_and_duckdb_read_the_shards(export: Path, tmp_path: Path):
    import datasets

    convert(export, tmp_path / "release", workers=1)
    pattern = str(tmp_path / "release" / "annotation_sets" / "*.parquet")
    streamed = datasets.load_dataset("parquet", data_files=pattern, split="train", streaming=True)
    assert sum(1 for _ in streamed) == N_TASKS
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{pattern}')").fetchall()[0][0] == N_TASKS
    regions = duckdb.sql(f"SELECT sum(len(entities) + len(claims) + len(figures)) FROM read_parquet('{pattern}')").fetchall()[0][0]
    assert regions == N_TASKS * 21


def test_the_release_reads_in_streaming_mode():
    import datasets

    pattern = str(REPO / "corpus" / "parquet" / "figures" / "*.parquet")
    rows = list(datasets.load_dataset("parquet", data_files=pattern, split="train", streaming=True))
    assert len(rows) == duckdb.sql(f"SELECT count(*) FROM read_parquet('{pattern}')").fetchall()[0][0] > 0
