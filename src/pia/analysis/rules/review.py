"""What a reviewer asks: answers that admit a gap, a file without 個人番号, publication without 第三者点検.

Which answers admit a gap is read from the options' meanings in the schemas (x-pia-meaning: insufficient, no),
never from their position in the option list.
"""
from __future__ import annotations

from typing import Any, Iterator

from pia.base import dates
from pia.form import schema as sch
from pia.base.findings import ERROR, WARNING, Finding
from pia.form.items import Item, all_items, dig, item
from pia.base.registry import Certainty
from pia.analysis.rules import Context, instances, rule
from pia.document.values import blank, ticked
from pia.document import family

BODY, PUBLISHED_ON, REVIEWED_ON = item("表紙-評価実施機関の区分"), item("表紙-公表日"), item("VI-3-①")
# yes/no items of III whose "yes" is not a measure taken: a past accident (⑨) and keeping the dead's numbers (⑩)
NOT_MEASURES = {"III-7-リスク1-⑨", "III-7-リスク1-⑩"}


def _meanings(it: Item) -> dict[str, str]:
    try:
        return it._attr("x-pia-meaning")
    except KeyError:
        return {}


def _answers(ctx: Context, cid: str, meaning: str) -> Iterator[tuple[str, Item, tuple[Any, ...], str]]:
    """(document, item, path, chosen option) of every answer of a concept whose option carries meaning."""
    for key, it, path, value in ctx.values(cid):
        if meaning in _meanings(it).values() and it.meaning(value) == meaning:
            yield key, it, path, str(sch.selected(value))


def _risk(ctx: Context, key: str, path: tuple[Any, ...]) -> str:
    """The label of the block an answer belongs to (the risk it answers for)."""
    return family.label(ctx.a, key, path[:-1])


@rule("PIA710", "特定個人情報ファイルの主な記録項目に個人番号（又は個人番号対応符号）がない", WARNING,
      source="番号法第2条第8項・第9項（特定個人情報・特定個人情報ファイルの定義）", certainty=Certainty.RECALLED,
      concepts=("main-records",))
def number_recorded(ctx: Context) -> Iterator[Finding]:
    """特定個人情報ファイルは個人番号（個人番号対応符号を含む）をその内容に含む個人情報ファイルである。主な記録項目に
    個人番号も個人番号対応符号も選ばれていなければ、審査では「このファイルは特定個人情報ファイルか」が問われる。
    選択肢は意味（x-pia-meaning）で見分ける。"""
    for key, records, f in ctx.each("main-records"):
        wanted = {records.option("individual-number"), records.option("individual-number-code")}
        kinds = records.get(f)
        if isinstance(kinds, list) and kinds and not wanted & set(ticked(kinds)):
            yield ctx.finding(key, records.at(),
                              f"{ctx.file_label(key)}の{records.title}に「{records.option('individual-number')}」がありません。",
                              f"特定個人情報ファイルには個人番号が記録されます。「{records.option('individual-number')}」を選ぶか、"
                              "このファイルが特定個人情報ファイルかを確認してください。")


@rule("PIA711", "対策が不十分と回答している（審査で問われる）", WARNING,
      source="特定個人情報保護評価指針 第10（委員会の審査の観点: リスク対策の十分性）、様式 III・IV", certainty=Certainty.RECALLED,
      concepts=("sufficiency",), also=("audit", "education"))
def insufficient(ctx: Context) -> Iterator[Finding]:
    """「課題が残されている」「十分に行っていない」「十分に整備していない」など、対策が十分でないことを意味する回答
    （選択肢の意味 insufficient）ごとに、審査で問われることを示す。回答自体は正直な記載であり誤りではないため警告。"""
    repeats = {r.code for r in ctx.items("repeated")}  # a 【再掲】 answer is reported where it is first given
    for key, it, path, chosen in _answers(ctx, "sufficiency", "insufficient"):
        if it.code in repeats:
            continue
        where = _where(ctx, key, it, path)
        yield ctx.finding(key, path, f"「{chosen}」と回答しています。審査では、何が不十分か、その理由、いつまでにどう改善するかが問われます。",
                          f"{where}に、残る課題と改善の予定（時期）を書いてください。" if where else
                          "この様式には措置を書く欄がないため、残る課題と改善の予定（時期）を表紙の「特記事項」に書くなどして説明できるようにしてください。")


