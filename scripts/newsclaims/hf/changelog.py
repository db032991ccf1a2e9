"""CHANGELOG.md: one entry per release, its list of changes generated from the release's record.

An entry is a ``## <version> — <date>`` heading, a generated block (``newsclaims:release-<version>``)
and whatever the maintainer writes after the block, which later builds keep. Entries without a
block, written by hand, are left alone.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..jsonio import atomic_write_text
from ..release_version import CHANGE_WORDS, ReleaseInfo
from .card import _markers, replace_block

CHANGELOG_FILE = "CHANGELOG.md"
HEADER = "# Changelog\n\n" + "".join(
    line + "\n"
    for line in (
        "One entry per data release, newest first. Versions follow semantic versioning: a major",
        "version changes the schema incompatibly (with migration notes), a minor version adds data",
        "or compatible fields, a patch fixes annotations. `newsclaims build` moves the version when",
        "the data it publishes changes, and writes each entry's list of changes; the maintainers'",
        "notes go below that list and are kept.",
    )
)
GOLD_WORDS = (("entities", "entity mention"), ("claims", "claim"), ("figures", "figure"))


def block_name(version: str) -> str:
    return f"release-{version}"


def _gold(counts: dict[str, int] | None) -> str:
    if counts is None:
        return "unknown"
    return ", ".join(f"{counts.get(layer, 0)} {noun}{'' if counts.get(layer, 0) == 1 else 's'}" for layer, noun in GOLD_WORDS)


def _article_line(entry: dict) -> str:
    revisions = ", ".join(str(n) for n in entry["revisions"])
    line = f"- `{entry['article_id']}` {entry['change']} (revision{'s' if len(entry['revisions']) != 1 else ''} {revisions}; gold: {_gold(entry['gold'])}"
    if entry.get("was_gold") is not None and entry["was_gold"] != entry["gold"]:
        line += f"; was {_gold(entry['was_gold'])}"
    return line + ")."


def entry_block(info: ReleaseInfo) -> str:
    """The generated part of a release's entry: why the version moved and what changed."""
    if info.previous is None:
        lines = [f"First release, schema {info.schema_version}.", ""]
    else:
        lines = [f"{info.bump.capitalize()} release, from {info.previous}.", ""]
    changes = info.changes
    if changes.schema:
        lines.append(f"- Schema {changes.schema[0]} -> {changes.schema[1]} (see schema/).")
    for name, (noun, what) in CHANGE_WORDS.items():
        count = changes.counts.get(name, 0)
        if count:
            lines.append(f"- {count} {noun}{'' if count == 1 else 's'} {what}.")
    if changes.articles:
        lines += ["", "Articles:", ""]
        lines += [_article_line(entry) for entry in changes.articles]
        listed = len(changes.articles)
        concerned = sum(changes.counts.get(name, 0) for name in ("articles_added", "articles_removed", "articles_changed"))
        if concerned > listed:
            lines.append(f"- and more: {listed} of the articles concerned are listed here.")
    return "\n".join(lines)


def _heading(version: str) -> re.Pattern[str]:
    return re.compile(rf"^## {re.escape(version)}(?= |$)", re.MULTILINE)


def rendered_changelog(document: str, info: ReleaseInfo, source: str) -> str:
    """``document`` with the entry of ``info``: its block rewritten, or a new entry above the others."""
    begin, end = _markers(block_name(info.version))
    block = entry_block(info)
    heading = _heading(info.version).search(document)
    if heading:
        if begin not in document[heading.start():]:
            return document
        return replace_block(document, block_name(info.version), block, source)
    entry = f"## {info.version} — {info.date}\n\n{begin}\n{block}\n{end}\n\n"
    first = re.search(r"^## ", document, re.MULTILINE)
    if first is None:
        return document.rstrip("\n") + "\n\n" + entry.rstrip("\n") + "\n"
    return document[: first.start()] + entry + document[first.start():]


def update_changelog(docs_dir: Path, info: ReleaseInfo) -> Path | None:
    """Write the release's entry into ``docs_dir/CHANGELOG.md`` (made when missing); the path when it changed."""
    path = Path(docs_dir) / CHANGELOG_FILE
    current = path.read_text(encoding="utf-8") if path.exists() else HEADER
    document = rendered_changelog(current, info, str(path))
    if path.exists() and document == current:
        return None
    atomic_write_text(path, document)
    return path


def newest_version(document: str) -> str | None:
    """The version of the first entry of a changelog."""
    heading = re.search(r"^## (\S+)", document, re.MULTILINE)
    return heading.group(1) if heading else None
