"""The release version moves with the data it publishes, and every published place names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from newsclaims.annotation_file import dump_annotation_file
from newsclaims.cli import main
from newsclaims.errors import NewsclaimsError
from newsclaims.hf import build as build_module
from newsclaims.hf.build import build_release
from newsclaims.hf.changelog import HEADER, block_name
from newsclaims.hf.release_docs import release_versions, update_release_docs
from newsclaims.model import SCHEMA_VERSION, AnnotationFile
from newsclaims.release_version import RELEASE_FILE, ArticleDigest, ReleaseInfo, compare, next_release, read_release
from newsclaims.store import Corpus
from release_helpers import copy_corpus, release_files

NEW_TEXT = "The harbour board said on Monday that 14 ferries would sail from Port Elvin by June.\n"


HAND_WRITTEN = "## 0.1.0 — 2030-12-01\n\nA trial release, written by hand.\n"


def copy_repository(root: Path, with_release: bool = False) -> Corpus:
    """The corpus, card and datasheet in ``root``, with a changelog of one hand-written entry."""
    corpus = copy_corpus(root, with_release=with_release)
    (root / "CHANGELOG.md").write_text(HEADER + "\n" + HAND_WRITTEN, encoding="utf-8")
    return corpus


def add_article_with_gold(corpus: Corpus, article_id: str = "harbour", text: str = NEW_TEXT) -> None:
    """Add ``text`` as an article with a gold set of one entity mention and one figure."""
    record = corpus.add(text.encode("utf-8"), article_id).revision
    place, number = text.index("Port Elvin"), text.index("14")
    gold = {
        "set_id": "gold",
        "kind": "gold",
        "annotator": "tester",
        "article_sha256": record.text_sha256,
        "entities": [{"id": "e1", "start": place, "end": place + 10, "text": "Port Elvin", "type": "GPE"}],
        "figures": [{"id": "f1", "start": number, "end": number + 2, "text": "14", "kind": "count", "approximation": "exact", "value": 14.0, "counted": "ferries"}],
    }
    corpus.save_annotations(AnnotationFile.model_validate({"schema_version": SCHEMA_VERSION, "article_id": article_id, "sets": [gold]}))


def built(corpus: Corpus, today: str = "2031-01-10", **kwargs):
    result = build_release(corpus, today=today, **kwargs)
    update_release_docs(corpus.root.parent, corpus, result)
    return result


def documents(root: Path) -> dict[str, bytes]:
    files = release_files(root / "corpus" / "parquet")
    files.update({name: (root / name).read_bytes() for name in ("README.md", "DATASHEET.md", "CHANGELOG.md")})
    return files


def newest_entry(root: Path) -> str:
    return (root / "CHANGELOG.md").read_text(encoding="utf-8").split("\n## ", 1)[1].split("\n## ", 1)[0]


def test_a_first_build_is_1_0_0_and_an_unchanged_rebuild_keeps_version_date_and_bytes(tmp_path: Path):
    corpus = copy_repository(tmp_path)
    first = built(corpus, today="2031-01-10")
    assert (first.release.version, first.release.date, first.moved) == ("1.0.0", "2031-01-10", True)
    before = documents(tmp_path)
    assert RELEASE_FILE in before
    again = built(corpus, today="2031-02-20")
    assert (again.release.version, again.release.date, again.moved) == ("1.0.0", "2031-01-10", False)
    assert again.describe() == "release 1.0.0 (unchanged)"
    assert documents(tmp_path) == before


def test_an_added_article_is_a_minor_release_with_a_changelog_entry(tmp_path: Path):
    corpus = copy_repository(tmp_path)
    built(corpus)
    add_article_with_gold(corpus)
    result = built(corpus, today="2031-03-04")
    assert (result.release.version, result.release.date, result.release.bump) == ("1.1.0", "2031-03-04", "minor")
    assert result.describe() == "release 1.1.0 (was 1.0.0: minor, 1 article added)"
    entry = newest_entry(tmp_path)
    assert entry.startswith("1.1.0 — 2031-03-04\n")
    assert "- 1 article added." in entry
    assert "- `harbour` added (revision 1; gold: 1 entity mention, 0 claims, 1 figure)." in entry
    changelog = (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.index("## 1.1.0 ") < changelog.index("## 1.0.0 — 2031-01-10\n") < changelog.index(HAND_WRITTEN)
    assert changelog.endswith(HAND_WRITTEN)


def test_a_changed_gold_annotation_is_a_patch_release(tmp_path: Path):
    corpus = copy_repository(tmp_path)
    built(corpus)
    [path] = corpus.annotation_paths()
    annotations = corpus.load_annotations(path.stem)
    gold = annotations.gold()
    changed = next(e for e in gold.entities if e.type.value != "ORG")
    changed.type = type(changed.type)("ORG")
    corpus.save_annotations(annotations)
    result = built(corpus, today="2031-04-05")
    assert (result.release.version, result.release.bump) == ("1.0.1", "patch")
    assert result.release.changes.counts == {"articles_changed": 1}
    assert result.describe() == "release 1.0.1 (was 1.0.0: patch, 1 article with changed annotations)"
    assert f"- `{path.stem}` changed (revision 1;" in newest_entry(tmp_path)


def test_a_new_schema_major_version_is_a_major_release(tmp_path: Path, monkeypatch):
    corpus = copy_repository(tmp_path)
    built(corpus)
    monkeypatch.setattr(build_module, "SCHEMA_VERSION", "2.0.0")
    result = built(corpus, today="2031-05-06")
    assert (result.release.version, result.release.bump, result.release.changes.schema) == ("2.0.0", "major", (SCHEMA_VERSION, "2.0.0"))
    assert f"- Schema {SCHEMA_VERSION} -> 2.0.0" in newest_entry(tmp_path)


def test_the_maintainers_words_in_an_entry_are_kept(tmp_path: Path):
    corpus = copy_repository(tmp_path)
    built(corpus)
    add_article_with_gold(corpus)
    built(corpus)
    changelog = tmp_path / "CHANGELOG.md"
    end = f"<!-- newsclaims:{block_name('1.1.0')}:end -->\n"
    words = "The harbour article comes from a local paper; its figures were checked twice.\n"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace(end, end + "\n" + words), encoding="utf-8")
    kept = changelog.read_text(encoding="utf-8")
    built(corpus)
    assert changelog.read_text(encoding="utf-8") == kept
    annotations = corpus.load_annotations("harbour")
    annotations.sets[0].figures[0].counted = "ferries sailing"
    corpus.save_annotations(annotations)
    assert built(corpus).release.version == "1.1.1"
    text = changelog.read_text(encoding="utf-8")
    assert text.index("## 1.1.1 ") < text.index("## 1.1.0 ") < text.index(words) < text.index("## 1.0.0 ") < text.index(HAND_WRITTEN)


def test_build_prints_the_version_and_every_place_names_it(tmp_path: Path, capsys):
    corpus = copy_repository(tmp_path, with_release=True)
    assert main(["--corpus", str(corpus.root), "build", "--docs-dir", str(tmp_path)]) == 0
    add_article_with_gold(corpus)
    assert main(["--corpus", str(corpus.root), "build", "--docs-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    version = read_release(corpus.parquet_dir).version
    assert f"release {version} (was " in out and ": minor, 1 article added) built in" in out
    places = release_versions(tmp_path, corpus.parquet_dir)
    assert len(places) == 8 and all(found == {version} for found in places.values()), places


def test_every_place_names_the_same_release_in_the_repository():
    places = release_versions(REPO, REPO / "corpus" / "parquet")
    versions = set().union(*places.values())
    assert len(versions) == 1 and all(len(found) == 1 for found in places.values()), f"run 'newsclaims build': {places}"


def test_the_places_check_sees_a_stale_card(tmp_path: Path):
    corpus = copy_repository(tmp_path)
    built(corpus)
    card = tmp_path / "README.md"
    card.write_text(card.read_text(encoding="utf-8").replace('version: "1.0.0"', 'version: "0.9.0"', 1), encoding="utf-8")
    assert release_versions(tmp_path, corpus.parquet_dir)["README.md configs"] == {"1.0.0", "0.9.0"}


def _digest(article_id: str, revisions=((1, "a" * 64),), set_ids=("gold",), sha256="1" * 64) -> ArticleDigest:
    return ArticleDigest(article_id, tuple(revisions), tuple(set_ids), {"entities": 1, "claims": 0, "figures": 0}, sha256)


PREVIOUS = ReleaseInfo("1.4.2", "2031-01-01", "1.1.0", "1.4.1", "patch", compare([], []))


@pytest.mark.parametrize(
    "current, bump, version",
    [
        ([_digest("x"), _digest("y")], None, "1.4.2"),
        ([_digest("x"), _digest("y", sha256="2" * 64)], "patch", "1.4.3"),
        ([_digest("x"), _digest("y", set_ids=("gold", "pass-a"))], "minor", "1.5.0"),
        ([_digest("x", revisions=((1, "a" * 64), (2, "b" * 64))), _digest("y")], "minor", "1.5.0"),
        ([_digest("w"), _digest("x"), _digest("y")], "minor", "1.5.0"),
        ([_digest("x"), _digest("y", set_ids=())], "patch", "1.4.3"),
        ([_digest("x")], "major", "2.0.0"),
    ],
    ids=["unchanged", "annotation-changed", "set-added", "revision-added", "article-added", "set-removed", "article-removed"],
)
def test_what_changed_decides_the_bump(current, bump, version):
    info, moved = next_release(PREVIOUS, compare([_digest("x"), _digest("y")], current), "1.1.0", "2031-06-07")
    assert (moved, info.version) == (bump is not None, version)
    assert info.bump == (bump or PREVIOUS.bump) and info.date == ("2031-06-07" if moved else PREVIOUS.date)


@pytest.mark.parametrize("schema, version", [("1.2.0", "1.5.0"), ("1.1.1", "1.4.3"), ("2.0.0", "2.0.0")])
def test_a_schema_change_alone_moves_the_release(schema: str, version: str):
    info, moved = next_release(PREVIOUS, compare([_digest("x")], [_digest("x")]), schema, "2031-06-07")
    assert moved and info.version == version and info.changes.schema == ("1.1.0", schema)


@pytest.mark.parametrize("configs, version", [(PREVIOUS.configs + ("ner",), "1.5.0"), (PREVIOUS.configs[:-1], "2.0.0")], ids=["config-added", "config-removed"])
def test_a_config_added_or_removed_moves_the_release(configs: tuple, version: str):
    info, moved = next_release(PREVIOUS, compare([_digest("x")], [_digest("x")]), "1.1.0", "2031-06-07", configs)
    assert moved and info.version == version and info.configs == configs
    again, moved_again = next_release(info, compare([_digest("x")], [_digest("x")]), "1.1.0", "2031-06-08", configs)
    assert not moved_again and again.version == version


def test_a_damaged_release_record_is_a_clear_error(tmp_path: Path):
    corpus = copy_repository(tmp_path)
    built(corpus)
    (corpus.parquet_dir / RELEASE_FILE).write_text('{"release": "1.0.0"}\n', encoding="utf-8")
    with pytest.raises(NewsclaimsError, match=r"release\.json: \[release-record-invalid\]"):
        build_release(corpus)


def test_annotation_file_bytes_are_what_a_digest_reads(tmp_path: Path):
    """Re-saving an annotation file unchanged does not move the release."""
    corpus = copy_repository(tmp_path)
    built(corpus)
    [path] = corpus.annotation_paths()
    path.write_text(dump_annotation_file(corpus.load_annotations(path.stem)), encoding="utf-8")
    assert not built(corpus).moved
