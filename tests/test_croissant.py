from __future__ import annotations

import hashlib
import json
import shutil
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from datasets import ClassLabel, LargeList, List, Value

from conftest import REPO
from newsclaims.hf.croissant import CroissantInfo, LicenseTerm, croissant_metadata, nesting_notes, write_croissant
from newsclaims.hf.features import CONFIGS, config_features
from newsclaims.jsonio import canonical_json
from newsclaims.release import citation
from newsclaims.release import croissant_info as release_croissant_info
from newsclaims.release_version import read_release

FEATURES = config_features()
REPO_RELEASE = REPO / "corpus" / "parquet"

INFO = CroissantInfo(
    name="newsclaims-test",
    version="0.1.0",
    description="Tiny release built by the Croissant tests.",
    license="https://creativecommons.org/licenses/by/4.0/",
    url="https://example.org/newsclaims",
    creators=("Ada Lovelace", "Alan Turing"),
    language=("fr", "en"),
    citation="@misc{newsclaims, title={newsclaims}}",
    date_published="2024-05-01",
    data_collection="Articles collected from public news sites.",
    data_annotation_protocol="Entities, claims and figures annotated by hand.",
    data_annotation_platform="Label Studio",
    data_preprocessing_protocol="Text normalised to NFC.",
    data_limitations="Small and French-centric.",
    data_biases="Publisher selection bias.",
    personal_sensitive_information="Names of public figures.",
    data_use_cases="Claim detection research.",
    data_social_impact="Supports fact-checking.",
    data_release_maintenance_plan="Versioned releases.",
)

FIGURES = [
    {"id": "f-1", "value": 12.5, "unit": "%", "date_inferred": ["2020", "2021"]},
    {"id": "f-2", "value": 300.0, "unit": "EUR", "date_inferred": []},
]


def _sample(feature, row: int, path: str):
    """A deterministic value of ``feature`` that differs per row and per column."""
    if isinstance(feature, (List, LargeList)):
        return [_sample(feature.feature, row * 10 + i, f"{path}[{i}]") for i in range(row + 1)]
    if isinstance(feature, dict):
        return {key: _sample(sub, row, f"{path}.{key}") for key, sub in feature.items()}
    if isinstance(feature, ClassLabel):
        return (row + len(path)) % feature.num_classes
    assert isinstance(feature, Value)
    if feature.dtype == "string":
        return f"{path}-{row}"
    if feature.dtype == "int64":
        return row * 7 + len(path)
    if feature.dtype == "float64":
        return row + 0.25
    if feature.dtype == "bool":
        return row % 2 == 0
    raise AssertionError(feature.dtype)


def _rows(config: str) -> list[dict]:
    rows = [{column: _sample(f, row, column) for column, f in FEATURES[config].items()} for row in range(2)]
    if config == "figures":
        for row, override in zip(rows, FIGURES, strict=True):
            row.update(override)
    return rows


