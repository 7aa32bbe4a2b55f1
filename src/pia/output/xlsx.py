"""A page (pia.document.page) -> an Excel workbook in the layout of the form: one sheet per part, label|value, A4 fit to width.

Every user string is stored as text (never a formula), control characters are kept as OOXML escapes, and the
file is byte-identical for the same input (fixed document times and zip entry times).
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill, Protection
from openpyxl.worksheet.worksheet import Worksheet

from pia.form import schema as sch
from pathlib import Path

from pia.document.figures import Figure
from pia.document.blocks import Block
from pia.document.formatting import Ctx, fmt, heading, label_text, question
from pia.document.page import Page
from pia.document.values import ticked
from pia.output.xlsx_map import TICK, Binder
from pia.output.xlsx_write import FILL, merge_row, put, row_height, safe_text, save

COVER_SHEET = "表紙"

WIDTHS = (34, 86)  # characters: label, value
MAX_CELL = 32000  # Excel holds 32,767 characters in a cell; longer text continues on the next row


@dataclass
class Line:
    kind: str  # group / block / row / note
    depth: int
    label: str
    text: str = ""
    figure: Figure | None = None
    bind: tuple[str, tuple[Any, ...], str, list[str]] | None = None  # (document, item path, cell kind, options)


def _plain(v: Any) -> str:
    return "" if v is None else str(v)


def _lines(block: Block, c: Ctx) -> Iterator[Line]:
    for r in block.rows:
        e = r.entry
        if e.kind in ("group", "block"):
            yield Line(e.kind, e.depth + 1, heading(e, c, flags=False))
            for f in e.flags:  # 「委託しない」 and the like: a ○ cell each, to edit as a multiple choice's options
                yield Line("row", f.depth + 1, sch.title(f.node), TICK if sch.tick(f.value, f.node) else "",
                           bind=(r.doc, f.path, "flag", []))
        elif e.kind == "note":
            yield Line("note", e.depth + 1, e.title)
        elif e.kind == "figure":
            fig, why = c.figure(e)
            yield Line("row", e.depth + 1, label_text(e, c), fmt(e.kind).text(e, c) if fig else why, fig)
        elif e.kind == "choice":
            yield from _choice_lines(e, r.doc, c)
        elif e.kind == "multi":
            yield from _multi_lines(e, r.doc, c)
        elif e.kind in ("text", "date", "count"):
            yield Line("row", e.depth + 1, label_text(e, c), fmt(e.kind).text(e, c),
                       bind=(r.doc, e.path, "count" if e.kind == "count" else "text", []))
        else:
            yield Line("row", e.depth + 1, label_text(e, c), fmt(e.kind).text(e, c))


# Editable rows: a selection's value cell holds the chosen option alone (a dropdown of the official options, which
# the label lists as the form does); a multiple choice is one ○ cell per option, with its （ ） text or count.

def _choice_lines(e: Any, doc: str, c: Ctx) -> Iterator[Line]:
    opts = sch.options(e.node)
    listed = c.texts["options"] + " " + " ".join(f"{i}) {o}" for i, o in enumerate(opts, 1))
    v = e.value if isinstance(e.value, dict) else {}
    at = e.path + (sch.SELECTED,) if isinstance(e.value, dict) else e.path
    q = question(e, c)
    yield Line("row", e.depth + 1, f"{label_text(e, c)}\n{q + chr(10) if q else ''}{listed}", _plain(sch.selected(e.value)),
               bind=(doc, at, "choice", opts))
    props = e.node.get("properties", {})
    if sch.COUNT in props:
        yield Line("row", e.depth + 2, sch.title(props[sch.COUNT]) or sch.COUNT, _plain(v.get(sch.COUNT)),
                   bind=(doc, e.path + (sch.COUNT,), "count", []))
    if e.node.get("x-pia-details-inline"):
        for k, sub in sch.details(e.node):
            yield Line("row", e.depth + 2, sch.title(sub) or k, _plain(v.get(k)), bind=(doc, e.path + (k,), "text", []))


def _multi_lines(e: Any, doc: str, c: Ctx) -> Iterator[Line]:
    chosen = ticked(e.value)
    texts, counts = sch.text_options(e.node), sch.count_options(e.node)
    groups = e.node.get("x-pia-option-groups") or [{"title": None, "options": sch.options(e.node)}]
    yield Line("row", e.depth + 1, label_text(e, c), "")
    for g in groups:
        if g["title"]:
            yield Line("row", e.depth + 2, c.texts["bullet"] + g["title"], "")
        for o in g["options"]:
            yield Line("row", e.depth + 2, o, TICK if o in chosen else "", bind=(doc, e.path + (o,), "tick", []))
            if o in texts:
                what = sch.COUNT if o in counts else "内容"
                yield Line("row", e.depth + 3, f"{o}（{what}）", _plain(chosen.get(o)), bind=(doc, e.path + (o,), "tick-text", []))


def _sheet_name(block: Block) -> str:
    """The part's number or annex name (Ⅱ, 別添2), then the file: Ⅱ(1)住民基本台帳ファイル."""
    head = block.title.split(" ", 1)[0].strip("()（）")
    return head + (block.file_label if block.file_label else "")


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


INHERITED = PatternFill("solid", fgColor="D9D9D9")  # a value another document holds: grey and locked


