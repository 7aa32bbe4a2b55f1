"""How values are written: dates in the official style, and text a YAML comment would silently cut off."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterator

from pia.form import schema as sch
from pia.base.findings import WARNING, Finding
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule
from pia.document.loader import quote_scalar
from pia.document.values import scalars

_COMMENT = re.compile(r"[ \t]#(\S)")
_EMPTIED = re.compile(r"[ \t]+#(\S)")  # 「評価書名: #1 評価書」: the whole value is a comment
_TOOLS = ("pia-ignore", "yaml-language-server")


@rule("PIA054", "日付が公式の書き方（令和7年4月1日）でない", WARNING, source="様式・記載要領の記載例（和暦で年月日を書く）",
      certainty=Certainty.INFERRED, concepts=("dates",), also=("dated-texts",))
def official_dates(ctx: Context) -> Iterator[Finding]:
    """日付の項目（公表日、実施日、改訂の変更日など）は、様式の記載例のとおり和暦で「令和7年4月1日」と書く。
    西暦（2025/4/1、2025-04-01）、全角数字（令和７年４月１日）、略記（R7.4.1）はこの警告になり、
    `pia fix --write` で公式の書き方に書き換えられる。「令和1年」は「令和元年」と同じに読み、書き換えない。
    原本のまま残す「変更箇所の記録」（pia 以前の別添3）は対象外。
    書き方の統一のための警告。"""
    from pia.analysis.fix import date_edits, is_date_item

    root = sch.load()
    for key, name, doc in ctx.a.documents():
        for path, v in scalars(doc.data):
            if isinstance(v, str) and path and is_date_item(root, name, path):
                edits = list(date_edits(v))
                if edits:
                    start, end, official = edits[0]
                    yield ctx.finding(key, path, f"日付「{v[start:end]}」は公式の書き方ではありません。",
                                      f"「{official}」と書いてください（pia fix --write で直せます）。")


@rule("PIA056", "値の後ろの「 #」以降がコメントとして消える", WARNING, source="YAML 1.2 §6.6（「 #」以降はコメント）",
      certainty=Certainty.PIA, concepts=("document",))
def cut_by_comment(ctx: Context) -> Iterator[Finding]:
    """YAML では、引用符で囲まない値の中の「 #」（空白とシャープ）から行末まではコメントになり、値に含まれない。
    「内線 #123」「第3号 #2」のように「#」の直後に文字が続くときは値の一部のつもりと考えられるため警告する
    （「# 」と空白が続く普通のコメントや pia-ignore は対象外）。値に含めるには全体を "…" で囲む。
    「評価書名: #1 評価書」のように「項目名:」の直後の「#」に文字が続くときは、値全体がコメントになり空欄として
    読まれるため、同じく警告する。書き方から判断するため警告。"""
    for key, _, doc in ctx.a.documents():
        for path, v in scalars(doc.data):
            if v is not None and not isinstance(v, (str, int)) or isinstance(v, bool) or path not in doc.values:
                continue
            line, col = doc.values[path]
            if not 0 < line <= len(doc.lines):
                continue
            text = doc.lines[line - 1]
            if v is None:
                yield from _emptied(ctx, key, path, text, line, col)
                continue
            if text[col - 1: col] in ('"', "'", "|", ">"):
                continue
            m = _COMMENT.search(text, col - 1)
            if m and not text[m.start() + 2:].startswith(_TOOLS):
                cut = text[m.start() + 1:].strip()
                f = ctx.finding(key, path, f"「{cut}」はコメントとして扱われ、値に含まれません（値は「{v}」）。",
                                  f"値に含めるには、全体を引用符で囲んでください（例: {quote_scalar(f'{v} {cut}')}）。コメントのつもりなら「# 」と空白を入れてください。")
                yield replace(f, line=line, column=m.start() + 2)  # at the 「#」


def _emptied(ctx: Context, key: str, path: tuple, text: str, line: int, col: int) -> Iterator[Finding]:
    """A blank value whose line goes on with 「#1 評価書」 right after its 「項目名:」: typed as the value. (A blank list
    entry 「- #2号」 is refused by the schema first.)"""
    m = _EMPTIED.match(text, col - 1)
    if not m or not text[:col - 1].rstrip().endswith(":") or text[m.start(1):].startswith(_TOOLS):
        return
    cut = text[m.start(1) - 1:].strip()
    f = ctx.finding(key, path, f"値「{cut}」は「#」で始まるため、コメントとして扱われ、値は空欄になっています。",
                    f"値に含めるには、全体を引用符で囲んでください（例: {text[:m.start(1) - 1].strip()} {quote_scalar(cut)}）。"
                    "コメントのつもりなら「# 」と空白を入れてください。")
    yield replace(f, line=line, column=m.start(1))  # at the 「#」
