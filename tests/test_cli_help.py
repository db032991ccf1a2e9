"""Every command and every option of ``newsclaims`` says what it is for in ``--help``."""

from __future__ import annotations

import argparse

from newsclaims.cli import build_parser


def _subparsers_action(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    return next((a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None)


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("newsclaims",)) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """The parser and every parser under it, each with the words that reach it."""
    found = [(path, parser)]
    sub = _subparsers_action(parser)
    if sub is not None:
        for name, child in sub.choices.items():
            found.extend(_parsers(child, (*path, name)))
    return found


PARSERS = _parsers(build_parser())


def _name(action: argparse.Action) -> str:
    return "/".join(action.option_strings) or action.dest


def test_the_walk_finds_every_command():
    names = {path[1:] for path, _ in PARSERS}
    assert len(PARSERS) >= 20
    assert {("add",), ("convert",), ("ls",), ("ls", "push"), ("ls", "pull"), ("ls", "export"), ("studio",)} <= names


def test_every_command_has_help():
    missing = []
    for path, parser in PARSERS:
        sub = _subparsers_action(parser)
        if sub is None:
            continue
        helped = {choice.dest: choice.help for choice in sub._choices_actions}
        missing += [" ".join((*path, name)) for name in sub.choices if not (helped.get(name) or "").strip()]
    assert not missing, f"commands without help: {missing}"


def test_every_option_and_argument_has_help():
    options = [(path, action) for path, parser in PARSERS for action in parser._actions if not isinstance(action, argparse._SubParsersAction)]
    assert len(options) >= 60
    missing = [f"{' '.join(path)} {_name(action)}" for path, action in options if action.help is not argparse.SUPPRESS and not (action.help or "").strip()]
    assert not missing, f"options without help: {missing}"


def test_every_help_page_formats():
    for path, parser in PARSERS:
        text = parser.format_help()
        assert text.startswith(f"usage: {' '.join(path)}"), path
        assert "%(" not in text and "%%" not in text, path
