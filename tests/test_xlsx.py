"""Excel output: contents in the right sheets, text-only cells, determinism, LibreOffice conversion."""
from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import EXAMPLE, pia


@pytest.fixture
def xlsx(rendered) -> Path:
    return rendered["xlsx"]


def _texts(ws) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_sheets_hold_every_recipient_record_item_and_history_row(xlsx: Path):
    wb = openpyxl.load_workbook(xlsx)
    shown = [n for n in wb.sheetnames if wb[n].sheet_state == "visible"]  # the hidden sheet maps cells to items
    assert shown[:3] == ["表紙", "Ⅰ", "別添1"] and shown[-1] == "別添3"
    for n, f in enumerate(["juki", "honnin-kakunin", "sofusaki"], 1):
        data = yaml.safe_load((EXAMPLE / "files" / f"{f}.yaml").read_text(encoding="utf-8"))
        name = data["特定個人情報ファイル名"]
        ii, b2 = _texts(wb[f"Ⅱ({n}){name}"]), _texts(wb[f"別添2({n}){name}"])
        for i, t in enumerate(data["特定個人情報ファイルの概要"]["特定個人情報の提供・移転"]["提供先"] or [], 1):
            assert f"提供先{i}　{t['提供先']}" in ii
        for g in data["特定個人情報ファイル記録項目"]["記録項目"]:
            for i, item in enumerate(g["項目"], 1):
                assert (f"・{item}" if g.get("見出し") else f"{i}. {item}") in b2
        assert f"Ⅲ({n}){name}"[:31] in wb.sheetnames
    rows = yaml.safe_load((EXAMPLE / "assessment.yaml").read_text(encoding="utf-8"))["変更箇所の記録"]
    ws = wb["別添3"]
    got = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert len(got) == len(rows)
    for r, g in zip(rows, got):
        assert g[0] == r["変更日"] and g[1] == r["項目"] and g[4] == r["提出時期"]
    assert ws.print_title_rows == "$1:$2"
    assert wb["Ⅰ"].page_setup.fitToWidth == 1 and wb["Ⅰ"].oddFooter.center.text == "&P / &N"


def test_formula_and_html_text_stay_plain_strings(example: Path, tmp_path: Path):
    f = example / "assessment.yaml"
    f.write_text(f.read_text(encoding="utf-8")
                 .replace("評価実施機関名: 東京都世田谷区長", "評価実施機関名: '=HYPERLINK(\"http://example.com\",\"x\")'")
                 .replace("    部署: 住民記録・戸籍課", "    部署: \"<b>住民記録</b>\\a課 _x0041_ @SUM(A1)\""), encoding="utf-8")
    r = pia("render", example, "--out", tmp_path, "--format", "xlsx")
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(tmp_path / "setagaya-juki.xlsx")
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    formula = [c for c in cells if c.value.startswith("=HYPERLINK")]
    assert formula and all(c.data_type == "s" and c.quotePrefix for c in formula)
    html = [c for c in cells if "<b>住民記録</b>" in c.value]
    assert html and html[0].data_type == "s"
    # the bell character (a PIA030 finding) never reaches the workbook, the user's literal _x0041_ stays literal
    assert "\x07" not in html[0].value and "\ufffd課" in html[0].value and "_x005F_x0041_" in html[0].value


def test_two_renders_are_byte_identical(xlsx: Path, tmp_path: Path):
    # the full example's workbook again, alone (the first came with HTML and PDF): the formats do not interfere
    assert pia("render", EXAMPLE, "--out", tmp_path, "--format", "xlsx").returncode == 0
    assert hashlib.sha256(xlsx.read_bytes()).digest() == hashlib.sha256((tmp_path / xlsx.name).read_bytes()).digest()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_converts_the_workbook(xlsx: Path, tmp_path: Path):
    r = subprocess.run(["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
                       capture_output=True, text=True, timeout=300)
    pdf = tmp_path / "setagaya-juki.pdf"
    assert r.returncode == 0 and pdf.exists(), r.stderr
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "住民基本台帳に関する事務 全項目評価書" in text and "提供先59" in text


def test_merged_rows_are_as_openpyxl_merges_them():
    # merge_row copies the cells of the workbook's first merge of a shape instead of letting openpyxl rebuild their
    # borders on every merge: the saved bytes must equal openpyxl's own merging
    import datetime as dt

    from openpyxl import Workbook

    from pia.output.xlsx_write import FILL, merge_row, put, save

    def book(merge) -> bytes:
        wb = Workbook()
        for name in ("一", "二"):
            ws = wb.create_sheet(name)
            for r, (fill, bold, width) in enumerate([(FILL["group"], True, 2), (FILL["block"], False, 2),
                                                     (None, False, 2), (FILL["label"], True, 6), (None, True, 2)], 1):
                for c in range(1, width + 1):
                    put(ws, r, c, f"{name}{r}-{c}", fill if c == 1 else None, bold)
                merge(ws, r, width)
        return save(wb, dt.date(2026, 1, 1), "merge")

    theirs = book(lambda ws, r, width: ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width))
    ours = book(lambda ws, r, width: merge_row(ws, r, 1, width))
    assert ours == theirs
    ws = openpyxl.load_workbook(io.BytesIO(ours))["二"]
    assert sorted(str(m) for m in ws.merged_cells.ranges) == ["A1:B1", "A2:B2", "A3:B3", "A4:F4", "A5:B5"]
    assert ws["B3"].border.right.style == "thin" and ws["B3"].border.left.style is None
