"""Writing as safely as reading (pia.base.fswrite): never through a link, atomic, all or nothing, bytes kept; folder
copies that never follow links; the workbook reader's bounds; dates and OS errors said in Japanese."""
from __future__ import annotations

import errno
import json
import os
import re
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, pia, small_example

from pia.base import fswrite
from pia.base.errors import PiaError
from pia.output.xlsx_map import MAP_SHEET

SECRET = "外の秘密の内容"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.yaml").write_text(SECRET, encoding="utf-8")
    (d / "old.schema.json").write_text(SECRET, encoding="utf-8")
    return d


def _tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under folder: a file's bytes, a link's text (links are not followed)."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(dirpath) / name
            rel = p.relative_to(folder).as_posix()
            out[rel] = "-> " + os.readlink(p) if p.is_symlink() else (p.read_bytes() if p.is_file() else "dir")
    return out


# ---- the writer itself -----------------------------------------------------------------------------------------

@pytest.fixture(params=[True, False], ids=["dir-fd", "paths"])
def at(request, monkeypatch) -> bool:
    """Both ways the writer works: directory descriptors (POSIX), and checked paths (where dir_fd is missing)."""
    monkeypatch.setattr(fswrite, "_AT", request.param and fswrite._AT)
    return request.param


def test_commit_is_all_or_nothing_when_a_rename_fails(tmp_path: Path, monkeypatch, at: bool):
    root = tmp_path / "r"
    root.mkdir()
    (root / "a.yaml").write_bytes(b"A")
    (root / "b.yaml").write_bytes(b"B")
    os.chmod(root / "a.yaml", 0o600)
    before = _tree(root)
    real = os.replace

    def fail_second(src, dst, **kw):
        if Path(dst).name == "b.yaml":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(src, dst, **kw)

    monkeypatch.setattr(os, "replace", fail_second)
    with pytest.raises(PiaError, match="ディスクの空き容量が足りません.*何も変更していません"):
        fswrite.commit(root, {"a.yaml": b"A2", "b.yaml": b"B2", "new/c.yaml": b"C"}, delete=[])
    assert _tree(root) == before  # a.yaml put back, no temporaries, no new folder
    monkeypatch.setattr(os, "replace", real)
    fswrite.commit(root, {"a.yaml": b"A2", "new/c.yaml": b"C"}, delete=["b.yaml"])
    assert _tree(root) == {"a.yaml": b"A2", "new": "dir", "new/c.yaml": b"C"}
    assert (root / "a.yaml").stat().st_mode & 0o777 == 0o600  # permissions kept


def test_commit_never_writes_or_deletes_through_a_link(tmp_path: Path, outside: Path, at: bool):
    root = tmp_path / "r"
    root.mkdir()
    (root / "linked").symlink_to(outside)
    (root / "file.yaml").symlink_to(outside / "secret.yaml")
    (root / "dangling.json").symlink_to(tmp_path / "nowhere.json")
    before = _tree(outside)
    for files, delete in (({"linked/x.json": b"x"}, []), ({}, ["linked/old.schema.json"]), ({"file.yaml": b"x"}, []),
                          ({"dangling.json": b"x"}, []), ({}, ["file.yaml"]), ({"../escape": b"x"}, [])):
        with pytest.raises(PiaError, match="シンボリックリンク|フォルダの外"):
            fswrite.commit(root, files, delete)
    assert _tree(outside) == before and not (tmp_path / "nowhere.json").exists() and not (tmp_path / "escape").exists()


# ---- pia init --------------------------------------------------------------------------------------------------

def test_init_and_upgrade_refuse_links_and_change_nothing_outside(tmp_path: Path, outside: Path):
    repo = tmp_path / "repo"
    assert pia("init", repo).returncode == 0
    schemas = repo / ".pia" / "schemas"
    # .pia/schemas a link to a folder outside: nothing there is deleted, replaced or written
    for p in schemas.iterdir():
        p.unlink()
    schemas.rmdir()
    schemas.symlink_to(outside)
    before = _tree(outside)
    r = pia("init", repo, "--upgrade")
    assert r.returncode == 2 and "schemas はシンボリックリンク" in r.stderr and "書き出しました" not in r.stdout
    assert _tree(outside) == before
    schemas.unlink()
    schemas.mkdir()
    # a linked .pia/version, a dangling .vscode/settings.json, --force over a linked .pre-commit-config.yaml
    for rel in (".pia/version", ".vscode/settings.json", ".pre-commit-config.yaml"):
        target = repo / rel
        target.unlink()
        target.symlink_to(outside / "secret.yaml" if rel != ".vscode/settings.json" else tmp_path / "created.json")
        r = pia("init", repo, "--force") if rel != ".pia/version" else pia("init", repo, "--upgrade")
        assert r.returncode == 2 and "シンボリックリンク" in r.stderr, (rel, r.stderr)
        assert (outside / "secret.yaml").read_text(encoding="utf-8") == SECRET and not (tmp_path / "created.json").exists()
        assert list(schemas.iterdir()) == []  # all or nothing: not one schema written before the refusal
        target.unlink()
        target.write_text("x", encoding="utf-8")


