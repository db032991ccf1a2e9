"""Claims: attributed statements (source, cue, content, mode) and the writer's own assertions.

Read from spaCy's dependency parse, by the guidelines' claim rules (C1-C11): a reporting verb
(or "according to") is the cue, its subject the source, its complement clause or the quotation
it frames the content; what remains of a sentence that states something is the writer's.
"""

from __future__ import annotations

from dataclasses import dataclass

from .entities import TEXT_KEY

REPORTING_FORMS = frozenset(
    """say says said saying tell tells told add adds added write writes wrote written claim claims claimed
    warn warns warned estimate estimates estimated caution cautions cautioned state states stated announce
    announces announced note notes noted insist insists insisted argue argues argued deny denies denied
    confirm confirms confirmed explain explains explained stress stresses stressed believe believes believed
    suggest suggests suggested allege alleges alleged predict predicts predicted acknowledge acknowledges
    acknowledged admit admits admitted assert asserts asserted declare declares declared reply replies replied
    respond responds responded tweet tweets tweeted post posts posted think thinks thought report reports
    reported refer refers referred make makes made""".split()
)
"""Forms of the verbs that can cue an attribution; "make" only with "clear", "refer" only with "to"."""

MAKE_FORMS = frozenset({"make", "makes", "made"})
REFER_FORMS = frozenset({"refer", "refers", "referred"})
CHANNELS = frozenset(
    "Twitter Facebook Telegram Instagram YouTube TikTok WhatsApp LinkedIn X television TV radio air Instagram".split()
)
"""Where a statement was made, inside the cue (C7): "wrote on Twitter", "said on Facebook"."""

OPENING = {"“": "”", '"': '"'}
CLOSING = frozenset({"”", '"'})
QUOTE_MARKS = frozenset({"“", "”", '"'})
EDGE_PUNCTUATION = ",.;:—–-"
PRONOUN_TYPES = {
    "he": ("PERSON",), "she": ("PERSON",), "him": ("PERSON",), "her": ("PERSON",),
    "it": ("ORG", "GPE"), "they": ("ORG", "NORP", "GPE"), "we": ("ORG", "NORP", "GPE"), "i": ("PERSON",),
}


@dataclass
class Draft:
    """A claim being assembled: character ranges, ids and entity links come last."""

    mode: str
    content: list[tuple[int, int]]
    cue: tuple[int, int] | None = None
    source: tuple[int, int] | None = None
    source_entity_id: str | None = None
    quoted: bool = False


# -- quotations and sentences -------------------------------------------------------------


def quote_regions(text: str) -> list[tuple[int, int]]:
    """(opening mark, closing mark) of every quotation; one left open ends with its line, never later."""
    regions = []
    line_start = 0
    for line in text.split("\n"):
        opened: int | None = None
        for offset, char in enumerate(line):
            at = line_start + offset
            if opened is None and char in OPENING and not (char == '"' and _is_closing_straight(line, offset)):
                opened = at
            elif opened is not None and char in CLOSING and (char == OPENING[text[opened]]):
                regions.append((opened, at))
                opened = None
        if opened is not None:
            regions.append((opened, line_start + len(line.rstrip())))
        line_start += len(line) + 1
    return regions


def _is_closing_straight(line: str, offset: int) -> bool:
    return offset > 0 and line[offset - 1].isalnum() and (offset + 1 == len(line) or not line[offset + 1].isalnum())


def sentence_units(doc, quotes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentences as (start, end): spaCy's sentences cut at line breaks (a heading is its own
    sentence) and joined where a quotation runs on past spaCy's boundary."""
    text = _text(doc)
    pieces: list[tuple[int, int]] = []
    for sent in doc.sents:
        start = sent.start_char
        for part in text[sent.start_char:sent.end_char].split("\n"):
            stripped = part.strip()
            if stripped:
                lead = part.index(stripped[0])
                pieces.append((start + lead, start + lead + len(stripped)))
            start += len(part) + 1
    units: list[tuple[int, int]] = []
    for start, end in pieces:
        if units and "\n" not in text[units[-1][1]:start] and any(q[0] < start <= q[1] for q in quotes if q[0] >= units[-1][0]):
            units[-1] = (units[-1][0], end)
        else:
            units.append((start, end))
    return units


# -- claims -------------------------------------------------------------------------------


