"""`pia import` for the 基礎項目評価書 and the 重点項目評価書: the workbooks `pia render` writes come back into their
own YAML (kiso.yaml, juten.yaml, juten/ID.yaml, systems.yaml) with the 全項目 path's protections."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, pia
from pia.document import assessment as asm
from pia.form import schema as sch
from pia.form.items import dig
from pia.output.xlsx_map import MAP_SHEET
from pia.app.xlsx_import import _bindings

JUTEN, KISO = ROOT / "assessments" / "marumaru-juten", ROOT / "assessments" / "marumaru-kiso"
# each workbook of the two examples: (folder, workbook file name)
BOOKS = [(JUTEN, "marumaru-juten.xlsx"), (JUTEN, "marumaru-juten-kiso.xlsx"), (KISO, "marumaru-kiso.xlsx")]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("family")
    for folder in (JUTEN, KISO):
        r = pia("render", folder, "--out", out, "--format", "xlsx")
        assert r.returncode == 0, r.stderr
    return out


def _copy(folder: Path, tmp_path: Path) -> Path:
    dst = tmp_path / folder.name
    shutil.copytree(folder, dst)
    return dst


def _yaml(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def _edit_texts(src: Path, dst: Path, skip: set[tuple[str, tuple]] = frozenset()) -> dict[tuple[str, tuple], str]:
    """Put 「（改）」 before every bound text cell that holds a value of its own (one cell per item): what was typed."""
    wb = openpyxl.load_workbook(src)
    bound = _bindings(wb)
    cells: dict[tuple[str, tuple], list] = {}
    for b in bound:
        cells.setdefault((b.doc, b.path), []).append(b)
    typed = {}
    for key, bs in cells.items():
        b = bs[0]
        node = sch.load().node_at(b.doc.split(":", 1)[0], b.path) or {}
        if sch.kind(node) == "date" or node.get("x-pia-dated"):
            continue  # a date with 「（改）」 is no date: the import would refuse it (tested below)
        if len(bs) == 1 and b.kind == "text" and b.written and key not in skip:
            wb[b.sheet][b.cell].value = typed[key] = "（改）" + b.written
    wb.save(dst)
    return typed


@pytest.mark.parametrize("folder,name", BOOKS, ids=[n for _, n in BOOKS])
def test_unedited_workbook_changes_nothing(books: Path, tmp_path: Path, folder: Path, name: str):
    work = _copy(folder, tmp_path)
    r = pia("import", books / name, work, "--write")
    assert r.returncode == 0 and "変更はありません" in r.stdout, r.stdout + r.stderr
    assert _yaml(work) == _yaml(folder)


@pytest.mark.parametrize("folder,name", BOOKS, ids=[n for _, n in BOOKS])
def test_round_trip_render_edit_import_render(books: Path, tmp_path: Path, folder: Path, name: str):
    work = _copy(folder, tmp_path)
    shared = set()
    if name.endswith("-kiso.xlsx"):  # a companion 基礎's facts are written in the 重点 (tested below)
        from pia.form import kinds
        shared = {(b.doc, b.path) for b in _bindings(openpyxl.load_workbook(books / name))
                  if any(b.path[:len(p)] == p for p in kinds.shared_fact_paths())}
        assert shared
    edited = tmp_path / "edited.xlsx"
    typed = _edit_texts(books / name, edited, shared)
    assert len(typed) >= 5
    r = pia("import", edited, work)
    assert r.returncode == 0 and "--write" in r.stdout, r.stderr
    assert _yaml(work) == _yaml(folder)  # nothing is written without --write
    r = pia("import", edited, work, "--write")
    assert r.returncode == 0, r.stderr
    a = asm.load(work)
    for (doc, path), text in typed.items():
        assert dig(a.docs[doc].data, path) == text, (doc, path)
    # comments stay (the YAML's own notes and pia-ignore reasons)
    before, after = _yaml(folder), _yaml(work)
    assert sum(v.count(b"#") for v in before.values()) == sum(v.count(b"#") for v in after.values())
    # the imported YAML renders the workbook that was edited: same value in every bound cell
    out = tmp_path / "again"
    assert pia("render", work, "--out", out, "--format", "xlsx").returncode == 0
    again, mine = openpyxl.load_workbook(out / name), openpyxl.load_workbook(edited)
    cells = [(b.sheet, b.cell) for b in _bindings(mine)]
    assert [again[s][c].value for s, c in cells] == [mine[s][c].value for s, c in cells]
    # and importing it again changes nothing
    r = pia("import", out / name, work)
    assert r.returncode == 0 and "変更はありません" in r.stdout, r.stdout + r.stderr


def test_choices_ticks_and_formula_text_come_back_as_text(books: Path, tmp_path: Path):
    work = _copy(KISO, tmp_path)
    wb = openpyxl.load_workbook(books / "marumaru-kiso.xlsx")
    bound = _bindings(wb)
    choice = next(b for b in bound if b.kind == "choice" and b.written == "十分である")
    wb[choice.sheet][choice.cell].value = "課題が残されている"
    tick = next(b for b in bound if b.kind == "tick" and b.written == "")
    wb[tick.sheet][tick.cell].value = "○"
    text = next(b for b in bound if b.kind == "text" and b.written and b.path[-1] == "特記事項")
    wb[text.sheet][text.cell].value = '=HYPERLINK("http://example.com","x")'
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    r = pia("import", edited, work, "--write")
    assert r.returncode == 0, r.stderr
    data = asm.load(work).docs["kiso"].data
    assert dig(data, choice.path) == "課題が残されている"
    assert tick.path[-1] in dig(data, tick.path[:-1])
    assert dig(data, text.path) == '=HYPERLINK("http://example.com","x")'  # a string in YAML, never a formula
    out = tmp_path / "out"
    assert pia("render", work, "--out", out, "--format", "xlsx").returncode == 0
    c = openpyxl.load_workbook(out / "marumaru-kiso.xlsx")[text.sheet][text.cell]
    assert c.data_type == "s" and c.quotePrefix


def test_companion_kiso_refuses_a_fact_the_juten_holds(books: Path, tmp_path: Path):
    from pia.form import kinds

    work = _copy(JUTEN, tmp_path)
    wb = openpyxl.load_workbook(books / "marumaru-juten-kiso.xlsx")
    b = next(b for b in _bindings(wb) if b.kind == "text" and b.written
             and any(b.path[:len(p)] == p for p in kinds.shared_fact_paths()))
    wb[b.sheet][b.cell].value = b.written + "（改）"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    r = pia("import", edited, work, "--write")
    assert r.returncode == 1 and "PIA950" in r.stderr and "重点項目評価書（juten.yaml）の「" in r.stderr
    assert "何も書き換えていません" in r.stderr and _yaml(work) == _yaml(JUTEN)


def test_companion_kiso_cells_of_the_main_document_are_grey_locked_and_say_where(books: Path):
    """The 基礎's facts that the 重点 holds cannot be typed over in Excel: locked, grey, and a note names the file."""
    from pia.form import kinds

    wb = openpyxl.load_workbook(books / "marumaru-juten-kiso.xlsx")
    bound = _bindings(wb)
    shared = [b for b in bound if any(b.path[:len(p)] == p for p in kinds.shared_fact_paths())]
    own = [b for b in bound if b not in shared]
    assert shared and own
    for b in shared:
        c = wb[b.sheet][b.cell]
        assert c.protection.locked and c.fill.fgColor.rgb.endswith("D9D9D9"), b
        assert c.comment and any(f in c.comment.text for f in ("juten.yaml", "juten/ の各ファイル", "systems.yaml")), b
    name = next(b for b in shared if b.path[-1] == "事務の名称")
    assert "重点項目評価書（juten.yaml）の「①事務の名称」" in wb[name.sheet][name.cell].comment.text
    for b in own:
        c = wb[b.sheet][b.cell]
        assert not c.protection.locked and c.comment is None, b
    kiso_only = openpyxl.load_workbook(books / "marumaru-kiso.xlsx")  # a 基礎 on its own holds every fact itself
    assert not any(kiso_only[b.sheet][b.cell].protection.locked for b in _bindings(kiso_only))


