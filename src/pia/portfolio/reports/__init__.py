"""Body-level documents built from all assessments: the 計画管理書 (様式1) and the draft 定期的な報告.

Each report is a list of `Table`s; one writer turns them into HTML (and PDF from that HTML) and one into Excel,
so both formats always hold the same rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    widths: list[int]  # Excel column widths (characters)
    fill_columns: tuple[int, ...] = ()  # columns for the user to fill in (marked where a row leaves them blank)


@dataclass
class Report:
    title: str
    author: str
    date: dt.date
    notes: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def to_html(r: Report) -> str:
    from pia.base import dates
    from pia.portfolio.site.pages import css, environment

    return environment().get_template("site/report.html.j2").render(
        page_title=r.title, css=css(), report=r, date=dates.to_era(r.date))


def to_pdf(r: Report) -> bytes:
    from pia.output.pdf import html_to_pdf

    return html_to_pdf(to_html(r))


def to_xlsx(r: Report) -> bytes:
    from openpyxl import Workbook

    from pia.output.xlsx_write import FILL, put, row_height, save

    wb = Workbook()
    wb.remove(wb.active)
    for t in r.tables:
        ws = wb.create_sheet("".join(c for c in t.title if c not in "[]:*?/\\")[:31])
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddFooter.center.text = "&P / &N"
        put(ws, 1, 1, f"{r.title}　{t.title}", FILL["group"], bold=True)
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(t.headers))
        for i, (h, w) in enumerate(zip(t.headers, t.widths), 1):
            ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = w
            put(ws, 2, i, h, FILL["label"], bold=True)
        ws.print_title_rows = "1:2"
        ws.freeze_panes = "A3"
        for n, row in enumerate(t.rows, 3):
            for i, text in enumerate(row, 1):
                put(ws, n, i, text, FILL["block"] if i - 1 in t.fill_columns and not text else None)
            ws.row_dimensions[n].height = max(row_height(x, w) for x, w in zip(row, t.widths))
    return save(wb, r.date, r.title)


WRITERS = {"html": lambda r: to_html(r).encode("utf-8"), "pdf": to_pdf, "xlsx": to_xlsx}
