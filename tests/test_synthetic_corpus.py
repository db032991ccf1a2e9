"""Synthetic corpora: the same bytes for the same seed, valid as ``newsclaims validate`` reads them,
and an export of the same sets that the Label Studio -> Parquet conversion takes as it is."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from newsclaims import synthetic_corpus
from newsclaims.annotation_file import dump_annotation_file, load_annotation_file
from newsclaims.convert import labelstudio_to_hf
from newsclaims.errors import NewsclaimsError
from newsclaims.passes import independent_passes
from newsclaims.store import Corpus
from newsclaims.synthetic_corpus import CLAIMS, ENTITIES, FIGURES, write_synthetic_corpus, write_synthetic_corpus_export
from newsclaims.validate import validate_corpus
from newsclaims.vocab import SetKind

N = 8


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("synthetic-corpus")
    write_synthetic_corpus(folder / "corpus", N, seed=5, export=folder / "export.json")
    return folder / "corpus", folder / "export.json"


def tree(root: Path) -> dict[str, bytes]:
    files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
    assert files
    return files


def test_the_corpus_is_valid_with_no_warning(written):
    corpus, _ = written
    assert validate_corpus(Corpus(corpus)) == []
    assert len(Corpus(corpus).latest_revisions()) == N


def test_annotation_files_are_canonical_with_gold_and_two_passes_that_differ_a_little(written):
    corpus = Corpus(written[0])
    paths = corpus.annotation_paths()
    assert len(paths) == N
    for path, record in zip(paths, corpus.latest_revisions(), strict=True):
        data = path.read_bytes()
        annotations = load_annotation_file(data)
        assert dump_annotation_file(annotations).encode("utf-8") == data
        gold = annotations.gold()
        assert (len(gold.entities), len(gold.claims), len(gold.figures)) == (ENTITIES, CLAIMS, FIGURES)
        passes = independent_passes(annotations, record.text_sha256)
        assert [p.set_id for p in passes] == ["pass-a", "pass-b"]
        for aset in passes:
            assert aset.kind is SetKind.ANNOTATION and aset != gold
            missing = (ENTITIES - len(aset.entities)) + (CLAIMS - len(aset.claims)) + (FIGURES - len(aset.figures))
            assert 1 <= missing <= 2
        text = corpus.read_text(record)
        assert len(text) >= synthetic_corpus.TEXT_LENGTH - 60


def test_same_n_and_seed_give_the_same_bytes_whatever_the_workers(tmp_path: Path, monkeypatch, written):
    monkeypatch.setattr(synthetic_corpus, "CHUNK", 3)
    write_synthetic_corpus(tmp_path / "two", N, seed=5, export=tmp_path / "two.json", workers=2)
    assert tree(tmp_path / "two") == tree(written[0])
    assert (tmp_path / "two.json").read_bytes() == written[1].read_bytes()
    write_synthetic_corpus_export(tmp_path / "alone.json", N, seed=5, workers=2)
    assert (tmp_path / "alone.json").read_bytes() == written[1].read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alone.json", "two", "two.json"]


def test_another_seed_gives_other_texts_and_a_smaller_corpus_is_a_prefix(tmp_path: Path, written):
    write_synthetic_corpus(tmp_path / "other", 2, seed=6)
    write_synthetic_corpus(tmp_path / "small", 3, seed=5)
    ours, other, small = tree(written[0]), tree(tmp_path / "other"), tree(tmp_path / "small")
    first = "articles/syn-000000/r1.txt"
    assert other[first] != ours[first]
    assert {name: data for name, data in small.items() if name != "manifest.json"} == {
        name: ours[name] for name in small if name != "manifest.json"
    }


def test_the_export_holds_the_same_sets_and_converts_without_a_problem(written, tmp_path: Path):
    corpus, export = written
    files, collected = labelstudio_to_hf([export], tmp_path / "hf", Corpus(tmp_path / "empty"), workers=1)
    assert collected.errors == [] and collected.tasks == N
    rows = pq.read_table(files["annotation_sets"]).to_pylist()
    assert len(rows) == 3 * N
    sets = [s for path in Corpus(corpus).annotation_paths() for s in load_annotation_file(path.read_bytes()).sets]
    counts = sorted((len(s.entities), len(s.claims), len(s.figures)) for s in sets)
    assert sorted((len(r["entities"]), len(r["claims"]), len(r["figures"])) for r in rows) == counts


def test_an_existing_folder_is_refused_and_left_alone(tmp_path: Path):
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(NewsclaimsError, match="never written over"):
        write_synthetic_corpus(root, 2)
    assert tree(root) == {"keep.txt": b"mine"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]