def _write_release(root: Path, shards: int = 1) -> Path:
    for config in CONFIGS:
        features = FEATURES[config]
        rows = _rows(config)
        folder = root / config
        folder.mkdir(parents=True)
        for i in range(shards):
            table = pa.Table.from_pylist(rows[i::shards], schema=features.arrow_schema)
            pq.write_table(table, folder / f"train-{i:05d}-of-{shards:05d}.parquet")
    return root


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """mlcroissant must read the local files only."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def release(tmp_path: Path) -> Path:
    return _write_release(tmp_path / "parquet")


def _mlcroissant() -> str:
    return str(Path(sys.executable).with_name("mlcroissant"))


def _records(jsonld: Path, record_set: str) -> list[dict]:
    import mlcroissant as mlc

    dataset = mlc.Dataset(jsonld=str(jsonld))
    return list(dataset.records(record_set=record_set))


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def test_mlcroissant_validates_the_written_file(release: Path) -> None:
    path = write_croissant(release, FEATURES, INFO)
    assert path == release / "croissant.json"
    result = subprocess.run(
        [_mlcroissant(), "validate", "--jsonld", str(path)], capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "error" not in output.lower(), output
    assert "warning" not in output.lower(), output


def test_every_shard_sha256_is_in_the_metadata(tmp_path: Path) -> None:
    release = _write_release(tmp_path / "parquet", shards=2)
    metadata = croissant_metadata(release, FEATURES, INFO)
    by_url = {d["contentUrl"]: d["sha256"] for d in metadata["distribution"] if d["@type"] == "cr:FileObject"}
    shards = sorted(release.glob("*/*.parquet"))
    assert len(shards) == 2 * len(CONFIGS)
    assert by_url == {
        shard.relative_to(release).as_posix(): hashlib.sha256(shard.read_bytes()).hexdigest() for shard in shards
    }


def test_figures_records_match_the_parquet_rows(release: Path) -> None:
    path = write_croissant(release, FEATURES, INFO)
    records = _records(path, "figures")
    assert [_text(r["figures/id"]) for r in records] == ["f-1", "f-2"]
    assert [r["figures/value"] for r in records] == [12.5, 300.0]
    assert [_text(r["figures/unit"]) for r in records] == ["%", "EUR"]
    assert [r["figures/revision"] for r in records] == [row["revision"] for row in _rows("figures")]
    assert [[_text(d) for d in r["figures/date_inferred"]] for r in records] == [["2020", "2021"], []]


def test_records_span_every_shard(tmp_path: Path) -> None:
    release = _write_release(tmp_path / "parquet", shards=2)
    path = write_croissant(release, FEATURES, INFO)
    assert sorted(_text(r["figures/id"]) for r in _records(path, "figures")) == ["f-1", "f-2"]


def test_nested_claims_records_match_the_parquet_rows(release: Path) -> None:
    path = write_croissant(release, FEATURES, INFO)
    records = _records(path, "claims")
    expected = _rows("claims")
    assert [_text(r["claims/id"]) for r in records] == [row["id"] for row in expected]
    assert [[_text(f) for f in r["claims/figure_ids"]] for r in records] == [row["figure_ids"] for row in expected]
    content = [
        [{key.rsplit("/", 1)[1]: _text(value) for key, value in span.items()} for span in r["claims/content"]]
        for r in records
    ]
    assert content == [row["content"] for row in expected]


def test_the_file_is_the_canonical_metadata(release: Path) -> None:
    path = write_croissant(release, FEATURES, INFO)
    assert path.read_text(encoding="utf-8") == canonical_json(croissant_metadata(release, FEATURES, INFO))


def test_a_config_without_shards_is_an_error(release: Path) -> None:
    (release / "figures" / "train-00000-of-00001.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="figures"):
        croissant_metadata(release, FEATURES, INFO)


def test_metadata_is_deterministic_and_complete(release: Path) -> None:
    first = croissant_metadata(release, FEATURES, INFO)
    second = croissant_metadata(release, FEATURES, INFO)
    assert json.dumps(first, indent=2, sort_keys=True) == json.dumps(second, indent=2, sort_keys=True)
    assert first["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert first["citeAs"] == INFO.citation
    assert first["datePublished"] == "2024-05-01"
    assert first["inLanguage"] == ["fr", "en"]
    assert [c["name"] for c in first["creator"]] == ["Ada Lovelace", "Alan Turing"]
    assert first["rai:dataAnnotationPlatform"] == "Label Studio"
    assert first["rai:dataReleaseMaintenancePlan"] == "Versioned releases."
    assert [rs["@id"] for rs in first["recordSet"]] == sorted(CONFIGS)


def test_fields_follow_the_features(release: Path) -> None:
    record_sets = {rs["@id"]: rs for rs in croissant_metadata(release, FEATURES, INFO)["recordSet"]}
    for config, features in FEATURES.items():
        assert [f["name"] for f in record_sets[config]["field"]] == list(features)
    figures = {f["name"]: f for f in record_sets["figures"]["field"]}
    assert figures["id"]["dataType"] == "sc:Text"
    assert figures["revision"]["dataType"] == "sc:Integer"
    assert figures["value"]["dataType"] == "sc:Float"
    assert figures["date_inferred"] == {**figures["date_inferred"], "isArray": True, "dataType": "sc:Text"}
    sets = {f["name"]: f for f in record_sets["annotation_sets"]["field"]}
    studio = {f["name"]: f for f in sets["label_studio"]["subField"]}
    assert studio["ground_truth"]["dataType"] == "sc:Boolean"
    assert studio["task_id"]["source"]["transform"] == [{"jsonPath": "task_id"}]
    assert sets["entities"]["isArray"] is True
    claims = {f["name"]: f for f in sets["claims"]["subField"]}
    assert list(claims) == ["id", "mode", "cue_start", "cue_end", "cue_text", "cue_id", "source_start", "source_end", "source_text", "source_id", "source_entity_id"]
    assert claims["cue_start"]["source"]["transform"] == [{"jsonPath": "cue"}, {"jsonPath": "start"}]
    assert claims["cue_start"]["dataType"] == "sc:Integer" and "isArray" not in claims["cue_start"]
    figures = {f["name"]: f for f in sets["figures"]["subField"]}
    assert figures["date_inferred"]["isArray"] is True


def test_what_cannot_be_nested_is_named_in_the_descriptions(release: Path) -> None:
    metadata = croissant_metadata(release, FEATURES, INFO)
    record_sets = {rs["@id"]: rs for rs in metadata["recordSet"]}
    for config in ("articles", "annotation_sets"):
        assert "claims[].content" in record_sets[config]["description"]
        assert "claims[].cue as cue_*" in record_sets[config]["description"]
    assert "claims[].content" not in record_sets["claims"]["description"]
    assert "In the annotation_sets and articles record sets" in metadata["description"]
    assert nesting_notes({"figures": FEATURES["figures"], "claims": FEATURES["claims"]}) == {}


def test_a_dataset_licensed_in_parts_lists_each_part_and_notes_the_fields(release: Path) -> None:
    terms = (LicenseTerm("CC-BY-4.0", "The annotations.", "https://creativecommons.org/licenses/by/4.0/"), LicenseTerm("Texts: rights unknown", "The texts."))
    info = replace(INFO, license=terms, field_notes={"text": "Third-party words."})
    metadata = croissant_metadata(release, FEATURES, info)
    assert metadata["license"] == [
        {"@type": "sc:CreativeWork", "name": "CC-BY-4.0", "description": "The annotations.", "url": "https://creativecommons.org/licenses/by/4.0/"},
        {"@type": "sc:CreativeWork", "name": "Texts: rights unknown", "description": "The texts."},
    ]
    described = [f for f in _all_fields(metadata) if f["name"] == "text"]
    assert described and all(f["description"] == "Third-party words." for f in described)
    assert all(f.get("description") != "Third-party words." for f in _all_fields(metadata) if f["name"] != "text")


def test_every_record_set_iterates_with_the_parquet_values_in_place(release: Path) -> None:
    path = write_croissant(release, FEATURES, INFO)
    _assert_records_match_parquet(path)


def test_the_release_metadata_takes_version_and_date_from_the_record(tmp_path: Path) -> None:
    release = tmp_path / "parquet"
    shutil.copytree(REPO_RELEASE, release)
    record = read_release(release)
    published = {config: features for config, features in FEATURES.items() if (release / config).is_dir()}
    assert published
    path = write_croissant(release, published, release_croissant_info(record))
    metadata = json.loads(path.read_text(encoding="utf-8"))
    assert (metadata["version"], metadata["datePublished"]) == (record.version, record.date)
    assert metadata["citeAs"] == citation(record.version, record.date)
    assert [term["name"] for term in metadata["license"]] == ["CC-BY-4.0", "Article texts: rights unknown, research use only"]
    for prop in ("rai:dataAnnotationAnalysis", "rai:annotationsPerItem", "rai:dataCollectionTimeFrame", "rai:dataCollectionRawData", "rai:dataCollection", "rai:dataAnnotationProtocol"):
        assert metadata[prop], prop
    texts = [f for f in _all_fields(metadata) if f["name"] in ("text", "title", "cue_text", "source_text")]
    assert texts and all("rights unknown" in f["description"] for f in texts)
    import mlcroissant as mlc

    parsed = mlc.Dataset(jsonld=str(path)).metadata
    assert [d.date().isoformat() for d in parsed.data_collection_timeframe] == ["2026-11-01", "2026-11-30"]
    assert parsed.annotations_per_item and parsed.data_annotation_analysis


def test_every_record_set_of_the_committed_release_iterates_like_its_parquet() -> None:
    """The committed croissant.json: every record set, as mlcroissant reads it, against the Parquet rows."""
    _assert_records_match_parquet(REPO_RELEASE / "croissant.json")


def _all_fields(metadata: dict) -> list[dict]:
    found = []

    def walk(fields: list[dict]) -> None:
        for f in fields:
            found.append(f)
            walk(f.get("subField", []))

    for record_set in metadata["recordSet"]:
        walk(record_set["field"])
    return found


def _plain(value):
    """mlcroissant's record values with text decoded, to compare with the Parquet rows."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {key.rsplit("/", 1)[1]: _plain(v) for key, v in value.items()}
    return value


