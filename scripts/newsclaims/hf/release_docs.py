"""The documents a build rewrites around a release, and the check that they all name its version.

The release version is also written into each config of the card's YAML (``version:``):
``datasets`` keys its cache of a local folder on the card's YAML alone, not on the data files,
so a config whose version does not move with the data would be read back from a stale cache.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from ..errors import NewsclaimsError
from ..jsonio import atomic_write_text
from ..release_version import RELEASE_FILE, read_release
from ..store import Corpus
from .build import BuildResult
from .card import update_docs
from .changelog import CHANGELOG_FILE, newest_version, update_changelog
from .croissant import CROISSANT_FILE
from .parquet_io import METADATA_KEY

CARD_FILE = "README.md"
DATASHEET_FILE = "DATASHEET.md"
_FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n", re.DOTALL)


def with_config_versions(card: str, version: str, source: str) -> str:
    """The card with ``version: "<version>"`` under each ``- config_name:`` of its YAML ``configs``."""
    front = _FRONT_MATTER.match(card)
    if not front or "\nconfigs:\n" not in "\n" + front.group(1):
        raise NewsclaimsError(f"{source}: [card-configs-missing] expected YAML front matter with a 'configs' list, found none")
    out: list[str] = []
    in_configs = False
    lines = front.group(1).splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith((" ", "-")):
            in_configs = line == "configs:"
        out.append(line)
        if in_configs and line.startswith("- config_name:"):
            if index + 1 < len(lines) and lines[index + 1].startswith("  version:"):
                index += 1
            out.append(f'  version: "{version}"')
        index += 1
    return f"---\n{chr(10).join(out)}\n---\n" + card[front.end():]


def card_config_versions(card: str) -> set[str]:
    front = _FRONT_MATTER.match(card)
    data = yaml.safe_load(front.group(1)) if front else {}
    return {str(config.get("version")) for config in (data or {}).get("configs", [])}


def update_card_configs(docs_dir: Path, version: str) -> Path | None:
    path = Path(docs_dir) / CARD_FILE
    current = path.read_text(encoding="utf-8")
    document = with_config_versions(current, version, str(path))
    if document == current:
        return None
    atomic_write_text(path, document)
    return path


def update_release_docs(docs_dir: Path, corpus: Corpus, result: BuildResult) -> list[Path]:
    """After a build: the card's and datasheet's blocks, the card's config versions and the changelog entry."""
    info = result.release
    assert info is not None, "a built release has its version"
    changed = update_docs(Path(docs_dir), corpus, result.release_dir, info.version)
    for path in (update_card_configs(docs_dir, info.version), update_changelog(docs_dir, info)):
        if path is not None and path not in changed:
            changed.append(path)
    return changed


def release_versions(docs_dir: Path, release_dir: Path) -> dict[str, set[str]]:
    """The release version every place names: the record, each Parquet file, Croissant, the card, the datasheet, the changelog."""
    docs_dir, release_dir = Path(docs_dir), Path(release_dir)
    info = read_release(release_dir) if (release_dir / RELEASE_FILE).exists() else None
    places: dict[str, set[str]] = {RELEASE_FILE: {info.version} if info else set()}
    places["parquet metadata"] = {json.loads(pq.read_schema(p).metadata[METADATA_KEY])["release"] for p in sorted(release_dir.glob("*/*.parquet"))}
    croissant = json.loads((release_dir / CROISSANT_FILE).read_text(encoding="utf-8"))
    places["croissant.json version"] = {croissant["version"]}
    places["croissant.json citeAs"] = set(re.findall(r"Release (\S+?)\}", croissant.get("citeAs", "")))
    card = (docs_dir / CARD_FILE).read_text(encoding="utf-8")
    places["README.md statistics"] = set(re.findall(r"^Release (\S+), schema", card, re.MULTILINE))
    places["README.md configs"] = card_config_versions(card)
    datasheet = (docs_dir / DATASHEET_FILE).read_text(encoding="utf-8")
    places["DATASHEET.md statistics"] = set(re.findall(r"^Release (\S+), schema", datasheet, re.MULTILINE))
    changelog = docs_dir / CHANGELOG_FILE
    newest = newest_version(changelog.read_text(encoding="utf-8")) if changelog.exists() else None
    places["CHANGELOG.md newest entry"] = {newest} if newest else set()
    return places
