"""Croissant 1.1 JSON-LD metadata (with the Responsible-AI extension) for a Parquet release.

The release folder holds one subfolder per config with ``*.parquet`` shards. Every
shard is listed as a ``cr:FileObject`` carrying its SHA-256. The record sets read a local
``cr:FileSet`` per config (``includes: <config>/*.parquet``) rather than the FileObjects: a
field can name only one FileObject, and mlcroissant 1.1.1 does not read Parquet through a
FileSet ``containedIn`` FileObjects. Hence mlcroissant does not check the hashes on load.

Columns are described from the config's ``datasets.Features``: scalars become typed fields
(a ``ClassLabel`` an integer whose description lists the class names),
lists ``isArray`` fields and structs ``subField``s read from their column with a chain of
``jsonPath`` transforms. mlcroissant's reader puts the values of a subfield in place only one
level down (a leaf of a struct, or of each element of a list of structs), so deeper values
are described in the shape it reads, and the file says so (``nesting_notes``):

- a struct inside a list of structs becomes prefixed fields of each element
  (``claims[].cue.start`` is ``claims[].cue_start``, as in the flat ``claims`` config);
- a list of structs inside a list of structs is left out of that record set (its jsonPath
  would keep only the first element); the note names the column that holds it.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import datasets
from datasets import ClassLabel, Features, LargeList, List, Value

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
class LicenseTerm:
    """One licence of a dataset whose parts are licensed differently, and what it covers."""

    name: str
    covers: str
    url: str | None = None

    def jsonld(self) -> dict:
        term = {"@type": "sc:CreativeWork", "name": self.name, "description": self.covers}
        return {**term, "url": self.url} if self.url else term


@dataclass(frozen=True)
class CroissantInfo:
    """Dataset-level metadata; the ``data_*`` and related strings are Croissant RAI properties.

    ``license`` is one licence URL, or the terms of a dataset licensed in parts.
    ``field_notes`` adds a description to every field of that name, in every record set
    (how the licence applies to a column, say).
    """

    name: str
    version: str
    description: str
    license: str | Sequence[LicenseTerm]
    url: str | None
    creators: Sequence[str] = ()
    language: Sequence[str] = ()
    citation: str | None = None
    date_published: str | None = None
    field_notes: Mapping[str, str] = field(default_factory=dict)
    data_collection: str | None = None
    data_collection_raw_data: str | None = None
    data_collection_timeframe: Sequence[str] = ()
    data_annotation_protocol: str | None = None
    data_annotation_platform: str | None = None
    data_annotation_analysis: str | None = None
    annotations_per_item: str | None = None
    data_preprocessing_protocol: str | None = None
    data_limitations: str | None = None
    data_biases: str | None = None
    personal_sensitive_information: str | None = None
    data_use_cases: str | None = None
    data_social_impact: str | None = None
    data_release_maintenance_plan: str | None = None


RAI_PROPERTIES = {
    "data_collection": "rai:dataCollection",
    "data_collection_raw_data": "rai:dataCollectionRawData",
    "data_collection_timeframe": "rai:dataCollectionTimeFrame",
    "data_annotation_protocol": "rai:dataAnnotationProtocol",
    "data_annotation_platform": "rai:dataAnnotationPlatform",
    "data_annotation_analysis": "rai:dataAnnotationAnalysis",
    "annotations_per_item": "rai:annotationsPerItem",
    "data_preprocessing_protocol": "rai:dataPreprocessingProtocol",
    "data_limitations": "rai:dataLimitations",
    "data_biases": "rai:dataBiases",
    "personal_sensitive_information": "rai:personalSensitiveInformation",
    "data_use_cases": "rai:dataUseCases",
    "data_social_impact": "rai:dataSocialImpact",
    "data_release_maintenance_plan": "rai:dataReleaseMaintenancePlan",
}
"""Croissant RAI properties, spelled as mlcroissant 1.1.1 reads them (``dataCollectionTimeFrame``)."""


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


def _leaf(field_id: str, name: str, feature, source: dict, json_path: tuple[str, ...], notes: Mapping[str, str]) -> dict:
    field: dict = {"@type": "cr:Field", "@id": field_id, "name": name}
    element = _element(feature)
    if element is not None:
        if _element(element) is not None:
            raise TypeError(f"{field_id}: lists of lists are not supported")
        field["isArray"] = True
        feature = element
    descriptions = [notes[name]] if name in notes else []
    if isinstance(feature, ClassLabel):
        descriptions.append("Class index into: " + ", ".join(feature.names) + ".")
        data_type = DATA_TYPES["int64"]
    elif isinstance(feature, Value) and feature.dtype in DATA_TYPES:
        data_type = DATA_TYPES[feature.dtype]
    else:
        raise TypeError(f"{field_id}: no Croissant dataType for {feature!r}")
    if descriptions:
        field["description"] = " ".join(descriptions)
    field["dataType"] = data_type
    field["source"] = {**source, **({"transform": [{"jsonPath": step} for step in json_path]} if json_path else {})}
    return field


def _field(field_id: str, name: str, feature, source: dict, notes: Mapping[str, str], left_out: list[str]) -> dict:
    """The field reading column ``name`` from ``source``; a struct's members are leaves one level down."""
    element = _element(feature)
    struct = element if isinstance(element, dict) else feature if isinstance(feature, dict) else None
    if struct is None:
        return _leaf(field_id, name, feature, source, (), notes)
    field: dict = {"@type": "cr:Field", "@id": field_id, "name": name}
    if name in notes:
        field["description"] = notes[name]
    if element is not None:
        field["isArray"] = True
    subfields = []
    for key, sub in struct.items():
        inner = _element(sub)
        if isinstance(inner, dict):
            left_out.append(f"{name}[].{key}" if element is not None else f"{name}.{key}")
        elif isinstance(sub, dict):
            subfields += [
                _leaf(f"{field_id}/{key}_{member}", f"{key}_{member}", value, source, (key, member), notes)
                for member, value in sub.items()
            ]
        else:
            subfields.append(_leaf(f"{field_id}/{key}", key, sub, source, (key,), notes))
    field["subField"] = subfields
    return field


