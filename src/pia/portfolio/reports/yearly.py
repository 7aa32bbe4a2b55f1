"""定期的な報告 (draft): the risk measures written in III (per file) and IV of every 重点/全項目評価書, one row per
measure, with a column for the status the body reports to the PPC each year (forms.md §5 [S]).

Section, risk and item titles come from the schemas; the texts are the assessment's own.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from pia.base import dates
from pia.portfolio import documents as pf
from pia.form import schema as sch
from pia.document.assessment import Assessment
from pia.form import kinds as form_kinds
from pia.form import layout
from pia.document.formatting import Ctx, fmt, heading, label_text
from pia.portfolio.reports import Report, Table
from pia.form.items import switched_off
from pia.form.walk import walk
from pia.document.values import DASH

HEADERS = ["事務", "ファイル", "分類", "リスク", "記載項目", "評価書の記載", "実施状況", "課題・今後の対応"]
FILL = (6, 7)  # 実施状況 and 課題: the body fills these in


# The status of a part the document marks not applicable (its 「提供・移転しない」 … ticked): nothing to report.
NOT_APPLICABLE = "該当なし（{}）"


def measures(node: sch.Node, value: Any, ctx: Ctx, doc: Any = None) -> Iterator[tuple[tuple[str, ...], str, str, str]]:
    """(section/risk titles, item title, text as 別添3 prints it, status) for every printed item under node, in form
    order (the one walker and the one formatter table); the status is blank, for the body to fill in. A part the
    document (doc: its data) marks not applicable by a ○ (x-pia-off-when) has no items to report on: once per
    section and flag, a row names the flag with the status 該当なし（…）. Sections are titled without their flags."""
    trail: list[tuple[int, str]] = []
    off: tuple[str | int, ...] | None = None  # the path of the part left out, with everything below it
    said: set[tuple[tuple[str, ...], str]] = set()
    for e in walk(node, value):
        if off is not None and e.path[:len(off)] == off:
            continue
        off = None
        if e.hidden or e.inline:
            continue
        if e.kind in ("group", "block"):
            trail = [t for t in trail if t[0] < e.depth] + [(e.depth, heading(e, ctx, flags=False))]
        flags = switched_off(doc, e.node) if doc is not None else []
        if flags:
            off = e.path
            # the section the flag belongs to: this part when it carries the flag (III-4 of the 全項目), else its parent
            own = {sch.code(f.node) for f in e.flags}
            section = tuple(t for d, t in trail if d < e.depth or d == e.depth and any(f.code in own for f in flags))
            new = [f for f in flags if (section, f.code) not in said]
            said |= {(section, f.code) for f in new}
            if new:
                names = "・".join(f.title for f in new)
                yield section, names, ctx.texts["tick"], NOT_APPLICABLE.format(names)
            continue
        if e.kind not in ("group", "block", "note", "list"):
            yield tuple(t for d, t in trail if d < e.depth), label_text(e, ctx), fmt(e.kind).brief(e, ctx), ""


def _rows(a: Assessment) -> Iterator[list[str]]:
    """The measures of the folder's most detailed document: per file (III of the 全項目, III of the 重点) and the
    common ones (IV of the 全項目, III 共通 of the 重点); forms.json's codes say which items those are."""
    from functools import partial

    from pia.document import family

    kind = family.main_kind(a)
    per_file, common = (pf.coded(kind, r) if kind else None for r in ("risks_file", "risks_common"))
    if kind is None or per_file is None or common is None or kind.file_schema is None:
        return
    jimu = pf.jimu_name(a)
    ctx = Ctx(layout.texts(kind.id), partial(a.file_name, schema=kind.file_schema))
    for fid, data in family.files_of(a, kind):
        for trail, item, text, status in measures(per_file.node, per_file.get(data), ctx, data):
            yield [jimu, a.file_label(fid, kind.file_schema), trail[1] if len(trail) > 1 else "", " ".join(trail[2:]), item, text,
                   *_status(status)]
    main = family.data(a, kind)
    for trail, item, text, status in measures(common.node, common.get(main), ctx, main):
        yield [jimu, "", trail[0] if trail else sch.title(common.node), " ".join(trail[1:]), item, text, *_status(status)]


def _status(said: str) -> list[str]:
    """実施状況 and 課題: blank for the body to fill in, or settled for a part the document marks not applicable."""
    return [said, DASH] if said else ["", ""]


def build(items: list[Assessment], as_of: dt.date) -> Report:
    kinds = [k for k in form_kinds.ordered() if "risks_file" in k.codes]  # the forms that state risk measures
    chosen = [a for a in items if any(d.kind_id in {k.id for k in kinds} for d in pf.documents_of(a))]
    rows = [r for a in chosen for r in _rows(a)]
    author = next((str(v) for a in items if (v := pf.author(a))), "")
    notes = [f"{dates.to_era(as_of)}時点の評価書の記載から作った下書きです。「実施状況」と「課題・今後の対応」を記入してください。",
             f"対象: {len(chosen)} 件の{'・'.join(form_kinds.short_title(k) for k in kinds)}"
             f"（{'・'.join(form_kinds.short_title(k) for k in form_kinds.ordered() if k not in kinds)}は対象外）。"]
    return Report("特定個人情報保護評価書に記載したリスク対策の実施状況（定期的な報告 下書き）", author, as_of, notes,
                  [Table("リスク対策の実施状況", HEADERS, rows, [18, 20, 24, 28, 24, 60, 24, 24], FILL)])
