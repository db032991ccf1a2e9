"""A small deterministic tokenizer and sentence splitter that keep code-point offsets.

Tokens never split a user-perceived character (a letter and its combining marks, an emoji
sequence, a flag, CRLF). A token is a run of letters and digits (with ``,``, ``.`` or ``:``
between digits: 20,000, 12.5, 08:00), an apostrophe with the letters after it (’s, 't), or
any other single character. Sentences end after ``.``, ``!``, ``?`` or ``…`` (and the closing
quotes or brackets after it) before white space and a token that does not start lower-case,
except after an initial or a title abbreviation, and at every line break.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..validate import splits_grapheme

APOSTROPHES = frozenset("'’")
NUMBER_JOINERS = frozenset(",.:")
SENTENCE_ENDS = frozenset(".!?…")
CLOSERS = frozenset("\"'”’»)]}")
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
ABBREVIATIONS = frozenset(
    "Mr Mrs Ms Dr St Mt Gen Gov Sen Rep Prof Jr Sr Lt Col Sgt Capt Maj Adm Cmdr Rev Hon Pres Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec No vs etc".split()
)


@dataclass(frozen=True)
class Token:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Sentence:
    index: int
    tokens: tuple[Token, ...]

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


def characters(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each user-perceived character of ``text``."""
    start = 0
    for offset in range(1, len(text) + 1):
        if offset == len(text) or not splits_grapheme(text, offset):
            yield start, offset
            start = offset


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, in order; white space is never part of a token."""
    chars = list(characters(text))
    tokens: list[Token] = []
    i = 0
    while i < len(chars):
        start, end = chars[i]
        first = text[start]
        if first.isspace():
            i += 1
            continue
        if _is_word(first) or (first in APOSTROPHES and _follows_word(tokens, start) and _word_at(text, chars, i + 1)):
            j = i + 1
            while j < len(chars):
                char = text[chars[j][0]]
                if _is_word(char):
                    j += 1
                elif char in NUMBER_JOINERS and text[chars[j - 1][0]].isdigit() and _digit_at(text, chars, j + 1):
                    j += 1
                else:
                    break
            end = chars[j - 1][1]
            i = j
        else:
            i += 1
        tokens.append(Token(start, end, text[start:end]))
    return tokens


def _follows_word(tokens: list[Token], start: int) -> bool:
    return bool(tokens) and tokens[-1].end == start and _is_word(tokens[-1].text[0])


def _word_at(text: str, chars: list[tuple[int, int]], index: int) -> bool:
    return index < len(chars) and _is_word(text[chars[index][0]])


def _digit_at(text: str, chars: list[tuple[int, int]], index: int) -> bool:
    return index < len(chars) and text[chars[index][0]].isdigit()


def split_sentences(text: str, tokens: list[Token]) -> list[Sentence]:
    """Group ``tokens`` of ``text`` into sentences."""
    sentences: list[Sentence] = []
    current: list[Token] = []
    closing = False
    for index, token in enumerate(tokens):
        current.append(token)
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.text in SENTENCE_ENDS and not _abbreviation(current):
            closing = True
        elif not (closing and token.text in CLOSERS):
            closing = False
        gap = text[token.end : following.start] if following else ""
        ends = following is None or any(char in LINE_BREAKS for char in gap)
        if closing and following is not None and gap and not following.text[0].islower() and following.text not in CLOSERS:
            ends = True
        if ends:
            sentences.append(Sentence(len(sentences), tuple(current)))
            current, closing = [], False
    return sentences


def _abbreviation(tokens: list[Token]) -> bool:
    """A full stop right after an initial (J.) or a title or month abbreviation (Gen., Feb.)."""
    if tokens[-1].text != "." or len(tokens) < 2:
        return False
    word = tokens[-2]
    if word.end != tokens[-1].start:
        return False
    return (len(word.text) == 1 and word.text.isupper()) or word.text in ABBREVIATIONS


def sentences_of(text: str) -> list[Sentence]:
    return split_sentences(text, tokenize(text))