def _typed(books: Path, tmp_path: Path, name: str, changes: dict[str, str]) -> Path:
    """The workbook with the bound cells whose item path ends with each key set to its value."""
    wb = openpyxl.load_workbook(books / name)
    for b in _bindings(wb):
        if str(b.path[-1]) in changes:
            wb[b.sheet][b.cell].value = changes[str(b.path[-1])]
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    return edited


def test_import_checks_what_it_would_write(books: Path, tmp_path: Path):
    """An import that adds errors writes nothing and lists them; --force writes them; a warning is shown, not refused."""
    work = _copy(KISO, tmp_path)
    edited = _typed(books, tmp_path, "marumaru-kiso.xlsx", {"公表日": "令和6年13月1日"})
    r = pia("import", edited, work, "--write")
    assert r.returncode == 1 and "[PIA301]" in r.stderr and "「令和6年13月1日」を日付として読めません" in r.stderr
    assert f"{work / 'kiso.yaml'}:" in r.stderr and "--force" in r.stderr and "何も書き換えていません" in r.stderr
    assert _yaml(work) == _yaml(KISO)
    r = pia("import", edited, work)  # the preview says it too
    assert r.returncode == 1 and "[PIA301]" in r.stderr and _yaml(work) == _yaml(KISO)
    r = pia("import", edited, work, "--write", "--force")
    assert r.returncode == 0 and "[PIA301]" in r.stderr
    assert "公表日: 令和6年13月1日" in (work / "kiso.yaml").read_text(encoding="utf-8")
    work2 = _copy(KISO, tmp_path / "w")
    edited = _typed(books, tmp_path, "marumaru-kiso.xlsx", {"公表日": "2024/7/1"})
    r = pia("import", edited, work2, "--write")
    assert r.returncode == 0 and "[PIA054]" in r.stderr and "警告が新たに出ます" in r.stderr
    assert "公表日: 2024/7/1" in (work2 / "kiso.yaml").read_text(encoding="utf-8")


