"""Copies of the repository's corpus and docs to build releases in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO
from newsclaims.store import Corpus


def copy_corpus(target: Path, with_release: bool = False) -> Corpus:
    ignore = None if with_release else shutil.ignore_patterns("parquet")
    shutil.copytree(REPO / "corpus", target / "corpus", ignore=ignore)
    for name in ("README.md", "DATASHEET.md"):
        shutil.copy(REPO / name, target / name)
    return Corpus(target / "corpus")


def release_files(release_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(release_dir)): p.read_bytes() for p in sorted(release_dir.rglob("*")) if p.is_file()}
