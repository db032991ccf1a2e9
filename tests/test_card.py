"""The dataset card's metadata, licence and citation agree with each other and with the release."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

from conftest import REPO
from newsclaims.hf.card import stale_docs
from newsclaims.release import (
    ANNOTATION_LICENSE,
    CITATION_FILE,
    LICENSE_FILE,
    PRETTY_NAME,
    TEXT_RIGHTS,
    citation,
    citation_cff,
)
from newsclaims.release_version import read_release
from newsclaims.store import Corpus
from release_helpers import copy_corpus

RELEASE = REPO / "corpus" / "parquet"
CARD = (REPO / "README.md").read_text(encoding="utf-8")
FRONT = yaml.safe_load(CARD.split("---\n")[1])
HUB_LICENSE_LINKS = ("LICENSE", "LICENSE.md")


def _bibtex(card: str) -> str:
    [entry] = re.findall(r"<!-- newsclaims:citation:begin[^\n]*\n```bibtex\n(.*?)\n```\n<!-- newsclaims:citation:end -->", card, re.DOTALL)
    return entry


def test_the_licence_link_is_one_the_hub_accepts_and_states_both_parts():
    assert FRONT["license"] == "other"
    assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", FRONT["license_name"])
    link = FRONT["license_link"]
    assert link in HUB_LICENSE_LINKS or link.startswith("https://"), link
    assert link == LICENSE_FILE
    text = (REPO / link).read_text(encoding="utf-8")
    assert ANNOTATION_LICENSE in text and "rights unknown" in text and "research" in text


def test_card_datasheet_and_licence_file_say_the_same_of_each_part():
    datasheet = (REPO / "DATASHEET.md").read_text(encoding="utf-8")
    licence_section = CARD.split("\n## Licence\n", 1)[1]
    for document in (licence_section, datasheet, (REPO / LICENSE_FILE).read_text(encoding="utf-8")):
        assert "CC-BY-4.0" in document and "rights unknown" in document.replace("rights are unknown", "rights unknown")
    assert TEXT_RIGHTS.startswith("Article texts: rights unknown")


def test_the_card_yaml_uses_known_keys_only():
    known = {
        "pretty_name", "language", "license", "license_name", "license_link", "annotations_creators", "language_creators",
        "multilinguality", "source_datasets", "task_categories", "task_ids", "size_categories", "tags", "configs",
    }
    assert set(FRONT) <= known, set(FRONT) - known
    assert FRONT["configs"], "the card lists no config"


def test_the_citation_section_is_the_release_bibtex():
    record = read_release(RELEASE)
    entry = _bibtex(CARD)
    assert entry == citation(record.version, record.date)
    assert CARD.index("\n## Citation\n") < CARD.index("\n## Licence\n")
    assert re.search(r"version = \{([^}]*)\}", entry).group(1) == record.version
    assert re.search(r"title = \{\{([^}]*)\}\}", entry).group(1) == PRETTY_NAME


def test_citation_cff_is_valid_cff_and_agrees_with_the_release_and_the_card():
    record = read_release(RELEASE)
    text = (REPO / CITATION_FILE).read_text(encoding="utf-8")
    assert text == citation_cff(record.version, record.date)
    cff = yaml.safe_load(text)
    assert cff["cff-version"] == "1.2.0"
    for key in ("cff-version", "message", "title", "authors"):
        assert cff[key], key
    assert all(isinstance(a, dict) and (a.get("name") or a.get("family-names")) for a in cff["authors"])
    assert cff["type"] == "dataset"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", cff["date-released"])
    assert (str(cff["version"]), cff["date-released"], cff["title"]) == (record.version, record.date, PRETTY_NAME)
    entry = _bibtex(CARD)
    assert f"version = {{{cff['version']}}}" in entry and cff["title"] in entry and f"year = {{{cff['date-released'][:4]}}}" in entry


def test_croissant_cites_the_release_as_the_card_does():
    metadata = json.loads((RELEASE / "croissant.json").read_text(encoding="utf-8"))
    assert metadata["citeAs"] == _bibtex(CARD)


def test_a_stale_citation_file_or_section_is_reported(tmp_path: Path):
    corpus = copy_corpus(tmp_path, with_release=True)
    record = read_release(corpus.parquet_dir)
    (tmp_path / CITATION_FILE).write_text(citation_cff("0.0.1", record.date), encoding="utf-8")
    diffs = stale_docs(tmp_path, corpus, corpus.parquet_dir, record.version)
    assert len(diffs) == 1 and CITATION_FILE in diffs[0]
    shutil.copy(REPO / CITATION_FILE, tmp_path / CITATION_FILE)
    card = tmp_path / "README.md"
    card.write_text(card.read_text(encoding="utf-8").replace(f"note = {{Release {record.version}}}", "note = {Release 0.0.1}"), encoding="utf-8")
    diffs = stale_docs(tmp_path, Corpus(corpus.root), corpus.parquet_dir, record.version)
    assert len(diffs) == 1 and "README.md" in diffs[0]
