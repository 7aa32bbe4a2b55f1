"""計画管理書 (様式1): the body's list of assessments and their schedule, from the same data as `pia status`.

The official layout of 様式1 was not found (docs/forms.md); the columns are the items the PPC documents require
to agree with it (評価書番号 matches the cover of each 評価書, YORYO-ZEN [P-q]) and the schedule `pia status`
derives (S01–S10).
"""
from __future__ import annotations

import datetime as dt

from pia import dates, portfolio as pf
from pia.assessment import Assessment
from pia.reports import Report, Table
from pia.status import Status, assess


def _era(d: dt.date | None) -> str:
    return dates.to_era(d) if d else ""


def _due(st: Status, sid: str) -> str:
    return "、".join(f"{_era(o.due)}{'（' + o.mark + '）' if o.mark else ''}" for o in st.obligations if o.id == sid and o.due)


def build(items: list[Assessment], as_of: dt.date) -> Report:
    author = next((str(v) for a in items if (v := pf.value(a.meta, "表紙-評価実施機関名"))), "")
    headers = [pf.title_of("表紙-評価書番号"), pf.title_of("I-1-①"), pf.title_of("表紙-評価書名"), pf.title_of("I-7-①"),
               pf.title_of("VI-1-②"), "義務付けられる評価書", "作成している評価書", pf.title_of("VI-1-①"),
               pf.title_of("表紙-公表日"), "最終の変更日", "次の見直しの期限", "再実施の期限", "予定している再評価",
               pf.title_of("表紙-事務終了日")]
    rows = []

    def number(a: Assessment) -> tuple[int, str]:
        v = str(pf.value(a.meta, "表紙-評価書番号") or "")
        return (int(v), v) if v.isdigit() else (10**9, v)

    for a in sorted(items, key=lambda a: (number(a), a.folder)):
        st = assess(a, as_of)
        m = a.meta
        rows.append([str(pf.value(m, "表紙-評価書番号") or ""), st.jimu, str(pf.value(m, "表紙-評価書名") or ""),
                     str(pf.value(m, "I-7-①") or ""), str(pf.value(m, "VI-1-②") or ""),
                     "、".join(st.required) if st.required is not None else "不明",
                     "、".join(f"{d.kind}{'（案）' if d.draft else ''}" for d in st.documents),
                     _era(pf.date_of(m, "VI-1-①")), _era(st.published), _era(st.last_revision),
                     _due(st, "S03"), _due(st, "S04"), _due(st, "S05"), _era(st.ended)])
    table = Table("計画管理書", headers, rows, [8, 20, 24, 18, 26, 16, 16, 12, 12, 12, 14, 14, 16, 12])
    notes = [f"{dates.to_era(as_of)}現在。期限は pia status と同じ規則で計算しています（見直し: 規則第14条、再実施: 規則第15条）。",
             "個人情報保護委員会の様式1の配置は確認できていません。記載項目は docs/forms.md を参照してください。"]
    return Report("特定個人情報保護評価計画管理書", author, as_of, notes, [table])
