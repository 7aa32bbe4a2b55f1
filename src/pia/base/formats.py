"""Every output format of every command, in one table: the format's name, how staff call it, its file suffix and
media type, and which commands take it. `--format` of every command is declared, parsed and explained from here
(one parse, one message); the writers of each format live in their own layer and are looked up by name.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

from pia.base.errors import PiaError


@dataclass(frozen=True)
class Format:
    name: str
    title: str  # as staff call it
    suffix: str = ""
    mime: str = "application/octet-stream"


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("text", "文字（端末に表示）", ".txt", "text/plain; charset=utf-8"),
    Format("json", "JSON（ほかのプログラム向け）", ".json", "application/json"),
    Format("github", "GitHub Actions の注釈"),
    Format("gitlab", "GitLab の Code Quality レポート（JSON）", ".json", "application/json"),
    Format("sarif", "SARIF（コードスキャンの結果）", ".sarif", "application/sarif+json"),
    Format("html", "HTML（ウェブページ）", ".html", "text/html; charset=utf-8"),
    Format("pdf", "PDF（公表用、しおり・タグ付き）", ".pdf", "application/pdf"),
    Format("xlsx", "Excel（様式の配置）", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)}


@dataclass(frozen=True)
class Use:
    """The formats one command takes: one of them, or several separated by commas (files written side by side)."""
    formats: tuple[str, ...]
    default: str
    several: bool = False
    note: str = ""  # what the default depends on, when it is not fixed


USES: dict[str, Use] = {
    "check": Use(("text", "json", "github", "gitlab", "sarif"), "text", note="text。GitHub Actions の中では github"),
    "ci": Use(("text", "github", "gitlab"), "text", note="text。GitHub Actions の中では github"),
    "diff": Use(("text", "json"), "text"),
    "history": Use(("text", "json"), "text"),
    "status": Use(("text", "json", "html"), "text"),
    "render": Use(("html", "pdf", "xlsx"), "html,pdf", several=True),
    "council": Use(("html", "pdf"), "html,pdf", several=True),
    "site": Use(("html", "pdf", "xlsx"), "html,pdf,xlsx", several=True),
    "plan": Use(("html", "pdf", "xlsx"), "html,pdf,xlsx", several=True),
    "report": Use(("html", "pdf", "xlsx"), "html,xlsx", several=True),
}


def parse(command: str, text: str | None) -> list[Format]:
    """`html,pdf` -> the formats, in the table's order; one message for anything a command does not take."""
    use = USES[command]
    text = use.default if text is None else text
    wanted = [w.strip().lower() for w in (text or "").split(",") if w.strip()]
    bad = [w for w in wanted if w not in use.formats]
    if bad or not wanted or (len(wanted) > 1 and not use.several):
        how = "カンマで区切って一つ以上" if use.several else "一つ"
        raise PiaError(f"pia {command} の出力形式「{','.join(bad) or text}」は使えません。"
                       f"{', '.join(use.formats)} から{how}指定してください（pia {command} --help に説明があります）。")
    return [FORMATS[n] for n in use.formats if n in wanted]


def help_text(command: str) -> str:
    use = USES[command]
    choices = "、".join(f"{n}: {FORMATS[n].title}" for n in use.formats)
    how = "カンマ区切りで一つ以上" if use.several else "一つ"
    return f"出力形式を{how}（{choices}。既定: {use.note or use.default}）"


def add_argument(parser: argparse.ArgumentParser, command: str) -> None:
    """The `--format` option of a command, as the table declares it."""
    action = parser.add_argument("--format", metavar="形式", default=None, help=help_text(command))
    action.completer = lambda **_: USES[command].formats  # type: ignore[attr-defined]  # argcomplete
