"""Assessment -> one standalone HTML document of the whole 全項目評価書, in the order of the form."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pia import dates, schema as sch
from pia.assessment import Assessment
from pia.render.env import environment
from pia.resources import templates_dir

# The parts of the form each file contributes, in form order, with their anchor ids.
FILE_PARTS = [("II", "特定個人情報ファイルの概要"), ("B2", "特定個人情報ファイル記録項目"),
              ("III", "特定個人情報ファイルの取扱いプロセスにおけるリスク対策")]


def _doc_date(meta: dict[str, Any]) -> str | None:
    """The date written into the PDF metadata: 公表日, else the latest recorded change; never the clock."""
    d = dates.parse(meta.get("公表日"))
    if d is None:
        found = [dates.parse(r.get("変更日")) for key in ("改訂", "変更箇所の記録")
                 for r in (meta.get(key) or []) if isinstance(r, dict)]
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


def context(a: Assessment, folder: Path | None = None, rows: list[list[Any]] | None = None) -> dict[str, Any]:
    root = sch.load()
    meta = a.meta
    adoc = root.document("assessment")
    fdoc = root.document("file")
    files = [{"id": fid, "label": a.file_label(fid), "data": data} for fid, data in a.files()]
    sections = [{"id": "sec-I", "title": adoc["properties"]["基本情報"]["title"], "level": 1},
                {"id": "sec-B1", "title": adoc["properties"]["別添1"]["title"], "level": 1}]
    for pid, key in FILE_PARTS:
        sections.append({"id": f"sec-{pid}", "title": fdoc["properties"][key]["title"], "level": 1})
        sections += [{"id": f"sec-{pid}-{i}", "title": f["label"], "level": 2} for i, f in enumerate(files, 1)]
    for key in ("その他のリスク対策", "開示請求、問合せ", "評価実施手続"):
        node = adoc["properties"][key]
        sections.append({"id": f"sec-{node['x-pia-code']}", "title": node["title"], "level": 1})
    b3node = adoc["properties"]["変更箇所の記録"]
    sections.append({"id": "sec-B3", "title": b3node["x-pia-section-title"], "level": 1})
    columns = [p["title"] for p in b3node["items"]["properties"].values()]
    title = str(meta.get("評価書名") or a.folder)
    end = dates.parse(meta.get("事務終了日"))
    if end:
        title += f"【{dates.to_era(end)} 終了】"
    return {
        "schema": {"assessment": adoc, "systems": root.document("systems"), "file": fdoc},
        "meta": meta, "systems": a.systems, "files": files, "file_parts": [{"id": i, "key": k} for i, k in FILE_PARTS],
        "sections": sections, "title": title, "form_title": adoc["title"], "toc_title": adoc["x-pia-toc-title"],
        "author": str(meta.get("評価実施機関名") or ""), "date": _doc_date(meta),
        "betten3": {"title": b3node["x-pia-section-title"], "columns": columns, "rows": rows if rows is not None else betten3_rows(a, folder)},
        "css": (templates_dir() / "style.css").read_text(encoding="utf-8"),
        "file_name": lambda fid: a.file_name(fid),
    }


def render_html(a: Assessment, folder: Path | None = None, rows: list[list[Any]] | None = None) -> str:
    return environment().get_template("document.html.j2").render(**context(a, folder, rows))