def test_workbook_of_a_document_the_folder_lacks(books: Path, tmp_path: Path):
    r = pia("import", books / "marumaru-juten.xlsx", _copy(KISO, tmp_path))
    assert r.returncode == 2 and "重点項目評価書のもの" in r.stderr and "juten.yaml がありません" in r.stderr
    wb = openpyxl.load_workbook(books / "marumaru-kiso.xlsx")
    assert wb[MAP_SHEET].sheet_state == "hidden"


def test_long_text_edited_in_one_of_its_cells_comes_back_whole(tmp_path: Path):
    """A text over 32,000 characters is a cell and 「（続き）」 rows; editing any one of them keeps the others."""
    work = _copy(KISO, tmp_path)
    long = "あ" * 31990 + "。" + "い" * 15000 + "。"
    kiso = work / "kiso.yaml"
    kiso.write_text(kiso.read_text(encoding="utf-8").replace("特記事項: なし", f"特記事項: {long}", 1), encoding="utf-8")
    assert pia("render", work, "--out", tmp_path / "out", "--format", "xlsx").returncode == 0
    book = tmp_path / "out" / f"{work.name}.xlsx"
    first, rest = [b for b in _bindings(openpyxl.load_workbook(book)) if b.path == ("特記事項",)]
    assert first.written + rest.written == long
    for cell, text, expected in ((first, "なし（修正）" + first.written[6:], "なし（修正）" + long[6:]),
                                 (rest, rest.written + "（追記）", long + "（追記）")):
        wb = openpyxl.load_workbook(book)
        wb[cell.sheet][cell.cell].value = text
        wb.save(tmp_path / "edited.xlsx")
        r = pia("import", tmp_path / "edited.xlsx", work, "--out", tmp_path / "new")
        assert r.returncode == 0, r.stderr
        assert asm.load(tmp_path / "new").docs["kiso"].data["特記事項"] == expected
        shutil.rmtree(tmp_path / "new")


def _file_name_typed(books: Path, tmp_path: Path, text: str) -> tuple[Path, str]:
    """The 重点's workbook with the file's name typed over in its Ⅱ sheet (Ⅲ prints it too, left as written)."""
    wb = openpyxl.load_workbook(books / "marumaru-juten.xlsx")
    cells = [b for b in _bindings(wb) if b.path == ("特定個人情報ファイル名",)]
    assert [b.sheet[0] for b in cells] == ["Ⅱ", "Ⅲ"] and cells[0].written == cells[1].written
    wb[cells[0].sheet][cells[0].cell].value = text
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    return edited, cells[0].doc


def test_an_item_printed_on_two_sheets_comes_back_from_the_one_edited(books: Path, tmp_path: Path):
    work = _copy(JUTEN, tmp_path)
    edited, doc = _file_name_typed(books, tmp_path, "国保ファイル")
    r = pia("import", edited, work, "--write")
    assert r.returncode == 0, r.stderr
    assert asm.load(work).docs[doc].data["特定個人情報ファイル名"] == "国保ファイル"


@pytest.mark.parametrize("other", ["国保ファイル", "(1)国保ファイル", "国保のファイル"])
def test_an_item_printed_on_two_sheets_edited_on_both(books: Path, tmp_path: Path, other: str):
    """The same value in both cells comes back; two values are refused (neither is dropped silently)."""
    work = _copy(JUTEN, tmp_path)
    edited, doc = _file_name_typed(books, tmp_path, "国保ファイル")
    wb = openpyxl.load_workbook(edited)
    ws = next(s for s in wb.sheetnames if s.startswith("Ⅲ"))
    wb[ws]["B2"].value = other
    wb.save(edited)
    r = pia("import", edited, work, "--write")
    if other == "国保のファイル":
        assert r.returncode == 1 and "[PIA952]" in r.stderr and f"{ws}!B2" in r.stderr and "にも印字されていて" in r.stderr
        assert _yaml(work) == _yaml(JUTEN)
    else:
        assert r.returncode == 0, r.stderr
        assert asm.load(work).docs[doc].data["特定個人情報ファイル名"] == "国保ファイル"


