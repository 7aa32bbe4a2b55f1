"""The revision record (改訂) and the 別添3 rows kept from before pia."""
from __future__ import annotations

from typing import Iterator

from pia.base import dates
from pia.base.findings import WARNING, Finding
from pia.form.items import each, item
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule

LEGACY = item("表紙-変更箇所の記録")
LEGACY_DATE, LEGACY_TIMING = item("別添3-変更日"), item("別添3-提出時期")
REVISIONS, REVISION_DATE = item("表紙-改訂"), item("改訂-変更日")


@rule("PIA401", "同じ変更日の別添3の行で提出時期が異なる", WARNING,
      source="規則第11条・第14条、指針（提出時期）", certainty=Certainty.INFERRED)
def uniform_timing(ctx: Context) -> Iterator[Finding]:
    """一つの改訂（同じ変更日）に重要な変更が一つでも含まれれば、その改訂は変更前に全体として提出する（事前）。
    そのため同じ変更日の行の提出時期はそろう（ppc-rules SUB-2。実務からの推論のため警告）。"""
    first: dict[str, tuple[int, str]] = {}
    for i, r in enumerate(each(LEGACY.get(ctx.a.meta))):
        d, t = LEGACY_DATE.of(r, LEGACY), LEGACY_TIMING.of(r, LEGACY)
        if not isinstance(d, str) or LEGACY_TIMING.meaning(t) is None:
            continue
        if d in first and first[d][1] != t:
            yield ctx.finding("assessment", LEGACY_TIMING.at(i),
                              f"{d}の行の提出時期が「{t}」ですが、同じ変更日の{first[d][0] + 1}件目は「{first[d][1]}」です。",
                              "同じ改訂の行は提出時期をそろえてください。")
        first.setdefault(d, (i, t))


@rule("PIA402", "改訂の記録の変更日が重複している、又は順に並んでいない", source="pia の記載方法（改訂の記録）", certainty=Certainty.PIA)
def revision_dates(ctx: Context) -> Iterator[Finding]:
    """「改訂」には評価書を改訂するたびに一件ずつ、変更日の古い順に追加する。変更日は改訂ごとに異なる。
    pia はこの変更日で、バージョン履歴の変更を別添3の行にまとめる。"""
    prev = None
    seen: set = set()
    for i, r in enumerate(each(REVISIONS.get(ctx.a.meta))):
        d = dates.parse(REVISION_DATE.of(r, REVISIONS))
        if d is None:
            continue
        if d in seen:
            yield ctx.finding("assessment", REVISION_DATE.at(i), f"{REVISION_DATE.title}{dates.to_era(d)}の改訂が二つあります。", "一つにまとめてください。")
        elif prev and d < prev:
            yield ctx.finding("assessment", REVISION_DATE.at(i), f"{REVISION_DATE.title}{dates.to_era(d)}が前の改訂（{dates.to_era(prev)}）より前です。", "改訂は古い順に並べてください。")
        seen.add(d)
        prev = max(prev, d) if prev else d
