"""The ``ner`` token-classification config: tags pinned by the vocabulary, ClassLabel features, loadable as is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import yaml
from datasets import ClassLabel, List

from newsclaims.export.bio import NER_TAGS
from newsclaims.hf.build import build_release
from newsclaims.hf.features import config_features, config_schema
from newsclaims.hf.ner_rows import ner_rows
from newsclaims.model import AnnotationSet, ArticleRevision, Entity
from newsclaims.schema_files import generated_files
from newsclaims.vocab import EntityType
from release_helpers import copy_corpus


def test_tag_names_follow_the_entity_types_in_their_declared_order():
    assert NER_TAGS[:5] == ("O", "B-PERSON", "I-PERSON", "B-NORP", "I-NORP")
    assert list(NER_TAGS) == ["O"] + [f"{prefix}-{kind.value}" for kind in EntityType for prefix in ("B", "I")]


def test_ner_tags_are_a_class_label_in_features_and_int64_in_arrow():
    features = config_features()["ner"]
    assert list(features) == ["article_id", "revision", "sentence", "start", "end", "tokens", "ner_tags"]
    assert features["ner_tags"] == List(ClassLabel(names=list(NER_TAGS)))
    assert config_schema("ner").field("ner_tags").type == pa.list_(pa.int64())


def test_features_yaml_pins_the_tag_names():
    document = yaml.safe_load(generated_files()["features.yaml"])
    assert document["configs"]["ner"]["ner_tags"] == {"feature": {"names": list(NER_TAGS), "_type": "ClassLabel"}, "_type": "List"}


def test_rows_hold_tag_ids_and_report_what_bio_cannot_hold():
    text = "Ada Obi of Port Averly met Kel Ng. They left."
    sha = "0" * 64
    record = ArticleRevision(article_id="a", revision=2, path="articles/a/r2.txt", text_sha256=sha, n_bytes=len(text), n_chars=len(text))
    entities = [
        Entity(id="e-ada", type="PERSON", start=0, end=22, text=text[0:22]),
        Entity(id="e-port", type="GPE", start=11, end=22, text=text[11:22]),
        Entity(id="e-kel", type="PERSON", start=27, end=33, text=text[27:33]),
    ]
    losses: list = []
    rows = list(ner_rows(record, text, AnnotationSet(set_id="gold", kind="gold", article_sha256=sha, entities=entities), losses))
    assert [(r["sentence"], r["start"], r["end"]) for r in rows] == [(0, 0, 34), (1, 35, 45)]
    first = rows[0]
    assert first["tokens"] == ["Ada", "Obi", "of", "Port", "Averly", "met", "Kel", "Ng", "."]
    assert [NER_TAGS[i] for i in first["ner_tags"]] == ["B-PERSON", "I-PERSON", "I-PERSON", "I-PERSON", "I-PERSON", "O", "B-PERSON", "I-PERSON", "O"]
    assert rows[1]["ner_tags"] == [0, 0, 0] and rows[1]["revision"] == 2
    assert [(loss.annotation_id, loss.reason) for loss in losses] == [("e-port", "entity-overlap")]


def test_load_dataset_gives_class_label_features_for_the_ner_config(tmp_path: Path):
    corpus = copy_corpus(tmp_path)
    result = build_release(corpus)
    assert result.rows["ner"] > 0 and result.ner_losses == []
    script = (
        "import datasets, json, sys\n"
        "ds = datasets.load_dataset(sys.argv[1], 'ner', split='train')\n"
        "tags = ds.features['ner_tags'].feature\n"
        "print(json.dumps([type(tags).__name__, tags.names, ds.num_rows, ds[0]['tokens'], [tags.int2str(i) for i in ds[0]['ner_tags']]]))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    kind, names, rows, tokens, tags = json.loads(done.stdout.strip().splitlines()[-1])
    assert kind == "ClassLabel" and names == list(NER_TAGS) and rows == result.rows["ner"]
    assert tokens[:3] == ["Russia", "and", "Ukraine"] and tags[:3] == ["B-GPE", "O", "B-GPE"]
