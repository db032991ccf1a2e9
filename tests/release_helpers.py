"""Copies of the repository's corpus and docs to build releases in a temporary folder."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from conftest import REPO
from newsclaims.hf.read import annotation_files_from_release
from newsclaims.labelstudio.tasks import task_of_sets
from newsclaims.model import AnnotationSet
from newsclaims.store import Corpus
from newsclaims.vocab import SetKind


def copy_corpus(target: Path, with_release: bool = False) -> Corpus:
    ignore = None if with_release else shutil.ignore_patterns("parquet")
    shutil.copytree(REPO / "corpus", target / "corpus", ignore=ignore)
    for name in ("README.md", "DATASHEET.md"):
        shutil.copy(REPO / name, target / name)
    return Corpus(target / "corpus")


def release_files(release_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(release_dir)): p.read_bytes() for p in sorted(release_dir.rglob("*")) if p.is_file()}


def reference_tasks(source: Path) -> bytes:
    """The tasks file the model path writes for a release."""
    texts = {(r["article_id"], r["text_sha256"]): r["text"] for r in pq.read_table(source / "articles").to_pylist()}
    items = []
    for annotation_file in annotation_files_from_release(source):
        by_sha: dict[str, list[AnnotationSet]] = defaultdict(list)
        for aset in annotation_file.sets:
            by_sha[aset.article_sha256].append(aset)
        for sha, sets in by_sha.items():
            task = task_of_sets(annotation_file.article_id, texts[(annotation_file.article_id, sha)], sha, [s for s in sets if s.kind is not SetKind.DRAFT])
            items.append(orjson.dumps(task))
    return b"[" + b"".join((b"\n" if i == 0 else b",\n") + item for i, item in enumerate(items)) + b"\n]\n"
