"""Parquet -> Label Studio tasks: the column-wise writer gives the bytes of the model's own path.

The reference is the model path: every row validated into an ``AnnotationSet``, grouped by
article revision, turned into a task by ``task_of_sets`` and dumped by orjson. The column-wise
writer must give the same bytes, on the committed release, on Label Studio conversions, on hostile texts and on random sets; and
it must refuse, with every problem located, the rows the models refuse.
"""

from __future__ import annotations

import json
import shutil
from contextlib import nullcontext
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from pydantic import Field, ValidationError

from conftest import DATA, REPO
from newsclaims.cli import main
from newsclaims.columnar import ls_tasks
from newsclaims.columnar.checks import SET_ROW_FIELDS, check_rows
from newsclaims.convert import _task_rows, hf_to_labelstudio, labelstudio_to_hf
from newsclaims.errors import ConversionError
from newsclaims.hf.parquet_io import release_schema
from newsclaims.hf.read import ReleaseTexts, article_batches
from newsclaims.hf.rows import text_article_row
from newsclaims.jsonio import write_json_chunks
from newsclaims.labelstudio.tasks import sha256_text
from newsclaims.model import AnnotationSet
from newsclaims.rules import ERROR, check_set
from newsclaims.store import Corpus
from newsclaims.synthetic import write_synthetic_export
from newsclaims.vocab import Approximation, ClaimMode, DatePart, EntityType, FigureKind, SetKind
from release_helpers import reference_tasks

SEED_EXPORT = DATA / "labelstudio" / "seed-export.json"


def written(source: Path, target: Path, **options) -> bytes:
    hf_to_labelstudio(source, target, **options)
    return target.read_bytes()


def test_the_committed_release_gives_the_reference_bytes(tmp_path: Path):
    release = REPO / "corpus" / "parquet"
    expected = reference_tasks(release)
    assert json.loads(expected)
    assert written(release, tmp_path / "tasks.json") == expected


def test_parquet_from_label_studio_gives_the_reference_bytes_with_every_kind_of_set(tmp_path: Path):
    labelstudio_to_hf([SEED_EXPORT], tmp_path / "release", Corpus(REPO / "corpus"))
    kinds = {row["kind"] for row in pq.read_table(tmp_path / "release" / "annotation_sets").to_pylist()}
    assert {"annotation", "draft"} <= kinds
    count, problems = hf_to_labelstudio(tmp_path / "release", tmp_path / "tasks.json")
    assert (tmp_path / "tasks.json").read_bytes() == reference_tasks(tmp_path / "release")
    assert count == 1 and [(p.error_id, p.level, p.set_id) for p in problems] == [("draft-not-importable", "warning", "ls-1-d1")]


# -- random sets over hostile texts --------------------------------------------------------

HOSTILE_PIECES = ["🇺🇦", "👩‍👩‍👧", "e\u0301", "\r\n", "\r", "\t", "\x00", "\x1f", "שלום", '"quoted"', "back\\slash", "<b>&amp;</b>", "Lavrov", " ", "\u2028", "500", "₴", "é"]
IDS = st.from_regex(r"\A[A-Za-z0-9_-][A-Za-z0-9_.:-]{0,6}\Z")
FREE_TEXT = st.none() | st.text(st.sampled_from(list("ab \"\\\n\t\x01é🙂")), min_size=1, max_size=6)
FINITE = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from([-0.0, 0.0, 1e300, -1e300, 5e-324, 2.2250738585072014e-308, 1.5])
NUMBERS = st.none() | FINITE | st.integers(-10**6, 10**6).map(float)
PART_IDS = ["p1", "p2", "q.3"]
"""Ids of claim parts shared between claims: none is an annotation id or a part's default id."""


def _sorted_spans(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda item: (item["start"], item["end"], item["id"]))


