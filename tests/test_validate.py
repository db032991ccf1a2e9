from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import DATA, REPO, load_case
from corpus_cases import build_case_corpus
from newsclaims.cli import main
from newsclaims.rules import RULES
from newsclaims.store import Corpus
from newsclaims.validate import ERROR, has_errors, validate_corpus

INVALID_CASES = sorted((DATA / "invalid").glob("*.json"))
WARNING_IDS = {"span-whitespace", "span-splits-grapheme", "derived-from-unknown"}


def test_invalid_cases_exist():
    assert len(INVALID_CASES) >= 25


@pytest.mark.parametrize("path", INVALID_CASES, ids=lambda p: p.stem)
def test_each_invalid_case_gives_exactly_its_error_id(path: Path, tmp_path: Path):
    case = load_case(path)
    assert case["why"], f"{path} must say why it is invalid"
    corpus = build_case_corpus(case, tmp_path / "corpus")
    problems = validate_corpus(corpus)
    assert {p.error_id for p in problems} == {path.stem}, [p.format() for p in problems]
    expected_level = "warning" if path.stem in WARNING_IDS else ERROR
    assert all(p.level == expected_level for p in problems)
    for problem in problems:
        assert problem.file and problem.file in problem.format()
        assert f"[{path.stem}]" in problem.format()


@pytest.mark.parametrize("path", INVALID_CASES, ids=lambda p: p.stem)
def test_cli_exit_code_follows_level(path: Path, tmp_path: Path, capsys):
    corpus = build_case_corpus(load_case(path), tmp_path / "corpus")
    code = main(["--corpus", str(corpus.root), "validate"])
    assert code == (0 if path.stem in WARNING_IDS else 1)
    assert f"[{path.stem}]" in capsys.readouterr().out


def test_minimal_valid_case_is_clean(tmp_path: Path):
    corpus = build_case_corpus(load_case(DATA / "valid" / "minimal.json"), tmp_path / "corpus")
    assert validate_corpus(corpus) == []


def test_problem_names_file_article_set_and_annotation(tmp_path: Path):
    corpus = build_case_corpus(load_case(DATA / "invalid" / "span-text-mismatch.json"), tmp_path / "corpus")
    [problem] = validate_corpus(corpus)
    line = problem.format()
    assert line.startswith(f"{corpus.annotations_dir / 'a.json'}: article=a set=gold entity=e1 [span-text-mismatch]")
    assert "expected 'Lavrov' at 0:6, found 'Lavrov '" in line


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path):
    case = load_case(DATA / "valid" / "minimal.json")
    gold = case["annotations"]["a.json"]["sets"][0]
    gold["entities"][0]["text"] = "Lavrv"
    gold["entities"][1]["text"] = "Kiev"
    gold["figures"][0]["claim_id"] = "nope"
    corpus = build_case_corpus(case, tmp_path / "corpus")
    ids = sorted(p.error_id for p in validate_corpus(corpus))
    assert ids == ["dangling-reference", "span-text-mismatch", "span-text-mismatch"]


def test_json_format(tmp_path: Path, capsys):
    corpus = build_case_corpus(load_case(DATA / "invalid" / "dangling-reference.json"), tmp_path / "corpus")
    assert main(["--corpus", str(corpus.root), "validate", "--format", "json"]) == 1
    [record] = json.loads(capsys.readouterr().out)
    assert record["error_id"] == "dangling-reference"
    assert record["annotation_id"] == "f1" and record["article_id"] == "a" and record["set_id"] == "gold"


def test_repository_corpus_is_valid():
    problems = validate_corpus(Corpus(REPO / "corpus"))
    assert not has_errors(problems), "\n".join(p.format() for p in problems)


def test_every_error_id_of_the_validator_has_a_case():
    import re

    source = (REPO / "scripts" / "newsclaims" / "validate.py").read_text(encoding="utf-8")
    ids = set(re.findall(r'Problem\(\s*"([a-z0-9-]+)"', source)) | set(RULES)
    assert len(ids) >= 25
    assert ids <= {p.stem for p in INVALID_CASES}, sorted(ids - {p.stem for p in INVALID_CASES})
