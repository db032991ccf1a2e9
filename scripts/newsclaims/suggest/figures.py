"""Figures of an article text: every number, quantity, date, time, duration and frequency,
with its kind, approximation, normalized value, unit and what it counts (guidelines section 6).

Spans follow F1/F2: the qualifier, the number and a unit word that belongs to it ("at least
500", "$1.5 billion", "12 per cent", "two weeks"), never the counted noun, a leading article
or a preposition.  The spaCy Doc, when given, only sharpens ``counted``; everything else is
read from the text.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from .dates import find_dates
from .numbers import TENS, UNITS, NumberMatch, find_numbers, parse_number

QUALIFIERS = {
    "about": "about", "around": "about", "some": "about", "nearly": "about", "roughly": "about", "almost": "about",
    "approximately": "about", "approx.": "about", "circa": "about", "an estimated": "about", "estimated": "about",
    "close to": "about", "just over": "more_than", "just under": "less_than", "well over": "more_than",
    "at least": "at_least", "no fewer than": "at_least", "no less than": "at_least", "a minimum of": "at_least",
    "more than": "more_than", "over": "more_than", "upwards of": "more_than", "in excess of": "more_than", "above": "more_than",
    "at most": "at_most", "up to": "at_most", "no more than": "at_most", "a maximum of": "at_most", "as many as": "at_most",
    "as much as": "at_most", "longer than": "more_than", "shorter than": "less_than", "less than": "less_than", "under": "less_than", "fewer than": "less_than", "below": "less_than",
}
_QUALIFIER_RE = re.compile(
    r"\b(?P<q>" + "|".join(re.escape(q).replace(r"\ ", r"\s+") for q in sorted(QUALIFIERS, key=len, reverse=True)) + r")\s+$",
    re.IGNORECASE,
)
_TIME_QUALIFIERS = {
    "about": "about", "around": "about", "approximately": "about", "roughly": "about", "circa": "about",
    "shortly before": "less_than", "just before": "less_than", "shortly after": "more_than", "just after": "more_than",
    "at least": "at_least", "as early as": "at_least", "no earlier than": "at_least", "as late as": "at_most", "no later than": "at_most",
}
_TIME_QUALIFIER_RE = re.compile(r"\b(?P<q>" + "|".join(q.replace(" ", r"\s+") for q in _TIME_QUALIFIERS) + r")\s+$", re.IGNORECASE)

CURRENCY_SYMBOLS = {"US$": "USD", "A$": "AUD", "C$": "CAD", "HK$": "HKD", "$": "USD", "£": "GBP", "€": "EUR", "¥": "JPY", "₴": "UAH", "₽": "RUB"}
_CURRENCY_CODES = ("USD", "EUR", "GBP", "UAH", "RUB", "CNY", "JPY", "CHF", "INR", "CAD", "AUD", "PLN", "TRY")
_CURRENCY_BEFORE_RE = re.compile(r"(?P<cur>US\$|A\$|C\$|HK\$|[$£€¥₴₽]|\b(?:" + "|".join(_CURRENCY_CODES) + r")\s?)$")
CURRENCY_WORDS = [
    (r"(?:US\s+|U\.S\.\s+)?dollars?", "USD"), (r"euros?", "EUR"), (r"pounds?\s+sterling|pounds?(?!\s+of\b)|sterling", "GBP"),
    (r"hryvni?as?|hryvnya", "UAH"), (r"roubles?|rubles?", "RUB"), (r"yuan|renminbi", "CNY"), (r"yen", "JPY"),
    (r"rupees?", "INR"), (r"Swiss\s+francs?", "CHF"), (r"zloty", "PLN"), (r"lira", "TRY"),
    *((code, code) for code in _CURRENCY_CODES),
]
MEASURE_UNITS = [
    (r"square\s+(?:kilometres|kilometers|km)|sq\s+km|km2|km²", "km2"), (r"square\s+(?:miles)|sq\s+miles", "mi2"),
    (r"km/h|kph|kilometres\s+per\s+hour|kilometers\s+per\s+hour", "km/h"), (r"mph|miles\s+per\s+hour", "mph"),
    (r"kilometres?|kilometers?|km", "km"), (r"miles?", "mi"), (r"metres?|meters?|m(?![\w.])", "m"),
    (r"centimetres?|centimeters?|cm", "cm"), (r"millimetres?|millimeters?|mm", "mm"), (r"feet|foot|ft", "ft"),
    (r"inch(?:es)?", "in"), (r"kilograms?|kilos?|kg", "kg"), (r"grams?|g(?![\w.])", "g"),
    (r"tonnes?|metric\s+tons?|tons?", "t"), (r"pounds?(?=\s+of\b)|lbs?", "lb"), (r"litres?|liters?", "l"),
    (r"barrels?(?:\s+per\s+day|\s+a\s+day)?", "bbl"), (r"bcm|billion\s+cubic\s+metres?", "bcm"), (r"cubic\s+metres?|m3", "m3"),
    (r"hectares?|ha", "ha"), (r"acres?", "acre"), (r"degrees?\s+(?:Celsius|centigrade)|°C", "°C"),
    (r"degrees?\s+Fahrenheit|°F", "°F"), (r"degrees?|°", "degree"), (r"megawatts?|MW", "MW"), (r"gigawatts?|GW", "GW"),
    (r"kilowatt[\s-]hours?|kWh", "kWh"), (r"megawatt[\s-]hours?|MWh", "MWh"), (r"calories", "kcal"),
]
TIME_UNITS = {
    "second": ("S", True, 1), "minute": ("M", True, 1), "min": ("M", True, 1), "hour": ("H", True, 1), "hr": ("H", True, 1),
    "day": ("D", False, 1), "week": ("W", False, 1), "fortnight": ("W", False, 2), "month": ("M", False, 1),
    "year": ("Y", False, 1), "decade": ("Y", False, 10), "century": ("Y", False, 100),
}
_TIME_UNIT_RE = re.compile(r"^(?:\s+|-)(?P<unit>seconds?|minutes?|mins?|hours?|hrs?|days?|weeks?|fortnights?|months?|years?|decades?|century|centuries)\b(?!-old|\s+old|\s+ago)", re.IGNORECASE)
_AGE_AFTER_RE = re.compile(r"^(?:-year-old|(?P<years>\s+years?)\s+old|-years-old)\b", re.IGNORECASE)
_AGE_BEFORE_RE = re.compile(r"\b(?:aged|age(?:d| of)?|ages)\s+$", re.IGNORECASE)
_PERCENT_RE = re.compile(r"^(?:\s*%|\s+(?:percentage\s+points?|per\s*cent|percent|pc)\b)", re.IGNORECASE)
_FREQUENCY_RE = re.compile(
    r"\b(?:(?P<count>(?:once|twice|thrice|(?:" + "|".join([*UNITS, *TENS]) + r"|\d+)\s+times)"
    r"(?:\s+or\s+(?P<count2>once|twice|thrice|(?:" + "|".join([*UNITS, *TENS]) + r"|\d+)\s+times))?)\s+(?:a|an|per|each|every)"
    r"|(?P<every>every|each))\s+(?:(?P<n>other|\d+|" + "|".join([*UNITS, *TENS]) + r")\s+)?"
    r"(?P<unit>second|minute|hour|day|week|fortnight|month|year|decade)s?\b",
    re.IGNORECASE,
)
_A_DURATION_RE = re.compile(
    r"\b(?:for|within|in|after|than|about|nearly|almost|around|least|to|over|under|lasted|last|lasting|spent|took|takes)\s+"
    r"(?P<a>\ban?)\s+(?P<unit>hour|day|week|fortnight|month|year|decade|minute|century)\b(?!\s+(?:ago|earlier|later|before))",
    re.IGNORECASE,
)
_HALF_AN_RE = re.compile(r"\bhalf\s+an?\s+(?P<unit>hour|day|minute|year|century)\b|\b(?P<num>a|an|one)\s+and\s+a\s+half\s+(?P<unit2>hours?|days?|weeks?|months?|years?|minutes?)\b", re.IGNORECASE)
IDENTIFIER_NOUNS = {
    "flight", "article", "resolution", "route", "room", "chapter", "section", "highway", "bus", "train", "platform", "gate",
    "terminal", "level", "category", "phase", "stage", "block", "unit", "apollo", "number", "no.", "paragraph", "clause", "item",
    "case", "bill", "amendment", "division", "brigade", "regiment", "battalion", "corps", "army", "zone", "sector", "reactor",
    "line", "channel", "page", "volume", "season", "episode", "game", "district", "ward", "lane", "road", "street", "avenue",
    "boeing", "airbus", "windows", "group", "lot", "model", "version", "grade", "class", "type", "mark", "title", "protocol",
}
_RANGE_GAP_RE = re.compile(
    r"^(?P<unit>\s*%|\s+(?:percent|per\s*cent))?(?:\s*[-–—]\s*|\s+(?P<word>to|and|or)\s+)(?P<cur>US\$|[$£€])?$",
    re.IGNORECASE,
)
_FUNCTION_WORDS = {
    "the", "a", "an", "of", "in", "on", "at", "to", "for", "from", "by", "with", "and", "or", "but", "that", "which", "who",
    "were", "was", "are", "is", "be", "been", "have", "has", "had", "will", "would", "could", "should", "may", "might", "can",
    "than", "as", "per", "more", "less", "fewer", "over", "under", "into", "during", "since", "until", "after", "before",
    "them", "those", "these", "they", "it", "its", "their", "his", "her", "this", "there", "here", "while", "when", "where",
    "so", "far", "now", "ago", "each", "every", "across", "among", "about", "around", "up", "down", "out", "off",
    "said", "says", "say", "not", "also", "still", "only", "just", "all", "both", "some", "many", "most", "other", "others",
    "including", "such", "if", "how", "what", "whom", "whose", "then", "again", "already", "yet", "ever", "even", "do", "did",
}
_LIGHT_VERBS = {"be", "have", "do", "manage", "say", "tell", "report", "estimate", "include", "get", "make", "remain", "become", "need"}


def find_figures(text: str, published: date | None, doc: Any = None) -> list[dict]:
    """Every figure of ``text`` as a plain record shaped like :class:`newsclaims.model.Figure`
    (id ``f`` + start, no ``claim_id``), sorted by start; ``published`` anchors relative dates."""
    figures = [_with_time_qualifier(text, f) for f in find_dates(text, published)]
    taken = [(f["start"], f["end"]) for f in figures]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def claim(record: dict | None) -> None:
        if record is not None and free(record["start"], record["end"]):
            figures.append(record)
            taken.append((record["start"], record["end"]))

    for m in _FREQUENCY_RE.finditer(text):
        claim(_frequency(text, m))
    for m in _HALF_AN_RE.finditer(text):
        claim(_half_duration(m))
    for m in _A_DURATION_RE.finditer(text):
        claim(_with_qualifier(text, _duration(m.start("a"), m.end(), 1.0, m["unit"]), duration=True))
    for m in _MULTIPLIER_RE.finditer(text):
        claim(_multiplier(text, m))
    numbers = [n for n in find_numbers(text) if free(n.start, n.end)]
    numbers = _join_rates(text, numbers, claim)
    for group in _join_ranges(text, numbers):
        claim(_number_figure(text, group, taken))
    figures.sort(key=lambda f: (f["start"], f["end"]))
    for figure in figures:
        if figure["kind"] in ("count", "percent", "ordinal") and figure.get("counted") is None:
            figure["counted"] = _counted(text, figure, figures, doc)
    return [_record(text, f) for f in figures]


# -- numbers -----------------------------------------------------------------------------


def _join_ranges(text: str, numbers: list[NumberMatch]) -> list[list[NumberMatch]]:
    """Group "10 to 15", "10-15", "between 10 and 15", "two or three" into one range."""
    groups: list[list[NumberMatch]] = []
    i = 0
    while i < len(numbers):
        first = numbers[i]
        second = numbers[i + 1] if i + 1 < len(numbers) else None
        if second is not None and first.value is not None and second.value is not None and first.form in ("digits", "words") and second.form in ("digits", "words"):
            gap = _RANGE_GAP_RE.match(text[first.end : second.start])
            before = text[max(0, first.start - 8) : first.start]
            word = (gap["word"] or "").lower() if gap else ""
            between = bool(re.search(r"\bbetween\s+(?:US\$|[$£€])?$", before, re.IGNORECASE))
            from_ = bool(re.search(r"\bfrom\s+(?:US\$|[$£€])?$", before, re.IGNORECASE))
            same_unit = gap is not None and (not gap["unit"] or _PERCENT_RE.match(text[second.end :])) and (not gap["cur"] or _CURRENCY_BEFORE_RE.search(text[max(0, first.start - 4) : first.start]))
            if gap and same_unit and (word != "and" or between) and not (word == "to" and from_) and first.value < second.value * 1.0001 and not (word == "or" and first.form == "digits"):
                groups.append([first, second])
                i += 2
                continue
        groups.append([first])
        i += 1
    return groups


def _number_figure(text: str, group: list[NumberMatch], taken: list[tuple[int, int]]) -> dict | None:
    first, last = group[0], group[-1]
    start, end = first.start, last.end
    record: dict[str, Any] = {"kind": "count", "approximation": "exact", "value": None, "value_low": None, "value_high": None, "unit": None}
    if len(group) == 2:
        low, high = first.value, last.value
        assert low is not None and high is not None, "a range joins two numbers with values"
        scale = _scale_of(text[last.start : last.end])
        if scale and low * scale <= high and not _scale_of(text[first.start : first.end]):
            low *= scale
        record.update(approximation="range", value_low=low, value_high=high)
    elif first.form in ("magnitude", "few", "few_magnitude"):
        record.update(approximation="vague", value_low=first.low, value_high=first.high)
    else:
        record["value"] = first.value
    if first.form in ("fraction", "proportion"):
        record.update(kind="percent", unit="percent")
    elif first.form == "ordinal":
        record["kind"] = "ordinal"

    after = text[end:]
    if first.form in ("digits", "words", "dozen", "magnitude", "few", "few_magnitude"):
        currency = _CURRENCY_BEFORE_RE.search(text[max(0, start - 4) : start])
        percent = _PERCENT_RE.match(after)
        age = _AGE_AFTER_RE.match(after)
        time_unit = _TIME_UNIT_RE.match(after)
        if currency:
            symbol = currency["cur"].strip()
            start -= len(currency["cur"])
            record.update(kind="money", unit=CURRENCY_SYMBOLS.get(symbol, symbol))
        elif (cents := re.match(r"\s+(?P<w>cents|pence|kopecks|kopiykas)\b", after)) and first.form == "digits" and len(group) == 1:
            end += cents.end()
            unit = {"cents": "USD", "pence": "GBP", "kopecks": "RUB", "kopiykas": "UAH"}[cents["w"]]
            record.update(kind="money", unit=unit, value=record["value"] / 100.0)
        elif (word := _match_unit(after, CURRENCY_WORDS)) is not None:
            end += word[0]
            record.update(kind="money", unit=word[1])
        elif percent and first.form not in ("magnitude", "few", "few_magnitude"):
            end += percent.end()
            unit = "percentage point" if "point" in percent.group().lower() else "percent"
            record.update(kind="percent", unit=unit)
        elif len(group) == 1 and first.form == "digits" and (name := _appositive_age(text, start, end)):
            record.update(kind="measure", unit="year", counted=f"age of {name}")
        elif age or _AGE_BEFORE_RE.search(text[max(0, start - 8) : start]):
            if age:
                end += age.end() if age.group().startswith("-") else age.end("years")
            record.update(kind="measure", unit="year", counted="age")
        elif time_unit:
            return _with_qualifier(text, _duration(start, end + time_unit.end(), record, time_unit["unit"]), duration=True)
        elif (measure := _match_unit(after, MEASURE_UNITS)) is not None and first.form in ("digits", "words"):
            end += measure[0]
            record.update(kind="measure", unit=measure[1])
        elif len(group) == 1 and first.form == "digits" and (label := _identifier_before(text, start)):
            record.update(kind="other", counted=f"{label} number")
            return {"start": start, "end": end, **record}
    record.update(start=start, end=end)
    return _with_qualifier(text, record)


def _appositive_age(text: str, start: int, end: int) -> str | None:
    """"Dana Whitcombe, 58, said": an age set off by commas after a person's name."""
    age = parse_number(text[start:end])
    if not re.match(r"[,)]", text[end : end + 1]) or age is None or not 1 <= age <= 120:
        return None
    m = re.search(r"\b(?P<name>[A-Z][a-z’'-]+(?:\s+[A-Z][a-z’'-]+)*)\s*[,(]\s*$", text[max(0, start - 60) : start])
    if not m or m["name"].split()[-1].lower() in _NOT_NAMES:
        return None
    return m["name"]


