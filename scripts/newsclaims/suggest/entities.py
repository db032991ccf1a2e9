"""Entity mentions: spaCy's named entities, reshaped by the guidelines' entity rules (E1-E9).

spaCy finds names; the rules here settle what the guidelines decide differently: titles and
determiners outside names, nationality adjectives as NORP, descriptive organisations as their
head noun phrase, hyphenated words whole, "X region" and "X coast" as one name, platforms and
outlets as ORG, and every mention of a name the article uses, not only those spaCy saw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEXT_KEY = "newsclaims_text"

NUMERIC_LABELS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"})
ENTITY_LABELS = frozenset({"PERSON", "NORP", "ORG", "GPE", "LOC", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART", "LANGUAGE"})

DEMONYMS = frozenset(
    "Afghan African American Arab Armenian Asian Australian Austrian Azerbaijani Belarusian Belgian Brazilian British "
    "Bulgarian Canadian Chechen Chinese Croatian Czech Danish Dutch Egyptian English Estonian European Finnish French "
    "Georgian German Greek Hungarian Indian Iranian Iraqi Irish Israeli Italian Japanese Jewish Kazakh Korean Kurdish "
    "Latvian Lebanese Libyan Lithuanian Moldovan Muslim Christian Catholic Orthodox Norwegian Pakistani Palestinian Polish "
    "Portuguese Romanian Russian Saudi Scottish Serbian Slovak Slovenian Soviet Spanish Swedish Swiss Syrian Taiwanese "
    "Turkish Ukrainian Western Yemeni Democrat Democratic Republican".split()
)
"""Nationality, religious and political adjectives that are NORP wherever they stand (E2)."""

PLURAL_DEMONYMS = frozenset(word + "s" for word in DEMONYMS if word.endswith("an"))

LANGUAGE_CONTEXT = frozenset({"in", "speak", "speaks", "spoke", "speaking", "translated", "into"})

ORG_NAMES = frozenset(
    "Reuters AFP AP Bloomberg BBC CNN RBC Interfax TASS RIA Twitter Facebook Telegram Instagram YouTube TikTok "
    "WhatsApp LinkedIn Nato NATO UN EU OSCE IAEA".split()
)
"""Outlets and platforms spaCy sometimes types as a person or a place (E5)."""

WIKIDATA = {
    "Russia": "Q159", "Ukraine": "Q212", "Belarus": "Q184", "Poland": "Q36", "Germany": "Q183", "France": "Q142",
    "China": "Q148", "United States": "Q30", "United Kingdom": "Q145", "Nato": "Q7184", "NATO": "Q7184",
    "European Union": "Q458", "United Nations": "Q1065", "Twitter": "Q918", "Facebook": "Q355", "Reuters": "Q130879",
    "Vladimir Putin": "Q7747",
}
"""Items unambiguous and well known enough to fill in without looking them up."""

TITLES = frozenset(
    "Councillor Councilman Councilwoman Professor Prof. Officer Sergeant Sgt. Inspector Detective Rev. Reverend Father Sister "
    "President Vice Prime Minister Foreign Defence Defense Interior Deputy Governor General Prosecutor Mayor Chancellor "
    "Secretary Senator Sen. Rep. Representative Ambassador Chief Commander Colonel Col. Lieutenant Gen. Major Captain "
    "Spokesman Spokeswoman Spokesperson Adviser Advisor Minister King Queen Prince Princess Pope Patriarch Archbishop "
    "Bishop Judge Justice Dr. Dr Mr. Mr Mrs. Mrs Ms. Ms Sir Lord Lady presidential adviser spokesman spokeswoman".split()
)
"""Title words kept outside a PERSON span (E1)."""

ORG_KEYWORDS = frozenset(
    "Agency Association Authority Bank Board Bureau Command Commission Committee Company Corp Corporation Council Court "
    "Department Forces Foundation Front Fund Group Guard Inc Institute International Ministry Movement News Office "
    "Organisation Organization Party Police Press Service Services Society Times Union United University Watch Cross "
    "Construction Hospital Airlines Airways Energy Systems Instruments Motors Holdings Partners Capital Media Health Labs "
    "Technologies Industries Ltd LLC plc Co Bros Brothers Trust Network Club Church School College Academy".split()
)

ORG_HEADS = frozenset(
    "forces army navy military ministry service staff police government parliament council committee agency "
    "administration command commission cabinet guard guards authorities".split()
)
"""Head nouns of descriptive organisation mentions (E4): "the interior ministry", "Russian forces"."""

NOT_ORG_MODIFIERS = frozenset("main key other many some several own new old entire whole powerful same such more most less fewer".split())

REGION_WORDS = {"region": "GPE", "oblast": "GPE", "province": "GPE", "district": "GPE", "coast": "LOC"}
CITY_NOUNS = frozenset({"city", "port", "town", "village", "capital"})
SPEAKING_FORMS = frozenset(
    "say says said tell tells told add adds added write writes wrote claim claims claimed warn warns warned "
    "announce announces announced state states stated".split()
)


@dataclass
class Mention:
    start: int
    end: int
    type: str
    strong: bool = False
    """Typed by a rule of ours, so its type wins over spaCy's for the same name."""


