from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest_plugins = ["labelstudio_fixtures"]

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def repo() -> Path:
    return REPO


def load_case(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
