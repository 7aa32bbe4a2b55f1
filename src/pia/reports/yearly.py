"""定期的な報告 (draft): the risk measures written in III (per file) and IV of every 重点/全項目評価書, one row per
measure, with a column for the status the body reports to the PPC each year (forms.md §5 [S]).

Section, risk and item titles come from the schemas; the texts are the assessment's own.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from pia import dates, portfolio as pf, schema as sch
from pia.assessment import Assessment
from pia.render.formats import flag_text, multi_text
from pia.reports import Report, Table
from pia.rules._util import blank

HEADERS = ["事務", "ファイル", "分類", "リスク", "記載項目", "評価書の記載", "実施状況", "課題・今後の対応"]
FILL = (6, 7)  # 実施状況 and 課題: the body fills these in


def _text(node: sch.Node, value: Any) -> str:
    k = sch.kind(node)
    if k == "choice":
        parts = [str(sch.selected(value) or "")]
        details = value if isinstance(value, dict) else {}
        parts += [f"{sch.title(n)}: {details.get(key)}" for key, n in sch.details(node) if not blank(details.get(key))]
        return "\n".join(p for p in parts if p)
    if k == "multi":
        return multi_text(node, value)
    if k == "flag":
        return flag_text(node, value) if value else ""
    return "" if value is None else str(value)


def measures(node: sch.Node, value: Any, trail: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str, str]]:
    """(section/risk titles, item title, text) for every item under node, in form order."""
    for key, sub in sch.properties(node):
        v = value.get(key) if isinstance(value, dict) else None
        if sch.kind(sub) == "group":
            yield from measures(sub, v, trail + (sch.title(sub),))
        else:
            yield trail, sch.title(sub), _text(sub, v)


def _rows(a: Assessment) -> Iterator[list[str]]:
    jimu = pf.jimu_name(a)
    iii = sch.load().node_at("file", pf.path_of("III", "file"))
    iv = sch.load().node_at("assessment", pf.path_of("IV"))
    assert iii is not None and iv is not None
    for fid, data in a.files():
        for trail, item, text in measures(iii, pf.value(data, "III", "file")):
            yield [jimu, a.file_label(fid), trail[0] if trail else "", " ".join(trail[1:]), item, text, "", ""]
    for trail, item, text in measures(iv, pf.value(a.meta, "IV")):
        yield [jimu, "", sch.title(iv), " ".join(trail), item, text, "", ""]


def build(items: list[Assessment], as_of: dt.date) -> Report:
    kinds = (pf.JUTEN, pf.ZENKOMOKU)
    chosen = [a for a in items if any(d.kind in kinds for d in pf.documents_of(a))]
    rows = [r for a in chosen for r in _rows(a)]
    author = next((str(v) for a in items if (v := pf.value(a.meta, "表紙-評価実施機関名"))), "")
    notes = [f"{dates.to_era(as_of)}時点の評価書の記載から作った下書きです。「実施状況」と「課題・今後の対応」を記入してください。",
             f"対象: {len(chosen)} 件の{'・'.join(kinds)}（基礎項目評価書は対象外）。"]
    return Report("特定個人情報保護評価書に記載したリスク対策の実施状況（定期的な報告 下書き）", author, as_of, notes,
                  [Table("リスク対策の実施状況", HEADERS, rows, [18, 20, 24, 28, 24, 60, 24, 24], FILL)])
