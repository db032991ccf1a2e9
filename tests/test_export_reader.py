"""The streaming export reader gives exactly what json.loads gives, whatever the block size."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from conftest import DATA
from newsclaims.errors import ConversionError
from newsclaims.labelstudio.export import iter_tasks, read_task_range, task_spans

NASTY = st.lists(st.sampled_from(list('{}[]",:\\ \n\tab🇺🇦é\u2028') + ['\\"', '\\\\']), max_size=30).map(''.join)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | NASTY,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(NASTY, children, max_size=4),
    max_leaves=12,
)
TASKS = st.lists(st.dictionaries(NASTY, JSONISH, max_size=5), max_size=6)


def _written(tmp_path_factory, tasks: list, indent: bool) -> Path:
    path = tmp_path_factory.mktemp("export") / "export.json"
    path.write_text(json.dumps(tasks, indent=2 if indent else None, ensure_ascii=not indent), encoding="utf-8")
    return path


@seed(20261125)
@settings(max_examples=300, deadline=None)
@given(TASKS, st.integers(1, 64), st.booleans())
def test_reader_matches_json_loads(tmp_path_factory, tasks, block, indent):
    path = _written(tmp_path_factory, tasks, indent)
    assert list(iter_tasks(path, block)) == json.loads(path.read_bytes())


@seed(20261130)
@settings(max_examples=200, deadline=None)
@given(TASKS, st.integers(1, 64), st.booleans())
def test_spans_come_block_by_block_and_read_back_every_task(tmp_path_factory, tasks, block, indent):
    path = _written(tmp_path_factory, tasks, indent)
    chunks = list(task_spans(path, block))
    assert all(len(chunk) for chunk in chunks)
    blocks = [sorted(set((chunk[:, 1] // block).tolist())) for chunk in chunks]
    assert all(len(found) == 1 for found in blocks)
    assert [found[0] for found in blocks] == sorted({found[0] for found in blocks})
    read = [task for chunk in chunks for task in read_task_range(path, chunk)]
    assert read == json.loads(path.read_bytes())


def test_reader_on_a_real_export():
    path = DATA / "labelstudio" / "seed-export.json"
    assert list(iter_tasks(path, 1000)) == json.loads(path.read_bytes())


@pytest.mark.parametrize(
    "data, error",
    [
        (b"", "export-invalid"),
        (b"{}", "export-invalid"),
        (b"[1, 2]", "export-invalid"),
        (b'[{"a": 1},]', "export-invalid"),
        (b'[{"a": 1} {"b": 2}]', "export-invalid"),
        (b'[{"a": 1}, {"b": tru}]', "export-invalid"),
        (b'[{"a": 1}, {"b": ', "export-truncated"),
        (b'[{"a": "unclosed', "export-truncated"),
    ],
)
def test_reader_refuses_broken_files(tmp_path: Path, data: bytes, error: str):
    path = tmp_path / "export.json"
    path.write_bytes(data)
    with pytest.raises(ConversionError, match=rf"{path}: \[{error}\]"):
        list(iter_tasks(path, 4))
