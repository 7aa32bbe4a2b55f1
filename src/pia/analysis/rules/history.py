"""The revision record (改訂) and the 変更箇所 rows kept from before pia, in every form."""
from __future__ import annotations

from typing import Iterator

from pia.base import dates
from pia.base.findings import WARNING, Finding
from pia.form.items import each
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule


@rule("PIA401", "同じ変更日の変更箇所の行で提出時期が異なる", WARNING,
      source="規則第11条・第14条、指針（提出時期）", certainty=Certainty.INFERRED,
      concepts=("change-rows", "change-date", "change-timing"))
def uniform_timing(ctx: Context) -> Iterator[Finding]:
    """一つの改訂（同じ変更日）に重要な変更が一つでも含まれれば、その改訂は変更前に全体として提出する（事前）。
    そのため同じ変更日の行の提出時期はそろう（ppc-rules SUB-2。実務からの推論のため警告）。全項目評価書の
    別添3、重点・基礎項目評価書の変更箇所の、pia 以前から記録した行を見る。"""
    for key, rows, data in ctx.each("change-rows"):
        day, timing = ctx.sibling("change-date", rows), ctx.sibling("change-timing", rows)
        if day is None or timing is None:
            continue
        first: dict[str, tuple[int, str]] = {}
        for i, r in enumerate(each(rows.get(data))):
            d, t = day.of(r, rows), timing.of(r, rows)
            if not isinstance(d, str) or timing.meaning(t) is None:
                continue
            if d in first and first[d][1] != t:
                yield ctx.finding(key, timing.at(i),
                                  f"{d}の行の提出時期が「{t}」ですが、同じ変更日の{first[d][0] + 1}件目は「{first[d][1]}」です。",
                                  "同じ改訂の行は提出時期をそろえてください。")
            first.setdefault(d, (i, t))


@rule("PIA402", "改訂の記録の変更日が重複している、又は順に並んでいない", source="pia の記載方法（改訂の記録）", certainty=Certainty.PIA,
      concepts=("revisions", "revision-date"))
def revision_dates(ctx: Context) -> Iterator[Finding]:
    """「改訂」には評価書を改訂するたびに一件ずつ、変更日の古い順に追加する。変更日は改訂ごとに異なる。
    pia はこの変更日で、バージョン履歴の変更を変更箇所の行にまとめる（基礎・重点・全項目のどの評価書も）。"""
    for key, revs, data in ctx.each("revisions"):
        day = ctx.sibling("revision-date", revs)
        if day is None:
            continue
        prev = None
        seen: set = set()
        for i, r in enumerate(each(revs.get(data))):
            d = dates.parse(day.of(r, revs))
            if d is None:
                continue
            if d in seen:
                yield ctx.finding(key, day.at(i), f"{day.title}{dates.to_era(d)}の改訂が二つあります。", "一つにまとめてください。")
            elif prev and d < prev:
                yield ctx.finding(key, day.at(i), f"{day.title}{dates.to_era(d)}が前の改訂（{dates.to_era(prev)}）より前です。", "改訂は古い順に並べてください。")
            seen.add(d)
            prev = max(prev, d) if prev else d
