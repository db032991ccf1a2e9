"""Dates and times of day, normalized to ISO 8601 and anchored on the publication date (F7, F8).

A date states some of its parts and takes the others from the publication date; every part
taken is listed in ``date_inferred``.  A weekday is the publication day when it is the same
weekday, otherwise the nearest such day before it, or after it when the clause is in the
future.  A month or day without a year takes the publication year, or the year before when
that would put a past event after the publication.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)(?:\.(?=\s*\d))?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_END = r"(?![\w-])"

MONTH_DAY_RE = re.compile(rf"\b(?:(?P<wd>{_WEEKDAY}),?\s+)?(?P<month>{_MONTH})\s+(?P<day>{_DAY})(?:,?\s+(?P<year>{_YEAR}))?{_END}")
DAY_MONTH_RE = re.compile(rf"\b(?:(?P<wd>{_WEEKDAY}),?\s+)?(?:the\s+)?(?P<day>{_DAY})(?:\s+of)?\s+(?P<month>{_MONTH})(?:,?\s+(?P<year>{_YEAR}))?{_END}")
MONTH_YEAR_RE = re.compile(rf"\b(?P<month>{_MONTH})(?:\s+of)?,?\s+(?P<year>{_YEAR}){_END}")
MONTH_RE = re.compile(rf"\b(?:(?P<rel>last|next|this|Last|Next|This)\s+)?(?P<month>{_MONTH}){_END}")
YEAR_RANGE_RE = re.compile(rf"\b(?:(?P<lead>between|from)\s+)?(?P<y1>{_YEAR})\s*(?:[-–/]|\s+(?:to|and|through|until)\s+)(?P<y2>{_YEAR}|\d\d){_END}", re.IGNORECASE)
FISCAL_RE = re.compile(rf"\b(?:fiscal(?:\s+year)?\s+|FY\s?)(?P<year>{_YEAR}|\d\d){_END}")
YEAR_RE = re.compile(rf"(?<![\w.,$£€-])(?P<year>{_YEAR}){_END}(?!,\d)")
DECADE_RE = re.compile(r"\b(?P<decade>1[89]\d0|20[0-9]0)s\b|(?<=\s)[’']?(?P<short>[2-9]0)s\b")
WEEKDAY_RE = re.compile(rf"\b(?:(?P<rel>last|next|this|Last|Next|This)\s+)?(?P<wd>{_WEEKDAY}){_END}")
RELATIVE_DAY_RE = re.compile(r"\b(?P<word>today|yesterday|tomorrow)\b", re.IGNORECASE)
RELATIVE_PERIOD_RE = re.compile(r"\b(?P<rel>last|next|this)\s+(?P<unit>week|month|year)\b", re.IGNORECASE)
AGO_RE = re.compile(
    r"\b(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(?P<unit>days?|weeks?|months?|years?)\s+ago\b",
    re.IGNORECASE,
)
QUARTER_RE = re.compile(rf"\bQ(?P<q>[1-4])\s+(?P<year>{_YEAR}){_END}")
QUARTER_WORDS_RE = re.compile(rf"\b(?P<q>first|second|third|fourth)[\s-]quarter\b(?:\s+of\s+(?P<year>{_YEAR}))?", re.IGNORECASE)
_QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
CLOCK_RE = re.compile(
    r"(?<![\w.:])(?P<h>[01]?\d|2[0-3])(?P<sep>[:.])(?P<m>[0-5]\d)(?:\s*(?P<ampm>[ap])\.?\s?m\b\.?)?(?![\d:])"
    r"|(?<![\w.:])(?P<h2>1[0-2]|0?[1-9])\s*(?P<ampm2>[ap])\.?\s?m\b\.?"
    r"|(?<![\w.:])(?P<h3>1[0-2]|0?[1-9])\s+o[’']clock\b"
    r"|(?<![\w.:])(?P<hhmm>[01]\d|2[0-3])(?P<mm>[0-5]\d)\s+(?=(?:GMT|UTC|BST|CET|EST|EDT|PST|PDT)\b)",
    re.IGNORECASE,
)
NAMED_TIME_RE = re.compile(r"\b(?P<word>noon|midday|midnight)\b", re.IGNORECASE)

_SMALL = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
_DATE_PREPOSITIONS = re.compile(
    r"(?:\b(?:in|since|by|until|till|from|to|of|during|before|after|between|and|early|late|mid|the|year|around|through|throughout|for|on|at|than|spring|summer|autumn|fall|winter|end|start)\s*[-–]?\s*|[’']s?\s*|[(,]\s*)$",
    re.IGNORECASE,
)
_FUNCTION_WORDS = {
    "and", "or", "to", "when", "as", "after", "before", "while", "but", "that", "the", "a", "an", "in", "on", "at", "for", "with",
    "from", "by", "of", "was", "were", "is", "are", "had", "has", "have", "will", "would", "could", "saw", "until", "since",
}
_FUTURE = re.compile(
    r"\b(?:will|shall|wo|should|could|would|might|going\s+to|is\s+due|are\s+due|due\s+to|is\s+set\s+to|are\s+set\s+to|(?:is|are)\s+scheduled|scheduled|plans?\s+to|planned\s+for|(?:is|are)\s+expected|is\s+to|are\s+to)\b|[’']ll\b",
    re.IGNORECASE,
)
_PRESENT = re.compile(
    r"\b(?!during\b|including\b|according\b|morning\b|evening\b|nothing\b|something\b|anything\b|everything\b|building\b|meeting\b|spring\b|thing\b|king\b|bring\b)\w{3,}ing\b",
    re.IGNORECASE,
)
_PAST = re.compile(
    r"\b(?:said|says|was|were|had|did|told|took|came|went|began|fell|rose|met|left|saw|gave|made|won|lost|held|sent|brought|"
    r"got|struck|fought|fled|flew|drove|ran|wrote|spoke|broke|chose|knew|led|paid|sold|spent|stood|thought|found|kept|"
    r"became|shot|hit|cut|put|set|\w{3,}ed)\b",
    re.IGNORECASE,
)


def find_dates(text: str, published: date | None) -> list[dict]:
    """Every date and time of day in ``text``, as figure records without id and claim_id, non-overlapping."""
    found: list[dict] = []

    def add(start: int, end: int, kind: str, date_value: str | None, inferred: list[str], **extra) -> None:
        if date_value is None:
            return
        if any(start < f["end"] and f["start"] < end for f in found):
            return
        found.append({"start": start, "end": end, "text": text[start:end], "kind": kind, "approximation": "exact",
                      "date_value": date_value, "date_inferred": inferred, **extra})

    for m in CLOCK_RE.finditer(text):
        add(m.start(), m.end() if not m["hhmm"] else m.end("mm"), "time", _clock_value(m), [])
    for m in NAMED_TIME_RE.finditer(text):
        end_of_day = m["word"].lower() == "midnight" and re.search(r"\b(?:before|until|till|by)\s+$", text[max(0, m.start() - 8) : m.start()])
        add(m.start(), m.end(), "time", "T24:00" if end_of_day else {"noon": "T12:00", "midday": "T12:00", "midnight": "T00:00"}[m["word"].lower()], [])
    for m in YEAR_RANGE_RE.finditer(text):
        y1, y2 = int(m["y1"]), _full_year(m["y2"], int(m["y1"]))
        if y2 is None or y2 <= y1 or y2 - y1 > 30:
            continue
        start = m.start("y1") if (m["lead"] or "").lower() == "from" else m.start()
        add(start, m.end(), "date", f"{y1}/{y2}", [])
    for m in FISCAL_RE.finditer(text):
        year = _full_year(m["year"], published.year if published else 2000)
        add(m.start(), m.end(), "date", str(year) if year else None, [])
    for m in QUARTER_RE.finditer(text):
        add(m.start(), m.end(), "date", f"{m['year']}-Q{m['q']}", [])
    for m in QUARTER_WORDS_RE.finditer(text):
        add(m.start(), m.end(), "date", *_quarter(text, m, published))
    for regex in (MONTH_DAY_RE, DAY_MONTH_RE):
        for m in regex.finditer(text):
            month, day = MONTHS[m["month"].rstrip(".").lower()], int(re.sub(r"(?:st|nd|rd|th)$", "", m["day"]))
            if m["year"]:
                value, inferred = _iso(int(m["year"]), month, day), []
            elif published is None:
                value, inferred = f"XXXX-{month:02d}-{day:02d}", ["year"]
            else:
                year = _year_for(month, day, published, tense_near(text, m.start()))
                value, inferred = _iso(year, month, day), ["year"]
            start = m.start("day") if regex is DAY_MONTH_RE and text[m.start():m.start("day")].lower().endswith("the ") and not m["wd"] else m.start()
            add(start, m.end(), "date", value, inferred)
    for m in MONTH_YEAR_RE.finditer(text):
        add(m.start(), m.end(), "date", f"{int(m['year']):04d}-{MONTHS[m['month'].rstrip('.').lower()]:02d}", [])
    for m in AGO_RE.finditer(text):
        add(m.start(), m.end(), "date", *_ago(m, published))
    for m in RELATIVE_PERIOD_RE.finditer(text):
        add(m.start(), m.end(), "date", *_relative_period(m["rel"].lower(), m["unit"].lower(), published))
    for m in RELATIVE_DAY_RE.finditer(text):
        if published is None:
            continue
        shift = {"today": 0, "yesterday": -1, "tomorrow": 1}[m["word"].lower()]
        add(m.start(), m.end(), "date", (published + timedelta(days=shift)).isoformat(), ["year", "month", "day"])
    for m in WEEKDAY_RE.finditer(text):
        add(m.start(), m.end(), "date", *_weekday(text, m, published))
    for m in MONTH_RE.finditer(text):
        if not _is_month_word(text, m):
            continue
        add(m.start(), m.end(), "date", *_month_alone(text, m, published))
    for m in DECADE_RE.finditer(text):
        decade = m["decade"] or f"19{m['short']}"
        add(m.start(), m.end(), "date", decade[:3], [] if m["decade"] else ["year"])
    for m in YEAR_RE.finditer(text):
        if _is_year(text, m):
            add(m.start(), m.end(), "date", m["year"], [])
    return sorted(found, key=lambda f: (f["start"], f["end"]))


def tense_near(text: str, start: int) -> str | None:
    """The tense of the clause around ``start``: "future", "past", "present" (a progressive such
    as "ending in June") or None, from the nearest marker before it in the sentence or, with
    none before, the first one after it."""
    sentence_start = max(text.rfind(mark, 0, start) for mark in ("\n", "? ", "! ", "; ", ". ")) + 1
    before = text[sentence_start:start]
    markers = sorted(
        [(m.end(), "future") for m in _FUTURE.finditer(before)]
        + [(m.end(), "past") for m in _PAST.finditer(before)]
        + [(m.end(), "present") for m in _PRESENT.finditer(before)],
        key=lambda marker: marker[0],
    )
    if markers:
        position, tense = max(markers, key=lambda marker: (marker[0], marker[1] == "future"))
        if tense == "past" and any(tense_ == "future" and position - end < 25 for end, tense_ in markers):
            return "future"  # "will stay closed until": a participle after a future auxiliary
        return tense
    after = re.split(r"[,;!?\n]|\.\s+[A-Z]", text[start:], maxsplit=1)[0]
    firsts = [(m.start(), tense) for regex, tense in ((_FUTURE, "future"), (_PAST, "past"), (_PRESENT, "present")) if (m := regex.search(after))]
    return min(firsts)[1] if firsts else None


def is_future(text: str, start: int) -> bool:
    return tense_near(text, start) == "future"


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _year_for(month: int, day: int, published: date, tense: str | None) -> int:
    if tense == "past" and (month, day) > (published.month, published.day):
        return published.year - 1
    if tense == "future" and (month, day) < (published.month, published.day):
        return published.year + 1
    return published.year


def _full_year(digits: str, near: int) -> int | None:
    if len(digits) == 4:
        return int(digits)
    century = near // 100 * 100
    return century + int(digits)


def _clock_value(m: re.Match) -> str | None:
    if m["hhmm"]:
        return f"T{m['hhmm']}:{m['mm']}"
    hour_text, minute, ampm = (m["h"], m["m"], m["ampm"]) if m["h"] else (m["h2"] or m["h3"], "00", m["ampm2"])
    hour = int(hour_text)
    if ampm:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
    elif m["h"] and m["sep"] == ".":
        return None  # "3.45" without a.m./p.m. is a decimal, not a time
    return f"T{hour:02d}:{minute}"


def _ago(m: re.Match, published: date | None) -> tuple[str | None, list[str]]:
    if published is None:
        return None, []
    n_text = m["n"].lower()
    n = int(n_text) if n_text.isdigit() else _SMALL[n_text]
    unit = m["unit"].lower().rstrip("s")
    if unit == "day":
        return (published - timedelta(days=n)).isoformat(), ["year", "month", "day"]
    if unit == "week":
        iso = (published - timedelta(weeks=n)).isocalendar()
        return f"{iso.year}-W{iso.week:02d}", ["year", "month", "day"]
    if unit == "month":
        year, month = divmod(published.year * 12 + published.month - 1 - n, 12)
        return f"{year:04d}-{month + 1:02d}", ["year", "month"]
    return f"{published.year - n:04d}", ["year"]


def _relative_period(rel: str, unit: str, published: date | None) -> tuple[str | None, list[str]]:
    if published is None:
        return None, []
    step = {"last": -1, "this": 0, "next": 1}[rel]
    if unit == "week":
        iso = (published + timedelta(weeks=step)).isocalendar()
        return f"{iso.year}-W{iso.week:02d}", ["year", "month", "day"]
    if unit == "month":
        year, month = divmod(published.year * 12 + published.month - 1 + step, 12)
        return f"{year:04d}-{month + 1:02d}", ["year", "month"]
    return f"{published.year + step:04d}", ["year"]


def _quarter(text: str, m: re.Match, published: date | None) -> tuple[str | None, list[str]]:
    """A calendar quarter as an interval of months ("third quarter" -> 2022-07/2022-09)."""
    first_month = 3 * _QUARTERS[m["q"].lower()] - 2
    if m["year"]:
        year, inferred = int(m["year"]), ["month"]
    elif published is None:
        return None, []
    else:
        year, inferred = published.year, ["year", "month"]
        if first_month > published.month and tense_near(text, m.start()) == "past":
            year -= 1
    return f"{year:04d}-{first_month:02d}/{year:04d}-{first_month + 2:02d}", inferred


def _weekday(text: str, m: re.Match, published: date | None) -> tuple[str | None, list[str]]:
    if published is None:
        return f"XXXX-WXX-{WEEKDAYS[m['wd'].lower()] + 1}", ["year", "month", "day"]
    target = WEEKDAYS[m["wd"].lower()]
    rel = (m["rel"] or "").lower()
    back = (published.weekday() - target) % 7
    ahead = (target - published.weekday()) % 7
    if rel == "last":
        shift = -(back or 7)
    elif rel == "next":
        shift = ahead or 7
    elif back == 0:
        shift = 0
    else:
        shift = ahead if is_future(text, m.start()) else -back
    return (published + timedelta(days=shift)).isoformat(), ["year", "month", "day"]


def _is_month_word(text: str, m: re.Match) -> bool:
    """A month name standing alone is a month unless it is a name's part (Theresa May) or a
    sentence-initial word that may be something else (May I, March on)."""
    word = m["month"]
    if word.endswith(".") or (len(word) <= 4 and word not in ("May", "June", "July")):
        return False
    before = text[max(0, m.start() - 30) : m.start()]
    if re.search(r"[A-Z][\w’']*\s+$", before) and not re.search(r"\b(?:In|Since|By|Until|From|Last|Next|This|Early|Late|During|Before|After)\s+$", before):
        return False
    sentence_initial = not before.strip() or re.search(r"[.!?\n“\"]\s*$", before)
    if word == "May":
        return bool(m["rel"]) or bool(_DATE_PREPOSITIONS.search(before))
    return not sentence_initial or bool(m["rel"])


def _month_alone(text: str, m: re.Match, published: date | None) -> tuple[str | None, list[str]]:
    month = MONTHS[m["month"].lower()]
    if published is None:
        return f"XXXX-{month:02d}", ["year"]
    rel = (m["rel"] or "").lower()
    if rel == "last":
        year = published.year if month < published.month else published.year - 1
    elif rel == "next":
        year = published.year if month > published.month else published.year + 1
    else:
        tense = tense_near(text, m.start())
        year = published.year
        if tense == "past" and month > published.month:
            year -= 1
        elif tense == "future" and month < published.month:
            year += 1
    return f"{year:04d}-{month:02d}", ["year"]


def _is_year(text: str, m: re.Match) -> bool:
    """A four-digit number from 1800 to 2099 is a year unless it counts a following noun ("2000 troops")."""
    before = text[max(0, m.start() - 20) : m.start()]
    if _DATE_PREPOSITIONS.search(before):
        return True
    following = re.match(r"\s+([A-Za-z]+)", text[m.end() :])
    if following and following.group(1).islower() and following.group(1) not in _FUNCTION_WORDS:
        return False
    return True