_NOT_NAMES = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
              "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "in", "on", "by", "and",
              "but", "meanwhile", "however", "today", "yesterday", "also", "since", "so", "then", "still", "now", "overall"}


def _scale_of(words: str) -> float | None:
    match = re.search(r"(million|billion|trillion|thousand|bn|mn|tn)\s*$", words, re.IGNORECASE)
    if not match:
        return None
    return parse_number("1 " + match.group(1)) if match.group(1).lower() in ("million", "billion", "trillion", "thousand") else parse_number("1" + match.group(1))


def _match_unit(after: str, units: list[tuple[str, str]]) -> tuple[int, str] | None:
    for pattern, unit in units:
        m = re.match(rf"(?:\s+|-|)(?:{pattern})(?![\w/²])", after, re.IGNORECASE if unit not in ("m", "g", "°C", "MW", "GW") else 0)
        if m and m.end() > 0:
            return m.end(), unit
    return None


def _identifier_before(text: str, start: int) -> str | None:
    """The label of a numbered thing ("Flight 752" -> "flight")."""
    m = re.search(r"\b(?P<word>[A-Z][a-z]+\.?|No\.)\s+$", text[max(0, start - 20) : start])
    if m and m["word"].lower() in IDENTIFIER_NOUNS:
        return "number" if m["word"] == "No." else m["word"].lower()
    return None