def find_entities(doc) -> list[dict]:
    """Entity-shaped records (id, start, end, text, type, wikidata) of every mention in ``doc``, sorted by start."""
    text = _text(doc)
    mentions = [m for m in (_from_spacy(doc, ent) for ent in doc.ents if ent.label_ in ENTITY_LABELS) if m is not None]
    mentions += _lexicon_mentions(doc, mentions)
    mentions += _organisation_heads(doc, mentions)
    mentions = _flat(mentions)
    mentions = _every_mention(text, mentions)
    return [
        {"id": f"e{m.start}", "start": m.start, "end": m.end, "text": text[m.start:m.end], "type": m.type, "wikidata": WIKIDATA.get(text[m.start:m.end])}
        for m in mentions
    ]


def _from_spacy(doc, ent) -> Mention | None:
    tokens = list(ent)
    while tokens and (tokens[0].is_punct or tokens[0].lower_ in ("the", "a", "an") or (tokens[0].is_lower and not _joined_right(tokens[0]))):
        tokens.pop(0)
    if ent.label_ == "PERSON":
        while len(tokens) > 1 and tokens[0].text in TITLES:
            tokens.pop(0)
    while tokens and (tokens[-1].is_punct or tokens[-1].lower_ in ("'s", "’s", "'", "’")):
        tokens.pop()
    if not tokens or (tokens[0].is_sent_start and all(t.tag_ in ("NN", "NNS") for t in tokens)):
        return None
    label, strong = ent.label_, False
    words = [t.text for t in tokens]
    name = " ".join(words)
    after = doc[tokens[-1].i + 1] if tokens[-1].i + 1 < len(doc) else None
    before = doc[tokens[0].i - 1] if tokens[0].i > 0 else None
    if name in ORG_NAMES:
        label, strong = "ORG", True
    elif len(tokens) == 1 and (name in DEMONYMS or name in PLURAL_DEMONYMS):
        label, strong = "NORP", True
        if name in DEMONYMS and before is not None and before.lower_ in LANGUAGE_CONTEXT and (after is None or after.pos_ not in ("NOUN", "PROPN", "ADJ")):
            label = "LANGUAGE"
    elif label in ("GPE", "LOC", "ORG") and before is not None and before.lower_ == "of" and before.i > 0 and doc[before.i - 1].lower_ in CITY_NOUNS:
        label, strong = "GPE", True
    elif label == "ORG" and len(tokens) in (2, 3) and _looks_like_person(tokens):
        label = "PERSON"
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
    if after is not None and after.i == tokens[-1].i + 1 and after.lower_ in REGION_WORDS and label in ("GPE", "LOC"):
        label, strong, end = REGION_WORDS[after.lower_], True, after.idx + len(after)
    start, end = _whole_words(_text(doc), start, end)
    return Mention(start, end, label, strong)


def _joined_right(token) -> bool:
    return token.whitespace_ == "" and token.i + 1 < len(token.doc) and token.nbor(1).text == "-"


def _looks_like_person(tokens) -> bool:
    """An ORG of two or three plain capitalised words that speaks (the subject of a reporting verb) is a person spaCy mistyped."""
    if any(t.text in ORG_KEYWORDS or not t.is_title or t.pos_ != "PROPN" for t in tokens):
        return False
    if tokens[0].i > 0 and tokens[0].nbor(-1).lower_ == "the":
        return False
    head = tokens[-1]
    while head.dep_ in ("compound", "flat") and head.head is not head:
        head = head.head
    following = tokens[-1].nbor(1) if tokens[-1].i + 1 < len(tokens[-1].doc) else None
    return (head.dep_ == "nsubj" and head.head.lower_ in SPEAKING_FORMS) or (following is not None and following.lower_ in SPEAKING_FORMS)


