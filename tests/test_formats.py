"""One output-format table behind every `--format`: each command declares, explains and parses it from
pia.base.formats, and refuses a format it does not take with the same message."""
from __future__ import annotations

import argparse

import pytest

from conftest import EXAMPLE, pia
from pia.app.cli import _parser
from pia.base import formats


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_format_option_comes_from_the_table():
    with_format = {}
    for name, parser in _subcommands().items():
        opt = next((a for a in parser._actions if "--format" in a.option_strings), None)
        if opt is not None:
            with_format[name] = opt
    assert set(with_format) == set(formats.USES)
    for name, opt in with_format.items():
        assert opt.help == formats.help_text(name) and opt.choices is None and opt.metavar == "形式", name


@pytest.mark.parametrize("command,args", [
    ("check", [EXAMPLE]), ("render", [EXAMPLE]), ("status", [EXAMPLE]), ("diff", [EXAMPLE, EXAMPLE]),
    ("site", [EXAMPLE.parent]), ("plan", [EXAMPLE]),
])
def test_a_format_a_command_does_not_take_is_refused_alike(command: str, args: list, tmp_path):
    r = pia(command, *args, "--format", "docx", cwd=tmp_path)
    assert r.returncode == 2
    assert f"pia {command} の出力形式「docx」は使えません。" in r.stderr and f"pia {command} --help" in r.stderr
    assert not list(tmp_path.iterdir())  # refused before anything is written (render, site, plan write into ./out)


def test_one_format_where_a_command_writes_one():
    with pytest.raises(Exception, match="一つ指定"):
        formats.parse("status", "text,json")
    assert [f.name for f in formats.parse("render", "PDF, html")] == ["html", "pdf"]  # the table's order
    assert [f.name for f in formats.parse("check", None)] == ["text"]
