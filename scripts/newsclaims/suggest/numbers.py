"""Number expressions in English text: where they are and what they are worth.

Knows digits with separators ("1,200", "3.5"), scale words and abbreviations ("1.2 million",
"3bn"), spelled-out numbers ("twenty-five", "two hundred and fifty", "a dozen"), fractions
("a third", "two-thirds", "half"), ordinals ("third", "21st") and the vague magnitudes of
guideline F4 ("hundreds of thousands", "dozens", "several").  It knows nothing of figures'
kinds or units: :mod:`newsclaims.suggest.figures` builds figures from these pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1_000_000_000_000}
SHORT_SCALES = {"k": 1_000, "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000, "bn": 1_000_000_000, "b": 1_000_000_000, "tn": 1_000_000_000_000, "trn": 1_000_000_000_000}

ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
    "fortieth": 40, "fiftieth": 50, "hundredth": 100, "thousandth": 1000, "millionth": 1_000_000,
}
FRACTION_WORDS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4, "fourth": 4, "fourths": 4,
                  "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6, "eighth": 8, "eighths": 8, "tenth": 10, "tenths": 10}

_NUMBER_WORD = "|".join(sorted([*UNITS, *TENS], key=len, reverse=True))
_SCALE_WORD = "|".join(SCALES)
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUMBER_ATOM = rf"(?:{_NUMBER_WORD})(?:-(?:{_NUMBER_WORD}))?"
_AFTER_SCALE = "".join(f"(?<={w})" if i == 0 else f"|(?<={w})" for i, w in enumerate(SCALES))
_SPELLED_TAIL = rf"(?:(?:\s+|-)(?:{_NUMBER_ATOM}|{_SCALE_WORD})|(?:{_AFTER_SCALE})\s+and\s+(?:{_NUMBER_ATOM}))*"
NOT_GLUED_BEFORE = r"(?<![\w.,/:])(?<![A-Za-z]-)"
"""A number starts here only if it is not the tail of a word, a decimal, a time or a hyphenated name (F-16)."""

SCALED_DIGITS_RE = re.compile(
    rf"{NOT_GLUED_BEFORE}(?P<num>{_DIGITS})(?:(?:\s+|-)(?P<word>{_SCALE_WORD})\b(?!-)|(?P<short>bn|mn|mln|trn|tn|[kmb])\b)?(?!\d)(?![.,]\d)",
    re.IGNORECASE,
)
"""Digits with an optional scale: "1,200", "3.5", "1.2 million", "3bn"."""

SPELLED_RE = re.compile(
    rf"\b(?:(?:(?:a|one)\s+and\s+a\s+half\s+|half\s+an?\s+|an?\s+)(?:{_SCALE_WORD})|{_NUMBER_ATOM}){_SPELLED_TAIL}\b(?!-(?:{_NUMBER_WORD}))",
    re.IGNORECASE,
)
"""Spelled-out numbers: "twenty-five", "two hundred and fifty", "a million", "half a million"."""

DOZEN_RE = re.compile(rf"\b(?:(?P<n>{_NUMBER_WORD}|\d+)\s+|(?P<a>an?)\s+|(?P<half>half)\s+a\s+)dozen\b", re.IGNORECASE)

ORDINAL_RE = re.compile(
    rf"\b(?:(?P<digits>\d+)(?:st|nd|rd|th)|(?:(?P<tens>{'|'.join(TENS)})-)?(?P<word>{'|'.join(sorted(ORDINAL_WORDS, key=len, reverse=True))}))\b",
    re.IGNORECASE,
)

# Vague magnitudes (F4), longest first so that "hundreds of thousands" wins over "hundreds".
VAGUE_MAGNITUDES = [
    ("hundreds of millions", 100_000_000), ("tens of millions", 10_000_000), ("hundreds of thousands", 100_000),
    ("tens of thousands", 10_000), ("billions", 1_000_000_000), ("millions", 1_000_000), ("thousands", 1_000),
    ("hundreds", 100), ("dozens", 10), ("tens", 10),
]
VAGUE_MAGNITUDE_RE = re.compile(r"\b(?:" + "|".join(w.replace(" ", r"\s+") for w, _ in VAGUE_MAGNITUDES) + r")\b", re.IGNORECASE)
FEW_WORDS_RE = re.compile(r"\b(?:several|a\s+few|a\s+handful|a\s+couple)\b", re.IGNORECASE)
FEW_MAGNITUDE_RE = re.compile(rf"\b(?P<few>several|a\s+few|a\s+couple\s+of|many)\s+(?P<scale>{_SCALE_WORD})\b", re.IGNORECASE)


def magnitude_bounds(words: str) -> tuple[float, float] | None:
    """The F4 bounds of a vague magnitude: ("hundreds of thousands") -> (100000, 999999)."""
    key = re.sub(r"\s+", " ", words.lower())
    for phrase, low in VAGUE_MAGNITUDES:
        if key == phrase:
            return float(low), float(low * 10 - 1)
    return None


def parse_digits(text: str) -> float:
    return float(text.replace(",", ""))


def parse_spelled(text: str) -> float | None:
    """The value of a spelled-out number ("two hundred and fifty", "a million", "half a million")."""
    words = [w for w in re.split(r"[\s-]+", text.lower()) if w and w != "and"]
    if not words:
        return None
    factor = 1.0
    extra = 0.0
    if words[:2] in (["half", "a"], ["half", "an"]):
        factor, words = 0.5, ["one", *words[2:]]
    elif len(words) >= 4 and words[1:3] == ["a", "half"] and words[0] in ("a", "one"):
        extra, words = 0.5, ["one", *words[3:]]
    if words and words[0] in ("a", "an"):
        words = ["one", *words[1:]]
    total, current = 0.0, 0.0
    seen = False
    for word in words:
        plain = word[:-1] if word.endswith("s") and word[:-1] in SCALES else word
        if plain in UNITS:
            current += UNITS[plain]
        elif plain in TENS:
            current += TENS[plain]
        elif plain == "hundred":
            current = (current or 1) * 100
        elif plain in SCALES:
            total += (current or 1) * SCALES[plain]
            current = 0.0
        else:
            return None
        seen = True
    if not seen:
        return None
    value = total + current
    if extra:
        scale = next((SCALES[w] for w in reversed(words) if w in SCALES), 1)
        value += extra * scale
    return value * factor


def parse_scaled(number: str, scale: str | None) -> float:
    """A digit number times its scale word or abbreviation ("1.2", "million")."""
    value = parse_digits(number)
    if scale:
        key = scale.lower()
        value *= SCALES.get(key) or SHORT_SCALES[key]
    return _tidy(value)


def parse_number(text: str) -> float | None:
    """The value of any plain number expression handled here, or None."""
    text = text.strip()
    match = SCALED_DIGITS_RE.fullmatch(text)
    if match:
        return parse_scaled(match["num"], match["word"] or match["short"])
    dozen = DOZEN_RE.fullmatch(text)
    if dozen:
        if dozen["half"]:
            return 6.0
        count = dozen["n"]
        return 12.0 * (1 if count is None else (float(count) if count.isdigit() else UNITS.get(count.lower(), TENS.get(count.lower(), 1))))
    if SPELLED_RE.fullmatch(text):
        return parse_spelled(text)
    return None


def fraction_percent(numerator: str, denominator_word: str) -> float | None:
    """A fraction as a percentage: ("two", "thirds") -> 66.67; ("a", "half") -> 50."""
    denominator = FRACTION_WORDS.get(denominator_word.lower())
    if denominator is None:
        return None
    count = 1.0 if numerator.lower() in ("a", "an", "one", "") else parse_number(numerator)
    if count is None:
        return None
    return 100.0 * count / denominator


def ordinal_value(text: str) -> float | None:
    match = ORDINAL_RE.fullmatch(text.strip())
    if not match:
        return None
    if match["digits"]:
        return float(match["digits"])
    value = ORDINAL_WORDS[match["word"].lower()]
    if match["tens"]:
        value += TENS[match["tens"].lower()]
    return float(value)


def _tidy(value: float) -> float:
    """Round away binary noise from scaling decimals (1.2 * 10**6)."""
    return float(round(value, 6))


_FRACTION_DEN = "|".join(w for w in FRACTION_WORDS if w not in ("half", "fourth"))
FRACTION_RE = re.compile(
    rf"\b(?P<num>an?|one|{_NUMBER_WORD}|\d+)[\s-]+(?P<den>{_FRACTION_DEN})\b(?!-)"
    r"|\b(?P<half>half)\b(?=\s+(?:of|the|its|their|his|her|our|all|them)\b)"
    r"|(?<=\bthan\s)(?P<half2>half)\b",
    re.IGNORECASE,
)
"""Fractions of a whole: "a third", "two-thirds", "three quarters", "half of"."""

ONE_IN_RE = re.compile(
    rf"\b(?P<a>one|{_NUMBER_WORD}|\d+)\s+(?:in|out\s+of)\s+(?:every\s+)?(?P<n>{_NUMBER_WORD}|\d+)\b(?!\s*(?:percent|per\s+cent|%))",
    re.IGNORECASE,
)
"""Proportions "one in five", "three out of ten"."""

_NOT_A_NUMBER_ONE = re.compile(
    r"(?:\b(?:no|the|this|that|which|every|any|each|little|last|only|such|another)\s+|[’']\s*)$", re.IGNORECASE
)
_ONE_PRONOUN_AFTER = re.compile(r"^\s*(?:another|who|whom|whose|that|which|else|[’']s\b)", re.IGNORECASE)
_ORDINAL_IDIOMS = re.compile(r"\bat\s+first\b|\bfirst\s+of\s+all\b|\bfor\s+a\s+second\b|\bfirst-hand\b|\bsecond-hand\b", re.IGNORECASE)
CURRENCY_SYMBOLS = "$£€¥₴₽"

# Priority among candidates of equal length: lower wins.
_PRIORITY = {"fraction": 0, "proportion": 0, "few_magnitude": 1, "magnitude": 1, "dozen": 2, "digits": 3, "words": 3, "ordinal": 4, "few": 5}


@dataclass(frozen=True)
class NumberMatch:
    """A number expression in the text: ``value`` is None for vague quantities, whose F4
    bounds, when the words name an order of magnitude, are ``low`` and ``high``.  The "a" of
    "a dozen", "a third" or "a million" is the number one, so it is part of the expression."""

    start: int
    end: int
    form: str
    value: float | None = None
    low: float | None = None
    high: float | None = None


def find_numbers(text: str) -> list[NumberMatch]:
    """Every number expression of ``text``, non-overlapping, sorted by start."""
    candidates: list[NumberMatch] = []
    for m in SCALED_DIGITS_RE.finditer(text):
        short = m["short"]
        if short and short.lower() in ("k", "m", "b") and not (m.start() > 0 and text[m.start() - 1] in CURRENCY_SYMBOLS):
            end = m.end("num")
            candidates.append(NumberMatch(m.start(), end, "digits", parse_digits(m["num"])))
            continue
        candidates.append(NumberMatch(m.start(), m.end(), "digits", parse_scaled(m["num"], m["word"] or short)))
    for m in SPELLED_RE.finditer(text):
        if _is_pronoun_one(text, m):
            continue
        value = parse_spelled(m.group())
        if value is not None:
            candidates.append(NumberMatch(m.start(), m.end(), "words", value))
    for m in DOZEN_RE.finditer(text):
        candidates.append(NumberMatch(m.start(), m.end(), "dozen", parse_number(m.group())))
    for m in FRACTION_RE.finditer(text):
        if m["num"]:
            value = fraction_percent(m["num"], m["den"])
            singular = not m["den"].lower().endswith("s")
            if value is None or (singular and m["num"].lower() not in ("a", "an", "one")):
                continue
            if singular and re.match(r"\s+(?!(?:of|less|more|fewer|lower|higher|smaller|larger|bigger|than)\b)[a-z]", text[m.end() :]):
                continue  # "a third shift" is an ordinal
        else:
            value = 50.0
        candidates.append(NumberMatch(m.start(), m.end(), "fraction", value))
    for m in ONE_IN_RE.finditer(text):
        count, whole = parse_number(m["a"]), parse_number(m["n"])
        if count and whole and count < whole:
            candidates.append(NumberMatch(m.start(), m.end(), "proportion", 100.0 * count / whole))
    for m in FEW_MAGNITUDE_RE.finditer(text):
        low = float(SCALES[m["scale"].lower()])
        candidates.append(NumberMatch(m.start(), m.end(), "few_magnitude", None, low, low * 10 - 1))
    for m in VAGUE_MAGNITUDE_RE.finditer(text):
        if m.group().lower() == "tens" and not re.match(r"\s+of\b", text[m.end():]):
            continue
        bound_low, bound_high = magnitude_bounds(m.group()) or (None, None)
        candidates.append(NumberMatch(m.start(), m.end(), "magnitude", None, bound_low, bound_high))
    for m in FEW_WORDS_RE.finditer(text):
        candidates.append(NumberMatch(m.start(), m.end(), "few"))
    idioms = [(m.start(), m.end()) for m in _ORDINAL_IDIOMS.finditer(text)]
    for m in ORDINAL_RE.finditer(text):
        if any(s <= m.start() < e for s, e in idioms):
            continue
        candidates.append(NumberMatch(m.start(), m.end(), "ordinal", ordinal_value(m.group())))
    return resolve_overlaps(candidates)


def resolve_overlaps(candidates: list[NumberMatch]) -> list[NumberMatch]:
    """Keep the longest of overlapping candidates (ties by priority), in text order."""
    ranked = sorted(candidates, key=lambda c: (-(c.end - c.start), _PRIORITY.get(c.form, 9), c.start))
    kept: list[NumberMatch] = []
    for cand in ranked:
        if all(cand.end <= k.start or cand.start >= k.end for k in kept):
            kept.append(cand)
    return sorted(kept, key=lambda c: c.start)


def _is_pronoun_one(text: str, m: re.Match) -> bool:
    if m.group().lower() != "one":
        return False
    return bool(_NOT_A_NUMBER_ONE.search(text[max(0, m.start() - 12) : m.start()]) or _ONE_PRONOUN_AFTER.match(text[m.end() :]))