def _where(ctx: Context, key: str, it: Item, path: tuple[Any, ...]) -> str:
    """Where the answer is explained: its own 「具体的な…」 text, else the measures of the risk it answers for ("" when
    the form has no text there)."""
    details = sch.details(it.node)
    if details:
        return f"「{sch.title(details[0][1])}」"
    block = sch.load().node_at(it.doc, it.path[:-1]) or {}
    texts = [n for _, n in sch.properties(block) if sch.kind(n) == "text"]
    if not texts:
        return ""  # no text beside the answer (most of the 基礎項目評価書's IV)
    if it.doc == "kiso":
        return f"「{sch.title(texts[0])}」"  # IV 8: 判断の根拠
    return f"「{_risk(ctx, key, path)}」の措置の内容の欄"


@rule("PIA712", "リスク対策の措置を「行っていない」「定めていない」と回答している（審査で問われる）", WARNING,
      source="特定個人情報保護評価指針 第10（委員会の審査の観点）、様式 III", certainty=Certainty.RECALLED, concepts=("measures",))
def measure_not_taken(ctx: Context) -> Iterator[Finding]:
    """III の措置の有無を問う項目（ユーザ認証の管理、使用の記録、提供ルール、消去手順など）で、措置をとらない意味の
    回答（選択肢の意味 no）をしたとき、審査では「なぜ行わないのか、代わりにどの措置でリスクを抑えるのか」が問われる。
    過去の重大事故（⑨）と死者の個人番号の保管（⑩）は措置の有無ではないため対象外。"""
    parts = ctx.items("measures")
    for it in all_items():
        part = next((p for p in parts if p.doc == it.doc and it.path[:len(p.path)] == p.path), None)
        if part is None or it.code in NOT_MEASURES or "no" not in _meanings(it).values():
            continue
        for key, data in ctx.docs(it.doc):
            for path in instances(it, data):
                value = dig(data, path)
                if it.meaning(value) != "no":
                    continue
                chosen = str(sch.selected(value))
                yield ctx.finding(key, path, f"{it.title}を「{chosen}」と回答しています。審査では、行わない理由と、代わりにリスクを抑える措置が問われます。",
                                  f"行わない理由と代わりの措置を、{_where(ctx, key, it, path)}に書いてください。")


@rule("PIA713", "地方公共団体等が第三者点検を受けずに公表している", ERROR,
      source="特定個人情報保護評価に関する規則第7条第4項（地方公共団体等は第三者点検を受ける）、ppc-rules L-4",
      certainty=Certainty.QUOTED, concepts=("inspection-required", "inspection-on", "body-type", "published-on"))
def third_party_review(ctx: Context) -> Iterator[Finding]:
    """地方公共団体等は、全項目評価書を公表する前に第三者点検（VI-3）を受ける。公表日を書いた評価書で第三者点検の
    ①実施日がない、又は実施日が公表日より後ならエラー。"""
    m = ctx.a.meta
    if BODY.meaning(BODY.get(m)) != "local" or blank(PUBLISHED_ON.get(m)):
        return
    published, reviewed = dates.parse(PUBLISHED_ON.get(m)), dates.parse(REVIEWED_ON.get(m))
    if blank(REVIEWED_ON.get(m)):
        yield ctx.finding("assessment", REVIEWED_ON.at(), f"{BODY.get(m)}の評価書を公表していますが、第三者点検の{REVIEWED_ON.title}がありません。",
                          "第三者点検を受けてから公表し、その実施日・方法・結果を VI-3 に書いてください。")
    elif published and reviewed and reviewed > published:
        yield ctx.finding("assessment", REVIEWED_ON.at(),
                          f"第三者点検の{REVIEWED_ON.title}（{dates.to_era(reviewed)}）が公表日（{dates.to_era(published)}）より後です。",
                          "第三者点検は公表の前に受けます。日付を確認してください。")
