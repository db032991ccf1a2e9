"""Human-readable renderings of an annotation set: marked-up text and an HTML page."""

from __future__ import annotations

import html

from .model import AnnotationSet, Claim

ENTITY_OPEN, ENTITY_CLOSE = "[", "]"
FIGURE_OPEN, FIGURE_CLOSE = "{", "}"


def _inline_marks(text: str, start: int, end: int, aset: AnnotationSet) -> str:
    """The text between ``start`` and ``end`` with entities as [span]TYPE and figures as {span}kind."""
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in aset.entities:
        if start <= entity.start < end:
            opens.setdefault(entity.start, []).append(ENTITY_OPEN)
            closes.setdefault(entity.end, []).insert(0, f"{ENTITY_CLOSE}{entity.type.value}")
    for figure in aset.figures:
        if start <= figure.start < end:
            opens.setdefault(figure.start, []).append(FIGURE_OPEN)
            closes.setdefault(figure.end, []).insert(0, f"{FIGURE_CLOSE}{figure.kind.value}")
    out = []
    for offset in range(start, end + 1):
        out += closes.get(offset, [])
        out += opens.get(offset, [])
        if offset < end:
            out.append(text[offset])
    return "".join(out)


def _describe_claim(claim: Claim, aset: AnnotationSet) -> str:
    content = " … ".join(s.text for s in claim.content)
    if claim.source is None:
        return f"  claim {claim.id} ({claim.mode.value}): «{content}»"
    entity = next((e for e in aset.entities if e.id == claim.source_entity_id), None)
    refers = f" → {entity.text} ({entity.id})" if entity is not None and entity.text != claim.source.text else ""
    cue = claim.cue.text if claim.cue else "-"
    return f"  claim {claim.id} ({claim.mode.value}): source «{claim.source.text}»{refers}, cue «{cue}»: «{content}»"


def _describe_figure(figure) -> str:
    value = figure.value if figure.value is not None else (
        f"{figure.value_low}..{figure.value_high}" if figure.value_low is not None or figure.value_high is not None else "-"
    )
    parts = [f"{figure.kind.value}", figure.approximation.value, f"value {value}"]
    if figure.unit:
        parts.append(f"unit {figure.unit}")
    if figure.counted:
        parts.append(f"counted «{figure.counted}»")
    if figure.date_value:
        inferred = f" (inferred: {', '.join(p.value for p in figure.date_inferred)})" if figure.date_inferred else ""
        parts.append(f"date {figure.date_value}{inferred}")
    if figure.claim_id:
        parts.append(f"in {figure.claim_id}")
    return f"  figure {figure.id} «{figure.text}»: " + ", ".join(parts)


def render_text(text: str, aset: AnnotationSet) -> str:
    """Each line of the article with its entities and figures marked inline, then its claims and figures."""
    lines_out = [f"set {aset.set_id} ({aset.kind.value}) by {aset.annotator or '-'}: {len(aset.entities)} entities, {len(aset.claims)} claims, {len(aset.figures)} figures",
        "", f"legend: {ENTITY_OPEN}entity{ENTITY_CLOSE}TYPE  {FIGURE_OPEN}figure{FIGURE_CLOSE}kind", ""]
    position = 0
    for number, line in enumerate(text.split("\n"), start=1):
        start, end = position, position + len(line)
        position = end + 1
        lines_out.append(f"{number:>3}  {_inline_marks(text, start, end, aset)}")
        for claim in sorted(aset.claims, key=lambda c: c.content[0].start):
            if start <= claim.content[0].start <= end:
                lines_out.append("     " + _describe_claim(claim, aset).strip())
        for figure in sorted(aset.figures, key=lambda f: f.start):
            if start <= figure.start <= end:
                lines_out.append("     " + _describe_figure(figure).strip())
        lines_out.append("")
    return "\n".join(lines_out)


Mark = tuple[int, int, str, str]
"""A highlighted stretch of text: start, end, CSS classes, hover text."""


def marked_html(text: str, marks: list[Mark]) -> str:
    """The escaped text with each mark as a ``<span>``, line breaks as ``<br>``."""
    events: dict[int, list[str]] = {}
    ends: dict[int, list[str]] = {}
    for start, end, css, tip in sorted(marks, key=lambda m: (m[0], -m[1])):
        events.setdefault(start, []).append(f'<span class="{css}" title="{html.escape(tip)}">')
        ends.setdefault(end, []).append("</span>")
    body = []
    for offset in range(len(text) + 1):
        body += ends.get(offset, [])
        body += events.get(offset, [])
        if offset < len(text):
            body.append("<br>\n" if text[offset] == "\n" else html.escape(text[offset]))
    return "".join(body)


def render_html(text: str, aset: AnnotationSet, title: str) -> str:
    """A standalone page: entities and figures highlighted, claim content underlined, details on hover."""
    marks = [(e.start, e.end, f"ent ent-{e.type.value}", f"{e.id} {e.type.value}") for e in aset.entities]
    marks += [(f.start, f.end, "fig", _describe_figure(f).strip()) for f in aset.figures]
    for claim in aset.claims:
        marks += [(s.start, s.end, f"claim mode-{claim.mode.value}", _describe_claim(claim, aset).strip()) for s in claim.content]
    style = (
        "body{font:16px/1.9 Georgia,serif;max-width:48em;margin:2em auto}"
        ".ent{background:#dbeafe}.fig{background:#fde68a;font-weight:bold}"
        ".claim{border-bottom:2px solid #16a34a}.mode-unattributed{border-bottom-color:#9ca3af}"
        ".mode-direct_quote{border-bottom-color:#dc2626}.mode-mixed{border-bottom-color:#9333ea}"
    )
    return (
        f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title><style>{style}</style></head>"
        f"<body><h1>{html.escape(title)}</h1><p>Entities blue, figures yellow; claim content underlined: green indirect, red direct quote, "
        f"purple mixed, grey unattributed. Hover for details.</p><p>{marked_html(text, marks)}</p></body></html>\n"
    )
