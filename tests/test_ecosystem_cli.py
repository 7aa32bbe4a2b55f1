"""The command line in Japanese: --version, help texts, summary counts that agree with the findings, progress."""
from __future__ import annotations

import argparse
import io
import re
from pathlib import Path

import pytest

from conftest import EXAMPLE
from pia import __version__
from pia.app.cli import main
from test_ci import base_repo, ci, edit, repo, summary  # noqa: F401  (base_repo, repo are fixtures)


def test_ci_summary_counts_what_it_reports(repo: Path):  # noqa: F811
    edit(repo, "systems.yaml", "システムの名称:", "システム名:")  # one schema error, and no new 改訂 (PIA601)
    r = ci(repo, "--format", "github")
    assert r.returncode == 1
    printed = [ln for ln in r.stdout.splitlines() if ln.startswith("::error ")]
    assert any("PIA601" in ln for ln in printed) and any("PIA013" in ln for ln in printed)
    m = re.search(r"検査: エラー (\d+) 件、警告 (\d+) 件", summary(repo))
    assert m and int(m.group(1)) == len(printed), (m and m.group(0), len(printed))


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"pia {__version__}\n"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    from pia.app.cli import _parser

    return next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)).choices


COMMANDS = sorted(_subcommands())


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_is_japanese(command: str, capsys):
    assert main([command, "--help"] if command else ["--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("使い方: pia")
    for english in ("usage", "positional arguments", "options:", "show this help", "show program's"):
        assert english not in text, (command, english)
    # every argument says what it is for
    assert not re.search(r"^  (-\S+|\S+)\s*$\n(?!\s{10,})", text, re.M), text
    # and is named in Japanese (argparse would show SELECT, AS_OF, path …)
    usage = re.sub(r"--?[\w-]+|\{[\w,]+\}", "", text.split("\n\n")[0].replace(f"pia {command}", ""))
    assert not re.findall(r"[A-Za-z_]{2,}", usage.replace("Excel", "")), usage
    # and the explanations line up on screen, where a 全角 character takes two columns
    from pia.app.cli import _columns

    starts = {_columns(m.group(1)) for m in re.finditer(r"^(  \S.*?[ ]{2,})\S", text.split("\n\n", 1)[1], re.M)}
    assert len(starts) <= 1, (starts, text)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_format_option_says_what_it_offers(command: str):
    for action in _subcommands()[command]._actions:
        if action.dest == "format":
            assert action.help and ("既定" in action.help), (command, action.help)
            assert all(c in action.help for c in action.choices or ()) or "text" in action.help, (command, action.help)


def test_a_misspelt_option_or_command_leads_to_the_right_help(capsys):
    assert main(["check", str(EXAMPLE), "--formt", "json"]) == 2
    err = capsys.readouterr().err
    assert "--formt" in err and "もしかして --format" in err and "`pia check --help`" in err, err
    assert main(["chek", str(EXAMPLE)]) == 2
    err = capsys.readouterr().err
    assert "「chek」というコマンドはありません" in err and "もしかして `pia check`" in err, err
    assert main(["xyzzy"]) == 2
    err = capsys.readouterr().err
    assert "もしかして" not in err and "pia --help" in err


def test_errors_are_japanese(capsys):
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert "次の引数が必要です: フォルダ" in err and "pia check --help" in err
    assert main(["check", str(EXAMPLE), "--format", "xml"]) == 2
    assert "出力形式「xml」は使えません" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _render_progress(tmp_path: Path, monkeypatch, stream: io.StringIO) -> str:
    monkeypatch.setattr("sys.stderr", stream)
    assert main(["render", str(EXAMPLE), "--out", str(tmp_path / "out"), "--format", "html", "--force"]) == 0
    return stream.getvalue()


def test_progress_only_at_a_terminal_and_never_in_ci(tmp_path: Path, monkeypatch):
    for v in ("CI", "GITHUB_ACTIONS", "GITLAB_CI"):
        monkeypatch.delenv(v, raising=False)
    shown = _render_progress(tmp_path, monkeypatch, _Terminal())
    assert "読み込みと検査（setagaya-juki）" in shown and "HTML（setagaya-juki）" in shown and "秒]" in shown
    assert shown.endswith("\r\x1b[K")  # the line is cleared before the results are printed
    assert _render_progress(tmp_path, monkeypatch, io.StringIO()) == ""  # a pipe or a log file
    monkeypatch.setenv("CI", "true")
    assert _render_progress(tmp_path, monkeypatch, _Terminal()) == ""


def test_shell_completion_through_argcomplete(tmp_path: Path):
    import os
    import subprocess
    import sys

    out = tmp_path / "completions"

    def complete(line: str) -> list[str]:
        env = {**os.environ, "_ARGCOMPLETE": "1", "COMP_LINE": line, "COMP_POINT": str(len(line)),
               "_ARGCOMPLETE_STDOUT_FILENAME": str(out), "_ARGCOMPLETE_IFS": "\n"}
        r = subprocess.run([sys.executable, "-c", "import sys; from pia.app.cli import main; sys.exit(main())"],
                           env=env, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return out.read_text(encoding="utf-8").split("\n")

    assert [c.strip() for c in complete("pia ch")] == ["check"]
    assert [c.strip() for c in complete("pia check --format ")] == ["text", "json", "github", "gitlab", "sarif"]