def _with_qualifier(text: str, record: dict, duration: bool = False) -> dict:
    """Take a qualifier just before the figure into its span and its approximation (F1)."""
    if record["approximation"] in ("range",):
        between = re.search(r"\bbetween\s+$", text[max(0, record["start"] - 9) : record["start"]], re.IGNORECASE)
        if between:
            record["start"] -= len(between.group())
        return record
    m = _QUALIFIER_RE.search(text[max(0, record["start"] - 20) : record["start"]])
    if not m or record["kind"] == "ordinal" or (record["kind"] == "other" and record.get("unit") != "times"):
        return record
    if QUALIFIERS[re.sub(r"\s+", " ", m["q"].lower())] == "about" and re.fullmatch(r"(?:one|an?)", text[record["start"] : record["end"]], re.IGNORECASE):
        return record  # "angry about one man": a preposition, not an approximation
    if m["q"].lower() == "over" and _after_plural_noun(text, record["start"] - len(m.group())):
        return record
    word = re.sub(r"\s+", " ", m["q"].lower())
    if record["approximation"] == "vague" and QUALIFIERS[word] != "about":
        return record
    if word in ("some", "estimated", "an estimated") and record["approximation"] == "vague":
        return record
    if word == "estimated" and not re.search(r"\ban\s+$", text[max(0, record["start"] - 15) : record["start"] - len(m.group())]):
        return record
    if word in ("over", "under", "above", "below") and (duration or _preceded_by_verb_particle(text, record["start"] - len(m.group()))):
        return record
    if word in ("longer than", "shorter than") and not duration:
        return record
    record["start"] -= len(m.group())
    if record["approximation"] == "vague":
        return record
    record["approximation"] = QUALIFIERS[word]
    return record


