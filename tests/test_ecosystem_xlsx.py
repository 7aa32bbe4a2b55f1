"""Excel both ways: render -> edit cells (openpyxl, and LibreOffice headless) -> `pia import` -> `pia diff` shows
exactly the edits; the YAML keeps its comments, order and ids; what cannot be mapped is refused."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import EXAMPLE
from pia.app.cli import main
from pia.output.xlsx_map import MAP_SHEET, TICK

SHEET = "Ⅱ(1)住民基本台帳ファイル"
NUMBER = "②対象となる本人の数"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("xlsx")
    assert main(["render", str(EXAMPLE), "--out", str(out), "--format", "xlsx"]) == 0
    return out / f"{EXAMPLE.name}.xlsx"


def _row(ws, label: str) -> int:
    return next(c.row for c in ws["A"] if isinstance(c.value, str) and c.value.strip().split("\n")[0].strip() == label)


def _edit(src: Path, dst: Path) -> None:
    wb = openpyxl.load_workbook(src)
    ws = wb[SHEET]
    ws.cell(row=_row(ws, NUMBER), column=2).value = "100万人以上1,000万人未満"
    ws.cell(row=_row(ws, "③対象となる本人の範囲 ※"), column=2).value = "住民基本台帳に記録されている者"
    ws.cell(row=_row(ws, "個人番号対応符号"), column=2).value = TICK
    ws.cell(row=_row(ws, "医療保険関係情報"), column=2).value = None
    wb.save(dst)


def _diff(capsys, old: Path, new: Path) -> list[dict]:
    import json

    assert main(["diff", str(old), str(new), "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _check_changes(changes: list[dict]) -> None:
    assert len(changes) == 3, [(c["label"], c["before"], c["after"]) for c in changes]
    def got(label: str) -> dict:
        return next(c for c in changes if label in c["label"])

    assert got("②対象となる本人の数")["after"] == "100万人以上1,000万人未満"
    assert got("③対象となる本人の範囲")["after"] == "住民基本台帳に記録されている者"
    multi = got("主な記録項目")
    assert "個人番号対応符号" in multi["after"] and "個人番号対応符号" not in multi["before"]
    assert "医療保険関係情報" in multi["before"] and "医療保険関係情報" not in multi["after"]


def _import(capsys, book: Path, folder: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["import", str(book), str(folder), *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_openpyxl_edits_come_back_as_exactly_those_changes(workbook: Path, tmp_path: Path, capsys):
    folder = tmp_path / EXAMPLE.name
    shutil.copytree(EXAMPLE, folder)
    edited = tmp_path / "edited.xlsx"
    _edit(workbook, edited)
    before = {p: p.read_bytes() for p in folder.rglob("*.yaml")}
    code, out, err = _import(capsys, edited, folder)
    assert code == 0 and "--write" in out and "対象となる本人の数" in out, err
    assert {p: p.read_bytes() for p in folder.rglob("*.yaml")} == before  # nothing written without --write
    code, out, err = _import(capsys, edited, folder, "--out", str(tmp_path / "new"))
    assert code == 0, err
    _check_changes(_diff(capsys, folder, tmp_path / "new"))
    new = (tmp_path / "new" / "files" / "juki.yaml").read_text(encoding="utf-8")
    old = (folder / "files" / "juki.yaml").read_text(encoding="utf-8")
    # only the edited lines differ: comments (pia-ignore reasons), ids and order are kept
    import difflib

    changed = [ln for ln in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
               if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert len(changed) == 6, changed  # 2 values changed, one entry added, one removed
    assert old.count("# pia-ignore") == new.count("# pia-ignore") and old.count("id: ") == new.count("id: ")
    # writing in place gives the same files, and importing the same workbook again changes nothing
    code, _, err = _import(capsys, edited, folder, "--write")
    assert code == 0, err
    assert (folder / "files" / "juki.yaml").read_text(encoding="utf-8") == new


def test_refuses_what_it_cannot_map(workbook: Path, tmp_path: Path, capsys):
    wb = openpyxl.load_workbook(workbook)
    ws = wb[SHEET]
    ws.cell(row=_row(ws, NUMBER), column=1).value = "ラベルを書き換えた"
    ws.cell(row=_row(ws, "①ファイルの種類 ※"), column=2).value = "紙のファイル"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    code, _, err = _import(capsys, bad, EXAMPLE)
    assert code == 1 and "PIA950" in err and "何も書き換えていません" in err
    wb = openpyxl.load_workbook(workbook)
    wb[SHEET].cell(row=_row(wb[SHEET], "①ファイルの種類 ※"), column=2).value = "紙のファイル"
    wb.save(bad)
    code, _, err = _import(capsys, bad, EXAMPLE)
    assert code == 1 and "PIA952" in err and "紙のファイル" in err
    wb = openpyxl.load_workbook(workbook)
    del wb[MAP_SHEET]
    wb.save(bad)
    assert _import(capsys, bad, EXAMPLE)[0] == 2


def test_workbook_is_protected_with_dropdowns(workbook: Path):
    wb = openpyxl.load_workbook(workbook)
    ws = wb[SHEET]
    assert ws.protection.sheet and wb[MAP_SHEET].sheet_state == "hidden"
    r = _row(ws, NUMBER)
    assert ws.cell(row=r, column=1).protection.locked and not ws.cell(row=r, column=2).protection.locked
    dv = [d for d in ws.data_validations.dataValidation if f"B{r}" in {str(x) for x in d.sqref.ranges}]
    assert len(dv) == 1 and dv[0].type == "list"
    name = wb.defined_names[dv[0].formula1]
    sheet, ref = next(iter(name.destinations))
    opts = [row[0].value for row in wb[sheet][ref.replace("$", "")]]
    assert opts == ["1万人未満", "1万人以上10万人未満", "10万人以上100万人未満", "100万人以上1,000万人未満", "1,000万人以上"]


def _soffice(src: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    r = subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}", "--convert-to", fmt,
                        "--outdir", str(outdir), str(src)], capture_output=True, text=True, timeout=300)
    out = outdir / f"{src.stem}.{fmt.split(':')[0]}"
    assert r.returncode == 0 and out.is_file(), r.stderr
    return out


def _after(text: str, start: int, anchor: str, pattern: str, repl: str) -> str:
    """Replace the first match of pattern that follows anchor (searching from start)."""
    import re

    at = text.index(anchor, start)
    m = re.compile(pattern, re.S).search(text, at)
    assert m, (anchor, pattern)
    return text[:m.start()] + m.expand(repl) + text[m.end():]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_libreoffice_edit_comes_back(workbook: Path, tmp_path: Path, capsys):
    """The same edits made in LibreOffice's own document model: xlsx -> LibreOffice (flat ODF) -> edited there ->
    LibreOffice saves it as xlsx again, which pia reads back."""
    profile = tmp_path / "profile"
    fods = _soffice(workbook, "fods", tmp_path / "lo", profile)
    text = fods.read_text(encoding="utf-8")
    sheet = text.index(f'<table:table table:name="{SHEET}"')
    cell = r'<table:table-cell ([^>]*?)office:value-type="string" calcext:value-type="string">\s*<text:p>{}</text:p>\s*</table:table-cell>'
    text = _after(text, sheet, "②対象となる本人の数</text:p>", r"<text:p>10万人以上100万人未満</text:p>",
                  "<text:p>100万人以上1,000万人未満</text:p>")
    text = _after(text, sheet, "③対象となる本人の範囲 ※</text:p>", cell.format("[^<]*"),
                  r'<table:table-cell \1office:value-type="string" calcext:value-type="string"><text:p>住民基本台帳に記録されている者</text:p></table:table-cell>')
    text = _after(text, sheet, "個人番号対応符号</text:p>", r"<table:table-cell ([^>]*?)/>",
                  r'<table:table-cell \1 office:value-type="string" calcext:value-type="string"><text:p>○</text:p></table:table-cell>')
    text = _after(text, sheet, "医療保険関係情報</text:p>", cell.format("○"), r"<table:table-cell \1/>")
    edited = tmp_path / "edited.fods"
    edited.write_text(text, encoding="utf-8")
    book = _soffice(edited, "xlsx:Calc MS Excel 2007 XML", tmp_path / "back", profile)
    code, out, err = _import(capsys, book, EXAMPLE, "--out", str(tmp_path / "new"))
    assert code == 0, err
    _check_changes(_diff(capsys, EXAMPLE, tmp_path / "new"))


def test_counts_and_texts_in_boxes(workbook: Path, tmp_path: Path, capsys):
    wb = openpyxl.load_workbook(workbook)
    ws = wb[SHEET]
    ws.cell(row=_row(ws, "提供を行っている（件数）"), column=2).value = "59"
    ws.cell(row=_row(ws, "その他（内容）"), column=2).value = "印鑑登録情報"  # the first その他: 主な記録項目
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    code, _, err = _import(capsys, edited, EXAMPLE, "--out", str(tmp_path / "new"))
    assert code == 0, err
    changes = _diff(capsys, EXAMPLE, tmp_path / "new")
    assert sorted(c["code"] for c in changes) == ["II-2-主な記録項目", "II-5-提供・移転の有無"], changes
    text = (tmp_path / "new" / "files" / "juki.yaml").read_text(encoding="utf-8")
    assert "      - 提供を行っている: 59  # pia-ignore: PIA201@50fb06 原本の記載のまま" in text
    assert "      - その他: 印鑑登録情報\n" in text