_WORD = re.compile(r"[\w’'-]")


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span over a hyphenated word it would cut (E3): "Russian" in "Russian-speaking"."""
    while end + 1 < len(text) and text[end] == "-" and text[end + 1].isalnum():
        end += 1
        while end < len(text) and text[end].isalnum():
            end += 1
    while start > 1 and text[start - 1] == "-" and text[start - 2].isalnum():
        start -= 1
        while start > 0 and text[start - 1].isalnum():
            start -= 1
    return start, end


def _lexicon_mentions(doc, found: list[Mention]) -> list[Mention]:
    """Nationality adjectives (E2), outlets and platforms (E5) spaCy left out."""
    covered = _covered(found)
    mentions = []
    for token in doc:
        if token.idx in covered:
            continue
        if token.text in DEMONYMS:
            start, end = _whole_words(_text(doc), token.idx, token.idx + len(token))
            mentions.append(Mention(start, end, "NORP", True))
        elif token.text in ORG_NAMES:
            mentions.append(Mention(token.idx, token.idx + len(token), "ORG", True))
    return mentions


def _organisation_heads(doc, found: list[Mention]) -> list[Mention]:
    """Descriptive organisation mentions (E4): the head noun with its lower-case modifiers, nothing else."""
    covered = _covered(found)
    mentions = []
    for token in doc:
        if token.lower_ not in ORG_HEADS or token.pos_ not in ("NOUN", "PROPN") or not token.is_lower or token.idx in covered:
            continue
        first = token
        while first.i > 0:
            left = doc[first.i - 1]
            if (
                left.dep_ in ("amod", "compound") and left.head.i >= first.i and left.is_lower and left.is_alpha
                and left.lower_ not in NOT_ORG_MODIFIERS and left.pos_ in ("ADJ", "NOUN", "PROPN", "VERB")
            ):
                first = left
            else:
                break
        before = doc[first.i - 1] if first.i > 0 else None
        framed = first is not token or (before is not None and (before.lower_ in ("the", "its", "their", "'s", "’s") or before.text in DEMONYMS))
        if framed:
            mentions.append(Mention(first.idx, token.idx + len(token), "ORG", True))
    return mentions


def _covered(mentions: list[Mention]) -> set[int]:
    return {i for m in mentions for i in range(m.start, m.end)}


def _flat(mentions: list[Mention]) -> list[Mention]:
    """Flat entity layer: of overlapping mentions keep the one our rules made, then the longer."""
    chosen: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: (not m.strong, -(m.end - m.start), m.start)):
        if all(mention.end <= other.start or mention.start >= other.end for other in chosen):
            chosen.append(mention)
    return sorted(chosen, key=lambda m: m.start)


def _every_mention(text: str, mentions: list[Mention]) -> list[Mention]:
    """Every occurrence of a name the article uses, one type per name (a rule's type wins over spaCy's;
    a surname alone is the person named in full elsewhere in the article)."""
    types: dict[str, str] = {}
    for mention in sorted(mentions, key=lambda m: not m.strong):
        name = text[mention.start:mention.end]
        if name[:1].isupper():
            types.setdefault(name, mention.type)
    surnames = {text[m.start:m.end].split()[-1] for m in mentions if m.type == "PERSON" and " " in text[m.start:m.end]}
    for name in surnames:
        if types.get(name) is not None and types[name] != "PERSON":
            types[name] = "PERSON"
    for mention in mentions:
        name = text[mention.start:mention.end]
        if name in types and not mention.strong:
            mention.type = types[name]
    extra = []
    covered = _covered(mentions)
    for name, label in types.items():
        for match in re.finditer(re.escape(name), text):
            start, end = match.span()
            if (start > 0 and _WORD.match(text[start - 1])) or (end < len(text) and _WORD.match(text[end]) and text[end:end + 2] not in ("’s", "'s")):
                continue
            if any(i in covered for i in range(start, end)):
                continue
            extra.append(Mention(start, end, label))
            covered.update(range(start, end))
    return sorted(mentions + extra, key=lambda m: m.start)


def _text(doc) -> str:
    """The doc's text, kept while our layers run: spaCy rebuilds ``Doc.text`` from its tokens on every access."""
    text = doc.user_data.get(TEXT_KEY)
    if text is None:
        text = doc.user_data[TEXT_KEY] = doc.text
    return text
