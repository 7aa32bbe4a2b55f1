"""Assessment -> an Excel workbook in the layout of the form: one sheet per part, label|value, A4 fit to width.

Every user string is stored as text (never a formula), control characters are kept as OOXML escapes, and the
file is byte-identical for the same input (fixed document times and zip entry times).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any, Iterator

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from pia import dates, schema as sch
from pia.assessment import Assessment
from pia.render.formats import choice_text, flag_text, multi_text
from pia.render.html import FILE_PARTS

FONT = "BIZ UDPゴシック"
WIDTHS = (34, 86)  # characters: label, value
MAX_CELL = 32000  # Excel holds 32,767 characters in a cell; longer text continues on the next row
_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
FILL = {"group": PatternFill("solid", fgColor="D9D9D9"), "block": PatternFill("solid", fgColor="F2F2F2"),
        "label": PatternFill("solid", fgColor="EEEEEE")}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_LITERAL_ESCAPE = re.compile(r"_(x[0-9A-Fa-f]{4})_")


def safe_text(s: str) -> str:
    """Characters Excel cannot hold become _xHHHH_; a user's own literal _xHHHH_ is escaped so it stays literal."""
    s = _LITERAL_ESCAPE.sub(r"_x005F_\1_", s)
    return _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", s)


@dataclass
class Line:
    kind: str  # group / block / row / note
    depth: int
    label: str
    text: str = ""