def _after_plural_noun(text: str, start: int) -> bool:
    """"27 witnesses over 19 sittings": "over" after a noun is a preposition."""
    m = re.search(r"\b(?P<w>[a-z]+)\s+$", text[max(0, start - 20) : start])
    return m is not None and m["w"].endswith("s") and m["w"] not in ("is", "was", "has", "does", "says", "this", "its", "his", "as", "us", "thus", "yes", "less")


def _preceded_by_verb_particle(text: str, start: int) -> bool:
    """"turned over 20", "handed over 300": the word is a particle of the verb, not a qualifier."""
    return bool(re.search(r"\b(?:turned|handed|took|taken|taking|handing|turning|passed|went|go|going|fell|fallen|rose|risen|hand|turn|take|pass)\s+$",
        text[max(0, start - 12) : start], re.IGNORECASE))


def _with_time_qualifier(text: str, record: dict) -> dict:
    """"around 3 p.m.", "at least October 28", "as early as Monday": a bound on a date or time."""
    if record["kind"] not in ("time", "date") or record["approximation"] != "exact":
        return record
    m = _TIME_QUALIFIER_RE.search(text[max(0, record["start"] - 20) : record["start"]])
    if m:
        record = {**record, "start": record["start"] - len(m.group()), "approximation": _TIME_QUALIFIERS[re.sub(r"\s+", " ", m["q"].lower())]}
    return record


