"""Hostile folders and files: nothing outside the assessment is read, nothing blocks, every refusal names its entry;
text that would change what reviewers see is reported with its code point and line."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pia.base import fsread
from pia.app.cli import main
from pia.document.loader import MAX_LIST, MAX_NODES, load_text

SECRET = "秘密の内容ＸＹＺ"


def check_json(folder: Path, capsys) -> tuple[int, list[dict]]:
    rc = main(["check", str(folder), "--format", "json"])
    out = capsys.readouterr().out
    return rc, [f for a in json.loads(out)["assessments"] for f in a["findings"]]


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    p = tmp_path / "outside" / "secret.yaml"
    p.parent.mkdir()
    p.write_text(f"特定個人情報ファイル名: {SECRET}\n", encoding="utf-8")
    return p


def test_symlink_leaving_the_folder_is_refused_and_never_read(example: Path, secret: Path, capsys, tmp_path: Path):
    (example / "files" / "leak.yaml").symlink_to(secret)
    rc, found = check_json(example, capsys)
    hits = [f for f in found if f["rule_id"] == "PIA020"]
    assert rc == 1 and len(hits) == 1 and hits[0]["file"].endswith("files/leak.yaml"), found
    assert "外を指す" in hits[0]["message"]
    main(["render", str(example), "--format", "html", "--out", str(tmp_path / "out")])
    assert SECRET not in json.dumps(found, ensure_ascii=False)
    assert SECRET not in (tmp_path / "out" / "setagaya-juki.html").read_text(encoding="utf-8")


def test_symlinked_files_folder_leaving_the_assessment_is_refused(example: Path, secret: Path, capsys):
    import shutil

    shutil.rmtree(example / "files")
    (example / "files").symlink_to(secret.parent, target_is_directory=True)
    rc, found = check_json(example, capsys)
    assert [f["rule_id"] for f in found if f["file"].endswith("files")] == ["PIA020"], found
    assert SECRET not in json.dumps(found, ensure_ascii=False)


def test_assessment_yaml_itself_may_not_point_outside(example: Path, secret: Path, capsys):
    (example / "systems.yaml").unlink()
    (example / "systems.yaml").symlink_to(secret)
    rc, found = check_json(example, capsys)
    assert [f["rule_id"] for f in found if f["file"].endswith("systems.yaml")] == ["PIA020"]


def test_links_inside_the_folder_are_followed(example: Path, capsys):
    (example / "files" / "juki.yaml").rename(example / "juki-real.yaml")
    (example / "files" / "juki.yaml").symlink_to("../juki-real.yaml")
    rc, found = check_json(example, capsys)
    assert not [f for f in found if f["rule_id"].startswith("PIA02")], found


def test_fifo_device_dangling_loop_and_folder_are_named_and_nothing_blocks(example: Path):
    files = example / "files"
    os.mkfifo(files / "pipe.yaml")  # opening it for reading would wait for a writer forever
    (files / "zero.yaml").symlink_to("/dev/zero")  # outside, and endless
    (files / "dangling.yaml").symlink_to("nowhere.yaml")
    (files / "loop.yaml").symlink_to("loop.yaml")
    (files / "folder.yaml").mkdir()
    r = subprocess.run([sys.executable, "-m", "pia", "check", str(example), "--format", "json"],
                       capture_output=True, text=True, timeout=60)
    found = {Path(f["file"]).name: f for a in json.loads(r.stdout)["assessments"] for f in a["findings"]
             if f["rule_id"] in ("PIA020", "PIA021", "PIA022", "PIA023")}
    assert {k: v["rule_id"] for k, v in found.items()} == {
        "pipe.yaml": "PIA021", "zero.yaml": "PIA020", "dangling.yaml": "PIA022", "loop.yaml": "PIA022", "folder.yaml": "PIA023"}
    assert "名前付きパイプ" in found["pipe.yaml"]["message"] and "循環" in found["loop.yaml"]["message"]
    assert r.returncode == 1


def test_fsread_refuses_a_fifo_swapped_in_after_the_check(tmp_path: Path, monkeypatch):
    os.mkfifo(tmp_path / "p.yaml")
    root = fsread.Root(tmp_path)
    monkeypatch.setattr(root, "check_file", lambda rel: tmp_path / rel)  # the race: the check saw a file
    with pytest.raises(fsread.Refusal) as e:
        root.read("p.yaml", 100)
    assert e.value.rule_id == "PIA021"


def test_fsread_limits_size(tmp_path: Path):
    (tmp_path / "big.yaml").write_bytes(b"a" * 101)
    with pytest.raises(fsread.Refusal) as e:
        fsread.Root(tmp_path).read("big.yaml", 100)
    assert e.value.rule_id == "PIA005"
    assert fsread.Root(tmp_path).read("big.yaml", 101) == b"a" * 101


def test_shift_jis_file_name_is_a_finding_not_a_crash(example: Path, capsys):
    name = os.fsdecode(b"\x8e\x81\x96\xbc.yaml")  # 「氏名.yaml」 in Shift_JIS
    (example / "files" / name).write_text("a: 1\n", encoding="utf-8")
    rc, found = check_json(example, capsys)
    assert rc == 1
    assert [f["rule_id"] for f in found if "\\x8e" in f["file"]] == ["PIA025"], found


def test_unreadable_file_is_a_finding_with_the_cause(example: Path, capsys, monkeypatch):
    real_open = os.open

    def deny(path, flags, *a, **k):
        if str(path).endswith("sofusaki.yaml"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *a, **k)
    monkeypatch.setattr(os, "open", deny)  # tests may run as root, where chmod 000 still reads
    rc, found = check_json(example, capsys)
    hits = [f for f in found if f["file"].endswith("sofusaki.yaml")]
    assert [f["rule_id"] for f in hits] == ["PIA024"] and "読み取りの権限がありません" in hits[0]["message"]


def test_unreadable_files_folder_is_a_finding(example: Path, capsys, monkeypatch):
    real = os.listdir
    monkeypatch.setattr(os, "listdir", lambda p=".": (_ for _ in ()).throw(PermissionError(13, "x")) if str(p).endswith("files") else real(p))
    rc, found = check_json(example, capsys)
    assert rc == 1 and [f["rule_id"] for f in found if f["file"].endswith("files")] == ["PIA024"]


# ---- text integrity ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("escape,code", [("\\e[2K", "U+001B"), ("\\0", "U+0000"), ("\\x9b", "U+009B"), ("\\u0007", "U+0007")])
def test_control_characters_written_as_escapes_are_errors_with_code_point_and_line(escape: str, code: str):
    doc, found = load_text("a.yaml", f'a: 1\nb: "前{escape}後"\n'.encode())
    assert [(f.rule_id, f.line) for f in found] == [("PIA030", 2)] and code in found[0].message
    assert "\ufffd" in doc.data["b"] and not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f for c in doc.data["b"])


def test_bidi_and_zero_width_characters():
    doc, found = load_text("a.yaml", "a: 1\nb: 金額\u202e001\u202c\nc: 委託\u200b先\n".encode())
    assert [(f.rule_id, f.line, f.severity) for f in found] == [
        ("PIA031", 2, "error"), ("PIA031", 2, "error"), ("PIA032", 3, "warning")]
    assert "U+202E" in found[0].message and "U+200B" in found[2].message


def test_terminal_output_never_carries_raw_control_characters(example: Path, capsys):
    p = example / "files" / "juki.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("特定個人情報ファイル名: 住民基本台帳ファイル",
                                                       '特定個人情報ファイル名: "住民\\e[2K\\x9b基本\u202e台帳ファイル"', 1), encoding="utf-8")
    rc = main(["check", str(example)])
    out = capsys.readouterr().out
    assert rc == 1 and "PIA030" in out and "PIA031" in out
    assert not any(ord(c) < 32 and c not in "\n" or 0x7f <= ord(c) <= 0x9f or c == "\u202e" for c in out)


def test_escaped_control_characters_reach_no_output(example: Path, tmp_path: Path):
    p = example / "files" / "juki.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("特定個人情報ファイル名: 住民基本台帳ファイル",
                                                       '特定個人情報ファイル名: "住民\\e[2K\\x9b基本\u202e台帳ファイル"', 1), encoding="utf-8")
    main(["render", str(example), "--format", "html,xlsx", "--out", str(tmp_path / "o")])
    html = (tmp_path / "o" / "setagaya-juki.html").read_text(encoding="utf-8")
    assert "住民\ufffd[2K\ufffd基本\ufffd台帳" in html and "\x1b" not in html and "\u202e" not in html
    assert (tmp_path / "o" / "setagaya-juki.xlsx").stat().st_size > 0


# ---- encodings, documents, nesting ---------------------------------------------------------------------------------

@pytest.mark.parametrize("enc,name", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
                                      ("utf-32", "UTF-32"), ("utf-32-be", "UTF-32")])
def test_utf16_and_utf32_are_named(enc: str, name: str):
    _, found = load_text("a.yaml", "評価書名: 住民基本台帳に関する事務\n".encode(enc))
    assert [f.rule_id for f in found] == ["PIA006"] and name in found[0].message and "バイナリ" not in found[0].message


def test_utf8_bom_is_accepted():
    doc, found = load_text("a.yaml", "\ufeffa: 1\n".encode())
    assert not found and doc.data == {"a": 1}


def test_several_documents_named_with_their_line():
    _, found = load_text("a.yaml", b"a: 1\nb: 2\n---\nc: 3\n")
    assert [(f.rule_id, f.line) for f in found] == [("PIA001", 3)] and "複数" in found[0].message


@pytest.mark.parametrize("text", [b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", b"a: " + b"{b: " * 2000 + b"}" * 2000 + b"\n"])
def test_deep_flow_nesting_is_pia007(text: bytes):
    _, found = load_text("a.yaml", text)
    assert [f.rule_id for f in found] == ["PIA007"]


@pytest.mark.parametrize("text", [b"a: *x\n", b'a: "abc\n', b"a: !<x 1\n", b"%YAML 1.1\n%YAML 1.1\n---\na: 1\n"])
def test_parser_messages_are_japanese(text: bytes):
    _, found = load_text("a.yaml", text)
    # no English from the parser; what the user wrote is quoted in 「」 and may be anything
    words = [re.sub(r"「[^」]*」", "", f.message).replace("YAML", "") for f in found]
    assert found and all(not any("a" <= c.lower() <= "z" for c in w) for w in words), found


# ---- budget ----------------------------------------------------------------------------------------------------------

def test_node_budget_is_per_assessment(example: Path, capsys):
    lists = MAX_NODES // 4 // (MAX_LIST // 2) + 1  # each file within every per-file limit, five together over budget
    for k in range(5):
        (example / "files" / f"bulk{k}.yaml").write_text("".join(f"k{i}:\n" + "- x\n" * (MAX_LIST // 2) for i in range(lists)), encoding="utf-8")
    rc, found = check_json(example, capsys)
    assert rc == 1 and "PIA041" in {f["rule_id"] for f in found}


def test_long_list_is_refused():
    _, found = load_text("a.yaml", ("a:\n" + "- x\n" * (MAX_LIST + 1)).encode())
    assert [f.rule_id for f in found] == ["PIA042"]


# ---- messages in Japanese ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv,expect", [
    (["check"], "次の引数が必要です: フォルダ"), (["check", "a", "--bogus"], "知らない引数があります: --bogus"),
    (["check", "--format", "x", "a"], "pia check の出力形式「x」は使えません"), (["serve", "a", "--port", "x"], "整数を指定してください"),
    (["check", "--output"], "--output: 値を一つ指定してください"), (["bogus"], "「bogus」というコマンドはありません")])
def test_command_line_mistakes_are_said_in_japanese(argv: list[str], expect: str, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expect in err and "argument" not in err and "required" not in err and "invalid" not in err


def test_unlistable_folder_is_a_japanese_message_not_an_internal_error(tmp_path: Path, capsys, monkeypatch):
    (tmp_path / "many").mkdir()
    real = Path.iterdir

    def deny(self):
        if self.name == "many":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)
    monkeypatch.setattr(Path, "iterdir", deny)
    assert main(["check", str(tmp_path / "many")]) == 2
    err = capsys.readouterr().err
    # the CLI does not know whether the OS refused a read or a write: the permission without a direction, and what to do
    assert "権限がありません" in err and "権限を確認" in err and "Permission denied" not in err and "内部エラー" not in err
    assert "読み取りの権限" not in err


def test_figures_are_read_through_fsread(tmp_path: Path, monkeypatch):
    from pia.document import figures

    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(figures.FigureError, match="通常のファイルではありません"):
        figures.read(tmp_path, "pipe.png")  # returns at once: never opened for a blocking read
    (tmp_path / "ok.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    seen = []
    real = fsread.Root.read
    monkeypatch.setattr(fsread.Root, "read", lambda self, rel, limit: seen.append(rel) or real(self, rel, limit))
    with pytest.raises(figures.FigureError):
        figures.read(tmp_path, "ok.png")  # a PNG signature alone is not a readable image
    assert seen == ["ok.png"]


def test_text_report_never_quotes_a_file_outside_the_folder(example: Path, secret: Path, capsys):
    (example / "files" / "leak.yaml").symlink_to(secret)
    assert main(["check", str(example)]) == 1
    out = capsys.readouterr().out
    assert "PIA020" in out and SECRET not in out


def test_fix_neither_shows_nor_writes_a_file_outside_the_folder(example: Path, secret: Path, capsys):
    secret.write_text("特定個人情報ファイル名：秘密の内容ＸＹＺ\n", encoding="utf-8")  # 「：」 is a mistake pia fix repairs
    before = secret.read_bytes()
    (example / "files" / "leak.yaml").symlink_to(secret)
    main(["fix", str(example), "--write"])
    out = capsys.readouterr().out
    assert "外を指す" in out and SECRET not in out
    assert secret.read_bytes() == before


def test_fix_replaces_the_real_file_keeping_its_mode(example: Path, capsys):
    f = example / "files" / "juki.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("特定個人情報ファイル名: ", "特定個人情報ファイル名：", 1), encoding="utf-8")
    f.chmod(0o640)
    assert main(["fix", str(f), "--write"]) == 0
    assert "特定個人情報ファイル名: " in f.read_text(encoding="utf-8") and (f.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in f.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_quoting_a_refused_file_keeps_only_the_lines_it_needs(example: Path):
    from pia.analysis.check import check

    (example / "files" / "big.yaml").write_bytes(b"a:\n" + b"- x\n" * (MAX_LIST + 1))
    r = check(example)
    big = next(f for f in r.findings if f.file.endswith("big.yaml"))
    assert big.rule_id == "PIA042" and len(r.lines[big.file]) == big.line


def test_import_reads_the_workbook_through_fsread_and_bounds_its_unzipped_size(example: Path, tmp_path: Path, capsys, monkeypatch):
    import zipfile

    from pia.app import xlsx_import

    monkeypatch.setattr(xlsx_import, "MAX_UNZIPPED", 2 * 1024 * 1024)  # the same check as at 200 MB, faster

    os.mkfifo(tmp_path / "pipe.xlsx")
    assert main(["import", str(tmp_path / "pipe.xlsx"), str(example)]) == 2  # returns: the FIFO is never opened
    assert "名前付きパイプ" in capsys.readouterr().err
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))
    assert bomb.stat().st_size < 64 * 1024
    assert main(["import", str(bomb), str(example)]) == 2
    assert "展開すると大きすぎます" in capsys.readouterr().err


def test_migrate_copies_no_content_from_outside_the_folder(example: Path, secret: Path, tmp_path: Path, capsys):
    (example / "files" / "leak.yaml").symlink_to(secret)
    main(["migrate", str(example), "--out", str(tmp_path / "new")])
    copied = tmp_path / "new" / "files" / "leak.yaml"
    assert not copied.exists() or copied.is_symlink()
    assert not any(SECRET in p.read_text(encoding="utf-8", errors="replace")
                   for p in (tmp_path / "new").rglob("*") if p.is_file() and not p.is_symlink())