@st.composite
def annotation_sets(draw, text: str, sha: str) -> dict:
    """An ``annotation_sets`` row (as the models dump it) that keeps every rule of the rule book:
    non-empty spans over ``text``, claim parts shared between claims, every optional field, and
    layers in the order Label Studio gives them back."""
    n = len(text)
    assert n, "spans need a text"

    def span() -> dict:
        start = draw(st.integers(0, n - 1))
        end = draw(st.integers(start + 1, n))
        return {"start": start, "end": end, "text": text[start:end]}

    entities = _sorted_spans([{**span(), "id": f"e{i}", "type": draw(st.sampled_from(list(EntityType))).value, "wikidata": draw(st.none() | st.just("Q212"))} for i in range(draw(st.integers(0, 3)))])
    shared: dict[str, tuple[str, dict]] = {}

    def part(role: str) -> dict:
        """A cue or content piece, its id shared with parts of the same role and span only."""
        part_id = draw(st.none() | st.sampled_from(PART_IDS))
        if part_id is not None:
            known_role, known_span = shared.setdefault(part_id, (role, span()))
            if known_role == role:
                return {**known_span, "id": part_id}
        return {**span(), "id": None}

    claims = []
    for i in range(draw(st.integers(0, 3))):
        mode = draw(st.sampled_from(list(ClaimMode)))
        pieces = {piece["start"]: piece for piece in (part("content") for _ in range(draw(st.integers(0, 2))))}
        content = [{**span(), "id": None}] + [pieces[start] for start in sorted(pieces)]
        attributed = mode is not ClaimMode.UNATTRIBUTED
        entity = draw(st.none() | st.sampled_from([e["id"] for e in entities])) if entities and attributed else None
        source = {**span(), "id": None} if attributed and (entity is None or draw(st.booleans())) else None
        claims.append({"id": f"c{i}", "mode": mode.value, "content": content, "cue": part("cue") if attributed else None, "source": source, "source_entity_id": entity})
    claims.sort(key=lambda c: (c["content"][0]["start"], c["content"][0]["end"], c["id"]))
    figures = []
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(list(FigureKind)))
        approximation = draw(st.sampled_from(list(Approximation)))
        low, high = draw(NUMBERS), draw(NUMBERS)
        if approximation is Approximation.RANGE:
            low, high = draw(FINITE), draw(FINITE)
        if low is not None and high is not None and low > high:
            low, high = high, low
        dated = kind in (FigureKind.DATE, FigureKind.TIME, FigureKind.DURATION, FigureKind.FREQUENCY)
        needs_value = not dated and approximation not in (Approximation.RANGE, Approximation.VAGUE)
        needs_date = kind in (FigureKind.DATE, FigureKind.TIME, FigureKind.DURATION)
        figures.append(
            {
                **span(),
                "id": f"f{i}",
                "kind": kind.value,
                "approximation": approximation.value,
                "value": draw(FINITE) if needs_value else draw(NUMBERS),
                "value_low": low,
                "value_high": high,
                "unit": draw(FREE_TEXT),
                "counted": draw(FREE_TEXT),
                "date_value": (draw(FREE_TEXT.filter(bool)) if needs_date else draw(FREE_TEXT)) if dated else None,
                "date_inferred": draw(st.lists(st.sampled_from(list(DatePart)).map(lambda p: p.value), max_size=2)) if dated else [],
                "claim_id": draw(st.none() | st.sampled_from([c["id"] for c in claims])) if claims else None,
            }
        )
    kind = draw(st.sampled_from(list(SetKind))).value
    origin = draw(
        st.none()
        | st.fixed_dictionaries(
            {
                "project_id": st.none() | st.integers(1, 9),
                "task_id": st.none() | st.integers(1, 9),
                "annotation_id": st.none() | st.integers(1, 9),
                "completed_by": st.none() | st.integers(1, 9),
                "lead_time": NUMBERS,
                "ground_truth": st.booleans(),
                "was_cancelled": st.booleans(),
                "model_version": FREE_TEXT,
            }
        )
    )
    row = {
        "set_id": draw(IDS),
        "kind": kind,
        "annotator": draw(FREE_TEXT),
        "tool": None,
        "created_at": None,
        "updated_at": None,
        "article_sha256": sha,
        "label_studio": origin,
        "derived_from": draw(st.lists(IDS, max_size=2)),
        "reviewer": draw(FREE_TEXT),
        "entities": entities,
        "claims": claims,
        "figures": _sorted_spans(figures),
    }
    aset = AnnotationSet.model_validate(row)
    assert [p.format() for p in check_set(aset, text, {}) if p.level == ERROR] == []
    return row


@st.composite
def parquet_folders(draw) -> tuple[list[dict], list[dict]]:
    """Articles rows and ``annotation_sets`` rows of a small Parquet folder, in article order."""
    articles, sets = [], []
    for a in range(draw(st.integers(1, 3))):
        article_id = f"art{a}"
        for _ in range(draw(st.integers(1, 2))):
            text = "".join(draw(st.lists(st.sampled_from(HOSTILE_PIECES), min_size=1, max_size=12)))
            sha = sha256_text(text)
            if any(row["text_sha256"] == sha for row in articles):
                continue
            articles.append(text_article_row(article_id, text, sha, None))
            for _ in range(draw(st.integers(0, 3))):
                row = draw(annotation_sets(text, sha))
                if row["set_id"] not in {s["set_id"] for s in sets if s["article_id"] == article_id}:
                    sets.append({"article_id": article_id, "revision": None, **row})
    return articles, sets