@pytest.mark.parametrize("typed", ["(1)国保ファイル", "（１）国保ファイル"])
def test_file_name_typed_with_its_number_comes_back_without_it(books: Path, tmp_path: Path, typed: str):
    """The cell prints the name after the file's number, as the form does; the YAML holds the name alone (else the
    form would print 「(1)(1)国保ファイル」)."""
    work = _copy(JUTEN, tmp_path)
    edited, doc = _file_name_typed(books, tmp_path, typed)
    r = pia("import", edited, work, "--write")
    assert r.returncode == 0, r.stderr
    assert asm.load(work).docs[doc].data["特定個人情報ファイル名"] == "国保ファイル"


def test_importing_the_same_workbook_again_changes_nothing(books: Path, tmp_path: Path):
    """After --write the YAML holds the workbook's value: no conflict with the YAML (PIA951), nothing to change."""
    work = _copy(KISO, tmp_path)
    edited = _typed(books, tmp_path, "marumaru-kiso.xlsx", {"部署": "健康福祉部健康推進課"})
    r = pia("import", edited, work, "--write")
    assert r.returncode == 0 and "健康福祉部健康推進課" in r.stdout, r.stderr
    written = _yaml(work)
    r = pia("import", edited, work)
    assert r.returncode == 0 and "Excel の内容は評価書と同じです（変更はありません）。" in r.stdout, r.stdout + r.stderr
    assert _yaml(work) == written


def test_line_breaks_pasted_from_windows_come_back_as_the_yaml_writes_them(books: Path, tmp_path: Path):
    work = _copy(KISO, tmp_path)
    edited = _typed(books, tmp_path, "marumaru-kiso.xlsx", {"特記事項": "一行目\r\n二行目\r三行目"})
    r = pia("import", edited, work, "--write")
    assert r.returncode == 0, r.stderr
    assert "特記事項: |\n  一行目\n  二行目\n  三行目\n" in (work / "kiso.yaml").read_text(encoding="utf-8")
    assert b"\r" not in (work / "kiso.yaml").read_bytes()
    r = pia("import", edited, work)  # the YAML's literal block ends with a line break the cell lacks: the same text
    assert r.returncode == 0 and "変更はありません" in r.stdout, r.stdout + r.stderr


def test_a_date_cell_comes_back_as_the_form_writes_dates(books: Path, tmp_path: Path):
    """A date typed where Excel makes it a date cell: 令和6年7月1日 in the YAML, not 「2024-07-01 00:00:00」."""
    import datetime as dt

    work = _copy(KISO, tmp_path)
    edited = _typed(books, tmp_path, "marumaru-kiso.xlsx", {"公表日": dt.datetime(2024, 7, 1)})
    r = pia("import", edited, work, "--write")
    assert r.returncode == 0 and not r.stderr, r.stderr
    assert "公表日: 令和6年7月1日\n" in (work / "kiso.yaml").read_text(encoding="utf-8")
    r = pia("import", edited, work)
    assert r.returncode == 0 and "変更はありません" in r.stdout, r.stdout + r.stderr


def test_flags_such_as_no_provision_are_cells_to_edit(books: Path, tmp_path: Path):
    # 「提供・移転しない」「委託しない」 are printed in their part's heading in the form; in the workbook each is a ○ cell
    # of its own, bound like a multiple choice's option, so staff can mark or clear it
    work = _copy(JUTEN, tmp_path)
    wb = openpyxl.load_workbook(books / "marumaru-juten.xlsx")
    flags = {b.path[-1]: b for b in _bindings(wb) if b.kind == "flag" and b.doc == "juten-file:kokuho"}
    assert {"提供・移転しない", "委託しない", "接続しない（入手）", "接続しない（提供）"} <= set(flags), flags
    off, on = flags["提供・移転しない"], flags["委託しない"]
    sheet = wb[off.sheet]
    assert sheet[off.cell].value == "○" and not sheet[off.cell].protection.locked and sheet[on.cell].value in (None, "")
    assert "提供・移転しない" not in str(sheet.cell(row=sheet[off.cell].row - 1, column=1).value)  # not twice
    sheet[off.cell].value = None
    sheet[on.cell].value = "○"
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    # the marks now contradict the file's III and the 基礎's IV: the import says so, and writes only when told to
    r = pia("import", edited, work, "--out", tmp_path / "new")
    assert r.returncode == 1 and "PIA807" in r.stderr and not (tmp_path / "new").exists()
    r = pia("import", edited, work, "--out", tmp_path / "new", "--force")
    assert r.returncode == 0, r.stderr
    data = asm.load(tmp_path / "new").docs["juten-file:kokuho"].data
    assert dig(data, off.path) is False and dig(data, on.path) is True  # written as the YAML wrote it (true/false)