_MULTIPLIER_RE = re.compile(
    r"\b(?P<n>twice|thrice|(?:" + "|".join([*UNITS, *TENS]) + r"|\d+(?:\.\d+)?)\s+times)(?=\s+(?:the|as|more|higher|larger|bigger|greater|lower|smaller|that|what|its|their)\b)",
    re.IGNORECASE,
)


def _multiplier(text: str, m: re.Match) -> dict | None:
    """"twice the usual rate", "three times as many": a ratio, kind other, unit ``times``."""
    word = m["n"].lower().split()[0]
    value = {"twice": 2.0, "thrice": 3.0}.get(word) or parse_number(word)
    if value is None:
        return None
    record = {"start": m.start(), "end": m.end(), "kind": "other", "approximation": "exact", "value": value,
              "value_low": None, "value_high": None, "unit": "times"}
    return _with_qualifier(text, record)


def _join_rates(text: str, numbers: list[NumberMatch], claim) -> list[NumberMatch]:
    """"48 per 100,000" is one figure: a percent (0.048)."""
    rest: list[NumberMatch] = []
    i = 0
    while i < len(numbers):
        first = numbers[i]
        if i + 1 < len(numbers) and first.form == "digits" and numbers[i + 1].form in ("digits", "words"):
            second = numbers[i + 1]
            if re.fullmatch(r"\s+per\s+", text[first.end : second.start]) and first.value is not None and second.value:
                record = {"start": first.start, "end": second.end, "kind": "percent", "approximation": "exact",
                          "value": first.value * 100.0 / second.value, "value_low": None, "value_high": None, "unit": "percent"}
                claim(_with_qualifier(text, record))
                i += 2
                continue
        rest.append(first)
        i += 1
    return rest


