"""計画管理書 (様式1): the body's list of assessments and their schedule, from the same data as `pia status`.

The official layout of 様式1 was not found (docs/forms.md); the columns are the items the PPC documents require
to agree with it (評価書番号 matches the cover of each 評価書, YORYO-ZEN [P-q]) and the schedule `pia status`
derives (S01–S10).
"""
from __future__ import annotations

import datetime as dt

from pia.base import dates
from pia.document import family
from pia.portfolio import documents as pf
from pia.document.assessment import Assessment
from pia.portfolio.reports import Report, Table
from pia.portfolio.status import Status, assess


def _era(d: dt.date | None) -> str:
    return dates.to_era(d) if d else ""


def _due(st: Status, sid: str, doc: str) -> str:
    return "、".join(f"{_era(o.due)}{'（' + o.mark + '）' if o.mark else ''}" for o in st.obligations
                    if o.id == sid and o.due and o.document in ("", doc))


def build(items: list[Assessment], as_of: dt.date) -> Report:
    """One row per document (each has its own 評価書番号, 公表日 and deadlines); the 事務's facts repeat on each."""
    author = next((str(v) for a in items if (v := pf.author(a))), "")
    headers = [pf.title_of("表紙-評価書番号"), pf.title_of("I-1-①"), pf.title_of("表紙-評価書名"), pf.title_of("I-7-①"),
               pf.title_of("VI-1-②"), "義務付けられる評価書", "評価書の種類", pf.title_of("VI-1-①"),
               pf.title_of("表紙-公表日"), "最終の変更日", "次の見直しの期限", "再実施の期限", "予定している再評価",
               pf.title_of("表紙-事務終了日")]
    rows = []

    def number(a: Assessment) -> tuple[int, str]:
        docs = pf.documents_of(a)
        v = docs[-1].number if docs else ""
        return (int(v), v) if v.isdigit() else (10**9, v)

    for a in sorted(items, key=lambda a: (number(a), a.folder)):
        st = assess(a, as_of)
        main = family.main_kind(a)
        result = family.declared_result(a, main)[1] if main else None
        for d in reversed(st.documents):  # the most detailed first
            rows.append([d.number, st.jimu, d.title, str(pf.shared(a, "department") or ""), str(result or ""),
                         "、".join(st.required) if st.required is not None else "不明", f"{d.kind}{'（案）' if d.draft else ''}",
                         _era(dates.parse(pf.fact(a, "kiso_done"))), _era(d.published), _era(d.changed),
                         _due(st, "S03", d.kind), _due(st, "S04", d.kind), _due(st, "S05", d.kind), _era(st.ended)])
    table = Table("計画管理書", headers, rows, [8, 20, 24, 18, 26, 16, 16, 12, 12, 12, 14, 14, 16, 12])
    notes = [f"{dates.to_era(as_of)}現在。期限は pia status と同じ規則で計算しています（見直し: 規則第14条、再実施: 規則第15条）。",
             "評価書ごとに1行です（基礎項目評価書と重点項目評価書・全項目評価書は、それぞれの公表日から期限を数えます）。"
             "再実施の期限は公表日から5年です（公表日のない評価書と案には示しません。数え方の出典は docs/portfolio.md）。",
             "個人情報保護委員会の様式1の配置は確認できていません。記載項目は docs/forms.md を参照してください。"]
    return Report("特定個人情報保護評価計画管理書", author, as_of, notes, [table])
