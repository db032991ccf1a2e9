"""The versioned article store and the corpus layout.

Each revision of an article is one immutable file holding its exact bytes
(``corpus/articles/<article_id>/r<revision>.txt``); ``corpus/manifest.json`` lists every
revision with its SHA-256 and metadata. Nothing here ever rewrites an article file.

The store is a boundary: every path it reads or writes resolves inside the corpus folder
(no absolute path, no ``..``, no link leading out). Its writers hold the corpus's lock and
publish all their files or none (:mod:`.publish`); opening a corpus finishes, or removes,
what a killed writer left.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from pydantic import ValidationError

from .annotation_file import dump_annotation_file
from .errors import AnnotationError, ArticleError, DuplicateArticleError
from .jsonio import canonical_json
from .model import SCHEMA_VERSION, AnnotationFile, AnnotationSet, ArticleRevision, Manifest
from .publish import Publication, fault_point, publishing, recover_abandoned

PLACE = "newsclaims"
"""The name of the corpus's lock file and workspace: ``.newsclaims.lock``, ``.newsclaims.publish/``."""
OUTSIDE = "path-outside-corpus"

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


class OutsideCorpusError(ArticleError):
    """A path of the store leads out of the corpus folder."""


def outside_reason(root: Path, relative: str | Path) -> str | None:
    """Why ``root/relative`` is not inside ``root`` (absolute, climbing out, a link out), or None when it is."""
    parts = Path(relative).parts
    if os.path.isabs(relative) or not parts:
        return "an absolute path" if parts else "an empty path"
    if ".." in parts:
        return "a path climbing out with '..'"
    resolved = (Path(root) / relative).resolve()
    if not resolved.is_relative_to(Path(root).resolve()):
        return f"a link to {resolved}"
    return None


def first_error(exc: ValidationError) -> str:
    """A model's validation error in one line: how many problems, and the first with its place."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "(top)"
    return f"{exc.error_count()} problem(s), first at {where}: {first['msg']} (found {str(first.get('input'))[:60]!r})"


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
        recover_abandoned(self.root, PLACE)

    def writing(self):
        """A context holding the corpus's lock, yielding a :class:`~.publish.Publication` of paths
        relative to the corpus, published together when the block ends."""
        return publishing(self.root, PLACE, f"{self.root}/")

    def inside(self, relative: str | Path, source: str | Path | None = None, article_id: str | None = None) -> Path:
        """``root/relative``, refused unless it resolves inside the corpus folder."""
        reason = outside_reason(self.root, relative)
        if reason is not None:
            where = f" article={article_id}" if article_id else ""
            raise OutsideCorpusError(f"{source or self.root}:{where} [{OUTSIDE}] expected a path inside {self.root}, found {str(relative)!r}, {reason}")
        return self.root / relative

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
            raise ArticleError(f"{self.manifest_path}: [manifest-invalid] expected a manifest, found {first_error(exc)}") from None

    def save_manifest(self, manifest: Manifest) -> None:
        with self.writing() as publication:
            self._stage_manifest(publication, manifest)

    def _stage_manifest(self, publication: Publication, manifest: Manifest) -> None:
        manifest.articles.sort(key=lambda r: (r.article_id, r.revision))
        self.inside("manifest.json")
        publication.write_bytes("manifest.json", canonical_json(manifest.model_dump(mode="json")).encode("utf-8"))

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
        return self.inside(record.path, self.manifest_path, record.article_id).read_bytes()

    def read_text(self, record: ArticleRevision) -> str:
        path = self.inside(record.path, self.manifest_path, record.article_id)
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
        with self.writing() as publication:
            return self._add(publication, data, article_id, source, text, metadata)

    def _add(self, publication: Publication, data: bytes, article_id: str, source: str, text: str, metadata: dict) -> AddResult:
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
            raise ArticleError(f"{source}: article={article_id} [metadata-invalid] {first_error(exc)}") from None
        target = self.inside(relative, source, article_id)
        if os.path.lexists(target):
            raise ArticleError(f"{target}: [article-file-exists] a revision file is never overwritten")
        publication.write_bytes(relative, data)
        manifest.articles.append(record)
        self._stage_manifest(publication, manifest)
        fault_point("add:staged")
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
        """The article's annotation file, or None; a file that does not parse is one line naming it."""
        path = self.annotation_path(article_id)
        if not os.path.lexists(path):
            return None
        self.inside(path.relative_to(self.root), path, article_id)
        try:
            return AnnotationFile.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise AnnotationError(
                f"{path}: article={article_id} [annotation-file-invalid] expected an annotation file, found {first_error(exc)}; run 'newsclaims validate'"
            ) from None

    def save_annotation_files(self, files: list[AnnotationFile]) -> list[Path]:
        """Write several annotation files as one step: all of them or, killed at any instant, none."""
        targets: list[Path] = []
        with self.writing() as publication:
            for annotations in files:
                relative = f"annotations/{annotations.article_id}.json"
                targets.append(self.inside(relative, self.annotation_path(annotations.article_id), annotations.article_id))
                publication.write_bytes(relative, dump_annotation_file(annotations).encode("utf-8"))
                fault_point("annotations:staged")
        return targets

    def save_annotations(self, annotations: AnnotationFile) -> Path:
        return self.save_annotation_files([annotations])[0]