# -- durations and frequencies -------------------------------------------------------------


def _duration(start: int, end: int, record: dict | float, unit_word: str) -> dict:
    """A length of time (F9): ``value`` the number, ``unit`` the singular time unit, ``date_value`` ISO 8601."""
    if not isinstance(record, dict):
        record = {"approximation": "exact", "value": record, "value_low": None, "value_high": None}
    unit = _singular_unit(unit_word)
    designator, clock, factor = TIME_UNITS[unit]
    amount = record.get("value")
    if record["approximation"] == "range":
        date_value = f"P{'T' if clock else ''}{_iso_number(record['value_low'] * factor)}{designator}/P{'T' if clock else ''}{_iso_number(record['value_high'] * factor)}{designator}"
    elif amount is None:
        date_value = f"P{'T' if clock else ''}X{designator}"
    else:
        date_value = f"P{'T' if clock else ''}{_iso_number(amount * factor)}{designator}"
    return {**record, "start": start, "end": end, "kind": "duration", "unit": {"min": "minute", "hr": "hour"}.get(unit, unit), "date_value": date_value}


def _half_duration(m: re.Match) -> dict:
    if m["unit"]:
        return _duration(m.start(), m.end(), 0.5, m["unit"])
    return _duration(m.start(), m.end(), 1.5, m["unit2"])