def find_claims(doc, entities: list[dict]) -> list[dict]:
    """Claim-shaped records of every statement in ``doc``, in the order of their first content span."""
    text = _text(doc)
    quotes = quote_regions(text)
    drafts: list[Draft] = []
    speakers: list[tuple[int, str]] = []
    for start, end in sentence_units(doc, quotes):
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            continue
        unit_quotes = [q for q in quotes if start <= q[0] < end]
        attributed, frames, used = _attributed(doc, span, unit_quotes, entities)
        for draft in attributed:
            draft.source_entity_id = _source_entity(text, draft.source, entities, speakers)
            if draft.source_entity_id and draft.source is not None:
                speakers.append((draft.source[0], draft.source_entity_id))
        if not attributed and drafts and _continues_quote(text, start, end, unit_quotes, drafts[-1]):
            drafts[-1].content.append(_trimmed(text, start + 1, unit_quotes[0][1]))
            continue
        drafts += attributed
        drafts += _writers_clauses(doc, span, attributed, frames, used)
    return _records(text, drafts)


def _continues_quote(text: str, start: int, end: int, quotes, previous: Draft) -> bool:
    """A sentence that is all quotation, right after a direct quote, goes on with the same speaker's words."""
    if previous.mode != "direct_quote" or len(quotes) != 1:
        return False
    opened, closed = quotes[0]
    return opened == start and text[closed + 1:end].strip(" .,") == "" and previous.content[-1][1] < start


def _attributed(doc, span, quotes, entities) -> tuple[list[Draft], list, set]:
    """The attributed claims of one sentence, their cue tokens and the quotations they took."""
    drafts, frames = [], []
    used_quotes: set[tuple[int, int]] = set()
    cues = _cue_tokens(span)
    for according in _according_tokens(span):
        draft = _according_claim(doc, according, quotes, entities)
        if draft is not None:
            drafts.append(draft)
            frames.append(according)
    for verb in cues:
        cue = _cue_span(verb)
        source = _source_span(doc, verb, entities)
        if cue is None or source is None:
            continue
        complements = _complements(verb)
        if complements:
            for content, quoted in _contents(doc, verb, complements, quotes, span):
                drafts.append(_draft(doc, content, cue, source, quotes, quoted))
                used_quotes.update(q for q in quotes if content[0] <= q[0] + 1 and q[1] <= content[1] + 1)
            if drafts and drafts[-1].mode == "direct_quote":
                after = [q for q in quotes if q not in used_quotes and q[0] >= cue[1]]
                for q in after[:1]:
                    drafts[-1].content.append(_trimmed(_text(doc), q[0] + 1, q[1]))
                    used_quotes.add(q)
        else:
            free = [q for q in quotes if q not in used_quotes and not (q[0] <= verb.idx <= q[1])]
            if not free:
                continue
            pieces = [_trimmed(_text(doc), q[0] + 1, q[1]) for q in free]
            pieces = [p for p in pieces if p[0] < p[1]]
            if not pieces:
                continue
            clause = all(_is_clause(doc, p) for p in pieces) and not _embedded(verb, free)
            drafts.append(Draft("direct_quote" if clause else "mixed", pieces, cue, source, quoted=True))
            used_quotes.update(free)
        frames.append(verb)
    return drafts, frames, used_quotes


def _cue_tokens(span) -> list:
    """Reporting verbs of the sentence that attribute something: not negated (C9), one per stack ("said told")."""
    found: list = []
    for token in span:
        if token.lower_ not in REPORTING_FORMS or token.pos_ not in ("VERB", "AUX") or not token.tag_.startswith("VB"):
            continue
        if any(child.dep_ == "neg" for child in token.children):
            continue
        if token.lower_ in MAKE_FORMS and not _clear(token):
            continue
        if token.lower_ in REFER_FORMS and not any(c.lower_ == "to" for c in token.children):
            continue
        if found and found[-1].i + 1 == token.i and found[-1].whitespace_ and token.lower_ not in MAKE_FORMS:
            continue
        found.append(token)
    return found


def _according_tokens(span) -> list:
    return [t for t in span if t.lower_ == "according" and t.i + 1 < len(t.doc) and t.nbor(1).lower_ == "to"]


