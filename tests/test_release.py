from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import DATA, REPO, load_case
from corpus_cases import build_case_corpus
from newsclaims import AnnotationFile, validate_corpus
from newsclaims.annotation_file import dump_annotation_file
from newsclaims.cli import main
from newsclaims.convert import hf_to_corpus
from newsclaims.errors import ConversionError, CorpusInvalidError
from newsclaims.hf import build as build_module
from newsclaims.hf.build import build_release
from newsclaims.hf.card import stale_docs
from newsclaims.hf.features import CONFIGS, config_features, config_schema
from newsclaims.hf.parquet_io import ShardLimits, read_metadata, release_schema
from newsclaims.model import SCHEMA_VERSION
from newsclaims.release_version import read_release
from newsclaims.store import Corpus
from release_helpers import copy_corpus, release_files

RELEASE = REPO / "corpus" / "parquet"
PARQUET_FILES = sorted(RELEASE.rglob("*.parquet"))
RELEASE_VERSION = read_release(RELEASE).version


def test_release_has_every_config():
    assert sorted(p.name for p in RELEASE.iterdir() if p.is_dir()) == sorted(CONFIGS)
    assert {p.parent.name for p in PARQUET_FILES} == set(CONFIGS)


def test_committed_release_is_what_the_corpus_builds_byte_for_byte(tmp_path: Path):
    corpus = copy_corpus(tmp_path, with_release=True)
    build_release(corpus)
    built = release_files(corpus.parquet_dir)
    committed = release_files(RELEASE)
    assert sorted(built) == sorted(committed)
    different = [name for name in built if built[name] != committed[name]]
    assert not different, f"stale or corrupted release files (run 'newsclaims build'): {different}"


