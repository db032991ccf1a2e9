"""Every reader the card names reads every config of the committed release, with the same row counts.

Spark and Dask are documented in README.md, not run here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import yaml

from conftest import REPO

CARD = (REPO / "README.md").read_text(encoding="utf-8")
CARD_CONFIGS = [config["config_name"] for config in yaml.safe_load(CARD.split("---\n")[1])["configs"]]
RELEASE = REPO / "corpus" / "parquet"
PUBLISHED = [config for config in CARD_CONFIGS if sorted((RELEASE / config).glob("*.parquet"))]
NULLABLE_OFFSETS = ("cue_start", "cue_end", "source_start", "source_end")


def _files(config: str) -> str:
    return str(RELEASE / config / "*.parquet")


def _parquet_rows(config: str) -> int:
    return sum(pq.ParquetFile(path).metadata.num_rows for path in sorted((RELEASE / config).glob("*.parquet")))


IN_PROCESS = {
    "pandas": lambda config: len(pd.read_parquet(RELEASE / config, dtype_backend="pyarrow")),
    "polars": lambda config: pl.scan_parquet(_files(config)).select(pl.len()).collect().item(),
    "duckdb": lambda config: duckdb.sql(f"SELECT count(*) FROM read_parquet('{_files(config)}')").fetchall()[0][0],
    "pyarrow": lambda config: ds.dataset(RELEASE / config, format="parquet").count_rows(),
}

LOAD_DATASET = """
import datasets, json, sys
counts = {}
for name in sys.argv[2:]:
    counts[name] = {
        "datasets (folder)": datasets.load_dataset(sys.argv[1], name, split="train").num_rows,
        "datasets (streaming)": sum(1 for _ in datasets.load_dataset(sys.argv[1], name, split="train", streaming=True)),
    }
print(json.dumps(counts))
"""


def test_the_card_lists_configs_and_the_release_has_each():
    assert CARD_CONFIGS, "the card's YAML lists no config"
    assert PUBLISHED, "no config of the card has Parquet files"
    missing = [config for config in CARD_CONFIGS if config not in PUBLISHED]
    assert not missing, f"configs of the card with no Parquet file (run 'newsclaims build'): {missing}"


@pytest.fixture(scope="module")
def load_dataset_counts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, int]]:
    home = tmp_path_factory.mktemp("hf")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(home)}
    done = subprocess.run([sys.executable, "-c", LOAD_DATASET, str(REPO), *PUBLISHED], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("config", PUBLISHED)
@pytest.mark.parametrize("reader", list(IN_PROCESS))
def test_reader_reads_every_row_of_the_config(reader: str, config: str):
    expected = _parquet_rows(config)
    assert expected > 0, config
    assert IN_PROCESS[reader](config) == expected


@pytest.mark.parametrize("config", PUBLISHED)
def test_load_dataset_reads_every_row_from_the_folder_and_streaming(config: str, load_dataset_counts):
    assert load_dataset_counts[config] == {"datasets (folder)": _parquet_rows(config), "datasets (streaming)": _parquet_rows(config)}


def test_pandas_keeps_nullable_offsets_integer_with_the_documented_argument():
    claims = pd.read_parquet(RELEASE / "claims", dtype_backend="pyarrow")
    for column in NULLABLE_OFFSETS:
        assert claims[column].dtype == pd.ArrowDtype(pa.int64()), column
    assert claims["cue_start"].isna().any() and claims["cue_start"].notna().any()
    nested = pd.read_parquet(RELEASE / "articles", dtype_backend="pyarrow")["claims"].iloc[0]
    cues = [claim["cue"]["start"] for claim in nested if claim["cue"] and claim["cue"]["start"] is not None]
    assert cues and all(type(start) is int for start in cues)
    assert pd.read_parquet(RELEASE / "claims")["cue_start"].dtype == "float64", "the default that README warns of"


def test_readme_pandas_example_uses_that_argument():
    calls = re.findall(r"pd\.read_parquet\(([^)]*)\)", CARD)
    assert calls and all('dtype_backend="pyarrow"' in call for call in calls)
    assert 'dask.dataframe.read_parquet("corpus/parquet/figures/*.parquet", dtype_backend="pyarrow")' in CARD
    assert "spark.read.parquet(" in CARD