def _according_claim(doc, according, quotes, entities) -> Draft | None:
    """"Y, according to X" / "According to X, Y": cue "according to", source X, content Y."""
    to = according.nbor(1)
    target = next((c for c in to.children if c.dep_ == "pobj"), None)
    if target is None:
        return None
    entity = _entity_at(entities, target.idx)
    source = (entity["start"], entity["end"]) if entity is not None else _noun_phrase(doc, target)
    clause = according.head if according.head.i != according.i else None
    if clause is None:
        return None
    frame = {t.i for t in according.subtree}
    tokens = [t for t in clause.subtree if t.i not in frame]
    sentence = according.sent
    tokens = sorted((t for t in tokens if sentence.start <= t.i < sentence.end), key=lambda t: t.i)
    runs: list[list] = []
    for token in tokens:
        if runs and runs[-1][-1].i + 1 == token.i:
            runs[-1].append(token)
        else:
            runs.append([token])
    if not runs:
        return None
    run = max(runs, key=lambda r: r[-1].idx + len(r[-1]) - r[0].idx)
    start, end = _trimmed(_text(doc), run[0].idx, run[-1].idx + len(run[-1]))
    if start >= end:
        return None
    quoted = any(_text(doc)[i] in QUOTE_MARKS for i in range(start, end)) or _edge_quoted(_text(doc), start, end)
    cue = (according.idx, to.idx + len(to))
    return _draft(doc, (start, end), cue, source, quotes, quoted)


def _clear(token):
    return next((c for c in token.children if c.lower_ == "clear" and c.i == token.i + 1), None)


def _cue_span(verb) -> tuple[int, int] | None:
    """The reporting verb with its auxiliaries, particles, stacked verb and channel (C7)."""
    doc = verb.doc
    first = verb
    while first.i > 0 and doc[first.i - 1].dep_ in ("aux",) and doc[first.i - 1].head.i == verb.i:
        first = doc[first.i - 1]
    last = verb
    if last.i + 1 < len(doc) and doc[last.i + 1].lower_ in REPORTING_FORMS and doc[last.i + 1].tag_.startswith("VB"):
        last = doc[last.i + 1]
    clear = _clear(verb) if verb.lower_ in MAKE_FORMS else None
    if clear is not None:
        last = clear
    while last.i + 1 < len(doc) and doc[last.i + 1].dep_ == "prt" and doc[last.i + 1].head.i == verb.i:
        last = doc[last.i + 1]
    if verb.lower_ in REFER_FORMS and last.i + 1 < len(doc) and doc[last.i + 1].lower_ == "to":
        last = doc[last.i + 1]
    if last.i + 2 < len(doc) and doc[last.i + 1].lower_ == "on" and doc[last.i + 2].text in CHANNELS:
        last = doc[last.i + 2]
    return first.idx, last.idx + len(last)


def _subject(verb):
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if subject is None and verb.dep_ == "conj":
        subject = next((c for c in verb.head.children if c.dep_ == "nsubj"), None)
    return subject


def _source_span(doc, verb, entities) -> tuple[int, int] | None:
    """The source (C5): the speaker's entity mention, a pronoun, or its noun phrase without determiner."""
    subject = _subject(verb)
    if subject is None:
        return _adjacent_speaker(doc, verb, entities)
    if subject.pos_ == "PRON":
        return subject.idx, subject.idx + len(subject)
    entity = _entity_at(entities, subject.idx)
    if entity is not None:
        return entity["start"], entity["end"]
    return _noun_phrase(doc, subject)


def _noun_phrase(doc, subject) -> tuple[int, int]:
    """A noun phrase without its determiner, up to its head and "of"-complement (C5)."""
    left = subject
    for child in subject.lefts:
        if child.dep_ not in ("det", "punct", "predet") and child.i < left.i:
            left = child.left_edge if child.left_edge.dep_ not in ("det", "predet") else child
    while left.i < subject.i and (left.dep_ in ("det", "predet", "punct") or left.is_punct):
        left = doc[left.i + 1]
    right = subject
    node = subject
    while True:
        of = next((c for c in node.rights if c.dep_ == "prep" and c.lower_ == "of"), None)
        target = next((c for c in of.rights if c.dep_ == "pobj"), None) if of is not None else None
        if target is None:
            break
        right, node = target, target
    return left.idx, right.idx + len(right)


def _adjacent_speaker(doc, verb, entities) -> tuple[int, int] | None:
    """A speaker written right before a verb the parse left without subject ("… on Iryna Venediktova said")."""
    if verb.i == 0:
        return None
    before = doc[verb.i - 1]
    if before.pos_ == "PRON" and before.lower_ in PRONOUN_TYPES:
        return before.idx, before.idx + len(before)
    entity = _entity_at(entities, before.idx)
    if entity is not None and entity["type"] in ("PERSON", "ORG") and entity["end"] == before.idx + len(before):
        return entity["start"], entity["end"]
    return None


def _entity_at(entities, offset: int) -> dict | None:
    return next((e for e in entities if e["start"] <= offset < e["end"]), None)


