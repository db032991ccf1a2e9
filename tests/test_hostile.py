"""Hostile input: each case in tests/data/hostile says what it attacks and what must come out.

Cases with no error also go through every conversion (Label Studio results, Parquet) and must
come back unchanged, byte for byte where bytes are written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA, load_case
from corpus_cases import build_case_corpus
from newsclaims.convert import hf_to_corpus, hf_to_labelstudio
from newsclaims.hf.build import build_release
from newsclaims.labelstudio.results import results_to_layers, set_to_results
from newsclaims.store import Corpus
from newsclaims.validate import ERROR, validate_corpus
from release_helpers import reference_tasks

CASES = sorted((DATA / "hostile").glob("*.json"))


def test_there_are_hostile_cases():
    assert len(CASES) >= 15


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_hostile_case(path: Path, tmp_path: Path):
    case = load_case(path)
    assert case["why"]
    corpus = build_case_corpus(case, tmp_path / "corpus")
    problems = validate_corpus(corpus)
    assert sorted({p.error_id for p in problems}) == case["expect"], [p.format() for p in problems]
    if any(p.level == ERROR for p in problems):
        return
    for record in corpus.latest_revisions():
        text = corpus.read_text(record)
        assert corpus.read_bytes(record) == case["articles"][record.article_id].encode("utf-8")
        for aset in corpus.load_annotations(record.article_id).sets:
            results = json.loads(json.dumps(set_to_results(aset.entities, aset.claims, aset.figures), ensure_ascii=False))
            layers = results_to_layers(results, text)
            assert layers.problems == []
            def dump(items):
                return [item.model_dump(mode="json") for item in items]
            assert sorted(layers.entities, key=lambda e: e["id"]) == sorted(dump(aset.entities), key=lambda e: e["id"])
            assert layers.claims == dump(aset.claims)
            assert layers.figures == dump(sorted(aset.figures, key=lambda f: (f.start, f.end, f.id)))
    before = {p.name: p.read_bytes() for p in corpus.annotation_paths()}
    build_release(corpus)
    hf_to_labelstudio(corpus.parquet_dir, tmp_path / "tasks.json")
    assert (tmp_path / "tasks.json").read_bytes() == reference_tasks(corpus.parquet_dir)
    for p in corpus.annotation_paths():
        p.unlink()
    hf_to_corpus(corpus.parquet_dir, corpus)
    assert {p.name: p.read_bytes() for p in corpus.annotation_paths()} == before


def test_nfc_and_nfd_are_different_articles_never_normalized(tmp_path: Path):
    corpus = Corpus(tmp_path)
    nfc, nfd = "Café Kyiv".encode(), "Cafe\u0301 Kyiv".encode()
    first = corpus.add(nfc, "nfc").revision
    second = corpus.add(nfd, "nfd").revision
    assert first.text_sha256 != second.text_sha256 and (first.n_chars, second.n_chars) == (9, 10)
    assert corpus.read_bytes(second) == nfd
