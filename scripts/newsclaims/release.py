"""Facts of the data release that every published file repeats: name, licence, how it was made.

The version and date are data: they live in the release itself (see ``release_version``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from .hf.croissant import CroissantInfo
    from .release_version import ReleaseInfo

PRETTY_NAME = "newsclaims: news articles annotated for entities, claims and figures"
AUTHOR = "the newsclaims maintainers"
ANNOTATION_LICENSE = "CC-BY-4.0"
ANNOTATION_LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
ANNOTATION_LICENSE_COVERS = (
    "The annotations: every entity, claim, figure and annotation set, their offsets, labels, values and notes, "
    "and the article metadata the maintainers recorded (other than headlines)."
)
TEXT_RIGHTS = "Article texts: rights unknown, research use only"
TEXT_RIGHTS_COVERS = (
    "The article texts and headlines (the articles' text and title, and every span's text and token copied from the text): third-party news content whose "
    "rights holder and licence are unknown, included for research on annotation and attribution only; users are "
    "responsible for their own use of them, and a rights holder who objects can ask for an article's removal."
)
LICENSE_FILE = "LICENSE.md"
"""The file that states how each part of the release is licensed; the card's ``license_link``."""
THIRD_PARTY_TEXT_FIELDS = ("text", "title", "cue_text", "source_text", "source_entity_text", "tokens")
"""Columns (and struct members) that hold words of the article: its text, its headline, a span's or a token's copy of the text."""
THIRD_PARTY_TEXT_NOTE = "Words of the article: rights unknown, research use only (see license); not covered by CC-BY-4.0."
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
DATA_COLLECTION_RAW_DATA = (
    "corpus/articles/ keeps the exact bytes of every article revision as received, with its SHA-256 in "
    "corpus/manifest.json; nothing is normalized or corrected."
)
DATA_COLLECTION_TIMEFRAME = ("2026-11-01", "2026-11-30")
"""When the articles were added to the corpus (November 2026, as DATASHEET.md says), not when they were published."""
ANNOTATIONS_PER_ITEM = (
    "Each article is annotated in independent passes (three for the first article: two from the full guidelines, one "
    "from a rules-only version of them), adjudicated into one gold set; the annotation_sets record set lists every set "
    "of every article."
)
ANNOTATION_ANALYSIS = (
    "Agreement of the independent passes only (never gold, candidate, prediction, draft or derived sets): exact and "
    "overlap span F1 per layer, pooled over pairs, with bootstrap intervals over articles, and Krippendorff's alpha "
    "for the attributes of matched items (newsclaims agreement; the tables are in README.md and DATASHEET.md). The "
    "guidelines were written on the first article, so agreement on it measures how faithfully they are followed, not "
    "how well they transfer; the rules-only pass is the better measure of the rules."
)
LIMITATIONS = "Very small (see the statistics); English only; the source and rights of the articles are unknown."


CITATION_FILE = "CITATION.cff"
CITATION_MESSAGE = "If you use this dataset, please cite it as below."


def citation(version: str, date: str) -> str:
    """The BibTeX entry of the release ``version`` published on ``date`` (YYYY-MM-DD)."""
    fields = {"title": "{" + PRETTY_NAME + "}", "author": "{" + AUTHOR + "}", "year": date[:4], "version": version, "note": "Release " + version}
    return "@misc{newsclaims,\n" + ",\n".join(f"  {key} = {{{value}}}" for key, value in fields.items()) + "\n}"


def citation_cff(version: str, date: str) -> str:
    """CITATION.cff (CFF 1.2.0) of the release ``version`` published on ``date``: the same facts as ``citation``."""
    document = {
        "cff-version": "1.2.0",
        "message": CITATION_MESSAGE,
        "type": "dataset",
        "title": PRETTY_NAME,
        "authors": [{"name": AUTHOR}],
        "version": version,
        "date-released": date,
        "abstract": DESCRIPTION + f" Licences: {ANNOTATION_LICENSE} for the annotations; {TEXT_RIGHTS.lower()}; see {LICENSE_FILE}.",
        "keywords": ["attribution", "quotations", "claims", "quantities", "news", "annotated corpus"],
    }
    header = "# Generated by 'newsclaims build' from the release record; do not edit.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100000)


def croissant_info(release: ReleaseInfo) -> CroissantInfo:
    """The Croissant metadata of ``release``: its version and date from the release record, the rest from these facts."""
    from .hf.croissant import CroissantInfo, LicenseTerm

    return CroissantInfo(
        name="newsclaims",
        version=release.version,
        description=PRETTY_NAME + ". " + DESCRIPTION,
        license=(
            LicenseTerm(ANNOTATION_LICENSE, ANNOTATION_LICENSE_COVERS, ANNOTATION_LICENSE_URL),
            LicenseTerm(TEXT_RIGHTS, TEXT_RIGHTS_COVERS),
        ),
        url=None,
        date_published=release.date,
        citation=citation(release.version, release.date),
        creators=(AUTHOR,),
        language=("en",),
        field_notes={name: THIRD_PARTY_TEXT_NOTE for name in THIRD_PARTY_TEXT_FIELDS},
        data_collection=DATA_COLLECTION,
        data_collection_raw_data=DATA_COLLECTION_RAW_DATA,
        data_collection_timeframe=DATA_COLLECTION_TIMEFRAME,
        data_annotation_protocol=ANNOTATION_PROTOCOL,
        data_annotation_platform="Label Studio 1.23 with the generated labeling config; hand-written JSON validated by newsclaims.",
        data_annotation_analysis=ANNOTATION_ANALYSIS,
        annotations_per_item=ANNOTATIONS_PER_ITEM,
        data_preprocessing_protocol="None: article bytes are stored exactly as received; offsets are Unicode code points of that text.",
        data_limitations=LIMITATIONS,
        data_biases="One article on one side of one event, from one unknown outlet: not representative of news in general.",
        personal_sensitive_information="Public figures named in their public roles; casualty figures in aggregate; no private individual.",
        data_use_cases="Research on attribution, quotation and the reporting of numbers; a test bed for annotation tooling.",
        data_social_impact="Figures are what the article reports, not verified facts; do not use them as casualty statistics.",
        data_release_maintenance_plan="Semantic versions with a changelog entry per release; corrections become new article revisions.",
    )