def _complements(verb) -> list:
    """The clauses the verb reports (its ccomp), on the stacked verb too; "clear" of "made clear" is none."""
    heads = [verb]
    doc = verb.doc
    if verb.i + 1 < len(doc) and doc[verb.i + 1].lower_ in REPORTING_FORMS and doc[verb.i + 1].head.i == verb.i:
        heads.append(doc[verb.i + 1])
    found = []
    for head in heads:
        for child in head.children:
            if child.dep_ != "ccomp" or child.i in {h.i for h in heads} or child.lower_ == "clear":
                continue
            if child.lower_ in REPORTING_FORMS and not any(g.dep_ in ("nsubj", "mark") for g in child.children):
                continue
            found.append(child)
    if verb.lower_ == "according":
        return []
    return found


def _contents(doc, verb, complements, quotes, unit) -> list[tuple[tuple[int, int], bool]]:
    """Content ranges of the verb's complement clauses: one per "that" (C2), "that" and edge marks
    outside (C3), never past the sentence (a parse may run over a line break)."""
    out = []
    for clause in complements:
        parts = [clause]
        parts += [c for c in clause.children if c.dep_ == "conj" and any(g.dep_ == "mark" for g in c.children)]
        for index, part in enumerate(parts):
            tokens = sorted(part.subtree, key=lambda t: t.i)
            if index == 0:
                cut = {t.i for other in parts[1:] for t in other.subtree}
                tokens = [t for t in tokens if t.i not in cut]
                while tokens and tokens[-1].dep_ == "cc" and tokens[-1].head.i == part.i:
                    tokens.pop()
            tokens = [t for t in tokens if not _inside(t.idx, _cue_span(verb)) and unit.start <= t.i < unit.end]
            tokens = _skip_mark(tokens, part)
            if not tokens:
                continue
            start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
            if index == len(parts) - 1:
                end = min(max(end, _folded_conjunct_end(verb, end)), unit.end_char)
            start, end = _trimmed(_text(doc), start, end)
            if start < end:
                out.append(((start, end), any(_text(doc)[i] in QUOTE_MARKS for i in range(start, end)) or _edge_quoted(_text(doc), start, end)))
    return out


def _skip_mark(tokens, part):
    while tokens and tokens[0].dep_ == "mark" and tokens[0].head.i == part.i:
        tokens = tokens[1:]
    while tokens and (tokens[0].is_punct and tokens[0].text not in QUOTE_MARKS):
        tokens = tokens[1:]
    if len(tokens) > 2 and tokens[0].dep_ == "advmod" and tokens[1].text == ",":
        tokens = tokens[2:]
    return tokens


def _folded_conjunct_end(verb, end: int) -> int:
    """A verb phrase coordinated to the cue after the content, without its own subject, is more of
    what the source says ("It says it is willing …, but will not surrender"): C2."""
    for child in verb.rights:
        if child.dep_ == "conj" and child.idx >= end and not _separate_conjunct(child):
            last = max(child.subtree, key=lambda t: t.i)
            return last.idx + len(last)
    return end


def _separate_conjunct(token) -> bool:
    """A clause coordinated to the cue that the source does not state: it has its own subject, or
    it reports (or fails to report) something itself."""
    own_subject = any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in token.children)
    return own_subject or token.lower_ in REPORTING_FORMS


def _inside(offset: int, span: tuple[int, int] | None) -> bool:
    return span is not None and span[0] <= offset < span[1]


def _edge_quoted(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1] in QUOTE_MARKS) or (end < len(text) and text[end] in QUOTE_MARKS)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Without surrounding space, edge punctuation and edge quotation marks (B1, B2, C3); a closing
    mark inside stays, and a question or exclamation mark stays."""
    while True:
        before = (start, end)
        while start < end and (text[start].isspace() or text[start] in EDGE_PUNCTUATION):
            start += 1
        while end > start and (text[end - 1].isspace() or text[end - 1] in EDGE_PUNCTUATION):
            end -= 1
        if start < end and text[start] in QUOTE_MARKS:
            start += 1
        if end > start and text[end - 1] in QUOTE_MARKS:
            end -= 1
        if (start, end) == before:
            return start, end


def _is_clause(doc, piece: tuple[int, int]) -> bool:
    span = doc.char_span(piece[0], piece[1], alignment_mode="expand")
    return span is not None and any(t.dep_ in ("nsubj", "nsubjpass", "expl") and t.head.pos_ in ("VERB", "AUX") for t in span)


def _embedded(verb, quotes) -> bool:
    """Whether a quotation is part of the verb's own clause (an object, "referred to the “…”"), not a clause it frames."""
    for token in verb.subtree:
        if token.dep_ in ("dobj", "pobj", "attr") and any(q[0] < token.idx < q[1] for q in quotes):
            return True
    return False


