from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO
from newsclaims.annotation_file import dump_annotation_file, load_annotation_file

ANNOTATION_FILES = sorted((REPO / "corpus" / "annotations").glob("*.json"))


def test_there_are_annotation_files():
    assert ANNOTATION_FILES


@pytest.mark.parametrize("path", ANNOTATION_FILES, ids=lambda p: p.name)
def test_load_then_dump_gives_the_same_bytes(path: Path):
    data = path.read_bytes()
    assert dump_annotation_file(load_annotation_file(data)).encode("utf-8") == data
    assert b"\r" not in data and data.endswith(b"\n")
