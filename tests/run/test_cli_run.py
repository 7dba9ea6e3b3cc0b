"""`fakeqpu run` takes every option of `fakeqpu serve`, from the same code."""

from __future__ import annotations

import argparse

from fakeqpu.cli import _parser


def _options(command: str) -> set[str]:
    (commands,) = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return {flag for action in commands.choices[command]._actions for flag in action.option_strings}


def test_run_takes_every_serve_option_and_its_own():
    assert _options("serve") - {"-h", "--help"} <= _options("run")
    assert _options("run") - _options("serve") == {"--timeline"}