def _draft(doc, content: tuple[int, int], cue, source, quotes, quoted: bool) -> Draft:
    text = _text(doc)
    start, end = content
    if not quoted:
        return Draft("indirect", [content], cue, source)
    whole = any(q[0] + 1 <= start and end <= q[1] and not any(m in text[start:end] for m in QUOTE_MARKS) for q in quotes)
    whole = whole and any(text[q[0] + 1:q[1]].strip().rstrip(",.") == text[start:end].rstrip(",.") for q in quotes)
    if whole and _is_clause(doc, content):
        return Draft("direct_quote", [content], cue, source, quoted=True)
    return Draft("mixed", [content], cue, source, quoted=True)


# -- the writer's own claims --------------------------------------------------------------


def _writers_clauses(doc, span, attributed: list[Draft], frames, used_quotes) -> list[Draft]:
    """The writer's assertions (C1, C4, C9): the whole sentence when nothing in it is attributed,
    otherwise each clause coordinated to a cue with a subject of its own, or a failed report."""
    text = _text(doc)
    if not attributed:
        start, end = span.start_char, span.end_char
        while end > start and text[end - 1] in ".\n " or text[end - 1:end].isspace():
            end -= 1
        while start < end and text[start].isspace():
            start += 1
        return [Draft("unattributed", [(start, end)])] if start < end else []
    covered = [c for d in attributed for c in d.content]
    drafts = []
    for verb in frames:
        for child in verb.children:
            if child.dep_ != "conj" or not _separate_conjunct(child) or child.i in {f.i for f in frames}:
                continue
            tokens = sorted(child.subtree, key=lambda t: t.i)
            tokens = [t for t in tokens if t.dep_ != "cc" or t.head.i != child.i]
            if not tokens:
                continue
            start, end = _trimmed(text, tokens[0].idx, tokens[-1].idx + len(tokens[-1]))
            if start < end and not any(c[0] <= start < c[1] for c in covered) and not any(q[0] < start < q[1] for q in used_quotes):
                drafts.append(Draft("unattributed", [(start, end)]))
    return drafts


# -- sources and records ------------------------------------------------------------------


def _source_entity(text: str, source, entities, speakers) -> str | None:
    """The entity the source is (C6), or for a pronoun the nearest earlier mention of its antecedent:
    the last speaker of a compatible type when there is one, else the nearest compatible mention."""
    if source is None:
        return None
    exact = next((e for e in entities if (e["start"], e["end"]) == tuple(source)), None)
    if exact is not None:
        return exact["id"] if exact["type"] != "NORP" else None
    word = text[source[0]:source[1]].lower()
    if word not in PRONOUN_TYPES:
        return None
    types = PRONOUN_TYPES[word]
    earlier = [e for e in entities if e["end"] <= source[0] and e["type"] in types]
    if not earlier:
        return None
    by_id = {e["id"]: e for e in entities}
    for _, speaker_id in reversed(speakers):
        speaker = by_id[speaker_id]
        if speaker["type"] in types and source[0] - speaker["start"] < 600:
            last_word = speaker["text"].split()[-1]
            same = [e for e in earlier if e["text"].split()[-1] == last_word]
            return same[-1]["id"] if same else speaker_id
        break
    return earlier[-1]["id"]


def _span(text: str, start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": text[start:end]}


def _records(text: str, drafts: list[Draft]) -> list[dict]:
    records, seen = [], set()
    for draft in sorted(drafts, key=lambda d: d.content[0]):
        claim_id = f"c{draft.content[0][0]}"
        suffix = 1
        while claim_id in seen:
            suffix += 1
            claim_id = f"c{draft.content[0][0]}-{suffix}"
        seen.add(claim_id)
        records.append(
            {
                "id": claim_id,
                "mode": draft.mode,
                "content": [_span(text, s, e) for s, e in draft.content],
                "cue": _span(text, *draft.cue) if draft.cue else None,
                "source": _span(text, *draft.source) if draft.source else None,
                "source_entity_id": draft.source_entity_id,
            }
        )
    return records


def _text(doc) -> str:
    """The doc's text, kept while our layers run: spaCy rebuilds ``Doc.text`` from its tokens on every access."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text
