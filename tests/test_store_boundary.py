"""The store reads and writes only inside the corpus folder, and no command removes a folder it did not make."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import DATA, REPO
from loop_articles import ARTICLES, PUBLISHED, pass_set
from newsclaims.cli import main
from newsclaims.errors import ConversionError, CorpusInvalidError
from newsclaims.jsonio import canonical_json
from newsclaims.model import SCHEMA_VERSION, AnnotationFile
from newsclaims.store import OUTSIDE, Corpus, OutsideCorpusError
from newsclaims.validate import validate_corpus

SEED_EXPORT = DATA / "labelstudio" / "seed-export.json"
SECRET = "A text that lives outside the corpus and must never be published.\n"


def snapshot(folder: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes()) for p in sorted(folder.rglob("*"))}


@pytest.fixture
def corpus(tmp_path: Path) -> Corpus:
    corpus = Corpus(tmp_path / "corpus")
    files = []
    for article_id, text in ARTICLES.items():
        record = corpus.add(text.encode("utf-8"), article_id, published=PUBLISHED).revision
        files.append(AnnotationFile(schema_version=SCHEMA_VERSION, article_id=article_id, sets=[pass_set(article_id, record.text_sha256, False, "pass-a")]))
    corpus.save_annotation_files(files)
    return corpus


def _point_at(corpus: Corpus, article_id: str, path: str) -> None:
    manifest = json.loads(corpus.manifest_path.read_text(encoding="utf-8"))
    record = next(r for r in manifest["articles"] if r["article_id"] == article_id)
    record["path"] = path
    corpus.manifest_path.write_text(canonical_json(manifest), encoding="utf-8")


def _outside_copy(corpus: Corpus, article_id: str) -> Path:
    """The article's file moved out of the corpus folder (same bytes, so its hash still matches)."""
    record = corpus.latest(article_id)
    outside = corpus.root.parent / "outside" / f"{article_id}.txt"
    outside.parent.mkdir(exist_ok=True)
    shutil.move(corpus.root / record.path, outside)
    return outside


def _absolute(corpus: Corpus) -> str:
    outside = _outside_copy(corpus, "loop_harbour")
    _point_at(corpus, "loop_harbour", str(outside))
    return "an absolute path"


def _climbing(corpus: Corpus) -> str:
    _outside_copy(corpus, "loop_harbour")
    _point_at(corpus, "loop_harbour", "../outside/loop_harbour.txt")
    return "climbing out"


def _file_link(corpus: Corpus) -> str:
    outside = _outside_copy(corpus, "loop_harbour")
    (corpus.root / corpus.latest("loop_harbour").path).symlink_to(outside)
    return "a link to"


def _folder_link(corpus: Corpus) -> str:
    outside = _outside_copy(corpus, "loop_harbour")
    folder = corpus.root / "articles" / "loop_harbour"
    shutil.rmtree(folder)
    folder.symlink_to(outside.parent, target_is_directory=True)
    (outside.parent / "r1.txt").write_bytes(outside.read_bytes())
    outside.unlink()
    return "a link to"


ESCAPES = [_absolute, _climbing, _file_link, _folder_link]


@pytest.mark.parametrize("escape", ESCAPES, ids=lambda f: f.__name__.strip("_"))
def test_a_manifest_path_out_of_the_corpus_is_an_error_and_never_read(corpus: Corpus, escape, capsys):
    reason = escape(corpus)
    problems = validate_corpus(corpus)
    assert [p.error_id for p in problems] == [OUTSIDE], [p.format() for p in problems]
    assert reason in problems[0].message and problems[0].article_id == "loop_harbour"
    assert main(["--corpus", str(corpus.root), "validate"]) == 1
    assert f"[{OUTSIDE}]" in capsys.readouterr().out
    with pytest.raises(OutsideCorpusError, match=rf"article=loop_harbour \[{OUTSIDE}\]"):
        corpus.read_text(corpus.latest("loop_harbour"))


@pytest.mark.parametrize("escape", ESCAPES, ids=lambda f: f.__name__.strip("_"))
def test_build_refuses_to_publish_a_file_out_of_the_corpus(corpus: Corpus, escape):
    from newsclaims.hf.build import build_release

    escape(corpus)
    (corpus.root.parent / "outside" / "note.txt").write_text(SECRET, encoding="utf-8")
    with pytest.raises(CorpusInvalidError) as raised:
        build_release(corpus)
    assert {p.error_id for p in raised.value.problems} == {OUTSIDE}
    assert not corpus.parquet_dir.exists()


