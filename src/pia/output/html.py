"""Assessment -> one standalone HTML document, laid out by the layout file (pia.document.blocks)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pia.base import dates
from pia.form import kinds
from pia.document import family
from pia.document import blocks as document_blocks
from pia.form import layout
from pia.form import schema as sch
from pia.document.assessment import Assessment
from pia.form.items import item
from pia.output.env import environment
from pia.base.resources import templates_dir
from pia.document.changes import recorded_rows
from pia.document.formatting import format_ctx

TITLE, AUTHOR, PUBLISHED, ENDED = (item(c) for c in ("表紙-評価書名", "表紙-評価実施機関名", "表紙-公表日", "表紙-事務終了日"))
DATED = ((item("表紙-改訂"), item("改訂-変更日")), (item("表紙-変更箇所の記録"), item("別添3-変更日")))


def _doc_date(meta: dict[str, Any], published: Any = PUBLISHED) -> str | None:
    """The date written into the PDF metadata: 公表日, else the latest recorded change; never the clock."""
    d = dates.parse(published.get(meta))
    if d is None and published is PUBLISHED:
        found = [dates.parse(d.of(r, lst)) for lst, d in DATED for r in (lst.get(meta) or []) if isinstance(r, dict)]
        found = [x for x in found if x]
        d = max(found) if found else None
    return d.isoformat() if d else None


def doc_data(a: Assessment, kind: str = "full") -> dict[str, Any]:
    """The data of the document whose cover names it (assessment.yaml, juten.yaml or the 基礎's view)."""
    d = a.docs.get(layout.meta_item(kind, "title").doc)
    return d.data if d is not None and isinstance(d.data, dict) else {}


def doc_date(a: Assessment, kind: str = "full") -> str | None:
    return _doc_date(doc_data(a, kind), layout.meta_item(kind, "published"))


def document_title(a: Assessment, kind: str = "full") -> str:
    data = doc_data(a, kind)
    title = layout.meta_item(kind, "title").get(data)
    if not title:  # a document whose 評価書名 is not known yet: the 事務 and the form (「… 基礎項目評価書」)
        form = kinds.by_id(kind)
        name = layout.meta_item(kind, "name").get(data) or Path(a.folder).name
        title = f"{name} {kinds.short_title(form)}" if form else name
    title = str(title)
    end = dates.parse(ENDED.get(data)) if layout.meta_item(kind, "title").doc == ENDED.doc else None
    return title + (f"【{dates.to_era(end)} 終了】" if end else "")


def context(a: Assessment, folder: Path | None = None, rows: list[list[Any]] | None = None, kind: str = "full") -> dict[str, Any]:
    blocks = document_blocks.document(a, kind)
    form = sch.load().document(layout.load(kind)["form"])
    changes = next((b for b in blocks if b.role == "changes"), None)
    columns = [sch.title(p) for p in changes.node["items"]["properties"].values()] if changes else []
    return {
        "blocks": blocks, "toc": document_blocks.toc(blocks), "c": format_ctx(a, kind, folder),
        "title": document_title(a, kind), "form_title": sch.title(form), "toc_title": form.get("x-pia-toc-title", ""),
        "author": str(layout.meta_item(kind, "author").get(doc_data(a, kind)) or ""), "date": doc_date(a, kind),
        "version_tag": family.cover_tag(a, kinds.by_id(kind)) if kinds.by_id(kind) else "",
        "betten3": {"columns": columns, "rows": rows if rows is not None else recorded_rows(a, kind)},
        "css": (templates_dir() / "style.css").read_text(encoding="utf-8"),
    }


def render_html(a: Assessment, folder: Path | None = None, rows: list[list[Any]] | None = None, kind: str = "full") -> str:
    return environment().get_template("document.html.j2").render(**context(a, folder, rows, kind))
