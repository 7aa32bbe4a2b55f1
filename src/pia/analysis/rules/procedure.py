"""評価実施手続 and the cover dates: formats, the comment period, the order of the procedure, 再評価 and 計数時点.

The procedure items are concepts (schemas/forms.json): 基礎項目評価の実施日, 意見聴取の期間, 第三者点検の実施日 and the
公表日 are the same facts in the 全項目評価書 (VI) and the 重点項目評価書 (V); each rule runs on every form that has them.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from pia.base import dates
from pia.form import schema as sch
from pia.form.concepts import concept
from pia.base.findings import WARNING, Finding
from pia.history.classify import reassessed
from pia.form.items import Item, each, item
from pia.base.registry import Certainty
from pia.analysis.rules import Context, rule
from pia.document.values import blank

APPROVAL = (item("VI-4-①"), item("VI-4-②"))
APPROVED_ON = item("表紙-個人情報保護委員会承認日")
REVIEW = (item("VI-3-①"), item("VI-3-②"), item("VI-3-③"))


@rule("PIA301", "日付として読めない", source="pia の記載方法（日付の書式）", certainty=Certainty.PIA, concepts=("dates",),
      also=("dated-texts",))
def date_format(ctx: Context) -> Iterator[Finding]:
    """日付の項目（実施日、公表日、変更日など）と、日付を書く文字の項目（ファイルごとの保有開始日・使用開始日。年月だけも可）は、
    「令和5年8月1日」（元年も可）の形で書く。13月や4月31日のようにない日付、日付として読めない書き方はこのエラーになる。
    西暦や略記（2023-08-01、2015/10/5、R7.4.1）は読めるが、様式の書き方ではないため PIA054 が知らせる。比較のためには
    西暦の日付に直して扱う。意見聴取の期間は PIA309。"""
    for key, it, path, v in ctx.values("dates"):
        if not blank(v) and dates.parse(v) is None:
            yield ctx.finding(key, path, f"「{v}」を日付として読めません。", "「令和5年8月1日」の形（様式の書き方）で書いてください。")
    for key, it, path, v in ctx.values("dated-texts"):
        if it.node.get("x-pia-dated") == "date" and isinstance(v, str) and not blank(v) and dates.looks_like_date(v) \
                and dates.parse(v) is None and dates.year_month(v) is None:
            yield ctx.finding(key, path, f"「{v}」を日付として読めません（ない日付か、書き方の誤り）。",
                              "「令和5年8月1日」（年月だけなら「令和5年8月」）の形（様式の書き方）で書いてください。")


def _period(v: Any, doc: str, data: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    """The 意見聴取 period as staff write it (から…まで, ～, 同年, a month and day without the year). A period written
    without its year is in the year of the 基礎項目評価 before it (else of the 公表日)."""
    done, published = concept("kiso-done-on").item_in(doc), concept("published-on").item_in(doc)
    basic = dates.parse(done.get(data)) if done else None
    pub = dates.parse(published.get(data)) if published else None
    year = basic.year if basic else pub.year if pub else None
    per = dates.period(v, year)
    if per and basic and year is not None and per[0] < basic:
        per = dates.period(v, year + 1) or per
    return per


@rule("PIA309", "意見聴取の期間を読めない", WARNING, source="指針 第5の3（意見聴取の期間）", certainty=Certainty.PIA,
      concepts=("consultation-period",))
def period_format(ctx: Context) -> Iterator[Finding]:
    """意見聴取の実施日・期間から開始日と終了日を読めないと、30日以上かどうか（PIA302）や手続の順序（PIA304）を確かめられない。
    「令和7年3月10日～令和7年4月9日」「令和7年3月10日から同年4月9日まで」「3月10日～4月9日」のように、二つの日付を書く。"""
    for key, period, data in ctx.each("consultation-period"):
        v = period.get(data)
        if isinstance(v, str) and not blank(v) and _period(v, period.doc, data) is None:
            yield ctx.finding(key, period.at(), f"意見聴取の期間「{v}」から開始日と終了日を読めません。",
                              "「令和7年3月10日～令和7年4月9日」の形で書いてください。")


@rule("PIA302", "意見聴取の期間が30日に満たない", source="指針 第5の3（意見聴取の期間）", certainty=Certainty.SUMMARY,
      concepts=("consultation-period", "consultation-shortened"))
def comment_period(ctx: Context) -> Iterator[Finding]:
    """全項目評価書の意見聴取の期間は原則として30日以上とし、短縮するときは特段の理由を VI-2 ③に書く（指針 第5の3、
    ppc-rules PR-2）。日数の数え方: 初日と末日を含めて数える（令和5年8月25日〜9月24日は31日）。初日不算入で29日、
    初日算入で30日となる境目は、解釈が分かれるため警告にとどめる。重点項目評価書の意見聴取は任意のため対象外
    （期間を短縮する理由の欄もない）。"""
    for key, period, data in ctx.each("consultation-period"):
        shortened = ctx.sibling("consultation-shortened", period)
        per = _period(period.get(data), period.doc, data)
        if per is None or shortened is None:
            continue
        inclusive = (per[1] - per[0]).days + 1
        reason = shortened.get(data)
        p = period.at()
        if inclusive < 30 and blank(reason):
            yield ctx.finding(key, p, f"意見聴取の期間が{inclusive}日（初日と末日を含む）で、30日に満たず、期間を短縮する特段の理由も書かれていません。",
                              "期間を30日以上にするか、③期間を短縮する特段の理由を書いてください。")
        elif inclusive == 30 and blank(reason):
            yield ctx.finding(key, p, "意見聴取の期間は初日を含めて30日ですが、初日を算入しない数え方では29日です。",
                              "30日以上と確実に言えるよう、1日延ばすことを検討してください。", severity=WARNING)
        if per[1] < per[0]:
            yield ctx.finding(key, p, "意見聴取の終了日が開始日より前です。", "日付を確認してください。")


@rule("PIA303", "意見聴取の「（N日間）」が日付と合わない", WARNING, source="様式（意見聴取の実施日・期間）", certainty=Certainty.INFERRED,
      concepts=("consultation-period",))
def stated_days(ctx: Context) -> Iterator[Finding]:
    """意見聴取の実施日・期間に「（30日間）」のように日数を書いたときは、開始日と終了日から数えた日数（初日算入又は
    初日不算入のいずれか）と一致すること（全項目評価書 VI-2 ②、重点項目評価書 V-2 ②）。"""
    for key, period, data in ctx.each("consultation-period"):
        v = period.get(data)
        per = _period(v, period.doc, data)
        n = dates.stated_days(v) if isinstance(v, str) else None
        if per is None or n is None:
            continue
        excl = (per[1] - per[0]).days
        if n not in (excl, excl + 1):
            yield ctx.finding(key, period.at(), f"「{n}日間」としていますが、日付から数えると{excl + 1}日（初日不算入なら{excl}日）です。",
                              "日数か日付を直してください。")


def _step(ctx: Context, cid: str, doc: str) -> Item | None:
    return concept(cid).item_in(doc)


@rule("PIA304", "評価実施手続の日付の順序が正しくない", source="番号法第28条、指針 第5の3・第5の4（手続の順序）", certainty=Certainty.SUMMARY,
      concepts=("kiso-done-on", "published-on"), also=("consultation-period", "inspection-on", "approval", "approved-on", "body-type"))
def procedure_order(ctx: Context) -> Iterator[Finding]:
    """手続は 基礎項目評価 ≤ 意見聴取の開始 ≤ 終了 ≤ 第三者点検（地方公共団体等）≤ 公表日 の順に行う。
    行政機関等は 意見聴取の終了 ≤ 個人情報保護委員会への提出日 ≤ 承認日 ≤ 公表日（番号法第28条、ppc-rules §4）。
    重点項目評価書では意見聴取・第三者点検は任意のため、行ったときにその日付で同じ順序を見る（基礎項目評価 ≤ 意見聴取 ≤
    第三者点検 ≤ 公表日）。同じ事務の基礎項目評価書の公表日も、基礎項目評価の実施日より後になる。"""
    for key, done, m in ctx.each("kiso-done-on"):
        period, inspected, published = (_step(ctx, c, done.doc) for c in ("consultation-period", "inspection-on", "published-on"))
        body = _step(ctx, "body-type", done.doc)
        per = _period(period.get(m), period.doc, m) if period else None
        steps: list[tuple[tuple[Any, ...], dt.date | None]] = [(done.at(), dates.parse(done.get(m)))]
        if period:
            steps += [(period.at(), per[0] if per else None), (period.at(), per[1] if per else None)]
        national = body is not None and body.meaning(body.get(m)) == "national"
        if national and _step(ctx, "approval", done.doc) is not None:
            steps += [(APPROVAL[0].at(), dates.parse(APPROVAL[0].get(m))), (APPROVED_ON.at(), dates.parse(APPROVED_ON.get(m)))]
        elif inspected is not None:
            steps.append((inspected.at(), dates.parse(inspected.get(m))))
        if published is not None:
            steps.append((published.at(), dates.parse(published.get(m))))
        known = [(p, d) for p, d in steps if d is not None]
        for (p1, d1), (p2, d2) in zip(known, known[1:]):
            if d2 < d1:
                yield ctx.finding(key, p2, f"{dates.to_era(d2)}は、先に行うべき手続の日（{dates.to_era(d1)}）より前です。",
                                  "手続の順序（基礎項目評価→意見聴取→第三者点検又は承認→公表）に合うよう日付を確認してください。")
        # the 基礎項目評価書 beside it is published after the 基礎項目評価 it records
        done_on, kiso_published = dates.parse(done.get(m)), _step(ctx, "published-on", "kiso")
        for kiso_key, kiso in ctx.docs("kiso") if kiso_published is not None else ():
            pub = dates.parse(kiso_published.get(kiso))
            if done_on is not None and pub is not None and pub < done_on:
                yield ctx.finding(kiso_key, kiso_published.at(),
                                  f"基礎項目評価書の公表日（{dates.to_era(pub)}）が、{done.title}（{dates.to_era(done_on)}）より前です。",
                                  "基礎項目評価を実施してから公表します。どちらかの日付を確認してください。")


@rule("PIA305", "評価実施機関の区分と第三者点検・承認の記載が合わない", WARNING, source="番号法第28条、規則第7条", certainty=Certainty.SUMMARY,
      concepts=("body-type", "approval", "inspection-required"))
def regime(ctx: Context) -> Iterator[Finding]:
    """地方公共団体等は公表の前に第三者点検を受け（VI-3）、個人情報保護委員会の承認（表紙の承認日、VI-4）はない。
    行政機関等は委員会の承認を受ける（VI-4）。公表日を書いた評価書について検査する（番号法第28条、規則第7条、ppc-rules L-4, PR-3〜5）。
    地方公共団体等の第三者点検の実施日がないことは、PIA713 がエラーとして示す。"""
    for key, body_item, m in ctx.each("approval"):
        body = item("表紙-評価実施機関の区分").meaning(item("表紙-評価実施機関の区分").get(m))
        published = not blank(item("表紙-公表日").get(m))
        said = item("表紙-評価実施機関の区分").get(m)
        if body == "local":
            if not blank(APPROVED_ON.get(m)):
                yield ctx.finding(key, APPROVED_ON.at(), f"{said}は個人情報保護委員会の承認を受けないため、{APPROVED_ON.title}は空欄です。",
                                  f"{APPROVED_ON.title}を空欄にするか、評価実施機関の区分を確認してください。")
            for it in REVIEW[1:] if published else ():  # a missing 実施日 is PIA713 (an error)
                if blank(it.get(m)):
                    yield ctx.finding(key, it.at(), f"公表する評価書では第三者点検の{it.title}を書きます。", "第三者点検の内容を書いてください。")
        elif body == "national" and published:
            for it in APPROVAL:
                if blank(it.get(m)):
                    yield ctx.finding(key, it.at(), f"公表する評価書では{it.title}を書きます。", "個人情報保護委員会の承認の内容を書いてください。")


@rule("PIA306", "実施済みの再評価の日付が公表日より後（公表日を新しくしていない）", WARNING,
      source="番号法第28条第1項後段・第2項後段（重要な変更は評価を再実施して公表する）、ppc-rules CH-2", certainty=Certainty.PRIMARY,
      concepts=("reassessment", "published-on", "revisions"))
def reassessed_before_published(ctx: Context) -> Iterator[Finding]:
    """重要な変更を含む改訂は、再評価（意見聴取・第三者点検又は委員会への提出。重点項目評価書は提出）を終えてから
    公表し直す。改訂の「再評価」が実施済みで、その日付が評価書の公表日より後なら、公表日が再評価の前の古いままか、
    再評価の日付の誤りである（公表の手続中なら、公表した日に公表日を書き換えれば解消する）。前回の公表日より前の
    再評価は、版の履歴で PIA632 が見る。"""
    for key, revs, data in ctx.each("revisions"):
        again, published = ctx.sibling("reassessment", revs), ctx.sibling("published-on", revs)
        if again is None or published is None:
            continue
        pub = dates.parse(published.get(data))
        if pub is None:
            continue
        for i, entry in enumerate(each(revs.get(data))):
            done, d, date_key = reassessed(again.of(entry, revs), again)
            if done and d is not None and d > pub:
                yield ctx.finding(key, again.at(i) + (date_key,),
                                  f"再評価を{dates.to_era(d)}に実施済みとしていますが、公表日は{dates.to_era(pub)}です。",
                                  "再評価の後に公表し直したなら公表日を新しくし、そうでなければ再評価の日付を確認してください。")


@rule("PIA307", "計数時点が公表日より後", source="様式（しきい値判断項目の「いつ時点の計数か」）", certainty=Certainty.INFERRED,
      concepts=("counted-at", "published-on"))
def counted_before_published(ctx: Context) -> Iterator[Finding]:
    """しきい値判断の対象人数・取扱者数は、評価の時点で数えたものである。その計数時点（基礎項目評価書 II の
    「いつ時点の計数か」、重点・全項目評価書の「取扱者数の計数時点」）は、評価書の公表日以前の日付になる。"""
    for key, it, path, v in ctx.values("counted-at"):
        published = ctx.sibling("published-on", it)
        data = ctx.a.docs[key].data if ctx.a.docs.get(key) else None
        pub = dates.parse(published.get(data)) if published and isinstance(data, dict) else None
        found = dates.find_dates(v) if isinstance(v, str) else []
        if pub is None or not found:
            continue
        if max(found) > pub:
            yield ctx.finding(key, path, f"計数時点（{dates.to_era(max(found))}）が公表日（{dates.to_era(pub)}）より後です。",
                              "いつ時点の計数かと公表日を確認してください。計数は評価の時点（公表より前）に行います。")


@rule("PIA308", "【再掲】の回答が、再掲する対策の回答と違う", source="様式2 IV 11（当該対策は十分か【再掲】）",
      certainty=Certainty.INFERRED, concepts=("repeated",))
def repeated_answer(ctx: Context) -> Iterator[Finding]:
    """基礎項目評価書 IV 11 の「当該対策は十分か【再掲】」は、「最も優先度が高いと考えられる対策」で選んだ対策について、
    IV の該当欄（IV 2〜7 の「…リスクへの対策は十分か」又は IV 10 従業者に対する教育・啓発）の回答を再掲する。
    回答の意味（特に力を入れている・十分である・課題が残されている）が違えば誤り（どちらの欄も選択肢の意味で比べる）。"""
    for key, again, data in ctx.each("repeated"):
        chosen_item = _parent_choice(again)
        if chosen_item is None:
            continue
        repeats = chosen_item.node.get("x-pia-repeats", {})
        chosen = chosen_item.get(data)
        code = repeats.get(chosen) if isinstance(chosen, str) else None
        said = again.get(data)
        if code is None or blank(said):
            continue
        target = item(code)
        original = target.get(data)
        if blank(original):
            continue
        if again.meaning(said) != target.meaning(original):
            yield ctx.finding(key, again.at(), f"【再掲】を「{said}」としていますが、再掲する「{target.title}」の回答は「{original}」です。",
                              "再掲する欄と同じ評価を選んでください。")


def _parent_choice(again: Item) -> Item | None:
    """The 「最も優先度が高いと考えられる対策」 choice beside a 【再掲】 answer (the sibling carrying x-pia-repeats)."""
    parent = sch.load().node_at(again.doc, again.path[:-1]) or {}
    for k, node in sch.properties(parent):
        if node.get("x-pia-repeats"):
            return item(sch.code(node))
    return None
