"""VI 評価実施手続 and the cover dates: formats, the comment period, the order of the procedure."""
from __future__ import annotations

import datetime as dt
from typing import Iterator

from pia.base import dates
from pia.form import schema as sch
from pia.base.findings import WARNING, Finding
from pia.form.items import item
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule
from pia.document.values import blank
from pia.form.walk import values

PERIOD = item("VI-2-②")
SHORTENED = item("VI-2-③")
BASIC_DONE = item("VI-1-①")
REVIEW = (item("VI-3-①"), item("VI-3-②"), item("VI-3-③"))
APPROVAL = (item("VI-4-①"), item("VI-4-②"))
APPROVED_ON = item("表紙-個人情報保護委員会承認日")
PUBLISHED_ON = item("表紙-公表日")
BODY = item("表紙-評価実施機関の区分")


@rule("PIA301", "日付として読めない", source="pia の記載方法（日付の書式）", certainty=Certainty.PIA)
def date_format(ctx: Context) -> Iterator[Finding]:
    """日付の項目（実施日、公表日、変更日など）は「令和5年8月1日」（元年も可）の形で書く。pia は「2023-08-01」も
    読むが、様式の書き方ではないため PIA054 が知らせる。比較のためには西暦の日付に直して扱う。"""
    doc = ctx.a.docs.get("assessment")
    if doc is None:
        return
    for path, node, v in values(sch.load().document("assessment"), doc.data):
        if sch.kind(node) == "date" and not blank(v) and dates.parse(v) is None:
            yield ctx.finding("assessment", path, f"「{v}」を日付として読めません。", "「令和5年8月1日」の形（様式の書き方）で書いてください。")


def _period(ctx: Context) -> tuple[dt.date, dt.date] | None:
    v = PERIOD.get(ctx.a.meta)
    ds = dates.find_dates(v) if isinstance(v, str) else []
    return (ds[0], ds[1]) if len(ds) >= 2 else None


@rule("PIA302", "意見聴取の期間が30日に満たない", source="指針 第5の3（意見聴取の期間）", certainty=Certainty.SUMMARY)
def comment_period(ctx: Context) -> Iterator[Finding]:
    """全項目評価書の意見聴取の期間は原則として30日以上とし、短縮するときは特段の理由を VI-2 ③に書く（指針 第5の3、
    ppc-rules PR-2）。日数の数え方: 初日と末日を含めて数える（令和5年8月25日〜9月24日は31日）。初日不算入で29日、
    初日算入で30日となる境目は、解釈が分かれるため警告にとどめる。"""
    per = _period(ctx)
    if per is None:
        return
    inclusive = (per[1] - per[0]).days + 1
    reason = SHORTENED.get(ctx.a.meta)
    p = PERIOD.at()
    if inclusive < 30 and blank(reason):
        yield ctx.finding("assessment", p, f"意見聴取の期間が{inclusive}日（初日と末日を含む）で、30日に満たず、期間を短縮する特段の理由も書かれていません。",
                          "期間を30日以上にするか、③期間を短縮する特段の理由を書いてください。")
    elif inclusive == 30 and blank(reason):
        yield ctx.finding("assessment", p, "意見聴取の期間は初日を含めて30日ですが、初日を算入しない数え方では29日です。",
                          "30日以上と確実に言えるよう、1日延ばすことを検討してください。", severity=WARNING)
    if per[1] < per[0]:
        yield ctx.finding("assessment", p, "意見聴取の終了日が開始日より前です。", "日付を確認してください。")


@rule("PIA303", "意見聴取の「（N日間）」が日付と合わない", WARNING, source="様式（VI-2 ②）", certainty=Certainty.INFERRED)
def stated_days(ctx: Context) -> Iterator[Finding]:
    """VI-2 ②に「（30日間）」のように日数を書いたときは、開始日と終了日から数えた日数（初日算入又は初日不算入の
    いずれか）と一致すること。"""
    per = _period(ctx)
    v = PERIOD.get(ctx.a.meta)
    n = dates.stated_days(v) if isinstance(v, str) else None
    if per is None or n is None:
        return
    excl = (per[1] - per[0]).days
    if n not in (excl, excl + 1):
        yield ctx.finding("assessment", PERIOD.at(), f"「{n}日間」としていますが、日付から数えると{excl + 1}日（初日不算入なら{excl}日）です。",
                          "日数か日付を直してください。")