def test_upgrade_says_deleted_for_deletions(tmp_path: Path):
    repo = tmp_path / "repo"
    pia("init", repo)
    (repo / ".pia" / "schemas" / "gone.schema.json").write_text("{}", encoding="utf-8")
    r = pia("init", repo, "--upgrade")
    assert r.returncode == 0 and "gone.schema.json を削除しました" in r.stdout and "gone.schema.json を書き出しました" not in r.stdout
    assert not (repo / ".pia" / "schemas" / "gone.schema.json").exists()


# ---- pia import / migrate: writes and copies -------------------------------------------------------------------

@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small example with a UTF-8 BOM and CRLF line ends in its file document and an explicit `: null`, with
    the workbook rendered from it."""
    base = tmp_path_factory.mktemp("small")
    folder = small_example(base / "jimu")
    f = next((folder / "files").glob("*.yaml"))
    text = f.read_text(encoding="utf-8")
    lines = text.split("\n")
    i = next(i for i, ln in enumerate(lines) if ln.rstrip().endswith(":") and i + 1 < len(lines)
             and len(lines[i + 1]) - len(lines[i + 1].lstrip()) <= len(ln) - len(ln.lstrip()) and ln.strip() != ":")
    lines[i] = lines[i].rstrip() + " null"
    f.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    assert pia("render", folder, "--out", base / "out", "--format", "xlsx").returncode == 0
    return folder


def _edited(small: Path, tmp_path: Path, docs: tuple[str, ...]) -> Path:
    """The small example's workbook with one text cell changed in each document of docs (by the cell map)."""
    wb = openpyxl.load_workbook(small.parent / "out" / f"{small.name}.xlsx")
    rows = list(wb[MAP_SHEET].iter_rows(min_row=2, values_only=True))
    for doc in docs:
        sheet, cell = next((s, c) for s, c, d, _, kind, written, *_ in rows
                           if d and d.startswith(doc) and kind == "text" and written and "\n" not in written)
        wb[sheet][cell].value = wb[sheet][cell].value + "（改）"
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return out


def test_import_write_keeps_bom_line_ends_and_explicit_null(small: Path, tmp_path: Path):
    import shutil

    folder = tmp_path / small.name
    shutil.copytree(small, folder)
    f = next((folder / "files").glob("*.yaml"))
    old = f.read_bytes()
    r = pia("import", _edited(small, tmp_path, ("file",)), folder, "--write")
    assert r.returncode == 0, r.stderr
    new = f.read_bytes()
    assert new.startswith(b"\xef\xbb\xbf") and new.count(b"\r\n") == old.count(b"\r\n") and b"\n" not in new.replace(b"\r\n", b"")
    changed = [(a, b) for a, b in zip(old.split(b"\r\n"), new.split(b"\r\n")) if a != b]
    assert len(changed) == 1 and "（改）".encode() in changed[0][1] and b": null" in new


def test_a_write_failure_mid_import_leaves_every_file_byte_identical(small: Path, tmp_path: Path, monkeypatch):
    import shutil

    folder = tmp_path / small.name
    shutil.copytree(small, folder)
    book = _edited(small, tmp_path, ("assessment", "file"))
    before = _tree(folder)
    real, calls = os.replace, []

    def fail_second(src, dst, **kw):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst, **kw)

    monkeypatch.setattr(os, "replace", fail_second)
    r = pia("import", book, folder, "--write")
    assert r.returncode == 2 and "入出力エラー" in r.stderr and "何も変更していません" in r.stderr, r.stderr
    assert len(calls) >= 3  # the second rename failed after the first was made, and the first was undone
    assert _tree(folder) == before


