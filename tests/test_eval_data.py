"""The evaluation articles are valid corpora, and every second annotation is valid over its text."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import DATA
from newsclaims.annotation_file import dump_annotation_file, load_annotation_file
from newsclaims.store import Corpus
from newsclaims.validate import check_set, validate_corpus

SPLITS = sorted(p for p in (DATA / "eval").iterdir() if p.is_dir())
SECOND = sorted((DATA / "eval").glob("*/second/*.json"))


def test_there_are_two_splits_with_second_annotations():
    assert [p.name for p in SPLITS] == ["dev", "heldout"]
    assert len(SECOND) == sum(len(list((split / "annotations").glob("*.json"))) for split in SPLITS) >= 7


@pytest.mark.parametrize("split", SPLITS, ids=lambda p: p.name)
def test_each_split_is_a_valid_corpus(split: Path):
    assert validate_corpus(Corpus(split)) == []


@pytest.mark.parametrize("path", SECOND, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_each_second_annotation_is_canonical_and_valid(path: Path):
    data = path.read_bytes()
    annotations = load_annotation_file(data)
    assert dump_annotation_file(annotations).encode("utf-8") == data
    corpus = Corpus(path.parent.parent)
    record = corpus.latest(annotations.article_id)
    [aset] = annotations.sets
    assert (aset.set_id, aset.kind.value, aset.article_sha256) == ("second", "annotation", record.text_sha256)
    assert check_set(aset, corpus.read_text(record), {"file": str(path)}) == []
