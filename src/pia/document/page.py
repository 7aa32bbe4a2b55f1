"""The page: one document of a folder as every writer prints it, built once (as pandoc builds one document with
its meta). Its title, author, date and version tag, the layout's blocks and 項目一覧, the value formatter, and the
rows of its 変更箇所 (別添3), which the caller brings from the history.

Writers (pia.output) take a Page and return bytes: they read no YAML, no git and no clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pia.base import dates
from pia.document import blocks as document_blocks
from pia.document import family
from pia.document.assessment import Assessment, display_name
from pia.document.blocks import Block, TocEntry
from pia.document.changes import document_rows
from pia.document.formatting import Ctx, format_ctx
from pia.form import kinds, layout
from pia.form import schema as sch
from pia.form.items import UnknownItem, item

ENDED = item("表紙-事務終了日")


@dataclass(frozen=True)
class Changes:
    """The 変更箇所 (別添3) table: its columns as the schema titles them, and its rows."""
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Page:
    kind: kinds.Kind
    title: str
    author: str
    date: str | None  # ISO: the 公表日, else the latest recorded change; never the clock
    version_tag: str  # 「[平成30年5月 様式4]」 as the cover prints it
    form_title: str
    toc_title: str
    blocks: list[Block]
    toc: list[TocEntry]
    ctx: Ctx
    changes: Changes
    assessment: Assessment = field(repr=False, compare=False)  # the document's data as laid out (the 基礎: its view)
    # items printed from another document (the 基礎's facts the main document holds): path -> where they are written
    borrowed: dict[tuple[str, ...], str] = field(default_factory=dict, compare=False)

    def written_elsewhere(self, doc: str, path: tuple[Any, ...]) -> str | None:
        """Where the value at (doc key, path) is written when another document holds it, else None."""
        if doc != self.kind.key:
            return None
        return next((w for p, w in self.borrowed.items() if tuple(path[:len(p)]) == p), None)

    @property
    def fixed_date(self) -> str | None:
        """The date a writer stamps into its file (PDF and workbook metadata): the page's date, else the latest
        變更日 of its 変更箇所 rows."""
        if self.date:
            return self.date
        found = [d for d in (dates.parse(r[0]) for r in self.changes.rows if r) if d]
        return max(found).isoformat() if found else None


def _data(a: Assessment, kind_id: str) -> dict[str, Any]:
    """The data of the document whose cover names it (assessment.yaml, juten.yaml or the 基礎's view)."""
    d = a.docs.get(layout.meta_item(kind_id, "title").doc)
    return d.data if d is not None and isinstance(d.data, dict) else {}


def _date(a: Assessment, kind: kinds.Kind) -> str | None:
    """公表日, else the latest change the document records (its 改訂, and the 全項目's pre-pia 別添3)."""
    data = _data(a, kind.id)
    d = dates.parse(layout.meta_item(kind.id, "published").get(data))
    if d is None:
        lists = [(item("表紙-変更箇所の記録"), item("別添3-変更日"))] if kind.legacy_changes else []
        try:
            lists.append((item(kind.code_prefix + "表紙-改訂"), item(kind.code_prefix + "改訂-変更日")))
        except UnknownItem:  # a form that records no 改訂
            pass
        found = [dates.parse(when.of(r, lst)) for lst, when in lists for r in (lst.get(data) or []) if isinstance(r, dict)]
        found = [x for x in found if x]
        d = max(found) if found else None
    return d.isoformat() if d else None


def title(a: Assessment, kind: kinds.Kind) -> str:
    """The 評価書名; when not known yet, the 事務 and the form (「… 基礎項目評価書」), else the folder's name."""
    data = _data(a, kind.id)
    name = layout.meta_item(kind.id, "title").get(data)
    if not name:
        jimu = layout.meta_item(kind.id, "name").get(data) or display_name(Path(a.folder).name)  # shown: no bidi
        name = f"{jimu} {kinds.short_title(kind)}"
    name = str(name)
    end = dates.parse(ENDED.get(data)) if layout.meta_item(kind.id, "title").doc == ENDED.doc else None
    return name + (f"【{dates.to_era(end)} 終了】" if end else "")


def document_title(a: Assessment, kind: kinds.Kind) -> str:
    """The title one document of the folder is rendered with (its HTML <title>, PDF and workbook metadata)."""
    return title(family.render_view(a, kind), kind)


def build(a: Assessment, kind: kinds.Kind, folder: Path | None = None,
          rows: list[list[Any]] | None = None) -> Page:
    """The page of one document. `a` is the folder as rendered for it (family.render_view); `rows` its 変更箇所 rows
    (the recorded ones and those the history derived: pia.document.changes.document_rows); without them, only what
    the YAML records. `folder` is where 別添1's figures are read from (none for versions read from git)."""
    blocks = document_blocks.document(a, kind.id)
    form = sch.load().document(layout.load(kind.id)["form"])
    table = next((b for b in blocks if b.role == "changes"), None)
    columns = [sch.title(p) for p in table.node["items"]["properties"].values()] if table else []
    return Page(kind, title(a, kind), str(layout.meta_item(kind.id, "author").get(_data(a, kind.id)) or ""),
                _date(a, kind), family.cover_tag(a, kind), sch.title(form), form.get("x-pia-toc-title", ""), blocks,
                document_blocks.toc(blocks), format_ctx(a, kind.id, folder),
                Changes(columns, rows if rows is not None else document_rows(a, kind, {})), a, family.borrowed(a, kind))


def of(a: Assessment, kind_id: str | None = None, folder: Path | None = None,
       rows: list[list[Any]] | None = None) -> Page:
    """The page of a folder's document by kind id (default: the main document), as rendered for it."""
    kind = kinds.by_id(kind_id) if kind_id else family.main_kind(a)
    if kind is None:
        raise KeyError(kind_id or "no document in the folder")
    return build(family.render_view(a, kind), kind, folder, rows)
