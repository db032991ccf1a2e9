"""Croissant 1.1 JSON-LD metadata (with the Responsible-AI extension) for a Parquet release.

The release folder holds one subfolder per config with ``*.parquet`` shards. Every
shard is listed as a ``cr:FileObject`` carrying its SHA-256. The record sets read a local
``cr:FileSet`` per config (``includes: <config>/*.parquet``) rather than the FileObjects: a
field can name only one FileObject, and mlcroissant 1.1.1 does not read Parquet through a
FileSet ``containedIn`` FileObjects. Hence mlcroissant does not check the hashes on load.

Columns are described from the config's ``datasets.Features``: scalars become typed fields,
lists ``isArray`` fields and structs ``subField``s read from their column with a chain of
``jsonPath`` transforms. mlcroissant 1.1.1 validates all of it, but its reader fails on a
list of structs inside a list of structs (``claims[].content[]`` of articles and
annotation_sets) and returns a struct inside a list of structs (``claims[].cue``) as one
dict of lists beside the list instead of inside each element.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import datasets
from datasets import Features, LargeList, List, Value

from ..jsonio import atomic_write_text, canonical_json

CROISSANT_FILE = "croissant.json"
CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
PARQUET = "application/x-parquet"

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
"""The @context mlcroissant 1.1.1 expects for Croissant 1.1 (it warns on any other)."""

DATA_TYPES = {
    "string": "sc:Text",
    "large_string": "sc:Text",
    "int64": "sc:Integer",
    "int32": "sc:Integer",
    "float64": "sc:Float",
    "float32": "sc:Float",
    "bool": "sc:Boolean",
}


@dataclass(frozen=True)
class CroissantInfo:
    """Dataset-level metadata; the ``data_*`` and related strings are Croissant RAI properties."""

    name: str
    version: str
    description: str
    license: str
    url: str | None
    creators: Sequence[str] = ()
    language: Sequence[str] = ()
    citation: str | None = None
    date_published: str | None = None
    data_collection: str | None = None
    data_annotation_protocol: str | None = None
    data_annotation_platform: str | None = None
    data_preprocessing_protocol: str | None = None
    data_limitations: str | None = None
    data_biases: str | None = None
    personal_sensitive_information: str | None = None
    data_use_cases: str | None = None
    data_social_impact: str | None = None
    data_release_maintenance_plan: str | None = None


RAI_PROPERTIES = {
    "data_collection": "rai:dataCollection",
    "data_annotation_protocol": "rai:dataAnnotationProtocol",
    "data_annotation_platform": "rai:dataAnnotationPlatform",
    "data_preprocessing_protocol": "rai:dataPreprocessingProtocol",
    "data_limitations": "rai:dataLimitations",
    "data_biases": "rai:dataBiases",
    "personal_sensitive_information": "rai:personalSensitiveInformation",
    "data_use_cases": "rai:dataUseCases",
    "data_social_impact": "rai:dataSocialImpact",
    "data_release_maintenance_plan": "rai:dataReleaseMaintenancePlan",
}


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_set_id(config: str) -> str:
    return f"parquet-files-for-config-{config}"


def _file_objects(release_dir: Path, config: str) -> list[dict]:
    shards = sorted((release_dir / config).glob("*.parquet"), key=lambda shard: shard.name)
    return [
        {
            "@type": "cr:FileObject",
            "@id": f"{config}/{shard.name}",
            "name": f"{config}/{shard.name}",
            "contentUrl": f"{config}/{shard.name}",
            "contentSize": f"{shard.stat().st_size} B",
            "encodingFormat": PARQUET,
            "sha256": sha256_file(shard),
        }
        for shard in shards
    ]


def _file_set(config: str) -> dict:
    return {
        "@type": "cr:FileSet",
        "@id": file_set_id(config),
        "name": file_set_id(config),
        "description": f"The Parquet shards of the {config} config.",
        "encodingFormat": PARQUET,
        "includes": f"{config}/*.parquet",
    }


def _element(feature):
    """The feature inside a list feature, or None for anything that is not a list."""
    if isinstance(feature, (List, LargeList)):
        return feature.feature
    if isinstance(feature, list) and len(feature) == 1:
        return feature[0]
    return None


def _field(field_id: str, name: str, feature, source: dict, json_path: tuple[str, ...] = ()) -> dict:
    """The field reading ``feature`` from ``source``'s column, at ``json_path`` inside it."""
    field: dict = {"@type": "cr:Field", "@id": field_id, "name": name}
    element = _element(feature)
    if element is not None:
        if _element(element) is not None:
            raise TypeError(f"{field_id}: lists of lists are not supported")
        field["isArray"] = True
        feature = element
    if isinstance(feature, dict):
        field["subField"] = [
            _field(f"{field_id}/{key}", key, sub, source, (*json_path, key)) for key, sub in feature.items()
        ]
        return field
    if not isinstance(feature, Value) or feature.dtype not in DATA_TYPES:
        raise TypeError(f"{field_id}: no Croissant dataType for {feature!r}")
    field["dataType"] = DATA_TYPES[feature.dtype]
    field["source"] = {**source, **({"transform": [{"jsonPath": step} for step in json_path]} if json_path else {})}
    return field


def _record_set(config: str, features: Features) -> dict:
    file_set = {"fileSet": {"@id": file_set_id(config)}}
    fields = [
        _field(f"{config}/{column}", column, feature, {**file_set, "extract": {"column": column}})
        for column, feature in features.items()
    ]
    return {"@type": "cr:RecordSet", "@id": config, "name": config, "field": fields}


def croissant_metadata(release_dir: Path, features: dict[str, datasets.Features], info: CroissantInfo) -> dict:
    """Croissant JSON-LD describing every config of ``features`` present in ``release_dir``."""
    release_dir = Path(release_dir)
    distribution: list[dict] = []
    record_sets: list[dict] = []
    for config in sorted(features):
        shards = _file_objects(release_dir, config)
        if not shards:
            raise FileNotFoundError(f"no Parquet shards for config {config!r} under {release_dir}")
        distribution += [*shards, _file_set(config)]
        record_sets.append(_record_set(config, features[config]))
    metadata: dict = {
        "@context": copy.deepcopy(CONTEXT),
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": info.name,
        "description": info.description,
        "license": info.license,
        "version": info.version,
        "creator": [{"@type": "sc:Person", "name": creator} for creator in info.creators],
        "inLanguage": list(info.language),
        "distribution": distribution,
        "recordSet": record_sets,
    }
    if info.citation is not None:
        metadata["citeAs"] = info.citation
    if info.url is not None:
        metadata["url"] = info.url
    if info.date_published is not None:
        metadata["datePublished"] = info.date_published
    for attribute, prop in RAI_PROPERTIES.items():
        value = getattr(info, attribute)
        if value is not None:
            metadata[prop] = value
    return metadata


def write_croissant(release_dir: Path, features: dict[str, datasets.Features], info: CroissantInfo) -> Path:
    """Write ``release_dir/croissant.json``; its file paths are relative to that folder."""
    path = Path(release_dir) / CROISSANT_FILE
    atomic_write_text(path, canonical_json(croissant_metadata(release_dir, features, info)))
    return path
