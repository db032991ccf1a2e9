"""The loss report of an export: every annotation the target format cannot hold, and why."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..jsonio import atomic_write_text

NOT_REPRESENTABLE = "layer-not-representable"
ENTITY_OVERLAP = "entity-overlap"
BOUNDARY_INSIDE_TOKEN = "boundary-inside-token"
CROSSES_SENTENCE = "crosses-sentence"

_PHRASES = {
    NOT_REPRESENTABLE: "{nouns}",
    ENTITY_OVERLAP: "overlapping {nouns}",
    BOUNDARY_INSIDE_TOKEN: "{nouns} with a boundary inside a token",
    CROSSES_SENTENCE: "{nouns} across a sentence boundary",
}
_NOUNS = {
    "entity": ("entity", "entities"),
    "figure": ("figure", "figures"),
    "claim": ("claim", "claims"),
    "claim part": ("claim part", "claim parts"),
}


@dataclass(frozen=True)
class Loss:
    """One annotation (or one part of a claim) left out of an export."""

    article_id: str
    set_id: str
    layer: str
    annotation_id: str
    reason: str
    why: str
    part: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if key != "part" or value is not None}


def counted(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


@dataclass
class ExportReport:
    """What an export wrote and what it could not hold."""

    format: str
    output: str
    set_id: str
    articles: list[str] = field(default_factory=list)
    written: dict[str, int] = field(default_factory=dict)
    losses: list[Loss] = field(default_factory=list)
    articles_without_set: list[str] = field(default_factory=list)

    def lost_phrases(self) -> list[str]:
        groups: dict[tuple[str, str], int] = {}
        for loss in self.losses:
            noun = "claim part" if loss.part else loss.layer
            groups[(noun, loss.reason)] = groups.get((noun, loss.reason), 0) + 1
        phrases = []
        for (noun, reason), count in groups.items():
            singular, plural = _NOUNS.get(noun, (noun, noun + "s"))
            template = _PHRASES.get(reason, "{nouns} (" + reason + ")")
            phrases.append(f"{count} " + template.format(nouns=singular if count == 1 else plural))
        return phrases

    def summary(self, report_path: str | None = None) -> str:
        """``conll: 3 articles, 41 sentences, 120 entity mentions written; 37 figures and 25 claims not representable (see report.json)``"""
        written = ", ".join([counted(len(self.articles), "article"), *(counted(n, noun[0], noun[1]) for noun, n in self._written_nouns())])
        line = f"{self.format}: {written} written"
        phrases = self.lost_phrases()
        if not phrases:
            line += "; nothing lost"
        else:
            listed = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
            line += f"; {listed} not representable ({f'see {report_path}' if report_path else 'run with --report FILE to list them'})"
        if self.articles_without_set:
            line += f"; {counted(len(self.articles_without_set), 'article')} without a set {self.set_id!r}"
        return line

    def _written_nouns(self):
        for noun, count in self.written.items():
            singular = noun[:-3] + "y" if noun.endswith("ies") else noun[:-1] if noun.endswith("s") else noun
            yield (singular, noun), count

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "output": self.output,
            "set_id": self.set_id,
            "articles": self.articles,
            "written": self.written,
            "articles_without_set": self.articles_without_set,
            "losses": [loss.to_dict() for loss in self.losses],
        }

    def write(self, path: Path) -> None:
        atomic_write_text(Path(path), json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