def test_add_refuses_to_write_through_a_linked_article_folder(corpus: Corpus, tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (corpus.articles_dir / "loop_new").symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(corpus.root)
    with pytest.raises(OutsideCorpusError, match=rf"article=loop_new \[{OUTSIDE}\].*a link to"):
        corpus.add(SECRET.encode("utf-8"), "loop_new")
    assert list(elsewhere.iterdir()) == []
    assert snapshot(corpus.root) == before


def test_annotation_files_linked_out_are_refused(corpus: Corpus, tmp_path: Path):
    outside = tmp_path / "outside-annotations"
    shutil.move(corpus.annotations_dir, outside)
    corpus.annotations_dir.symlink_to(outside, target_is_directory=True)
    problems = validate_corpus(corpus)
    assert sorted(p.error_id for p in problems) == [OUTSIDE, OUTSIDE]
    with pytest.raises(OutsideCorpusError):
        corpus.load_annotations("loop_harbour")
    before = snapshot(outside)
    with pytest.raises(OutsideCorpusError):
        corpus.save_annotation_files([AnnotationFile(schema_version=SCHEMA_VERSION, article_id="loop_harbour", sets=[])])
    assert snapshot(outside) == before


def test_every_validator_case_of_the_boundary_has_its_file():
    case = json.loads((DATA / "invalid" / f"{OUTSIDE}.json").read_text(encoding="utf-8"))
    assert case["why"] and any(step.get("set", {}).get("path", "").startswith("..") for step in case["mutate"])


# -- output folders ---------------------------------------------------------------------------


def _convert(corpus_root: Path, target: Path) -> int:
    return main(["--corpus", str(corpus_root), "convert", "--from", "labelstudio", str(SEED_EXPORT), "--to", "hf", str(target), "--workers", "1"])


@pytest.fixture
def repo_corpus(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "corpus", tmp_path / "work" / "corpus", ignore=shutil.ignore_patterns("parquet"))
    return tmp_path / "work" / "corpus"


def test_convert_to_hf_refuses_the_corpus_folder(repo_corpus: Path, capsys):
    before = snapshot(repo_corpus.parent)
    assert _convert(repo_corpus, repo_corpus) == 1
    err = capsys.readouterr().err
    assert "[output-not-ours]" in err and "it was left as it was" in err
    assert snapshot(repo_corpus.parent) == before


def test_convert_to_hf_refuses_a_parent_folder(repo_corpus: Path, capsys):
    (repo_corpus.parent / "keep.txt").write_text("mine\n", encoding="utf-8")
    before = snapshot(repo_corpus.parent.parent)
    assert _convert(repo_corpus, repo_corpus / "..") == 1
    assert "[output-not-ours]" in capsys.readouterr().err
    assert snapshot(repo_corpus.parent.parent) == before


@pytest.mark.parametrize("prepare", ["stray-file", "link", "foreign-parquet"])
def test_convert_to_hf_refuses_a_folder_that_is_not_its_output(repo_corpus: Path, tmp_path: Path, prepare: str):
    target = tmp_path / "out"
    assert _convert(repo_corpus, target) == 0
    if prepare == "stray-file":
        (target / "articles" / "notes.md").write_text("mine\n", encoding="utf-8")
    elif prepare == "link":
        shutil.move(target, tmp_path / "real")
        target.symlink_to(tmp_path / "real", target_is_directory=True)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for shard in target.rglob("*.parquet"):
            pq.write_table(pa.table({"x": [1]}), shard)
    before = snapshot(tmp_path)
    with pytest.raises(ConversionError, match=r"\[output-not-ours\]"):
        from newsclaims.ls_to_parquet import labelstudio_to_hf

        labelstudio_to_hf([SEED_EXPORT], target, Corpus(repo_corpus))
    assert snapshot(tmp_path) == before


def test_convert_to_hf_replaces_its_own_output_and_takes_an_empty_folder(repo_corpus: Path, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _convert(repo_corpus, empty) == 0
    first = snapshot(empty)
    assert _convert(repo_corpus, empty) == 0
    assert snapshot(empty) == first and sorted(first) == ["annotation_sets", "annotation_sets/train-00000-of-00001.parquet", "articles", "articles/train-00000-of-00001.parquet"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "work"]


def test_build_refuses_a_release_folder_holding_something_else(corpus: Corpus):
    from newsclaims.hf.build import build_release

    build_release(corpus)
    (corpus.parquet_dir / "my-notes.txt").write_text("mine\n", encoding="utf-8")
    corpus.add(b"A third short text for the store.\n", "loop_third")
    before = snapshot(corpus.root)
    with pytest.raises(ConversionError, match=r"parquet: \[output-not-ours\].*'my-notes.txt'"):
        build_release(corpus)
    assert snapshot(corpus.root) == before
