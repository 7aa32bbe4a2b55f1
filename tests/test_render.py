"""Render the real example and read the PDF's text back."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, ROOT, pia, schema_nodes, small_example


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


@pytest.fixture(scope="module")
def pdf_text(rendered) -> str:
    return _squash(subprocess.run(["pdftotext", "-raw", str(rendered["pdf"]), "-"], capture_output=True, text=True, check=True).stdout)


def _load(rel: str):
    return yaml.safe_load((EXAMPLE / rel).read_text(encoding="utf-8"))


def test_pdf_holds_every_recipient_record_item_system_and_history_row(pdf_text: str):
    missing = []
    for f in sorted((EXAMPLE / "files").glob("*.yaml")):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        t = data["特定個人情報ファイルの概要"]["特定個人情報の提供・移転"]
        for kind in ("提供先", "移転先"):
            for i, rec in enumerate(t[kind] or [], 1):
                if _squash(f"{kind}{i}") not in pdf_text or _squash(rec[kind]) not in pdf_text:
                    missing.append((f.name, kind, i, rec[kind]))
        for g in data["特定個人情報ファイル記録項目"]["記録項目"]:
            for n, name in enumerate(g["項目"], 1):
                # the form bullets items under a heading of their group and numbers the others (1. 住民票コード)
                if _squash(f"・{name}" if g.get("見出し") else f"{n}.{name}") not in pdf_text:
                    missing.append((f.name, "記録項目", name))
    for s in _load("systems.yaml")["システム"]:
        if _squash(s["システムの名称"]) not in pdf_text:
            missing.append(("system", s["システムの名称"]))
    for r in _load("assessment.yaml")["変更箇所の記録"]:
        # a row's cells may be split across pages: look for each cell's first 12 characters
        for c in (r["項目"], r["変更後の記載"]):
            if c and _squash(str(c))[:12] not in pdf_text:
                missing.append(("別添3", r["変更日"], str(c)[:30]))
    assert not missing, missing[:20]


def test_pdf_is_tagged_a4_with_page_numbers_and_outline(rendered, pdf_text):
    info = subprocess.run(["pdfinfo", str(rendered["pdf"])], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info and "A4" in info
    assert "Title:           住民基本台帳に関する事務 全項目評価書" in info
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert f"1/{pages}" in pdf_text and f"{pages}/{pages}" in pdf_text
    fonts = subprocess.run(["pdffonts", str(rendered["pdf"])], capture_output=True, text=True, check=True).stdout
    assert "BIZ-UDPGothic" in fonts and all(" yes yes " in l for l in fonts.splitlines()[2:])
    import pypdf

    reader = pypdf.PdfReader(str(rendered["pdf"]))
    assert reader.trailer["/Root"]["/Lang"] == "ja"
    titles, under = [], []  # every bookmark; (top-level bookmark, bookmark) for those one level down

    def walk(items, top=None):
        last = None
        for it in items:
            if isinstance(it, list):
                walk(it, top or last)
            else:
                titles.append(it.title)
                if top is not None and top.title != it.title:
                    under.append((_squash(top.title), _squash(it.title)))
                last = it
    walk(reader.outline)
    for t in ("Ⅰ 基本情報", "(1)住民基本台帳ファイル", "提供先59", "移転先1", "委託事項1", "システム9", "Ⅵ 評価実施手続", "(別添3) 変更箇所"):
        assert any(_squash(t) == _squash(x) or _squash(t) in _squash(x) for x in titles), (t, titles[:30])
    # each file under each part that repeats per file, as in 項目一覧 (a file's Ⅱ is never filed under the 別添2 before it)
    for n, name in ((1, "住民基本台帳ファイル"), (2, "本人確認情報ファイル"), (3, "送付先情報ファイル")):
        parts = {top[:3] for top, title in under if title == f"({n}){name}"}  # squashed: Ⅱ reads II
        assert {"II特", "(別添", "III"} <= parts, (n, sorted(parts))
        assert sum(title == f"({n}){name}" and top.startswith("(別添2)") for top, title in under) == 1, n


def test_selection_and_multiple_choice_layout(pdf_text):
    assert _squash("[10万人以上100万人未満]＜選択肢＞1)1万人未満2)1万人以上10万人未満") in pdf_text
    assert _squash("[○]本人又は本人の代理人") in pdf_text
    assert _squash("[○]提供を行っている（58）件") in pdf_text
    assert _squash("提供先59") in pdf_text


def test_two_renders_are_byte_identical(tmp_path):
    # on a small assessment (25 pages, not 90), at the same time in this process and through the real command in a
    # new process, so that nothing that differs between runs (hash seeds, clock, temporary names) can hide
    folder = small_example(tmp_path / "small")
    other = subprocess.Popen([sys.executable, "-m", "pia", "render", str(folder), "--out", str(tmp_path / "b"), "--format", "html,pdf,xlsx"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r = pia("render", folder, "--out", tmp_path / "a", "--format", "html,pdf,xlsx")
    assert r.returncode == 0, r.stderr
    stdout, stderr = other.communicate(timeout=600)
    assert other.returncode == 0, stdout + stderr
    names = sorted(p.name for p in (tmp_path / "a").iterdir() if not p.name.startswith("."))
    assert {"small.pdf", "small.html", "small.xlsx"} <= set(names)  # and the folder's other documents (基礎)
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir() if not p.name.startswith("."))
    for name in names:
        a, b = (tmp_path / "a" / name).read_bytes(), (tmp_path / "b" / name).read_bytes()
        assert len(a) > 10_000 and hashlib.sha256(a).digest() == hashlib.sha256(b).digest(), name


def test_html_is_standalone_accessible_and_escapes_user_text(example: Path, tmp_path: Path):
    f = example / "assessment.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("評価実施機関名: 東京都世田谷区長",
                 "評価実施機関名: '<img src=\"file:///etc/passwd\"><script>alert(1)</script>=HYPERLINK(\"x\")'"), encoding="utf-8")
    r = pia("render", example, "--out", tmp_path, "--format", "html")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "setagaya-juki.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in html and "<style>" in html and "<link" not in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<th scope="row"' in html and '<th scope="col"' in html


def test_url_in_user_text_is_never_fetched(tmp_path: Path):
    from pia.base.errors import PiaError
    from pia.output.fetch import refuse_fetch

    with pytest.raises(PiaError):
        refuse_fetch("file:///etc/passwd")


def test_templates_contain_no_official_label_or_option():
    words: set[str] = set()
    for _, n in schema_nodes():
        if isinstance(n.get("title"), str) and len(n["title"]) >= 4:
            words.add(n["title"])
        words.update(o for o in n.get("enum", []) or [] if isinstance(o, str) and len(o) >= 4)
        if isinstance(n.get("properties"), dict):
            words.update(x for x in n["properties"] if len(x) >= 5)
    assert len(words) > 300  # the walk really reads the schemas
    allowed_keys = {"基本情報", "別添1", "事務の内容", "システム", "その他のリスク対策", "開示請求、問合せ", "評価実施手続",
                    "特定個人情報ファイル名",
                    # council.html.j2 navigates the council YAML by its keys
                    "担当部課", "条例の根拠", "事業の概要", "業務委託", "外部結合", "承認済の審議会", "件名", "内容", "区分", "条項",
                    # council.html.j2 prose (「…承認済の内容からの変更箇所」); also the 基礎項目評価書's section title
                    "変更箇所"}
    found = []
    for t in (ROOT / "templates").glob("*.j2"):
        text = t.read_text(encoding="utf-8")
        for k in sorted(allowed_keys, key=len, reverse=True):
            text = text.replace(f'"{k}"', "")
        for w in words - allowed_keys:
            if w in text:
                found.append((t.name, w))
    assert not found, found


def test_refuses_to_write_into_assessments_and_over_foreign_files(tmp_path: Path):
    r = pia("render", EXAMPLE, "--out", EXAMPLE / "out", "--format", "html")
    assert r.returncode == 2 and "書き込みません" in r.stderr and not (EXAMPLE / "out").exists()
    (tmp_path / "setagaya-juki.html").write_text("mine", encoding="utf-8")
    r = pia("render", EXAMPLE, "--out", tmp_path, "--format", "html")
    assert r.returncode == 2 and "--force" in r.stderr
    assert (tmp_path / "setagaya-juki.html").read_text(encoding="utf-8") == "mine"
    r = pia("render", EXAMPLE, "--out", tmp_path, "--format", "html", "--force")
    assert r.returncode == 0
    # a 基礎-only folder outside any assessments/ tree is an assessment folder too
    kiso = tmp_path / "kiso-only"
    kiso.mkdir()
    shutil.copy(ROOT / "assessments" / "marumaru-kiso" / "kiso.yaml", kiso)
    r = pia("render", kiso, "--out", kiso / "out", "--format", "html")
    assert r.returncode == 2 and "書き込みません" in r.stderr and not (kiso / "out").exists()


def test_a_workbook_filled_in_inside_the_output_folder_is_never_replaced(tmp_path: Path):
    import json

    import openpyxl

    folder, out = tmp_path / "k", tmp_path / "out"
    shutil.copytree(ROOT / "assessments" / "marumaru-kiso", folder)
    assert pia("render", folder, "--format", "xlsx", "--out", out).returncode == 0
    book = out / "k.xlsx"
    wb = openpyxl.load_workbook(book)
    wb["Ⅰ"]["B13"].value = "記入した部署"
    wb.save(book)
    filled = book.read_bytes()
    r = pia("render", folder, "--format", "xlsx,html", "--out", out)
    assert r.returncode == 2 and str(book) in r.stderr and "変更されている" in r.stderr and "--force" in r.stderr
    assert book.read_bytes() == filled and not (out / "k.html").exists()  # nothing written
    assert pia("render", folder, "--format", "xlsx", "--out", out, "--force").returncode == 0
    assert book.read_bytes() != filled
    # a manifest of names only (pia 0.2): unknown bytes are replaced as before, and the hash is recorded from then on
    (out / ".pia-output.json").write_text('["k.xlsx"]\n', encoding="utf-8")
    book.write_bytes(filled)
    assert pia("render", folder, "--format", "xlsx", "--out", out).returncode == 0
    assert json.loads((out / ".pia-output.json").read_text(encoding="utf-8")) == {"k.xlsx": hashlib.sha256(book.read_bytes()).hexdigest()}


def test_read_only_output_folder_is_a_clear_message(tmp_path: Path):
    import os

    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        if os.access(ro, os.W_OK):
            pytest.skip("running as a user that ignores permissions")
        r = pia("render", EXAMPLE, "--out", ro, "--format", "html")
        assert r.returncode == 2 and "書き込めません" in r.stderr and list(ro.iterdir()) == []
    finally:
        ro.chmod(0o700)


def test_two_renders_at_once_leave_complete_files(tmp_path: Path):
    procs = [subprocess.Popen([sys.executable, "-m", "pia", "render", str(EXAMPLE), "--out", str(tmp_path), "--format", "html,xlsx"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)]
    for p in procs:
        p.communicate(timeout=120)
    assert all(p.returncode == 0 for p in procs)
    html = (tmp_path / "setagaya-juki.html").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>")
    import openpyxl

    openpyxl.load_workbook(tmp_path / "setagaya-juki.xlsx")  # a complete zip
    # the example's folder also holds its 基礎項目評価書 (kiso.yaml), rendered beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == [".pia-output.json", "setagaya-juki-kiso.html", "setagaya-juki-kiso.xlsx",
                                                          "setagaya-juki.html", "setagaya-juki.xlsx"]
    assert (tmp_path / "setagaya-juki-kiso.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    openpyxl.load_workbook(tmp_path / "setagaya-juki-kiso.xlsx")


def test_unwritable_output_is_a_clear_message_and_leaves_nothing(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    r = pia("render", EXAMPLE, "--out", blocker / "out", "--format", "html")
    assert r.returncode == 2 and "書き込めません" in r.stderr and "Traceback" not in r.stderr
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def _raw_text(rendered) -> str:
    return subprocess.run(["pdftotext", "-raw", str(rendered["pdf"]), "-"], capture_output=True, text=True, check=True).stdout


def test_the_printed_form_keeps_the_forms_own_wording(rendered, pdf_text: str):
    raw = _raw_text(rendered)
    # the form's full-width brackets and Roman numerals, not ASCII look-alikes
    assert "＜選択肢＞" in raw and "<選択肢>" not in raw and "‹選択肢" not in raw
    for numeral in ("Ⅰ 基本情報", "Ⅱ 特定個人情報ファイルの概要", "Ⅲ 特定個人情報ファイルの取扱いプロセスにおけるリスク対策", "Ⅵ 評価実施手続"):
        assert numeral in raw, numeral
    # Ⅲ is headed once per file with the form's note, and starts with 1. 特定個人情報ファイル名
    assert pdf_text.count(_squash("リスク対策※(7.リスク1⑨を除く。)")) == 3
    for n, name in enumerate(("住民基本台帳ファイル", "本人確認情報ファイル", "送付先情報ファイル"), 1):
        assert pdf_text.count(_squash(f"1.特定個人情報ファイル名({n}){name}")) >= 2  # Ⅱ and Ⅲ (別添3 may quote it too)
    # ④主な記録項目 under the form's group labels
    for group in ("・識別情報", "・連絡先等情報", "・業務関係情報"):
        assert _squash(group + "[○]") in pdf_text or _squash(group + "[") in pdf_text, group
    # 別添2 numbers the items of a file whose groups have no heading
    assert _squash("1.住民票コード2.漢字氏名") in pdf_text
    # the count follows the options (II 4.), V ③'s text stays in its cell
    assert _squash("[委託する]＜選択肢＞1)委託する2)委託しない（1）件") in pdf_text
    assert _squash("2)無料（手数料額、納付方法：）") in pdf_text


def test_pias_additions_are_marked_as_such(rendered):
    html = rendered["html"].read_text(encoding="utf-8")
    assert 'class="pia-added"' in html and "pia による注記（様式の記載ではありません）" in html
    note = html.split('class="pia-added"', 1)[1].split("</aside>", 1)[0]
    assert "見出しの括弧内に挙げた項目は除きます" in note  # and the heading note it speaks of is printed
    assert "※(7. リスク1⑨を除く。)" in html


def test_every_change_row_carries_its_date(tmp_path: Path):
    from pia.document import assessment as asm
    from pia.document.changes import betten3

    a = asm.load(EXAMPLE)
    rows = a.meta["変更箇所の記録"]
    rows[1]["変更日"] = None  # typed under the date of the row above, as staff often do
    out = betten3(a)
    assert out[1][0] == rows[0]["変更日"] and all(r[0] for r in out)