def _frequency(text: str, m: re.Match) -> dict | None:
    """How often (F10): ``date_value`` the period, ``value`` occurrences per period, ``unit`` the period's unit."""
    unit = _singular_unit(m["unit"])
    designator, clock, factor = TIME_UNITS[unit]
    count_words = (m["count"] or "").lower().split()
    if m["every"] and m["n"] is None and re.search(r"\b(?:of|in|for|on)\s+$", text[max(0, m.start() - 4) : m.start()]):
        return None
    if count_words:
        word = count_words[0]
        occurrences = {"once": 1.0, "twice": 2.0, "thrice": 3.0}.get(word) or parse_number(word)
    else:
        occurrences = 1.0
    if occurrences is None:
        return None
    high = None
    if m["count2"]:
        word2 = m["count2"].lower().split()[0]
        high = {"once": 1.0, "twice": 2.0, "thrice": 3.0}.get(word2) or parse_number(word2)
    n_text = (m["n"] or "").lower()
    period = 2.0 if n_text == "other" else (parse_number(n_text) if n_text else 1.0)
    if period is None:
        return None
    ranged = high is not None and high > occurrences
    return {"start": m.start(), "end": m.end(), "kind": "frequency", "approximation": "range" if ranged else "exact",
            "value": None if ranged else occurrences, "value_low": occurrences if ranged else None, "value_high": high if ranged else None, "unit": unit,
            "date_value": f"P{'T' if clock else ''}{_iso_number(period * factor)}{designator}"}


def _singular_unit(word: str) -> str:
    word = word.lower()
    if word in ("centuries", "century"):
        return "century"
    return word[:-1] if word.endswith("s") and word[:-1] in TIME_UNITS else word


def _iso_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# -- counted -----------------------------------------------------------------------------


def _counted(text: str, figure: dict, figures: list[dict], doc: Any) -> str | None:
    """What a count, percent or ordinal counts, in a few words (F6): the noun phrase the number
    quantifies, with the verb that says what happened to it when a parse is available; for an
    elided noun ("59 of them", "200,000 are"), the noun of the previous count in the sentence."""
    noun = _noun_after(text, figure["end"], doc)
    if noun is None:
        noun = _previous_noun(text, figure, figures)
    if noun is None:
        return None
    verb = _verb_of(doc, figure) if doc is not None else None
    return f"{noun} {verb}" if verb and verb not in noun.split() else noun


_OF_RE = re.compile(r"^\s+of\s+(?:the\s+|its\s+|their\s+|his\s+|her\s+|our\s+|these\s+|those\s+|all\s+)?", re.IGNORECASE)
_WORD_RE = re.compile(r"^\s+(?P<w>[A-Za-z][A-Za-z’'-]*)")


def _noun_after(text: str, end: int, doc: Any) -> str | None:
    position = end
    of = _OF_RE.match(text[position:])
    if of:
        rest = text[position + of.end() :]
        if re.match(r"(?:them|us|those|these|which|whom)\b", rest, re.IGNORECASE):
            return None
        position += of.end() - 1
    if doc is not None:
        return _noun_from_doc(doc, position)
    words: list[str] = []
    while len(words) < 3:
        m = _WORD_RE.match(text[position:])
        if not m or m["w"].lower() in _FUNCTION_WORDS or m["w"].lower().endswith("ly"):
            break
        words.append(m["w"] if m["w"][:1].isupper() and words else m["w"].lower() if not _is_name(m["w"]) else m["w"])
        position += m.end()
        if m["w"].lower().endswith("s") and not m["w"].lower().endswith("ss"):
            break
    return " ".join(words) or None