def _flattened(features: Features) -> list[str]:
    """The structs one level too deep, named as the record set gives them (``claims[].cue_*``)."""
    found = []
    for column, feature in features.items():
        element = _element(feature)
        struct = element if isinstance(element, dict) else feature if isinstance(feature, dict) else None
        for key, sub in (struct or {}).items():
            if isinstance(sub, dict):
                found.append(f"{column}{'[]' if element is not None else ''}.{key} as {key}_*")
    return found


def nesting_notes(features: dict[str, Features]) -> dict[str, str]:
    """Per config, how its record set's shape differs from its Parquet columns (configs that differ only)."""
    notes = {}
    for config in sorted(features):
        left_out: list[str] = []
        for column, feature in features[config].items():
            _field(f"{config}/{column}", column, feature, {}, {}, left_out)
        parts = []
        flattened = _flattened(features[config])
        if flattened:
            parts.append("a struct inside a list of structs is given as prefixed fields of each element (" + ", ".join(flattened) + ")")
        if left_out:
            parts.append(
                "a list of structs inside a list of structs is not described, as mlcroissant 1.1 would read only its first "
                "element: read " + ", ".join(left_out) + " from the Parquet files"
            )
        if parts:
            notes[config] = "; ".join(parts) + "."
    return notes


def _nesting_summary(notes: dict[str, str]) -> list[str]:
    """One sentence per distinct note, naming every record set it applies to."""
    by_note: dict[str, list[str]] = {}
    for config, note in notes.items():
        by_note.setdefault(note, []).append(config)
    return [
        f"In the {' and '.join(configs)} record set{'s' if len(configs) > 1 else ''}, {note}"
        for note, configs in by_note.items()
    ]


def _record_set(config: str, features: Features, notes: Mapping[str, str], nesting: str | None) -> dict:
    file_set = {"fileSet": {"@id": file_set_id(config)}}
    left_out: list[str] = []
    fields = [
        _field(f"{config}/{column}", column, feature, {**file_set, "extract": {"column": column}}, notes, left_out)
        for column, feature in features.items()
    ]
    description = f"The {config} config, one record per Parquet row." + (f" In this record set, {nesting}" if nesting else "")
    return {"@type": "cr:RecordSet", "@id": config, "name": config, "description": description, "field": fields}


def croissant_metadata(release_dir: Path, features: dict[str, datasets.Features], info: CroissantInfo) -> dict:
    """Croissant JSON-LD describing every config of ``features`` present in ``release_dir``."""
    release_dir = Path(release_dir)
    distribution: list[dict] = []
    record_sets: list[dict] = []
    nesting = nesting_notes(features)
    for config in sorted(features):
        shards = _file_objects(release_dir, config)
        if not shards:
            raise FileNotFoundError(f"no Parquet shards for config {config!r} under {release_dir}")
        distribution += [*shards, _file_set(config)]
        record_sets.append(_record_set(config, features[config], info.field_notes, nesting.get(config)))
    description = " ".join([info.description, *_nesting_summary(nesting)])
    metadata: dict = {
        "@context": copy.deepcopy(CONTEXT),
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": info.name,
        "description": description,
        "license": info.license if isinstance(info.license, str) else [term.jsonld() for term in info.license],
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
        if value:
            metadata[prop] = list(value) if isinstance(value, (list, tuple)) else value
    return metadata


def write_croissant(release_dir: Path, features: dict[str, datasets.Features], info: CroissantInfo) -> Path:
    """Write ``release_dir/croissant.json``; its file paths are relative to that folder."""
    path = Path(release_dir) / CROISSANT_FILE
    atomic_write_text(path, canonical_json(croissant_metadata(release_dir, features, info)))
    return path
