"""The versioned article store and the corpus layout.

Each revision of an article is one immutable file holding its exact bytes
(``corpus/articles/<article_id>/r<revision>.txt``); ``corpus/manifest.json`` lists every
revision with its SHA-256 and metadata. Nothing here ever rewrites an article file.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic import ValidationError

from .annotation_file import dump_annotation_file
from .errors import ArticleError, DuplicateArticleError
from .jsonio import atomic_write_bytes, write_canonical_json
from .model import SCHEMA_VERSION, AnnotationFile, AnnotationSet, ArticleRevision, Manifest

METADATA_FIELDS = ("title", "publisher", "url", "published", "published_inferred", "language", "rights", "note")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_article(data: bytes, source: str) -> str:
    """Decode article bytes as strict UTF-8, naming the file and the first bad byte on failure."""
    try:
        return data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise ArticleError(
            f"{source}: [article-not-utf8] expected UTF-8 text, found byte 0x{data[exc.start]:02x} "
            f"at byte offset {exc.start} ({exc.reason})"
        ) from None


class AddStatus(str, Enum):
    ADDED = "added"
    UNCHANGED = "unchanged"
    NEW_REVISION = "new revision"


@dataclass(frozen=True)
class AddResult:
    status: AddStatus
    revision: ArticleRevision


class Corpus:
    """A corpus folder: articles, manifest, annotation files and the Parquet release."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    @property
    def articles_dir(self) -> Path:
        return self.root / "articles"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def annotations_dir(self) -> Path:
        return self.root / "annotations"

    @property
    def parquet_dir(self) -> Path:
        return self.root / "parquet"

    def annotation_path(self, article_id: str) -> Path:
        return self.annotations_dir / f"{article_id}.json"

    def annotation_paths(self) -> list[Path]:
        return sorted(self.annotations_dir.glob("*.json")) if self.annotations_dir.is_dir() else []

    # -- manifest -----------------------------------------------------------------------

    def load_manifest(self) -> Manifest:
        if not self.manifest_path.exists():
            return Manifest(schema_version=SCHEMA_VERSION)
        try:
            return Manifest.model_validate_json(self.manifest_path.read_bytes())
        except ValidationError as exc:
            raise ArticleError(f"{self.manifest_path}: [manifest-invalid] {exc}") from None

    def save_manifest(self, manifest: Manifest) -> None:
        manifest.articles.sort(key=lambda r: (r.article_id, r.revision))
        write_canonical_json(self.manifest_path, manifest.model_dump(mode="json"))

    def revisions(self, article_id: str) -> list[ArticleRevision]:
        return [r for r in self.load_manifest().articles if r.article_id == article_id]

    def latest(self, article_id: str) -> ArticleRevision:
        revisions = self.revisions(article_id)
        if not revisions:
            raise ArticleError(f"{self.manifest_path}: article={article_id} [unknown-article] no such article in the store")
        return max(revisions, key=lambda r: r.revision)

    def latest_revisions(self) -> list[ArticleRevision]:
        latest: dict[str, ArticleRevision] = {}
        for record in self.load_manifest().articles:
            if record.article_id not in latest or record.revision > latest[record.article_id].revision:
                latest[record.article_id] = record
        return [latest[key] for key in sorted(latest)]

    def by_sha256(self, sha: str) -> ArticleRevision | None:
        return next((r for r in self.load_manifest().articles if r.text_sha256 == sha), None)

    def read_bytes(self, record: ArticleRevision) -> bytes:
        return (self.root / record.path).read_bytes()

    def read_text(self, record: ArticleRevision) -> str:
        path = self.root / record.path
        data = path.read_bytes()
        if sha256_hex(data) != record.text_sha256:
            raise ArticleError(
                f"{path}: article={record.article_id} [article-hash-mismatch] expected sha256 "
                f"{record.text_sha256}, found {sha256_hex(data)}"
            )
        return decode_article(data, str(path))

    # -- adding -------------------------------------------------------------------------

    def add(self, data: bytes, article_id: str, source: str = "<bytes>", **metadata: object) -> AddResult:
        """Store ``data`` as a revision of ``article_id``.

        Identical bytes are a no-op; other bytes under an existing id become its next
        revision (metadata not given is carried over); bytes stored under another id raise
        :class:`DuplicateArticleError`.
        """
        unknown = set(metadata) - set(METADATA_FIELDS)
        if unknown:
            raise ArticleError(f"unknown metadata field(s): {sorted(unknown)}; expected some of {list(METADATA_FIELDS)}")
        text = decode_article(data, source)
        if not text:
            raise ArticleError(f"{source}: [article-empty] expected some text, found an empty file")
        sha = sha256_hex(data)
        manifest = self.load_manifest()
        same_bytes = [r for r in manifest.articles if r.text_sha256 == sha]
        for record in same_bytes:
            if record.article_id == article_id:
                return AddResult(AddStatus.UNCHANGED, record)
        if same_bytes:
            other = same_bytes[0]
            raise DuplicateArticleError(
                f"{source}: article={article_id} [duplicate-article] these bytes (sha256 {sha}) are already "
                f"stored as article={other.article_id} revision={other.revision}"
            )
        previous = [r for r in manifest.articles if r.article_id == article_id]
        revision = max((r.revision for r in previous), default=0) + 1
        carried = {}
        if previous:
            last = max(previous, key=lambda r: r.revision)
            carried = {name: getattr(last, name) for name in METADATA_FIELDS}
        carried.update({k: v for k, v in metadata.items() if v is not None})
        relative = f"articles/{article_id}/r{revision}.txt"
        try:
            record = ArticleRevision(
                article_id=article_id,
                revision=revision,
                path=relative,
                text_sha256=sha,
                n_bytes=len(data),
                n_chars=len(text),
                **carried,
            )
        except ValidationError as exc:
            raise ArticleError(f"{source}: article={article_id} [metadata-invalid] {exc}") from None
        target = self.root / relative
        if target.exists():
            raise ArticleError(f"{target}: [article-file-exists] a revision file is never overwritten")
        atomic_write_bytes(target, data)
        manifest.articles.append(record)
        self.save_manifest(manifest)
        return AddResult(AddStatus.NEW_REVISION if previous else AddStatus.ADDED, record)

    # -- annotations --------------------------------------------------------------------

    def revision_of(self, aset: AnnotationSet) -> ArticleRevision:
        """The stored revision an annotation set is pinned to (by hash)."""
        record = self.by_sha256(aset.article_sha256)
        if record is None:
            raise ArticleError(f"set={aset.set_id} [unknown-revision] no stored revision has sha256 {aset.article_sha256}")
        return record

    def set_pairs(self, set_a: str, set_b: str, article_ids: list[str] | None = None) -> list[tuple[AnnotationSet, AnnotationSet]]:
        """(set a, set b) of every article that has both, in article order."""
        pairs = []
        for record in self.latest_revisions():
            if article_ids and record.article_id not in article_ids:
                continue
            annotations = self.load_annotations(record.article_id)
            sets = {s.set_id: s for s in annotations.sets} if annotations else {}
            if set_a in sets and set_b in sets:
                pairs.append((sets[set_a], sets[set_b]))
        return pairs

    def load_annotations(self, article_id: str) -> AnnotationFile | None:
        path = self.annotation_path(article_id)
        if not path.exists():
            return None
        return AnnotationFile.model_validate_json(path.read_bytes())

    def save_annotation_files(self, files: list[AnnotationFile]) -> list[Path]:
        """Write several annotation files as one step: all are staged first, then renamed into place."""
        staged: list[tuple[Path, Path]] = []
        try:
            for annotations in files:
                target = self.annotation_path(annotations.article_id)
                stage = target.with_name(f".{target.name}.staged")
                atomic_write_bytes(stage, dump_annotation_file(annotations).encode("utf-8"))
                staged.append((stage, target))
            for stage, target in staged:
                os.replace(stage, target)
        finally:
            for stage, _ in staged:
                stage.unlink(missing_ok=True)
        return [target for _, target in staged]

    def save_annotations(self, annotations: AnnotationFile) -> Path:
        path = self.annotation_path(annotations.article_id)
        atomic_write_bytes(path, dump_annotation_file(annotations).encode("utf-8"))
        return path