def _is_name(word: str) -> bool:
    return word[:1].isupper() and word.lower() != word


def _noun_from_doc(doc: Any, position: int) -> str | None:
    tokens = [t for t in doc if t.idx >= position]
    if not tokens:
        return None
    words: list[str] = []
    for token in tokens[:6]:
        if token.pos_ in ("ADJ", "NOUN", "PROPN") and not token.is_punct:
            words.append(token.text if token.pos_ == "PROPN" else token.text.lower())
            if token.pos_ in ("NOUN", "PROPN") and (token.i + 1 >= len(doc) or doc[token.i + 1].pos_ not in ("NOUN", "PROPN")):
                following = _of_name(doc, token)
                return " ".join([*words, *following])
        else:
            break
    return " ".join(words) if words and tokens[len(words) - 1].pos_ in ("NOUN", "PROPN") else None


def _of_name(doc: Any, noun: Any) -> list[str]:
    """"residents of the city of Kharkiv" -> ["of", "Kharkiv"]: a name the noun belongs to."""
    i = noun.i + 1
    if i < len(doc) and doc[i].lower_ == "of":
        names = [t for t in doc[i + 1 : i + 8] if t.pos_ == "PROPN"]
        stop = next(t for t in doc[i + 1 : i + 8] if t.is_punct or t.pos_ in ("VERB", "AUX"))
        names = [t for t in names if stop is None or t.i < stop.i]
        if names:
            run = [names[0]]
            for t in names[1:]:
                if t.i == run[-1].i + 1:
                    run.append(t)
            return ["of", *(t.text for t in run)]
    return []


def _previous_noun(text: str, figure: dict, figures: list[dict]) -> str | None:
    sentence_start = max(text.rfind(mark, 0, figure["start"]) for mark in (". ", "\n", "? ", "! ")) + 1
    if figure["kind"] != "count":
        return None
    for other in reversed([f for f in figures if sentence_start <= f["start"] < figure["start"] and f["kind"] == "count"]):
        noun = _noun_after(text, other["end"], None)
        if noun:
            return noun.split(" of ")[0]
    return None


def _verb_of(doc: Any, figure: dict) -> str | None:
    """The participle or past verb that says what happened to the counted things."""
    tokens = [t for t in doc if figure["start"] <= t.idx < figure["end"]]
    if not tokens:
        return None
    token = tokens[-1]
    while (
        token.dep_ in ("nummod", "quantmod", "compound", "amod", "pobj", "prep", "nmod") and token.head is not token
        and token.head.pos_ in ("NOUN", "PROPN", "NUM", "ADP", "ADJ") and token.head.i != token.i
    ):
        token = token.head
    if token.dep_ in ("nsubj", "nsubjpass"):
        verb = token.head
        for child in verb.children:
            if child.dep_ in ("acomp", "xcomp", "oprd") and child.tag_ in ("VBN", "VBD"):
                return child.text.lower()
        return verb.text.lower() if verb.tag_ in ("VBN", "VBD") and verb.lemma_ not in _LIGHT_VERBS else None
    if token.dep_ == "dobj":
        verb = token.head
        return verb.text.lower() if verb.tag_ in ("VBN", "VBD") and verb.lemma_ not in _LIGHT_VERBS else None
    return None


# -- output ------------------------------------------------------------------------------

_FIELDS = ("kind", "approximation", "value", "value_low", "value_high", "unit", "counted", "date_value", "date_inferred")


def _record(text: str, figure: dict) -> dict:
    start, end = figure["start"], figure["end"]
    while end > start and text[end - 1] in " \t,;:":
        end -= 1
    record = {"id": f"f{start}", "start": start, "end": end, "text": text[start:end]}
    for field in _FIELDS:
        value = figure.get(field)
        record[field] = [] if field == "date_inferred" and value is None else value
    for field in ("value", "value_low", "value_high"):
        if record[field] is not None:
            record[field] = float(record[field])
    return record