def test_rebuild_is_byte_identical(tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    build_release(corpus)
    first = release_files(corpus.parquet_dir)
    build_release(corpus)
    assert release_files(corpus.parquet_dir) == first


def test_datasheet_statistics_are_current():
    diffs = stale_docs(REPO, Corpus(REPO / "corpus"), RELEASE, RELEASE_VERSION)
    assert not diffs, "README.md / DATASHEET.md statistics are stale; run 'newsclaims build':\n" + "".join(diffs)


def test_datasheet_statistics_test_fails_when_stale(tmp_path: Path):
    corpus = copy_corpus(tmp_path, with_release=True)
    datasheet = tmp_path / "DATASHEET.md"
    datasheet.write_text(datasheet.read_text(encoding="utf-8").replace("| GPE | 20 |", "| GPE | 21 |"), encoding="utf-8")
    assert stale_docs(tmp_path, corpus, corpus.parquet_dir, RELEASE_VERSION)


@pytest.mark.parametrize("path", PARQUET_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_file_carries_schema_release_and_features(path: Path):
    metadata = read_metadata(path)
    assert metadata == {"schema_version": SCHEMA_VERSION, "release": RELEASE_VERSION, "config": path.parent.name}
    schema = pq.read_schema(path)
    features = json.loads(schema.metadata[b"huggingface"])["info"]["features"]
    assert features == config_features()[path.parent.name].to_dict()
    assert schema.remove_metadata() == config_features()[path.parent.name].arrow_schema.remove_metadata()


@pytest.mark.parametrize("config", CONFIGS)
def test_the_schemas_made_without_datasets_are_the_ones_it_derives(config: str):
    derived = config_features()[config].arrow_schema
    assert config_schema(config).equals(derived.remove_metadata(), check_metadata=True)
    assert [field.name for field in config_schema(config)] == list(config_features()[config])
    written = release_schema(config, "r")
    assert written.remove_metadata().equals(derived.remove_metadata())
    assert written.metadata[b"huggingface"] == derived.metadata[b"huggingface"]
    assert json.loads(written.metadata[b"newsclaims"]) == {"schema_version": SCHEMA_VERSION, "release": "r", "config": config}


@pytest.mark.parametrize("config", CONFIGS)
def test_duckdb_reads_every_config_with_the_documented_columns(config: str):
    relation = duckdb.sql(f"SELECT * FROM read_parquet('{RELEASE / config}/*.parquet')")
    assert relation.columns == list(config_features()[config])
    assert len(relation.fetchall()) > 0


def test_load_dataset_reads_every_config_offline(tmp_path: Path):
    script = (
        "import datasets, json, sys\n"
        "out = {}\n"
        "for name in sys.argv[2:]:\n"
        "    ds = datasets.load_dataset(sys.argv[1], name, split='train')\n"
        "    out[name] = [ds.num_rows, list(ds.features), ds[0]]\n"
        "print(json.dumps(out))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run([sys.executable, "-c", script, str(REPO), *CONFIGS], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    for config in CONFIGS:
        rows, columns, first = loaded[config]
        assert columns == list(config_features()[config])
        assert rows == pq.ParquetDataset(RELEASE / config).read().num_rows
    assert loaded["figures"][2]["text"] == "one" and loaded["figures"][2]["claim_id"] == "c429"


def test_readme_configs_point_at_the_release():
    front = (REPO / "README.md").read_text(encoding="utf-8").split("---\n")[1]
    card = yaml.safe_load(front)
    assert [c["config_name"] for c in card["configs"]] == list(CONFIGS)
    for config in card["configs"]:
        [files] = config["data_files"]
        assert files["path"] == f"corpus/parquet/{config['config_name']}/*.parquet"
    assert card["license"] and card["language"] == ["en"] and card["pretty_name"]


def test_release_version_is_in_changelog_card_and_datasheet():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.split("\n## ", 1)[1].startswith(f"{RELEASE_VERSION} ")
    for name in ("README.md", "DATASHEET.md"):
        assert f"Release {RELEASE_VERSION}" in (REPO / name).read_text(encoding="utf-8")


def test_corpus_to_parquet_to_corpus_gives_identical_bytes(tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    before = {p.name: p.read_bytes() for p in corpus.annotation_paths()}
    assert before
    build_release(corpus)
    for path in corpus.annotation_paths():
        path.unlink()
    hf_to_corpus(corpus.parquet_dir, corpus)
    assert {p.name: p.read_bytes() for p in corpus.annotation_paths()} == before


def test_cli_convert_from_hf(tmp_path: Path, capsys):
    corpus = copy_corpus(tmp_path)
    before = {p.name: p.read_bytes() for p in corpus.annotation_paths()}
    for path in corpus.annotation_paths():
        path.unlink()
    assert main(["--corpus", str(corpus.root), "convert", "--from", "hf", str(RELEASE / "annotation_sets"), "--to", "corpus"]) == 0
    assert {p.name: p.read_bytes() for p in corpus.annotation_paths()} == before


def _many_article_corpus(root: Path) -> Corpus:
    """The minimal valid case, plus six variants of it as other articles."""
    corpus = build_case_corpus(load_case(DATA / "valid" / "minimal.json"), root)
    original = corpus.load_annotations("a")
    text = corpus.read_text(corpus.latest("a"))
    for index in range(1, 7):
        number = str(500 + index)
        record = corpus.add(text.replace("500", number).encode(), f"a{index}").revision
        data = json.loads(dump_annotation_file(original).replace("500", number))
        data["article_id"] = f"a{index}"
        for aset in data["sets"]:
            aset["article_sha256"] = record.text_sha256
        corpus.save_annotations(AnnotationFile.model_validate(data))
    return corpus


def test_sharded_release_keeps_one_schema_and_round_trips(tmp_path: Path):
    corpus = _many_article_corpus(tmp_path / "corpus")
    assert validate_corpus(corpus) == []
    before = {p.name: p.read_bytes() for p in corpus.annotation_paths()}
    result = build_release(corpus, ShardLimits(articles=2, annotation_sets=3, flat=5))
    assert len(result.files["articles"]) == 4 and len(result.files["figures"]) == 3
    for name, paths in result.files.items():
        schemas = {pq.read_schema(p).to_string() for p in paths}
        assert len(schemas) == 1, name
    for path in corpus.annotation_paths():
        path.unlink()
    hf_to_corpus(corpus.parquet_dir, corpus)
    assert {p.name: p.read_bytes() for p in corpus.annotation_paths()} == before


def test_build_refuses_an_invalid_corpus_and_keeps_the_previous_release(tmp_path: Path):
    corpus = copy_corpus(tmp_path, with_release=True)
    previous = release_files(corpus.parquet_dir)
    path = corpus.annotation_paths()[0]
    path.write_text(path.read_text(encoding="utf-8").replace('"text": "Lavrov"', '"text": "Lavrof"', 1), encoding="utf-8")
    with pytest.raises(CorpusInvalidError) as raised:
        build_release(corpus)
    assert {p.error_id for p in raised.value.problems} == {"span-text-mismatch"}
    assert release_files(corpus.parquet_dir) == previous


def test_interrupted_build_leaves_the_previous_release(tmp_path: Path, monkeypatch):
    corpus = copy_corpus(tmp_path, with_release=True)
    previous = release_files(corpus.parquet_dir)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("interrupted")

    monkeypatch.setattr(build_module, "write_croissant", crash)
    with pytest.raises(KeyboardInterrupt):
        build_release(corpus)
    assert release_files(corpus.parquet_dir) == previous
    assert sorted(p.name for p in corpus.root.iterdir()) == ["annotations", "articles", "manifest.json", "parquet"]


def test_mlcroissant_validates_the_release_metadata():
    exe = Path(sys.executable).with_name("mlcroissant")
    done = subprocess.run([str(exe), "validate", "--jsonld", str(RELEASE / "croissant.json")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "error" not in (done.stdout + done.stderr).lower()


def test_croissant_lists_the_sha256_of_every_file():
    import hashlib

    metadata = json.loads((RELEASE / "croissant.json").read_text(encoding="utf-8"))
    listed = {obj["contentUrl"]: obj["sha256"] for obj in metadata["distribution"] if obj["@type"] == "cr:FileObject"}
    assert listed == {str(p.relative_to(RELEASE)): hashlib.sha256(p.read_bytes()).hexdigest() for p in PARQUET_FILES}


@pytest.mark.parametrize(
    "damage, error_id",
    [
        (lambda p: p.write_bytes(p.read_bytes()[:200]), "parquet-unreadable"),
        (lambda p: pq.write_table(pq.read_table(p).replace_schema_metadata({}), p), "parquet-metadata-missing"),
    ],
    ids=["truncated", "no-metadata"],
)
def test_reading_a_damaged_release_is_a_clear_error(tmp_path: Path, damage, error_id):
    corpus = copy_corpus(tmp_path, with_release=True)
    shard = sorted((corpus.parquet_dir / "annotation_sets").glob("*.parquet"))[0]
    damage(shard)
    with pytest.raises(ConversionError, match=rf"{shard}: \[{error_id}\]"):
        hf_to_corpus(corpus.parquet_dir, corpus)


def test_reading_another_schema_version_names_both(tmp_path: Path):
    corpus = copy_corpus(tmp_path, with_release=True)
    shard = sorted((corpus.parquet_dir / "annotation_sets").glob("*.parquet"))[0]
    table = pq.read_table(shard)
    metadata = dict(table.schema.metadata)
    metadata[b"newsclaims"] = json.dumps({"schema_version": "0.1.0", "release": "0.1.0", "config": "annotation_sets"}).encode()
    pq.write_table(table.replace_schema_metadata(metadata), shard)
    with pytest.raises(ConversionError, match=rf"reads schema version {SCHEMA_VERSION}, the file has '0.1.0'"):
        hf_to_corpus(corpus.parquet_dir, corpus)


def test_a_shard_of_zero_span_rows_reads_with_the_others(tmp_path: Path):
    """The explicit schema makes empty lists typed: a shard with no span at all reads like any other."""
    import datasets

    corpus = _many_article_corpus(tmp_path / "corpus")
    emptied = corpus.load_annotations("a")
    for aset in emptied.sets:
        aset.entities, aset.claims, aset.figures = [], [], []
    corpus.save_annotations(emptied)
    result = build_release(corpus, ShardLimits(articles=1, annotation_sets=1, flat=5))
    first = pq.read_table(result.files["articles"][0])
    assert first.column("article_id").to_pylist() == ["a"] and first.column("entities").to_pylist() == [[]]
    assert len({pq.read_schema(p).to_string() for p in result.files["articles"]}) == 1
    loaded = datasets.load_dataset("parquet", data_files=[str(p) for p in result.files["articles"]], split="train", cache_dir=str(tmp_path / "cache"))
    assert loaded.num_rows == 7 and loaded.features == config_features()["articles"]
    assert sum(len(row["entities"]) for row in loaded) == 6 * 2
