"""Writing cells and saving workbooks the same way everywhere pia writes Excel (the forms, the 計画管理書, the
定期的な報告): text only (never a formula, number or date), wrapped, bordered, and saved with fixed zip times so
the same input gives the same bytes. Imports only openpyxl, so the reports do not load the form renderer."""
from __future__ import annotations

import datetime as dt
import errno
import gc
import io
import re
import sys
import unicodedata
import zipfile
from typing import Any

from lxml import etree
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.merge import MergedCell, MergedCellRange
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from pia.base.errors import PiaError

FONT = "BIZ UDPゴシック"
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


def text_width(text: str) -> int:
    """Width in half-width characters (full-width ones count two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def row_height(text: str, width: int) -> float:
    """Points a wrapped cell of `width` characters needs for text (Excel does not grow rows by itself)."""
    # column widths count the default 11pt font's digits; the 9pt text fits about 1.2 times as many
    capacity = max(int((width - 1) * 1.2), 1)
    lines = sum(max(1, -(-text_width(p) // capacity)) for p in (text or "").split("\n"))
    return min(409.0, 3 + 12.0 * lines)


def put(ws: Worksheet, row: int, col: int, text: str, fill: PatternFill | None = None, bold: bool = False) -> None:
    """A text cell: never read as a formula, number or date; wrapped at the top, with a thin border."""
    cell = ws.cell(row=row, column=col)
    cell.value = safe_text(text)
    cell.data_type = "s"
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        cell.quotePrefix = True
    # the workbook's style ids of each (bold, fill) are looked up once: openpyxl hashes a style on every assignment
    known = ws.parent.__dict__.setdefault("_pia_put_styles", {})
    key = (bold, id(fill) if fill else None)
    if key not in known:
        cell.font = Font(name=FONT, size=9, bold=bold)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.border = BORDER
        if fill:
            cell.fill = fill
        known[key] = (cell._style.fontId, cell._style.alignmentId, cell._style.borderId, cell._style.fillId, fill)
        return
    if cell._style is None:  # as openpyxl does on a cell's first style
        cell._style = StyleArray()
    st = cell._style
    st.fontId, st.alignmentId, st.borderId = known[key][:3]
    if fill:
        st.fillId = known[key][3]


def merge_row(ws: Worksheet, row: int, first: int, last: int) -> None:
    """Merge the cells first..last of a row, as ws.merge_cells does: the covered cells carry the edges of the first
    cell's border (and its protection). openpyxl builds and hashes a border for each of them on every merge (half of
    the time of a workbook with many sheets); the first merge of a shape in the workbook is made by openpyxl and the
    cells it makes are copied for the others."""
    start = ws.cell(row=row, column=first)
    known = ws.parent.__dict__.setdefault("_pia_merge_styles", {})
    key = (start._style.borderId, start._style.protectionId, last - first)
    if key not in known:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        known[key] = ((start._style.borderId, start._style.protectionId),
                      [StyleArray(ws._cells[row, c]._style) for c in range(first + 1, last + 1)])
        return
    (border, protection), covered = known[key]
    merged = MergedCellRange.__new__(MergedCellRange)  # without its border merging (done above for this shape)
    CellRange.__init__(merged, min_col=first, min_row=row, max_col=last, max_row=row)
    merged.ws, merged.start_cell = ws, start
    ws.merged_cells.add(merged)
    start._style.borderId, start._style.protectionId = border, protection
    for c, style in zip(range(first + 1, last + 1), covered):
        cell = MergedCell(ws, row=row, column=c)
        cell._style = StyleArray(style)
        ws._cells[row, c] = cell


class FixedZip(zipfile.ZipFile):
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


def save(wb: Workbook, when: dt.date, title: str) -> bytes:
    """The workbook's bytes, stamped with the document's date (not the clock) and pia as its author."""
    stamp = dt.datetime(when.year, when.month, when.day)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = wb.properties.lastModifiedBy = "pia"
    wb.properties.title = title
    buf = io.BytesIO()
    try:
        with FixedZip(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            ExcelWriter(wb, zf).save()
    except (OSError, etree.SerialisationError) as e:  # openpyxl writes each sheet through a temporary file first
        reason = _reason(e)
        hook, sys.unraisablehook = sys.unraisablehook, lambda _: None  # its half-written sheets' writers close now
        try:
            e.__traceback__ = None
            gc.collect()
        finally:
            sys.unraisablehook = hook
        raise PiaError(f"Excel を作る途中の一時ファイルを書けません（{reason}）。一時フォルダ（TMPDIR）の空き容量と、"
                       "ファイルの大きさの上限（ulimit -f）を確認してください。") from None
    return buf.getvalue()


def _reason(e: Exception) -> str:
    from pia.base.fsread import os_reason

    if isinstance(e, OSError):
        return os_reason(e, writing=True)
    code = str(e).removeprefix("IO_")  # lxml names the errno: IO_EFBIG, IO_ENOSPC
    return os_reason(OSError(getattr(errno, code, None), code), writing=True)
