"""The adjudication page: per article, the passes side by side and the list of conflicts.

Each pass is one column of the article text: items every pass agrees on are marked plainly,
items in a conflict are highlighted. Below the columns, each conflict with each pass's version.
"""

from __future__ import annotations

import html
import json

from .adjudicate import AdjudicationResult, ArticleAdjudication
from .model import AnnotationSet
from .pass_comparison import spans_text
from .show import Mark, _describe_claim, _describe_figure, marked_html

STYLE = (
    "body{font:15px/1.7 Georgia,serif;margin:1.5em}"
    ".passes{display:grid;gap:1em;grid-auto-columns:minmax(20em,1fr);grid-auto-flow:column;overflow-x:auto}"
    ".pass{border:1px solid #d1d5db;padding:.5em 1em}.pass h3{margin:.2em 0;font-family:sans-serif}"
    ".agreed.ent{background:#e0ecff}.agreed.fig{background:#fef3c7}.agreed.claim{border-bottom:2px solid #9ca3af}"
    ".conflict{background:#fecaca;outline:2px solid #dc2626}.conflict.claim{background:none;border-bottom:3px solid #dc2626;outline:none}"
    "table{border-collapse:collapse;font:13px/1.4 sans-serif;margin-top:1em}td,th{border:1px solid #d1d5db;padding:.3em .5em;vertical-align:top}"
    "pre{margin:0;white-space:pre-wrap}.absent{color:#9ca3af;font-style:italic}"
)


def _marks(aset: AnnotationSet, conflicting: set[str]) -> list[Mark]:
    def state(item_id: str) -> str:
        return "conflict" if item_id in conflicting else "agreed"

    marks = [(e.start, e.end, f"ent {state(e.id)}", f"{state(e.id)}: {e.id} {e.type.value}") for e in aset.entities]
    marks += [(f.start, f.end, f"fig {state(f.id)}", f"{state(f.id)}: " + _describe_figure(f).strip()) for f in aset.figures]
    for claim in aset.claims:
        tip = f"{state(claim.id)}: " + _describe_claim(claim, aset).strip()
        marks += [(s.start, s.end, f"claim {state(claim.id)}", tip) for s in claim.content]
    return marks


def _version_cell(versions) -> str:
    if versions == "absent":
        return '<td class="absent">absent</td>'
    body = "\n".join(json.dumps(v, ensure_ascii=False, sort_keys=True) for v in versions)
    return f"<td><pre>{html.escape(body)}</pre></td>"


def _article_section(article: ArticleAdjudication) -> str:
    parts = [f"<h2>{html.escape(article.article_id)} (revision {article.revision})</h2>", f"<p>{html.escape(article.format())}</p>"]
    if not article.text:
        return "\n".join(parts)
    conflicting = article.conflicting_ids()
    columns = [
        f'<div class="pass"><h3>{html.escape(aset.set_id)}</h3><p>by {html.escape(aset.annotator or "-")}</p>'
        f"<p>{marked_html(article.text, _marks(aset, conflicting[aset.set_id]))}</p></div>"
        for aset in article.pass_sets
    ]
    parts.append(f'<div class="passes">{"".join(columns)}</div>')
    report = article.to_dict()
    if report["conflicts"]:
        header = "".join(f"<th>{html.escape(set_id)}</th>" for set_id in article.passes)
        rows = []
        for conflict in report["conflicts"]:
            span = spans_text(conflict["span"])
            cells = "".join(_version_cell(conflict["versions"][set_id]) for set_id in article.passes)
            taken = ", ".join(conflict["taken_from"]) or "-"
            rows.append(f"<tr><td>{conflict['layer']}</td><td>{span}</td><td>{html.escape(conflict['text'])}</td>{cells}<td>{html.escape(taken)}</td></tr>")
        parts.append(f"<table><tr><th>layer</th><th>span</th><th>text</th>{header}<th>taken from</th></tr>{''.join(rows)}</table>")
    return "\n".join(parts)


def render_adjudication_page(result: AdjudicationResult, title: str = "adjudication") -> str:
    """A standalone HTML page of every article adjudicated."""
    sections = "\n".join(_article_section(article) for article in result.articles)
    legend = "<p>Agreed items marked plainly, conflicting ones in red. Hover for details.</p>"
    return (
        f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{STYLE}</style></head>'
        f"<body><h1>{html.escape(title)}</h1>{legend}\n{sections}\n</body></html>\n"
    )