def test_import_and_migrate_copies_never_follow_links(small: Path, tmp_path: Path, outside: Path):
    import shutil

    folder = tmp_path / small.name
    shutil.copytree(small, folder)
    book = _edited(small, tmp_path, ("file",))
    (folder / "README.link").symlink_to("README.md")  # inside: copied as a link
    (folder / "abs.link").symlink_to(folder / "README.md")  # inside, absolute: made relative in the copy
    r = pia("import", book, folder, "--out", tmp_path / "copy")
    assert r.returncode == 0, r.stderr
    copy = _tree(tmp_path / "copy")
    assert copy["README.link"] == "-> README.md" and copy["abs.link"] == "-> README.md"
    r = pia("migrate", folder, "--out", tmp_path / "migrated")
    assert r.returncode == 0, r.stderr
    (folder / "abs.link").unlink()  # the copies below keep links as they are: an absolute one would lead out
    for bad, expect in ((lambda p: (p / "files" / "leak.yaml").symlink_to(outside / "secret.yaml"), "leak.yaml は.*外を指す"),
                        (lambda p: (p / "leak").symlink_to(outside), "leak は.*外を指す"),
                        (lambda p: (p / "dangling").symlink_to(p / "nowhere"), "dangling は.*リンク先のない"),
                        (lambda p: os.mkfifo(p / "pipe"), "pipe は名前付きパイプ")):
        work = tmp_path / "w"
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(folder, work, symlinks=True)
        bad(work)
        source = _tree(work)
        for argv in (("import", book, work, "--out", tmp_path / "new"), ("migrate", work, "--out", tmp_path / "new")):
            r = pia(*argv)
            # (import refuses a folder whose YAML leaks before it copies anything)
            assert r.returncode == 2 and (re.search(expect, r.stderr) or "YAML を読めない" in r.stderr), r.stderr
            assert "OS のエラー" not in r.stderr
            assert not (tmp_path / "new").exists() and not any(p.name.startswith(".new.") for p in tmp_path.iterdir())
            assert _tree(work) == source  # the source is never written through a link the copy kept
    assert _tree(outside)["secret.yaml"] == SECRET.encode()


def test_render_refuses_a_link_in_the_output_folder(tmp_path: Path, outside: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "status.html").symlink_to(outside / "secret.yaml")
    r = pia("status", ROOT / "assessments" / "marumaru-kiso", "--as-of", "令和7年4月1日", "--format", "html",
            "--output", out / "status.html")
    assert r.returncode == 2 and "シンボリックリンク" in r.stderr
    assert (outside / "secret.yaml").read_text(encoding="utf-8") == SECRET


# ---- the workbook reader's bounds ------------------------------------------------------------------------------

_BOUNDED = """
import resource, sys, time
from pia.app.cli import main
t = time.perf_counter()
code = main(sys.argv[1:])
# VmHWM is this program's own peak; ru_maxrss also keeps the forked copy of the test process it was started from
try:
    mb = int(next(ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:")).split()[1]) // 1024
except (OSError, StopIteration):
    mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(code, time.perf_counter() - t, mb, file=sys.stderr)
"""


def _bounded(*args: object) -> tuple[int, float, int, str]:
    """Exit code, seconds and peak RSS (MB) of pia in a process of its own, and its stderr."""
    r = subprocess.run([sys.executable, "-c", _BOUNDED, *map(str, args)], check=False, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    code, secs, mb = r.stderr.strip().splitlines()[-1].split()
    return int(code), float(secs), int(mb), r.stderr


def test_a_far_cell_costs_one_cell(small: Path, tmp_path: Path):
    wb = openpyxl.load_workbook(small.parent / "out" / f"{small.name}.xlsx")
    wb.worksheets[0]["XFD1048576"] = "遠いセル"
    wb[MAP_SHEET]["F1048576"] = "x"
    far = tmp_path / "far.xlsx"
    wb.save(far)
    code, secs, mb, err = _bounded("import", far, small)
    # before: max_row × max_column cells walked (30 s, 1.6 GB); now the cells that exist
    assert code == 1 and "XFD1048576" in err and secs < 15 and mb < 400, err


def test_two_million_cells_are_refused_before_they_are_read(small: Path, tmp_path: Path):
    book = tmp_path / "many.xlsx"
    src = zipfile.ZipFile(small.parent / "out" / f"{small.name}.xlsx")
    row = "<c t=\"s\"><v>0</v></c>" * 100
    body = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + "".join(f'<row r="{r}">{row}</row>' for r in range(1, 20_001)) + "</sheetData></worksheet>")
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info.filename, body if info.filename == "xl/worksheets/sheet1.xml" else src.read(info.filename))
    code, secs, mb, err = _bounded("import", book, small)
    assert code == 2 and "セルと行が多すぎます" in err and "200,000" in err and secs < 5 and mb < 300, err


