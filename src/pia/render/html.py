"""Assessment -> one standalone HTML document, laid out by the layout file (pia.layout)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pia import dates, layout, schema as sch
from pia.assessment import Assessment
from pia.items import item
from pia.render.env import environment
from pia.render.formats import Ctx
from pia.resources import templates_dir

TITLE, AUTHOR, PUBLISHED, ENDED = (item(c) for c in ("表紙-評価書名", "表紙-評価実施機関名", "表紙-公表日", "表紙-事務終了日"))
DATED = ((item("表紙-改訂"), item("改訂-変更日")), (item("表紙-変更箇所の記録"), item("別添3-変更日")))


def _doc_date(meta: dict[str, Any]) -> str | None:
    """The date written into the PDF metadata: 公表日, else the latest recorded change; never the clock."""
    d = dates.parse(PUBLISHED.get(meta))
    if d is None:
        found = [dates.parse(d.of(r, lst)) for lst, d in DATED for r in (lst.get(meta) or []) if isinstance(r, dict)]
        found = [x for x in found if x]
        d = max(found) if found else None
    return d.isoformat() if d else None


def betten3_rows(a: Assessment, folder: Path | None) -> list[list[Any]]:
    """Rows kept from before pia, then the rows derived from the folder's git history (when it has one). A history
    that would leave rows out (a shallow clone, say) is a PiaError, never a quietly shorter 別添3."""
    from pia.history.rows import betten3

    derived, _ = history_of(folder)
    return betten3(a, derived)


def history_of(folder: Path | None) -> tuple[list[dict[str, Any]], list[Any]]:
    """(derived 別添3 rows, warnings); a PiaError naming the problems when the rows would be incomplete."""
    from pia.errors import PiaError
    from pia.findings import ERROR
    from pia.history.versions import derived_rows

    if folder is None:
        return [], []
    derived, problems = derived_rows(folder)
    errors = [p for p in problems if p.severity == ERROR]
    if errors:
        raise PiaError("別添3 のうちバージョン履歴から作る行が不完全になるため、出力しません。\n" +
                       "\n".join(f"  [{p.rule_id}] {p.file}: {p.message}{' ' + p.hint if p.hint else ''}" for p in errors))
    return derived, problems


def document_title(a: Assessment) -> str:
    title = str(TITLE.get(a.meta) or a.folder)
    end = dates.parse(ENDED.get(a.meta))
    return title + (f"【{dates.to_era(end)} 終了】" if end else "")


def format_ctx(a: Assessment, kind: str = "full", folder: Path | None = None) -> Ctx:
    return Ctx(layout.texts(kind), a.file_name, folder)


def context(a: Assessment, folder: Path | None = None, rows: list[list[Any]] | None = None, kind: str = "full") -> dict[str, Any]:
    blocks = layout.document(a, kind)
    form = sch.load().document(layout.load(kind)["form"])
    changes = next((b for b in blocks if b.role == "changes"), None)
    columns = [sch.title(p) for p in changes.node["items"]["properties"].values()] if changes else []
    return {
        "blocks": blocks, "toc": layout.toc(blocks), "c": format_ctx(a, kind, folder),
        "title": document_title(a), "form_title": sch.title(form), "toc_title": form.get("x-pia-toc-title", ""),
        "author": str(AUTHOR.get(a.meta) or ""), "date": _doc_date(a.meta),
        "betten3": {"columns": columns, "rows": rows if rows is not None else betten3_rows(a, folder)},
        "css": (templates_dir() / "style.css").read_text(encoding="utf-8"),
    }


def render_html(a: Assessment, folder: Path | None = None, rows: list[list[Any]] | None = None, kind: str = "full") -> str:
    return environment().get_template("document.html.j2").render(**context(a, folder, rows, kind))
