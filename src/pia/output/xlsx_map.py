"""The cell map shared by the workbook writer and `pia import`: every value cell is bound to its item.

The writer binds every value cell (`Binder.bind`): the cell is unlocked (labels stay protected), a selection gets a
dropdown of the official options, and a hidden sheet records (sheet, cell, document, item path, kind, the value as
written). `pia import` (pia.app.xlsx_import) reads that sheet back to take only what a person changed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Protection
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from pia.form import schema as sch


MAP_SHEET = "pia"
MAP_COLUMNS = ("sheet", "cell", "document", "path", "kind", "written")  # a sheet for pia, not for people
TICK = sch.TICK
# kinds of bound cells: the value of a text/date item, a selection, a count, one box of a multiple choice
# (TICK or empty), the text in that box's parenthesis, a flag (TICK or empty)
KINDS = ("text", "choice", "count", "tick", "tick-text", "flag")
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def cell_text(value: Any) -> str:
    """A cell's content as pia wrote it: OOXML escapes decoded (the inverse of the writer's safe_text)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), str(value))


@dataclass(frozen=True)
class Binding:
    sheet: str
    cell: str
    doc: str  # document key: assessment, systems, file:<id>
    path: tuple[str | int, ...]
    kind: str
    written: str  # the cell's text as pia wrote it


class Binder:
    """Used by the workbook writer: unlock and bind value cells, then `finish` the workbook."""

    def __init__(self, wb: Workbook):
        self.wb = wb
        self.bindings: list[Binding] = []
        self._lists: dict[tuple[str, ...], str] = {}  # options -> defined name of their range
        self._validations: dict[tuple[str, str], DataValidation] = {}
        self._ids: dict[bool, tuple[int, int]] = {}  # (protection, number format) ids of an unlocked cell, by text

    def bind(self, cell: Cell, doc: str, path: Iterable[str | int], kind: str, options: Iterable[str] = ()) -> None:
        assert kind in KINDS, kind
        text = kind in ("text", "tick-text")  # what a person types stays text (no dates, no numbers)
        ids = self._ids.get(text)
        if ids is None or cell._style is None:
            cell.protection = Protection(locked=False)
            if text:
                cell.number_format = "@"
            self._ids[text] = (cell._style.protectionId, cell._style.numFmtId)
        else:  # the workbook's ids of these styles (openpyxl hashes a style on every assignment)
            cell._style.protectionId = ids[0]
            if text:
                cell._style.numFmtId = ids[1]
        opts = tuple(options) or ((TICK,) if kind in ("tick", "flag") else ())
        if opts:
            self._validation(cell, opts).add(cell)
        self.bindings.append(Binding(cell.parent.title, cell.coordinate, doc, tuple(path), kind, cell_text(cell.value)))

    def _validation(self, cell: Cell, opts: tuple[str, ...]) -> DataValidation:
        if opts not in self._lists:
            self._lists[opts] = f"pia_options_{len(self._lists) + 1}"
        key = (cell.parent.title, self._lists[opts])
        if key not in self._validations:
            dv = DataValidation(type="list", formula1=self._lists[opts], allow_blank=True, showDropDown=False,
                                showErrorMessage=True, errorTitle="様式の選択肢",
                                error="様式の選択肢から選んでください（空欄にもできます）。")
            cell.parent.add_data_validation(dv)
            self._validations[key] = dv
        return self._validations[key]

    def finish(self) -> None:
        from pia.output.xlsx_write import safe_text  # the writer's escaping

        ws = self.wb.create_sheet(MAP_SHEET)
        ws.sheet_state = "hidden"
        ws.append(list(MAP_COLUMNS))
        for row, b in enumerate(self.bindings, 2):  # (not ws.max_row: it counts every cell each time)
            for col, v in enumerate([b.sheet, b.cell, b.doc, json.dumps(list(b.path), ensure_ascii=False), b.kind, b.written], 1):
                c = ws.cell(row=row, column=col, value=safe_text(v))
                c.data_type = "s"
                c.quotePrefix = v[:1] in ("=", "+", "-", "@", "\t", "\r")  # stays text when opened and saved
        for n, (opts, name) in enumerate(self._lists.items()):
            col = len(MAP_COLUMNS) + 2 + n
            letter = ws.cell(row=1, column=col).column_letter
            for r, o in enumerate(opts, 1):
                c = ws.cell(row=r, column=col, value=safe_text(o))
                c.data_type = "s"
            self.wb.defined_names[name] = DefinedName(name, attr_text=f"'{MAP_SHEET}'!${letter}$1:${letter}${len(opts)}")
        ws.protection.sheet = True
        for sheet in self.wb.worksheets:
            sheet.protection.sheet = True  # labels are locked; bound cells were unlocked above