def _write_lines(ws: Worksheet, heading: str, lines: Iterator[Line], binder: Binder | None = None,
                 inherited: Callable[[str, tuple[Any, ...]], str | None] | None = None) -> None:
    """inherited: for a bound cell, where the value is written when it is a fact of another document (the 基礎's
    facts of the main document), else None; such a cell stays locked, grey, with a note saying where."""
    put(ws, 1, 1, heading, FILL["group"], bold=True)
    merge_row(ws, 1, 1, 2)
    ws.print_title_rows = "1:1"
    r = 2
    for ln in lines:
        indent = "　" * max(ln.depth - 1, 0)
        if ln.kind in ("group", "block", "note"):
            put(ws, r, 1, indent + ln.label, FILL.get(ln.kind), bold=ln.kind != "note")
            put(ws, r, 2, "")
            merge_row(ws, r, 1, 2)
            ws.row_dimensions[r].height = row_height(ln.label, sum(WIDTHS))
            r += 1
            continue
        if ln.figure is not None:
            put(ws, r, 1, indent + ln.label, FILL["label"])
            put(ws, r, 2, ln.text)
            ws.row_dimensions[r].height = _place_figure(ws, r, ln.figure)
            r += 1
            continue
        chunks = [ln.text[i:i + MAX_CELL] for i in range(0, len(ln.text), MAX_CELL)] or [""]
        for i, chunk in enumerate(chunks):
            put(ws, r, 1, indent + ln.label + ("（続き）" if i else ""), FILL["label"])
            put(ws, r, 2, chunk)
            if binder and ln.bind:  # every part of a long text: read back joined
                doc, path, kind, opts = ln.bind
                cell = ws.cell(row=r, column=2)
                binder.bind(cell, doc, path, kind, opts)
                source = inherited(doc, path) if inherited else None
                if source:
                    cell.protection = Protection(locked=True)
                    cell.fill = INHERITED
                    cell.comment = Comment(f"この欄は{source}に書いた内容を印字しています。そちらで変更してください"
                                           "（事実は一度だけ書きます）。", "pia")
            ws.row_dimensions[r].height = max(row_height(chunk, WIDTHS[1]), row_height(indent + ln.label, WIDTHS[0]))
            r += 1


FIGURE_WIDTH_PX = 560  # about the value column's width


def _place_figure(ws: Worksheet, row: int, fig: Figure) -> float:
    """Anchor the figure in the value cell, scaled to the column; returns the row height (points) it needs."""
    from openpyxl.drawing.image import Image as XlImage

    png = fig.data if fig.mime != "image/svg+xml" else _rasterise_svg(fig)
    img = XlImage(io.BytesIO(png))
    scale = min(1.0, FIGURE_WIDTH_PX / max(img.width, 1))
    img.width, img.height = int(img.width * scale), int(img.height * scale)
    ws.add_image(img, f"B{row}")
    return min(409.0, img.height * 0.75 + 18)  # the file name above the picture


def _rasterise_svg(fig: Figure) -> bytes:
    """Excel holds no SVG: draw it once with WeasyPrint into a one-page PDF and turn that into PNG (pdftoppm)."""
    import subprocess
    import tempfile

    from pia.output.pdf import html_to_pdf

    html = f'<html><head><style>@page {{ size: 180mm 240mm; margin: 0 }} img {{ max-width: 100%; max-height: 100% }}</style></head><body><img src="{fig.data_uri}"></body></html>'
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "f.pdf"
        pdf.write_bytes(html_to_pdf(html))
        subprocess.run(["pdftoppm", "-png", "-r", "96", "-singlefile", "-cropbox", str(pdf), str(Path(tmp) / "f")],
                       check=True, capture_output=True, timeout=60)
        return (Path(tmp) / "f.png").read_bytes()


def render_xlsx(page: Page) -> bytes:
    c, title, rows = page.ctx, page.title, page.changes.rows
    wb = Workbook()
    wb.remove(wb.active)
    binder = Binder(wb)
    for block in page.blocks:
        if block.role == "cover":
            _write_lines(_sheet(wb, COVER_SHEET, title), f"{page.form_title}　{page.version_tag}".strip(), _lines(block, c), binder, page.written_elsewhere)
        elif block.role == "table":
            head = block.title + (f" {c.texts['star']}{block.star_note}" if block.star else "") + (f" {block.file_label}" if block.file_label else "")
            _write_lines(_sheet(wb, _sheet_name(block), title), head, _lines(block, c), binder, page.written_elsewhere)
        elif block.role == "changes":
            _changes(wb, block, rows, title)
    binder.finish()
    fixed = page.fixed_date  # the workbook's fixed time: never the clock
    return save(wb, dt.date.fromisoformat(fixed) if fixed else dt.date(2000, 1, 1), title)


B3_WIDTHS = (12, 30, 40, 40, 8, 20)


def _changes(wb: Workbook, block: Block, rows: list[list[Any]], title: str) -> None:
    ws = _sheet(wb, block.title.split(" ", 1)[0].strip("()（）"), title)
    ws.page_setup.orientation = "landscape"
    for i, w in enumerate(B3_WIDTHS, 1):
        ws.column_dimensions[chr(64 + i)].width = w
    cols = list(block.node["items"]["properties"].values())
    put(ws, 1, 1, block.title, FILL["group"], bold=True)
    merge_row(ws, 1, 1, len(cols))
    for i, p in enumerate(cols, 1):
        put(ws, 2, i, sch.title(p), FILL["label"], bold=True)
    ws.print_title_rows = "1:2"
    for r, row in enumerate(rows, 3):
        texts = ["" if x is None else str(x)[:MAX_CELL] for x in row]
        for i, t in enumerate(texts, 1):
            put(ws, r, i, t)
        ws.row_dimensions[r].height = max(row_height(t, w) for t, w in zip(texts, B3_WIDTHS))

