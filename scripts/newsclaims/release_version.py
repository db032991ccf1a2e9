"""The release version is data: a build compares what it publishes with the last release.

Every release folder holds ``release.json`` (version, date, schema version, the version it
moved from and why) and ``release-articles.jsonl``: one line per article, in article id
order, with its revisions, its set ids, its gold counts and a digest of what the release
publishes of it (the published fields of its revisions and its annotation file). The next
build streams both digest files side by side and moves the version:

- major when the schema's major version changed, or an article, a revision or a config is gone;
- minor when articles, revisions, sets or configs were added, or the schema's minor version changed;
- patch when only existing annotations changed (or the schema's patch version);
- not at all when nothing changed: the record, and so every file of the release, stays as it was.

The date is the day (UTC) of the move. A release written before these files existed is read
from its Parquet files: its version, schema version and ids, with no digest to compare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

import orjson

from .errors import NewsclaimsError
from .jsonio import canonical_json
from .store import Corpus

RELEASE_FILE = "release.json"
ARTICLES_FILE = "release-articles.jsonl"
FIRST_VERSION = "1.0.0"
LEGACY_CONFIGS = ("articles", "entities", "claims", "figures", "annotation_sets")
"""The configs of a release whose record does not list them (written before records did)."""
LISTED_ARTICLES = 50
"""Articles named in a release's changes; the counts cover them all."""
GOLD_LAYERS = ("entities", "claims", "figures")