def _as_described(field: dict, value):
    """A Parquet value in the shape of ``field``: a struct inside a list element as prefixed members."""
    if "subField" not in field:
        return value
    if field.get("isArray"):
        return [_element_as_described(field["subField"], element) for element in value]
    return _element_as_described(field["subField"], value)


def _element_as_described(subfields: list[dict], element: dict) -> dict:
    shaped = {}
    for sub in subfields:
        [*steps] = [t["jsonPath"] for t in sub["source"].get("transform", [])]
        value = element
        for step in steps:
            value = None if value is None else value[step]
        shaped[sub["name"]] = value
    return shaped


def _assert_records_match_parquet(path: Path) -> None:
    import mlcroissant as mlc

    metadata = json.loads(path.read_text(encoding="utf-8"))
    record_sets = metadata["recordSet"]
    assert record_sets, f"{path} describes no record set"
    dataset = mlc.Dataset(jsonld=str(path))
    for record_set in record_sets:
        config = record_set["@id"]
        rows = pq.ParquetDataset(path.parent / config).read().to_pylist()
        assert rows, config
        expected = [{f["name"]: _as_described(f, row[f["name"]]) for f in record_set["field"]} for row in rows]
        records = [_plain(dict(r)) for r in dataset.records(record_set=config)]
        assert len(records) == len(expected), config
        key = lambda r: json.dumps(r, sort_keys=True, default=str)  # noqa: E731
        assert sorted(records, key=key) == sorted(expected, key=key), config