def write_parquet(folder: Path, articles: list[dict], sets: list[dict], files: int = 1) -> Path:
    for name, rows in (("articles", articles), ("annotation_sets", sets)):
        schema = release_schema(name, "test")
        (folder / name).mkdir(parents=True, exist_ok=True)
        size = max(1, -(-len(rows) // files))
        for index in range(files):
            pq.write_table(pa.Table.from_pylist(rows[index * size : (index + 1) * size], schema=schema), folder / name / f"train-{index:05d}-of-{files:05d}.parquet")
    return folder


@seed(20261129)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(parquet_folders(), st.integers(1, 3), st.integers(1, 4))
def test_random_parquet_folders_give_the_reference_bytes(tmp_path_factory, folders, files, batch_rows):
    folder = tmp_path_factory.mktemp("release")
    articles, sets = folders
    write_parquet(folder, articles, sets, files=files)
    expected = reference_tasks(folder)
    assert written(folder, folder / "tasks.json", batch_rows=batch_rows, workers=2) == expected


def test_many_batches_files_and_threads_give_the_same_bytes_as_one(tmp_path: Path):
    export = tmp_path / "export.json"
    write_synthetic_export(export, 9, seed=5)
    labelstudio_to_hf([export], tmp_path / "one", Corpus(tmp_path / "empty"))
    articles = pq.read_table(tmp_path / "one" / "articles").to_pylist()
    write_parquet(tmp_path / "three", articles, pq.read_table(tmp_path / "one" / "annotation_sets").to_pylist(), files=3)
    whole = written(tmp_path / "one", tmp_path / "one.json", workers=1)
    assert len(json.loads(whole)) == 9 and whole == reference_tasks(tmp_path / "one")
    # One annotation per task and no prediction: the tasks are written without joining lists of sets first.
    assert all(len(task["annotations"]) == 1 and "predictions" not in task for task in json.loads(whole))
    assert written(tmp_path / "three", tmp_path / "three.json", batch_rows=2, workers=3) == whole


def test_a_task_with_a_null_value_is_an_error_not_a_task_left_out(tmp_path: Path, monkeypatch):
    export = tmp_path / "export.json"
    write_synthetic_export(export, 3, seed=5)
    labelstudio_to_hf([export], tmp_path / "release", Corpus(tmp_path / "empty"))
    batch = next(article_batches(tmp_path / "release"))
    tasks, texts, _ = _task_rows(batch, ReleaseTexts(tmp_path / "release"), {}, [])
    pieces = ls_tasks.set_pieces(batch.rows)
    broken = pa.array([None, *pieces[-1].to_pylist()[1:]], pa.string())
    monkeypatch.setattr(ls_tasks, "set_pieces", lambda sets: (*pieces[:-1], broken))
    with pytest.raises(ValueError, match=rf"1 task\(s\) would be left out, first of articles \['{tasks[0].article_id}'\]"):
        ls_tasks.tasks_json(batch.rows, tasks, texts)


def test_article_batches_go_on_across_files_and_never_split_an_article(tmp_path: Path):
    export = tmp_path / "export.json"
    write_synthetic_export(export, 9, seed=5)
    labelstudio_to_hf([export], tmp_path / "one", Corpus(tmp_path / "empty"))
    sets = pq.read_table(tmp_path / "one" / "annotation_sets").to_pylist()
    sets = [{**row, "set_id": f"{row['set_id']}-{copy}"} for row in sets for copy in range(3)]
    write_parquet(tmp_path / "four", pq.read_table(tmp_path / "one" / "articles").to_pylist(), sets, files=4)
    shards = sorted((tmp_path / "four" / "annotation_sets").glob("*.parquet"))
    file_of_set = {row["set_id"]: path for path in shards for row in pq.read_table(path).to_pylist()}
    batches = list(article_batches(tmp_path / "four", batch_rows=4))
    assert len(batches) > 1 and all(batch.rows.num_rows >= 4 for batch in batches[:-1])
    assert any(len(set(batch.files)) > 1 for batch in batches), "no batch went on across files"
    rows = [row for batch in batches for row in batch.rows.to_pylist()]
    assert [row["set_id"] for row in rows] == [row["set_id"] for row in sets]
    articles = [{row["article_id"] for row in batch.rows.to_pylist()} for batch in batches]
    assert all(not (a & b) for i, a in enumerate(articles) for b in articles[i + 1 :]), "an article's rows were split between batches"
    assert all(batch.file_of(row) == file_of_set[set_id] for batch in batches for row, set_id in enumerate(batch.rows.column("set_id").to_pylist()))


# -- the model's rules, column-wise --------------------------------------------------------

GOOD = next(iter(pq.read_table(REPO / "corpus" / "parquet" / "annotation_sets").to_pylist()))

BREAKS = {
    "value-pattern": ("an id with a space", lambda row: row["entities"][1].update(id="e 1")),
    "value-vocabulary": ("an entity type the schema does not have", lambda row: row["entities"][0].update(type="ALIEN")),
    "value-bound": ("a negative offset", lambda row: row["figures"][0].update(start=-1)),
    "value-missing": ("a claim without a mode", lambda row: row["claims"][0].update(mode=None)),
    "list-too-short": ("a claim with no content span", lambda row: row["claims"][1].update(content=[])),
    "span-text-mismatch": ("a span whose text is not the article's text there", lambda row: row["entities"][2].update(text="not the text")),
    "span-out-of-range": ("a span past the end of the article", lambda row: next(c for c in row["claims"] if c["cue"])["cue"].update(start=10**6, end=10**6 + 1)),
}


@pytest.mark.parametrize("error_id", sorted(BREAKS))
def test_a_broken_row_is_refused_with_its_place_and_nothing_is_written(error_id: str, tmp_path: Path):
    why, breaks = BREAKS[error_id]
    release = tmp_path / "release"
    shutil.copytree(REPO / "corpus" / "parquet", release)
    row = json.loads(json.dumps(GOOD))
    breaks(row)
    rows = pq.read_table(release / "annotation_sets").to_pylist()
    rows[0] = row
    [path] = sorted((release / "annotation_sets").glob("*.parquet"))
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path)
    target = tmp_path / "tasks.json"
    with pytest.raises(ConversionError) as raised:
        hf_to_labelstudio(release, target)
    assert not target.exists() and not list(tmp_path.glob(".tasks.json*")), why
    [problem] = raised.value.problems
    assert (problem.error_id, problem.file, problem.article_id, problem.set_id) == (error_id, str(path), GOOD["article_id"], GOOD["set_id"]), why
    assert problem.annotation_id and problem.annotation_id in json.dumps(row), why
    with pytest.raises(ValidationError) if error_id.startswith(("value", "list")) else nullcontext():
        AnnotationSet.model_validate({k: v for k, v in row.items() if k not in ("article_id", "revision")})


def test_a_file_with_other_columns_is_refused(tmp_path: Path):
    release = tmp_path / "release"
    shutil.copytree(REPO / "corpus" / "parquet", release)
    [path] = sorted((release / "annotation_sets").glob("*.parquet"))
    table = pq.read_table(path)
    table = table.set_column(table.schema.get_field_index("revision"), "revision", table.column("revision").cast(pa.string()))
    pq.write_table(table, path)
    with pytest.raises(ConversionError, match=r"\[parquet-schema\] .*revision: expected int64, found string"):
        hf_to_labelstudio(release, tmp_path / "tasks.json")
    assert not (tmp_path / "tasks.json").exists()


SCALARS = st.none() | st.integers(-3, 3) | st.text(st.sampled_from(list("aZ9 _.:-!é")), max_size=5) | st.sampled_from(["PERSON", "indirect", "count", "about", "gold", "year", "Q5", "Q0"])


@st.composite
def mutated_rows(draw):
    """The gold row with a few fields (scalars anywhere in it, or whole lists) set to other values of their Arrow type."""
    row = json.loads(json.dumps(GOOD))
    row["label_studio"] = {"project_id": 1, "task_id": 2, "annotation_id": 3, "completed_by": 4, "lead_time": 5.0, "ground_truth": True, "was_cancelled": False, "model_version": None}
    row["figures"][0]["date_inferred"] = ["year"]
    for _ in range(draw(st.integers(1, 3))):
        layer = draw(st.sampled_from(["row", "label_studio", "entities", "claims", "figures"]))
        if layer == "row":
            item = row
        elif layer == "label_studio":
            item = row["label_studio"]
        else:
            item = row[layer][draw(st.integers(0, len(row[layer]) - 1))]
        if layer == "claims" and draw(st.booleans()):
            part = draw(st.sampled_from(["content", "cue", "source"]))
            if part == "content" and (not item["content"] or draw(st.booleans())):
                item["content"] = []
                continue
            item = item["content"][0] if part == "content" else item[part]
            if item is None:
                continue
        if layer == "figures" and draw(st.booleans()):
            item["date_inferred"] = [draw(st.sampled_from(["year", "month", "someday", None]))]
            continue
        key = draw(st.sampled_from(sorted(k for k, v in item.items() if not isinstance(v, (list, dict)) and k not in ("cue", "source", "label_studio", "revision"))))
        value = draw(SCALARS)
        if key in ("start", "end", "project_id", "task_id", "annotation_id", "completed_by"):
            value = value if isinstance(value, int) or value is None else 0
        elif key in ("value", "value_low", "value_high", "lead_time"):
            value = float(value) if isinstance(value, int) else None
        elif key in ("ground_truth", "was_cancelled"):
            value = None if value is None else bool(value)
        elif isinstance(value, int):
            value = str(value)
        item[key] = value
    return row


@seed(20261129)
@settings(max_examples=150, deadline=None)
@given(mutated_rows())
def test_column_checks_refuse_exactly_what_the_model_refuses(row):
    schema = release_schema("annotation_sets", "test")
    batch = pa.Table.from_pylist([row], schema=schema).to_batches()[0]
    found = check_rows(batch, SET_ROW_FIELDS)
    try:
        AnnotationSet.model_validate({k: v for k, v in row.items() if k not in ("article_id", "revision")})
        refused = False
    except ValidationError:
        refused = True
    assert bool(found) == refused, found


def test_a_failed_write_leaves_no_file_and_says_why(tmp_path: Path):
    target = tmp_path / "tasks.json"
    with pytest.raises(TypeError):
        write_json_chunks(target, [(1, b'{"a":1}'), (1, object())])
    assert list(tmp_path.iterdir()) == []
    assert write_json_chunks(target, [(2, b'{"a":1},\n{"b":2}'), (0, b""), (1, b"[]")]) == 3
    assert json.loads(target.read_bytes()) == [{"a": 1}, {"b": 2}, []]


def _broken_release(tmp_path: Path, change, config: str = "annotation_sets") -> Path:
    release = tmp_path / "release"
    if not release.exists():
        shutil.copytree(REPO / "corpus" / "parquet", release)
    [path] = sorted((release / config).glob("*.parquet"))
    rows = pq.read_table(path).to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path)
    return release