@dataclass(frozen=True)
class ArticleDigest:
    """What a release publishes of one article, reduced to what the next release compares."""

    article_id: str
    revisions: tuple[tuple[int, str], ...]
    set_ids: tuple[str, ...]
    gold: dict[str, int] | None
    sha256: str | None

    def to_line(self) -> bytes:
        data = {"article_id": self.article_id, "revisions": [list(r) for r in self.revisions], "set_ids": list(self.set_ids), "gold": self.gold, "sha256": self.sha256}
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS) + b"\n"

    @classmethod
    def from_line(cls, line: bytes, source: str) -> ArticleDigest:
        try:
            data = orjson.loads(line)
            return cls(data["article_id"], tuple((int(n), str(sha)) for n, sha in data["revisions"]), tuple(data["set_ids"]), data["gold"], data["sha256"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise NewsclaimsError(f"{source}: [release-record-invalid] expected an article digest line, found {line[:80]!r} ({exc})") from None


@dataclass
class ReleaseChanges:
    """What moved between two releases: counts, and the first ``LISTED_ARTICLES`` articles concerned."""

    schema: tuple[str, str] | None = None
    counts: dict[str, int] = field(default_factory=dict)
    articles: list[dict[str, Any]] = field(default_factory=list)

    def count(self, name: str, by: int = 1) -> None:
        if by:
            self.counts[name] = self.counts.get(name, 0) + by

    def note(self, entry: dict[str, Any]) -> None:
        if len(self.articles) < LISTED_ARTICLES:
            self.articles.append(entry)


@dataclass(frozen=True)
class ReleaseInfo:
    version: str
    date: str
    schema_version: str
    previous: str | None
    bump: str
    changes: ReleaseChanges
    configs: tuple[str, ...] = LEGACY_CONFIGS

    def to_json(self) -> dict[str, Any]:
        changes = asdict(self.changes)
        changes["schema"] = list(self.changes.schema) if self.changes.schema else None
        return {
            "release": self.version,
            "date": self.date,
            "schema_version": self.schema_version,
            "previous": self.previous,
            "bump": self.bump,
            "changes": changes,
            "configs": list(self.configs),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str) -> ReleaseInfo:
        if not isinstance(data, dict) or not all(isinstance(data.get(name), str) for name in ("release", "date", "schema_version")):
            raise NewsclaimsError(f"{source}: [release-record-invalid] expected an object whose release, date and schema_version are strings, found {str(data)[:80]!r}")
        try:
            changes = data["changes"]
            return cls(
                version=data["release"],
                date=data["date"],
                schema_version=data["schema_version"],
                previous=data["previous"],
                bump=data["bump"],
                changes=ReleaseChanges(tuple(changes["schema"]) if changes["schema"] else None, dict(changes["counts"]), list(changes["articles"])),
                configs=tuple(data.get("configs", LEGACY_CONFIGS)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise NewsclaimsError(f"{source}: [release-record-invalid] expected release, date, schema_version, previous, bump and changes, found {exc!r} missing or wrong") from None

    def summary(self) -> str:
        """Why this release moved from the previous one, in a few words: ``minor, 1 article added``."""
        if self.previous is None:
            return "first release"
        parts = [self.bump]
        if self.changes.schema:
            parts.append(f"schema {self.changes.schema[0]} -> {self.changes.schema[1]}")
        parts += [_counted(self.changes.counts[name], *CHANGE_WORDS[name]) for name in CHANGE_WORDS if self.changes.counts.get(name)]
        return ", ".join(parts)


CHANGE_WORDS = {
    "articles_added": ("article", "added"),
    "revisions_added": ("revision", "added"),
    "sets_added": ("annotation set", "added"),
    "configs_added": ("config", "added"),
    "articles_changed": ("article", "with changed annotations"),
    "sets_removed": ("annotation set", "removed"),
    "revisions_removed": ("revision", "removed"),
    "articles_removed": ("article", "removed"),
    "configs_removed": ("config", "removed"),
}


def _counted(n: int, noun: str, what: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'} {what}"


def parse_version(version: str, source: str) -> tuple[int, int, int]:
    parts = version.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise NewsclaimsError(f"{source}: [version-invalid] expected a version MAJOR.MINOR.PATCH, found {version!r}")
    major, minor, patch = (int(p) for p in parts)
    return major, minor, patch


def bumped(version: str, bump: str) -> str:
    major, minor, patch = parse_version(version, "release")
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def utc_today() -> str:
    return datetime.now(UTC).date().isoformat()


# -- what a build publishes ---------------------------------------------------------------


def article_digests(corpus: Corpus) -> Iterator[ArticleDigest]:
    """The digest of every article of the corpus, in article id order, one annotation file at a time."""
    records = sorted(corpus.load_manifest().articles, key=lambda r: (r.article_id, r.revision))
    for article_id, group in groupby(records, key=lambda r: r.article_id):
        revisions = list(group)
        path = corpus.annotation_path(article_id)
        annotations = orjson.loads(path.read_bytes()) if path.exists() else None
        if annotations is not None:
            annotations.pop("schema_version", None)
        sets = annotations["sets"] if annotations else []
        published = {"revisions": [r.model_dump(mode="json", exclude={"path"}) for r in revisions], "annotations": annotations}
        gold = {layer: sum(len(s.get(layer, [])) for s in sets if s.get("kind") == "gold") for layer in GOLD_LAYERS}
        yield ArticleDigest(
            article_id=article_id,
            revisions=tuple((r.revision, r.text_sha256) for r in revisions),
            set_ids=tuple(s["set_id"] for s in sets),
            gold=gold,
            sha256=hashlib.sha256(orjson.dumps(published, option=orjson.OPT_SORT_KEYS)).hexdigest(),
        )


def write_article_digests(path: Path, digests: Iterable[ArticleDigest]) -> int:
    """Stream digests into ``path`` (inside a release being staged); the number written."""
    count = 0
    with open(path, "wb") as out:
        for digest in digests:
            out.write(digest.to_line())
            count += 1
    return count


def read_article_digests(path: Path) -> Iterator[ArticleDigest]:
    with open(path, "rb") as lines:
        for line in lines:
            if line.strip():
                yield ArticleDigest.from_line(line, str(path))


# -- the last release ---------------------------------------------------------------------


def read_release(release_dir: Path) -> ReleaseInfo | None:
    """The record of the release in ``release_dir``; None when there is no release there."""
    path = Path(release_dir) / RELEASE_FILE
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise NewsclaimsError(f"{path}: [release-record-invalid] expected JSON, found {exc}") from None
        return ReleaseInfo.from_json(data, str(path))
    return _release_from_parquet(Path(release_dir))


def release_digests(release_dir: Path) -> Iterator[ArticleDigest]:
    """The article digests of the release in ``release_dir``, in article id order."""
    path = Path(release_dir) / ARTICLES_FILE
    if path.exists():
        yield from read_article_digests(path)
    else:
        yield from _digests_from_parquet(Path(release_dir))


def _first_shard(release_dir: Path, config: str) -> Path | None:
    shards = sorted((release_dir / config).glob("*.parquet"))
    return shards[0] if shards else None


def _release_from_parquet(release_dir: Path) -> ReleaseInfo | None:
    from .hf.parquet_io import read_metadata

    shard = _first_shard(release_dir, "articles")
    if shard is None:
        return None
    metadata = read_metadata(shard, check_version=False)
    croissant = release_dir / "croissant.json"
    try:
        date = json.loads(croissant.read_text(encoding="utf-8")).get("datePublished", "") if croissant.exists() else ""
    except (ValueError, AttributeError) as exc:
        raise NewsclaimsError(f"{croissant}: [croissant-invalid] expected a JSON object with datePublished, found {exc}") from None
    version, schema_version = metadata.get("release"), metadata.get("schema_version")
    if not (isinstance(version, str) and isinstance(schema_version, str)):
        raise NewsclaimsError(f"{shard}: [release-record-invalid] expected 'release' and 'schema_version' strings in its metadata, found {version!r} and {schema_version!r}")
    return ReleaseInfo(version, date if isinstance(date, str) else "", schema_version, None, "first", ReleaseChanges())


def _digests_from_parquet(release_dir: Path) -> Iterator[ArticleDigest]:
    """Ids of a release written before its digests were: what was published, not how it read."""
    import pyarrow.parquet as pq

    def column_rows(config: str, columns: list[str]) -> Iterator[dict]:
        for shard in sorted((release_dir / config).glob("*.parquet")):
            for batch in pq.ParquetFile(shard).iter_batches(columns=columns):
                yield from batch.to_pylist()

    revisions: dict[str, list[tuple[int, str]]] = {}
    for row in column_rows("articles", ["article_id", "revision", "text_sha256"]):
        revisions.setdefault(row["article_id"], []).append((row["revision"], row["text_sha256"]))
    set_ids: dict[str, list[str]] = {}
    for row in column_rows("annotation_sets", ["article_id", "set_id"]):
        set_ids.setdefault(row["article_id"], []).append(row["set_id"])
    for article_id in sorted(revisions):
        yield ArticleDigest(article_id, tuple(sorted(revisions[article_id])), tuple(set_ids.get(article_id, ())), None, None)


# -- the next release ---------------------------------------------------------------------


def compare(previous: Iterable[ArticleDigest], current: Iterable[ArticleDigest]) -> ReleaseChanges:
    """What changed from ``previous`` to ``current``, both in article id order, walked side by side."""
    changes = ReleaseChanges()
    old_iter, new_iter = iter(previous), iter(current)
    old, new = next(old_iter, None), next(new_iter, None)
    while old is not None or new is not None:
        if new is not None and (old is None or new.article_id < old.article_id):
            changes.count("articles_added")
            changes.note({"article_id": new.article_id, "change": "added", "revisions": [n for n, _ in new.revisions], "gold": new.gold})
            new = next(new_iter, None)
        elif old is not None and (new is None or old.article_id < new.article_id):
            changes.count("articles_removed")
            changes.note({"article_id": old.article_id, "change": "removed", "revisions": [n for n, _ in old.revisions], "gold": old.gold})
            old = next(old_iter, None)
        else:
            assert old is not None and new is not None, "both sides hold this article"
            _compare_article(old, new, changes)
            old, new = next(old_iter, None), next(new_iter, None)
    return changes


def _compare_article(old: ArticleDigest, new: ArticleDigest, changes: ReleaseChanges) -> None:
    added = [n for n, sha in new.revisions if (n, sha) not in old.revisions]
    removed = [n for n, sha in old.revisions if (n, sha) not in new.revisions]
    sets_added = len(set(new.set_ids) - set(old.set_ids))
    sets_removed = len(set(old.set_ids) - set(new.set_ids))
    changed = old.sha256 is not None and old.sha256 != new.sha256
    if not (added or removed or sets_added or sets_removed or changed):
        return
    changes.count("revisions_added", len(added))
    changes.count("revisions_removed", len(removed))
    changes.count("sets_added", sets_added)
    changes.count("sets_removed", sets_removed)
    if not (added or removed or sets_added):
        changes.count("articles_changed")
    kind = "revised" if added or removed else "sets added" if sets_added else "changed"
    changes.note({"article_id": new.article_id, "change": kind, "revisions": [n for n, _ in new.revisions], "gold": new.gold, "was_gold": old.gold})


def next_release(
    previous: ReleaseInfo | None, changes: ReleaseChanges, schema_version: str, today: str, configs: tuple[str, ...] = LEGACY_CONFIGS
) -> tuple[ReleaseInfo, bool]:
    """The release a build publishes with ``configs``, and whether its version moved from ``previous``."""
    if previous is None:
        return ReleaseInfo(FIRST_VERSION, today, schema_version, None, "first", changes, configs), True
    changes.count("configs_added", len(set(configs) - set(previous.configs)))
    changes.count("configs_removed", len(set(previous.configs) - set(configs)))
    old_schema = parse_version(previous.schema_version, f"release {previous.version}")
    new_schema = parse_version(schema_version, "schema")
    counts = changes.counts
    if old_schema != new_schema:
        changes.schema = (previous.schema_version, schema_version)
    if old_schema[0] != new_schema[0] or any(counts.get(name) for name in ("articles_removed", "revisions_removed", "configs_removed")):
        bump = "major"
    elif old_schema[1] != new_schema[1] or any(counts.get(name) for name in ("articles_added", "revisions_added", "sets_added", "configs_added")):
        bump = "minor"
    elif old_schema != new_schema or counts:
        bump = "patch"
    else:
        return previous, False
    return ReleaseInfo(bumped(previous.version, bump), today, schema_version, previous.version, bump, changes, configs), True


def write_release_record(release_dir: Path, info: ReleaseInfo) -> Path:
    path = Path(release_dir) / RELEASE_FILE
    path.write_text(canonical_json(info.to_json()), encoding="utf-8")
    return path


def describe(info: ReleaseInfo, moved: bool) -> str:
    """``release 1.1.0 (was 1.0.0: minor, 1 article added)``, or ``(unchanged)``."""
    if not moved:
        return f"release {info.version} (unchanged)"
    if info.previous is None:
        return f"release {info.version} (first release)"
    return f"release {info.version} (was {info.previous}: {info.summary()})"
