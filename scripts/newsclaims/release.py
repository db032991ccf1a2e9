"""Facts of the data release that every published file repeats: version, name, licence."""

from __future__ import annotations

RELEASE_VERSION = "1.0.0"
PRETTY_NAME = "newsclaims: news articles annotated for entities, claims and figures"
ANNOTATION_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
RELEASE_DATE = "2026-11-25"
DESCRIPTION = (
    "English news articles annotated over their exact text with entity mentions, claims (source, cue, "
    "content and mode: direct quote, indirect, mixed, unattributed) and figures (kind, normalized value or "
    "bounds, approximation, unit, what is counted, ISO 8601 dates, the claim that carries them)."
)
DATA_COLLECTION = (
    "Articles are added as exact UTF-8 bytes with the metadata that is known; the first article came as a "
    "plain text file with no source, publisher, URL or licence; its publication date (2022-03-16) is inferred "
    "from its content."
)
ANNOTATION_PROTOCOL = (
    "schema/GUIDELINES.md; independent annotation passes measured with newsclaims agreement, adjudicated into "
    "one gold set; every span checked against the text by newsclaims validate."
)
LIMITATIONS = "Very small (see the statistics); English only; the source and rights of the articles are unknown."
CITATION = (
    "@misc{newsclaims,\n  title = {newsclaims: news articles annotated for entities, claims and figures},\n"
    "  author = {{the newsclaims maintainers}},\n  year = {2026},\n  note = {Release " + RELEASE_VERSION + "}\n}"
)