def test_a_malformed_hash_is_reported_as_such_and_every_problem_reaches_the_report(tmp_path: Path, capsys):
    def change(rows):
        rows[0]["article_sha256"] = "not a hash"
        rows.append({**rows[1], "set_id": "late"})
        rows[2]["entities"][0]["type"] = "ALIEN"

    release = _broken_release(tmp_path, change)
    report = tmp_path / "report.json"
    code = main(["convert", "--from", "hf", str(release), "--to", "labelstudio", str(tmp_path / "tasks.json"), "--report", str(report)])
    assert code == 1 and not (tmp_path / "tasks.json").exists()
    problems = json.loads(report.read_text(encoding="utf-8"))["problems"]
    assert sorted(p["error_id"] for p in problems) == ["value-pattern", "value-vocabulary"]
    assert "[value-pattern]" in capsys.readouterr().err


def test_sets_of_an_article_apart_are_refused(tmp_path: Path):
    _broken_release(tmp_path, lambda rows: rows.append({**rows[0], "article_id": "another"}), "articles")

    def change(rows):
        rows.append({**rows[0], "set_id": "after"})
        rows.insert(1, {**rows[0], "article_id": "another", "set_id": "between"})

    release = _broken_release(tmp_path, change)
    with pytest.raises(ConversionError) as raised:
        hf_to_labelstudio(release, tmp_path / "tasks.json", batch_rows=1)
    assert [(p.error_id, p.article_id) for p in raised.value.problems] == [("release-unordered", GOOD["article_id"])]
    assert not (tmp_path / "tasks.json").exists()


class _Bounded(AnnotationSet.__base__):
    """A model with a rule the column checks do not apply."""

    score: int = Field(le=5)


def test_a_rule_the_checks_do_not_know_is_an_error_not_a_pass():
    batch = pa.table({"score": pa.array([7])}).to_batches()[0]
    with pytest.raises(TypeError, match="do not know"):
        check_rows(batch, _Bounded.model_fields)