def _lines(node: sch.Node, value: Any, depth: int, a: Assessment) -> Iterator[Line]:
    kind = sch.kind(node)
    title = sch.title(node) + (" ※" if sch.starred(node) else "")
    if node.get("x-pia-internal") or kind == "id" or (node.get("x-pia-hide-empty") and value is None):
        return
    if kind == "group" or (kind == "" and "properties" in node):
        v = value if isinstance(value, dict) else {}
        flags = [flag_text(sub, v.get(k)) for k, sub in sch.properties(node) if sch.kind(sub) == "flag"]
        if kind == "group":
            yield Line("group", depth, title + ("　" + "　".join(flags) if flags else ""))
        for note in node.get("x-pia-note", []):
            yield Line("note", depth + 1, note)
        for k, sub in sch.properties(node):
            if sch.kind(sub) != "flag":
                yield from _lines(sub, v.get(k), depth + 1 if kind == "group" else depth, a)
    elif kind == "choice" and "properties" in node:
        v = value if isinstance(value, dict) else {}
        yield Line("row", depth, title, choice_text(node["properties"]["選択"], v.get("選択"), v.get("件数"), "件数" in node["properties"]))
        for k, sub in sch.details(node):
            yield from _lines(sub, v.get(k), depth + 1, a)
    elif kind == "choice":
        yield Line("row", depth, title, choice_text(node, value))
    elif kind == "multi":
        yield Line("row", depth, title, multi_text(node, value))
    elif kind == "flag":
        yield Line("row", depth, title, flag_text(node, value))
    elif kind == "idlist":
        yield Line("row", depth, title, "\n".join(f"{i}. {a.file_name(str(x))}" for i, x in enumerate(value or [], 1)))
    elif kind == "strlist":
        yield Line("row", depth, title, "\n".join(f"・{x}" for x in value or []))
    elif kind == "list":
        block = node.get("x-pia-block")
        inner = node["items"]
        for n, item in enumerate(value if isinstance(value, list) else [], 1):
            item = item if isinstance(item, dict) else {}
            if block:
                name = item.get(block)
                yield Line("block", depth, f"{block}{n}" + (f"　{name}" if name else ""))
            for k, sub in sch.properties(inner):
                if k != block:
                    yield from _lines(sub, item.get(k), depth + (1 if block else 0), a)
    else:
        yield Line("row", depth, title, "" if value is None else str(value))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _height(text: str, width: int) -> float:
    # column widths count the default 11pt font's digits; the 9pt text fits about 1.2 times as many
    capacity = max(int((width - 1) * 1.2), 1)
    lines = sum(max(1, -(-_width(p) // capacity)) for p in (text or "").split("\n"))
    return min(409.0, 3 + 12.0 * lines)


def _put(ws: Worksheet, row: int, col: int, text: str, fill: PatternFill | None = None, bold: bool = False) -> None:
    cell = ws.cell(row=row, column=col)
    cell.value = safe_text(text)
    cell.data_type = "s"  # never a formula, a number or a date
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        cell.quotePrefix = True
    cell.font = Font(name=FONT, size=9, bold=bold)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    cell.border = BORDER
    if fill:
        cell.fill = fill


def _sheet(wb: Workbook, title: str, doc_title: str) -> Worksheet:
    ws = wb.create_sheet(re.sub(r"[\[\]:*?/\\]", "", title)[:31])
    ws.column_dimensions["A"].width = WIDTHS[0]
    ws.column_dimensions["B"].width = WIDTHS[1]
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = safe_text(doc_title).replace("&", "&&")
    ws.oddFooter.center.text = "&P / &N"
    ws.print_options.horizontalCentered = True
    return ws


def _write_lines(ws: Worksheet, heading: str, lines: Iterator[Line]) -> None:
    _put(ws, 1, 1, heading, FILL["group"], bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    ws.print_title_rows = "1:1"
    r = 2
    for ln in lines:
        indent = "　" * max(ln.depth - 1, 0)
        if ln.kind in ("group", "block", "note"):
            _put(ws, r, 1, indent + ln.label, FILL.get(ln.kind), bold=ln.kind != "note")
            _put(ws, r, 2, "")
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=2)
            ws.row_dimensions[r].height = _height(ln.label, sum(WIDTHS))
            r += 1
            continue
        chunks = [ln.text[i:i + MAX_CELL] for i in range(0, len(ln.text), MAX_CELL)] or [""]
        for i, chunk in enumerate(chunks):
            _put(ws, r, 1, indent + ln.label + ("（続き）" if i else ""), FILL["label"])
            _put(ws, r, 2, chunk)
            ws.row_dimensions[r].height = max(_height(chunk, WIDTHS[1]), _height(indent + ln.label, WIDTHS[0]))
            r += 1


class _FixedZip(zipfile.ZipFile):
    """Zip entries with a fixed time, so the same workbook gives the same bytes."""

    def writestr(self, name: Any, data: Any, compress_type: Any = None, compresslevel: Any = None) -> None:
        if isinstance(name, str):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            name = info
        super().writestr(name, data, compress_type, compresslevel)

    def write(self, filename: Any, arcname: Any = None, compress_type: Any = None, compresslevel: Any = None) -> None:
        with open(filename, "rb") as fh:  # openpyxl writes worksheets through temp files
            self.writestr(arcname or filename, fh.read())


def render_xlsx(a: Assessment, betten3_rows: list[list[Any]] | None = None) -> bytes:
    from pia.history.rows import betten3

    root = sch.load()
    adoc, fdoc, sdoc = root.document("assessment"), root.document("file"), root.document("systems")
    meta = a.meta
    title = str(meta.get("評価書名") or a.folder)
    wb = Workbook()
    wb.remove(wb.active)

    cover = _sheet(wb, "表紙", title)
    cover_nodes = {k: n for k, n in sch.properties(adoc) if sch.kind(n) not in ("group", "list") and not n.get("x-pia-internal")}
    _write_lines(cover, adoc["title"], (ln for k, n in cover_nodes.items() for ln in _lines(n, meta.get(k), 1, a)))

    basic = adoc["properties"]["基本情報"]

    def part_i() -> Iterator[Line]:
        v = meta.get("基本情報") if isinstance(meta.get("基本情報"), dict) else {}
        for i, (k, sub) in enumerate(sch.properties(basic)):
            yield from _lines(sub, v.get(k), 1, a)
            if i == 0:
                yield Line("group", 1, sch.title(sdoc["properties"]["システム"]))
                yield from _lines(sdoc["properties"]["システム"], a.systems, 2, a)
    _write_lines(_sheet(wb, "I", title), sch.title(basic), part_i())
    b1 = adoc["properties"]["別添1"]
    _write_lines(_sheet(wb, "別添1", title), sch.title(b1), _lines(b1["properties"]["事務の内容"], (meta.get("別添1") or {}).get("事務の内容"), 1, a))

    files = a.files()
    for pid, key in FILE_PARTS:
        node = fdoc["properties"][key]
        for n, (fid, data) in enumerate(files, 1):
            label = a.file_label(fid)
            sheet_name = f"{'別添2' if pid == 'B2' else pid}{label}"
            ws = _sheet(wb, sheet_name, title)
            pre = [Line("row", 1, sch.title(fdoc["properties"]["特定個人情報ファイル名"]), label)] if pid == "II" else []
            body = _lines({**node, "x-pia-kind": ""}, data.get(key), 1, a)
            _write_lines(ws, f"{sch.title(node)}{' ※' if sch.starred(node) else ''} {label}", iter([*pre, *body]))

    for key in ("その他のリスク対策", "開示請求、問合せ", "評価実施手続"):
        node = adoc["properties"][key]
        _write_lines(_sheet(wb, node["x-pia-code"], title), sch.title(node) + (" ※" if sch.starred(node) else ""),
                     _lines({**node, "x-pia-kind": ""}, meta.get(key), 1, a))

    b3node = adoc["properties"]["変更箇所の記録"]
    ws = _sheet(wb, "別添3", title)
    ws.page_setup.orientation = "landscape"
    for i, w in enumerate((12, 30, 40, 40, 8, 20), 1):
        ws.column_dimensions[chr(64 + i)].width = w
    _put(ws, 1, 1, b3node["x-pia-section-title"], FILL["group"], bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    for i, p in enumerate(b3node["items"]["properties"].values(), 1):
        _put(ws, 2, i, sch.title(p), FILL["label"], bold=True)
    ws.print_title_rows = "1:2"
    rows = betten3_rows if betten3_rows is not None else betten3(a)
    widths = (12, 30, 40, 40, 8, 20)
    for r, row in enumerate(rows, 3):
        texts = ["" if c is None else str(c)[:MAX_CELL] for c in row]
        for i, t in enumerate(texts, 1):
            _put(ws, r, i, t)
        ws.row_dimensions[r].height = max(_height(t, w) for t, w in zip(texts, widths))

    when = dates.parse(meta.get("公表日")) or max(
        [d for d in (dates.parse(x[0]) for x in rows) if d] or [dt.date(2000, 1, 1)])
    stamp = dt.datetime(when.year, when.month, when.day)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "pia"
    wb.properties.title = title
    buf = io.BytesIO()
    with _FixedZip(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        ExcelWriter(wb, zf).save()
    return buf.getvalue()
