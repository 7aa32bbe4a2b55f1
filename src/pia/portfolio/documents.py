"""The body's assessments as a portfolio: what each 事務 folder holds, read through one accessor.

A folder holds one or more documents of the form family (基礎項目評価書 / 重点項目評価書 / 全項目評価書), each with
its form version and draft state (pia.form.kinds, pia.document.family). Everything in status/plan/report/site that needs "the documents of an
assessment" asks `documents_of` and `required_documents` here, never pia.document.family directly.

Items are addressed by their x-pia-code (looked up in the schema), never by their Japanese label.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pia.base import dates
from pia.form import kinds
from pia.form import layout as form_layout
from pia.document import family
from pia.form import items
from pia.form import schema as sch
from pia.document.assessment import Assessment, display_name
from pia.history.classify import reassessed, record, revision_date

# Items inside one entry of a list, addressed relative to that entry: (schema name) -> the list's code.
_ENTRY_OF = {"revision": "表紙-改訂", "legacy-row": "表紙-変更箇所の記録"}


def path_of(code: str, schema: str = "assessment") -> tuple[str, ...]:
    """The key path of an item by its code (inside one list entry for "revision" / "legacy-row");
    an unknown code is a bug in pia, so it raises (pia.items.UnknownItem)."""
    it = items.item(code)
    if schema in _ENTRY_OF:
        return it.within(items.item(_ENTRY_OF[schema]))
    if it.doc != schema:
        raise items.UnknownItem(f"{code} is an item of {it.doc}, not of {schema}")
    return tuple(str(p) for p in it.at())


def node_of(code: str, schema: str = "assessment") -> sch.Node:
    return items.item(code).node


def title_of(code: str, schema: str = "assessment") -> str:
    return items.item(code).title


def value(data: Any, code: str, schema: str = "assessment") -> Any:
    return items.dig(data, path_of(code, schema))


# ---- facts of the 事務 and of each document, from whichever document carries them ------------------------

def coded(kind: kinds.Kind, role: str) -> items.Item | None:
    """The item a form has for a role of forms.json's `codes` (e.g. "inspection" -> 重点-V-3-①), if it has one."""
    code = kind.codes.get(role)
    return items.item(code) if isinstance(code, str) else None


def doc_value(a: Assessment, kind: kinds.Kind, role: str) -> Any:
    """The value one document holds for a role (None when its form has no such item)."""
    it = coded(kind, role)
    return it.get(family.data(a, kind)) if it else None


def doc_date(a: Assessment, kind: kinds.Kind, role: str) -> dt.date | None:
    return dates.parse(doc_value(a, kind, role))


def carrier(a: Assessment, role: str) -> kinds.Kind | None:
    """The document of the folder that carries a fact of the 事務: the most detailed one whose form has the item
    (the 全項目評価書, else the 重点, else the 基礎)."""
    return next((k for k in reversed(family.present(a)) if coded(k, role)), None)


def fact(a: Assessment, role: str) -> Any:
    kind = carrier(a, role)
    return doc_value(a, kind, role) if kind else None


def shared(a: Assessment, role: str) -> Any:
    """A fact every document prints (事務の名称, 部署 …), read through the shared-fact mapping (family.kiso_view):
    from the main document when the folder has one, else from kiso.yaml."""
    kiso = kinds.borrower()
    it = coded(kiso, role) if kiso else None
    return it.get(family.kiso_view(a)) if it else None


def meta(a: Assessment, kind: kinds.Kind, what: str) -> Any:
    """A cover item the layout names the document by (title, author, published)."""
    from pia.form import layout

    return layout.meta_item(kind.id, what).get(family.data(a, kind))


def author(a: Assessment) -> Any:
    """The 評価実施機関名 the folder's main document names."""
    main = family.main_kind(a)
    return meta(a, main, "author") if main else None


def _revision_item(kind: kinds.Kind, code: str) -> items.Item | None:
    """An item of a document's 改訂 records (「表紙-改訂」, 「改訂-変更日」 … with the form's code prefix), if its form has it."""
    try:
        return items.item(kind.code_prefix + code)
    except items.UnknownItem:
        return None