def test_many_shared_strings_and_merged_ranges_are_refused(tmp_path: Path, monkeypatch):
    from pia.app import xlsx_import

    def book(name: str, part: str, xml: str) -> Path:
        p = tmp_path / name
        with zipfile.ZipFile(p, "w") as z:
            z.writestr(part, xml)
        return p

    monkeypatch.setattr(xlsx_import, "MAX_STRINGS", 1000)
    strings = book("s.xlsx", "xl/sharedStrings.xml", "<sst>" + "<si><t>a</t></si>" * 1001 + "</sst>")
    with pytest.raises(PiaError, match="共有文字列が多すぎます"):
        xlsx_import._workbook_bytes(strings)
    merged = book("m.xlsx", "xl/worksheets/sheet1.xml", '<worksheet><mergeCells><mergeCell ref="A1:XFD1048576"/></mergeCells></worksheet>')
    with pytest.raises(PiaError, match="結合・リンクの範囲"):
        xlsx_import._workbook_bytes(merged)


# ---- dates, fix, messages --------------------------------------------------------------------------------------

@pytest.mark.parametrize("as_of", ["", "令和0年4月1日", "令和1年4月1日", "2025-02-30", "平成0年1月8日"])
def test_empty_and_impossible_as_of_are_refused(as_of: str):
    r = pia("status", ROOT / "assessments" / "marumaru-kiso", "--as-of", as_of)
    assert r.returncode == 2 and "日付として読めません" in r.stderr


def test_reiwa_zero_is_no_date_and_fix_leaves_it(example: Path):
    from pia.base import dates

    assert dates.parse("令和0年4月1日") is None and dates.find_dates("令和0年4月1日") == []
    assert dates.parse("令和元年5月1日") is not None and dates.parse("平成31年4月30日") is not None
    a = example / "assessment.yaml"
    text = a.read_text(encoding="utf-8")
    assert "実施日: 令和5年8月1日" in text
    a.write_text(text.replace("実施日: 令和5年8月1日", "実施日: 令和0年8月1日", 1), encoding="utf-8")
    r = pia("check", example, "--format", "json")
    assert any(f["rule_id"] == "PIA301" and "「令和0年8月1日」を日付として読めません" in f["message"]
               for res in json.loads(r.stdout)["assessments"] for f in res["findings"])
    before = a.read_bytes()
    pia("fix", example, "--write")
    assert a.read_bytes() == before  # never rewritten as 平成30年


def test_fix_handles_a_bom_file_and_names_what_it_skipped(example: Path):
    a = example / "assessment.yaml"
    text = a.read_text(encoding="utf-8").replace("実施日: 令和5年8月1日", "実施日: 2023/8/1", 1)
    a.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    os.mkfifo(example / "files" / "pipe.yaml")
    (example / "files" / "gone.yaml").symlink_to(example / "nowhere.yaml")
    r = pia("fix", example, "--write")
    assert r.returncode == 0 and "assessment.yaml を直しました" in r.stdout
    assert "pipe.yaml" in r.stdout and "名前付きパイプ" in r.stdout and "gone.yaml" in r.stdout and "リンク先のない" in r.stdout
    assert a.read_bytes() == b"\xef\xbb\xbf" + text.replace("実施日: 2023/8/1", "実施日: 令和5年8月1日", 1).encode("utf-8")


def test_address_in_use_is_said_in_japanese(tmp_path: Path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = pia("serve", ROOT / "assessments" / "marumaru-kiso", "--port", s.getsockname()[1])
    assert r.returncode == 2 and "ほかのプログラムが使っています" in r.stderr and "Address" not in r.stderr


def test_file_size_limit_while_writing_a_workbook_is_no_internal_error(tmp_path: Path):
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000)); "
            "from pia.app.cli import main; sys.exit(main(sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, "render", str(ROOT / "assessments" / "marumaru-kiso"), "--format", "xlsx",
                        "--out", str(tmp_path / "out")], check=False, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert r.returncode == 2 and "ファイルの大きさの上限" in r.stderr, r.stderr
    assert "内部エラー" not in r.stderr and "Traceback" not in r.stderr and "IO_EFBIG" not in r.stderr