@rule("PIA304", "評価実施手続の日付の順序が正しくない", source="番号法第28条、指針 第5の3・第5の4（手続の順序）", certainty=Certainty.SUMMARY)
def procedure_order(ctx: Context) -> Iterator[Finding]:
    """手続は 基礎項目評価 ≤ 意見聴取の開始 ≤ 終了 ≤ 第三者点検（地方公共団体等）≤ 公表日 の順に行う。
    行政機関等は 意見聴取の終了 ≤ 個人情報保護委員会への提出日 ≤ 承認日 ≤ 公表日（番号法第28条、ppc-rules §4）。"""
    m = ctx.a.meta
    per = _period(ctx)
    steps: list[tuple[tuple, dt.date | None]] = [
        (BASIC_DONE.at(), dates.parse(BASIC_DONE.get(m))),
        (PERIOD.at(), per[0] if per else None),
        (PERIOD.at(), per[1] if per else None),
    ]
    if BODY.meaning(BODY.get(m)) == "national":
        steps += [(APPROVAL[0].at(), dates.parse(APPROVAL[0].get(m))), (APPROVED_ON.at(), dates.parse(APPROVED_ON.get(m)))]
    else:
        steps.append((REVIEW[0].at(), dates.parse(REVIEW[0].get(m))))
    steps.append((PUBLISHED_ON.at(), dates.parse(PUBLISHED_ON.get(m))))
    known = [(p, d) for p, d in steps if d is not None]
    for (p1, d1), (p2, d2) in zip(known, known[1:]):
        if d2 < d1:
            yield ctx.finding("assessment", p2, f"{dates.to_era(d2)}は、先に行うべき手続の日（{dates.to_era(d1)}）より前です。",
                              "手続の順序（基礎項目評価→意見聴取→第三者点検又は承認→公表）に合うよう日付を確認してください。")


@rule("PIA305", "評価実施機関の区分と第三者点検・承認の記載が合わない", WARNING, source="番号法第28条、規則第7条", certainty=Certainty.SUMMARY)
def regime(ctx: Context) -> Iterator[Finding]:
    """地方公共団体等は公表の前に第三者点検を受け（VI-3）、個人情報保護委員会の承認（表紙の承認日、VI-4）はない。
    行政機関等は委員会の承認を受ける（VI-4）。公表日を書いた評価書について検査する（番号法第28条、規則第7条、ppc-rules L-4, PR-3〜5）。
    地方公共団体等の第三者点検の実施日がないことは、PIA713 がエラーとして示す。"""
    m = ctx.a.meta
    body = BODY.meaning(BODY.get(m))
    published = not blank(PUBLISHED_ON.get(m))
    if body == "local":
        if not blank(APPROVED_ON.get(m)):
            yield ctx.finding("assessment", APPROVED_ON.at(), f"{BODY.get(m)}は個人情報保護委員会の承認を受けないため、{APPROVED_ON.title}は空欄です。",
                              f"{APPROVED_ON.title}を空欄にするか、{BODY.title}を確認してください。")
        for it in REVIEW[1:] if published else ():  # a missing 実施日 is PIA713 (an error)
            if blank(it.get(m)):
                yield ctx.finding("assessment", it.at(), f"公表する評価書では第三者点検の{it.title}を書きます。", "第三者点検の内容を書いてください。")
    elif body == "national" and published:
        for it in APPROVAL:
            if blank(it.get(m)):
                yield ctx.finding("assessment", it.at(), f"公表する評価書では{it.title}を書きます。", "個人情報保護委員会の承認の内容を書いてください。")