def records_reassessment(kind: kinds.Kind) -> bool:
    """Whether the document's 改訂 records say whether a change was re-assessed (重点, 全項目; the 基礎 has no 再評価)."""
    return _revision_item(kind, "改訂-再評価") is not None


def change_dates(a: Assessment, kind: kinds.Kind) -> list[dt.date]:
    """Dates of a document's recorded changes, oldest first, without repeats: the rows of its 変更箇所 and its 改訂
    entries (pia's revision records, from which the rest of its 変更箇所 is derived)."""
    found: set[dt.date] = set()
    rows_item = form_layout.changes_item(kind)
    if rows_item is not None:
        date_item = items.item(kind.code_prefix + "別添3-変更日")
        for r in rows_item.get(family.data(a, kind)) or []:
            d = dates.find_dates(str(date_item.of(r, rows_item) or ""))
            if d:
                found.add(d[0])
    found |= {d for r in revisions(a, kind) if (d := revision_date(r, kind))}
    return sorted(found)


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


@dataclass(frozen=True)
class DocumentInfo:
    kind: str  # 基礎項目評価書 / 重点項目評価書 / 全項目評価書
    form: str  # 様式2 / 様式3 / 様式4
    version: str | None  # form version, e.g. 平成30年5月 (None: not declared)
    draft: bool
    title: str
    number: str = ""  # 評価書番号
    published: dt.date | None = None  # its own 公表日
    changed: dt.date | None = None  # the last of its recorded changes
    kind_id: str = ""  # basic / focused / full (pia.form.kinds)

    @property
    def is_published(self) -> bool:
        """Published as the document residents read: it has a 公表日 and is not a draft ((案)・(素案))."""
        return self.published is not None and not self.draft

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "published": _iso(self.published), "changed": _iso(self.changed)}


def documents_of(a: Assessment) -> list[DocumentInfo]:
    """The documents an assessment folder holds (基礎 / 重点 / 全項目, pia.document.family), least detailed first."""
    out = []
    for kind in family.present(a):
        d = family.data(a, kind)
        changes = change_dates(a, kind)
        out.append(DocumentInfo(kinds.short_title(kind), kind.number, family.version_of(a, kind), kinds.is_draft(d),
                                str(meta(a, kind, "title") or ""), str(doc_value(a, kind, "number") or ""),
                                dates.parse(meta(a, kind, "published")), changes[-1] if changes else None, kind.id))
    return out


def required_kinds(a: Assessment) -> list[kinds.Kind] | None:
    """The kinds the しきい値判断 makes mandatory (family.required: the inputs when they decide it, else the stated
    result), least detailed first (None when neither tells)."""
    req = family.required(a)
    return None if req is None else [k for k in kinds.ordered() if k.id in req]


def required_documents(a: Assessment) -> tuple[str, ...] | None:
    """The titles of the documents the しきい値判断 makes mandatory (None when it cannot be told)."""
    req = required_kinds(a)
    return None if req is None else tuple(kinds.short_title(k) for k in req)


def jimu_name(a: Assessment) -> str:
    v = shared(a, "jimu")
    return str(v) if v else display_name(Path(a.folder).name)


def reassessment(rev: dict[str, Any], kind: kinds.Kind) -> tuple[bool | None, dt.date | None]:
    """A revision's 再評価: (done? — None when not recorded or the form has none (基礎), its date)."""
    rec = record(kind)
    if rec.reassessment is None:
        return None, None
    done, when, _ = reassessed(rec.reassessment.of(rev, rec.revisions), rec.reassessment)
    return done, when


def revisions(a: Assessment, kind: kinds.Kind) -> list[dict[str, Any]]:
    """A document's 改訂 entries (pia's revision records) that carry a readable 変更日, oldest first."""
    entry = _revision_item(kind, "表紙-改訂")
    found = items.each(entry.get(family.data(a, kind))) if entry else []
    out = [r for r in found if isinstance(r, dict) and revision_date(r, kind)]
    return sorted(out, key=lambda r: revision_date(r, kind))