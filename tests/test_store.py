from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from newsclaims.cli import main
from newsclaims.errors import ArticleError, DuplicateArticleError
from newsclaims.store import AddStatus, Corpus

SEED_ID = "000_6d2a1ba5d47be7a6"
SEED_SHA256 = "98401646f3db662a70038eb98518c2b22710f0c47c313869765f46ae98c99b7d"


def test_seed_article_is_stored_byte_exact():
    corpus = Corpus(REPO / "corpus")
    record = corpus.latest(SEED_ID)
    assert record.text_sha256 == SEED_SHA256
    assert record.published == "2022-03-16" and record.published_inferred
    assert record.title is None and record.publisher is None and record.url is None and record.rights is None
    seed = REPO.parent / "shared" / "seed" / f"{SEED_ID}.txt"
    if seed.exists():
        assert corpus.read_bytes(record) == seed.read_bytes()


def test_add_same_bytes_is_a_noop(tmp_path: Path):
    corpus = Corpus(tmp_path)
    first = corpus.add(b"Lavrov said.", "a")
    manifest_before = corpus.manifest_path.read_bytes()
    again = corpus.add(b"Lavrov said.", "a")
    assert (first.status, again.status) == (AddStatus.ADDED, AddStatus.UNCHANGED)
    assert again.revision == first.revision
    assert corpus.manifest_path.read_bytes() == manifest_before


def test_different_bytes_make_the_next_revision_and_keep_the_old(tmp_path: Path):
    corpus = Corpus(tmp_path)
    corpus.add(b"Lavrov said.", "a", title="T", language="en")
    result = corpus.add(b"Lavrov said it.", "a")
    assert result.status is AddStatus.NEW_REVISION and result.revision.revision == 2
    assert result.revision.title == "T" and result.revision.language == "en"
    assert (tmp_path / "articles/a/r1.txt").read_bytes() == b"Lavrov said."
    assert corpus.latest("a").revision == 2


def test_same_bytes_under_another_id_is_a_duplicate(tmp_path: Path):
    corpus = Corpus(tmp_path)
    corpus.add(b"Lavrov said.", "a")
    with pytest.raises(DuplicateArticleError, match=r"article=b \[duplicate-article\].*article=a revision=1"):
        corpus.add(b"Lavrov said.", "b")


@pytest.mark.parametrize(
    "data",
    [
        b"line one\r\nline two\r\n",
        "tab\there\rlone CR\u2028sep".encode(),
        "Ukraine 🇺🇦 👩‍👩‍👧 e\u0301 \u05e9\u05dc\u05d5\u05dd <b>Acme</b> & Co".encode(),
        "\ufeffwith a byte order mark".encode(),
    ],
)
def test_bytes_are_kept_exactly(tmp_path: Path, data: bytes):
    corpus = Corpus(tmp_path)
    record = corpus.add(data, "a").revision
    assert corpus.read_bytes(record) == data
    assert corpus.read_text(record) == data.decode("utf-8")
    assert record.n_bytes == len(data) and record.n_chars == len(data.decode("utf-8"))


@pytest.mark.parametrize("data", [b"caf\xe9", b"\xed\xa0\x80 lone surrogate", b"cut \xe2\x82"])
def test_invalid_utf8_is_refused_with_the_offset(tmp_path: Path, data: bytes):
    with pytest.raises(ArticleError, match=r"\[article-not-utf8\] expected UTF-8 text, found byte 0x[0-9a-f]{2} at byte offset \d+"):
        Corpus(tmp_path).add(data, "a", source="x.txt")
    assert not (tmp_path / "manifest.json").exists()


def test_empty_article_is_refused(tmp_path: Path):
    with pytest.raises(ArticleError, match="article-empty"):
        Corpus(tmp_path).add(b"", "a")


def test_cli_add_reports_each_outcome(tmp_path: Path, capsys):
    article = tmp_path / "a.txt"
    article.write_bytes(b"Lavrov said.")
    corpus = tmp_path / "corpus"
    assert main(["--corpus", str(corpus), "add", str(article), "--id", "a", "--published", "2022-03-16", "--published-inferred"]) == 0
    assert "added: article=a revision=1" in capsys.readouterr().out
    assert main(["--corpus", str(corpus), "add", str(article), "--id", "a"]) == 0
    assert "unchanged" in capsys.readouterr().out
    assert main(["--corpus", str(corpus), "add", str(article), "--id", "b"]) == 1
    assert "[duplicate-article]" in capsys.readouterr().err
    assert Corpus(corpus).latest("a").published_inferred


def test_cli_add_refuses_a_bad_date(tmp_path: Path, capsys):
    article = tmp_path / "a.txt"
    article.write_bytes(b"Lavrov said.")
    for date in ("16/03/2022", "2022-13-45"):
        with pytest.raises(SystemExit) as exited:
            main(["--corpus", str(tmp_path / "c"), "add", str(article), "--id", "a", "--published", date])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "--published" in err and "YYYY-MM-DD" in err and repr(date) in err
    assert not (tmp_path / "c" / "manifest.json").exists()
