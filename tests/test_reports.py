"""計画管理書 (様式1) and the draft 定期的な報告 from the bundled example: read back from Excel, HTML and PDF."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import yaml
from openpyxl import load_workbook

from pia.portfolio import documents as pf
from pia.form import schema as sch
from pia.app.cli import main

from conftest import EXAMPLE
from pia.form import kinds as form_kinds

KISO, JUTEN = (form_kinds.short_title(form_kinds.by_id(i)) for i in ("basic", "focused"))


def _sheet(path: Path) -> list[list[str]]:
    ws = load_workbook(io.BytesIO(path.read_bytes())).worksheets[0]
    return [["" if c is None else str(c) for c in row] for row in ws.iter_rows(values_only=True)]


def test_plan_from_the_example(tmp_path: Path, capsys):
    assert main(["plan", str(EXAMPLE.parent), "--out", str(tmp_path), "--as-of", "2025-06-01"]) == 0
    rows = _sheet(tmp_path / "keikaku-kanrisho.xlsx")
    headers, first = rows[1], rows[2]
    assert headers[0] == pf.title_of("表紙-評価書番号") and pf.title_of("VI-1-②") in headers
    meta = yaml.safe_load((EXAMPLE / "assessment.yaml").read_text(encoding="utf-8"))
    assert first[0] == str(meta["評価書番号"]) and first[2] == meta["評価書名"]
    assert first[headers.index("次の見直しの期限")] == "令和7年1月4日（期限超過）"  # 改訂 令和6年1月4日 + 1 year
    assert first[headers.index("再実施の期限")] == ""  # no 公表日 in the example: counted from it once published
    # one row per document: the 基礎-only and 重点 + 基礎 folders read their own files (no assessment.yaml)
    col = {h: i for i, h in enumerate(headers)}
    by = {(r[col[pf.title_of("I-1-①")]], r[col["評価書の種類"]]): r for r in rows[2:]}
    kiso = by[("予防接種に関する事務", KISO)]
    assert kiso[0] == "12" and kiso[col[pf.title_of("表紙-公表日")]] == "令和6年6月1日" and kiso[col["再実施の期限"]] == "令和11年6月1日"
    juten, juten_kiso = by[("国民健康保険に関する事務", JUTEN)], by[("国民健康保険に関する事務", KISO)]
    assert juten[col[pf.title_of("I-7-①")]] == juten_kiso[col[pf.title_of("I-7-①")]] == "市民部保険年金課"
    assert juten[col["再実施の期限"]] == juten_kiso[col["再実施の期限"]] == "令和11年6月1日"  # both published 令和6年6月1日
    assert by[("住民基本台帳に関する事務", KISO)][col["次の見直しの期限"]] == "令和6年8月1日（期限超過）"
    html = (tmp_path / "keikaku-kanrisho.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in html and "住民基本台帳に関する事務" in html
    from pypdf import PdfReader

    text = PdfReader(tmp_path / "keikaku-kanrisho.pdf").pages[0].extract_text().replace("\n", "")
    assert "計画管理書" in text and "令和7年1月4日（期限超過）" in text and "本文へ移動" not in text


def test_yearly_report_lists_every_measure_with_a_status_column(tmp_path: Path, capsys):
    assert main(["report", str(EXAMPLE), "--out", str(tmp_path), "--as-of", "2025-06-01"]) == 0
    rows = _sheet(tmp_path / "teiki-hokoku.xlsx")
    headers, body = rows[1], rows[2:]
    status_col = headers.index("実施状況")
    asked = [r for r in body if r[status_col] == ""]
    # every row asks for the status, but those of a part the document marks not applicable (III-6 接続しない here)
    assert all(r[status_col].startswith("該当なし（") for r in body if r not in asked)
    # at least one row per item under III of each file and under IV (a selection adds rows for its details)
    root = sch.load()

    def leaves(node):
        return sum(leaves(s) if sch.kind(s) == "group" else 1 for _, s in sch.properties(node) if sch.kind(s) != "flag")
    n_files = len(list((EXAMPLE / "files").glob("*.yaml")))
    iii = leaves(root.node_at("file", pf.path_of("III", "file")))
    iv = leaves(root.node_at("assessment", pf.path_of("IV")))
    iii6 = leaves(root.node_at("file", pf.path_of("III-6", "file")))  # every file of the example ticks a 接続しない
    assert len(asked) >= n_files * (iii - iii6) + iv
    assert len({r[1] for r in body}) == n_files + 1  # every file, and IV (no file)
    enough = pf.title_of("III-2-リスク1-リスクへの対策は十分か")
    assert sum(1 for r in body if r[4] == enough and r[3].startswith("リスク1")) >= n_files
    sections = {r[2] for r in body}
    assert any(s.startswith(pf.title_of("III-2")) for s in sections)
    assert any(s.startswith(pf.title_of("IV")) for s in sections)
    juki = yaml.safe_load((EXAMPLE / "files" / "juki.yaml").read_text(encoding="utf-8"))
    measure = juki["特定個人情報ファイルの取扱いプロセスにおけるリスク対策"]["特定個人情報の入手"]["目的外の入手が行われるリスク"]["対象者以外の情報の入手を防止するための措置の内容"]
    assert any(r[5] == measure.strip() or r[5] == measure for r in body)
    html = (tmp_path / "teiki-hokoku.html").read_text(encoding="utf-8")
    assert html.count('class="text fill"') == 2 * len(asked)  # only the cells left blank are to fill in


def test_yearly_report_covers_juten_assessments(tmp_path: Path, capsys):
    """The 重点項目評価書's measures (III per file, III 共通) are listed; a 基礎-only 事務 has none to report."""
    assert main(["report", str(EXAMPLE.parent), "--out", str(tmp_path), "--as-of", "2025-06-01", "--format", "xlsx"]) == 0
    body = _sheet(tmp_path / "teiki-hokoku.xlsx")[2:]
    juten = [r for r in body if r[0] == "国民健康保険に関する事務"]
    data = yaml.safe_load((EXAMPLE.parent / "marumaru-juten" / "juten" / "kokuho.yaml").read_text(encoding="utf-8"))
    assert {r[1] for r in juten} == {"(1)" + data[pf.path_of("重点-II-1", "juten-file")[0]], ""}
    enough = pf.title_of("重点-III-2-リスク1-十分か", "juten-file")
    assert any(r[4] == enough for r in juten)
    assert any(r[1] == "" and r[2].startswith(pf.title_of("重点-III-共通", "juten")) for r in juten)
    assert not [r for r in body if r[0] == "予防接種に関する事務"]


def test_yearly_report_asks_nothing_of_a_part_marked_not_applicable(tmp_path: Path, capsys):
    """A section (or the risks under it) whose 「…しない」 the document ticks has no measures to report: one row names
    the flag as 該当なし instead of rows asking for the status of empty items. Sections are titled without flags."""
    assert main(["report", str(EXAMPLE.parent), "--out", str(tmp_path), "--as-of", "2025-06-01", "--format", "xlsx,html"]) == 0
    rows = _sheet(tmp_path / "teiki-hokoku.xlsx")
    headers, body = rows[1], rows[2:]
    col = {h: i for i, h in enumerate(headers)}
    jimu, section, item, text, status, todo = (col[h] for h in ("事務", "分類", "記載項目", "評価書の記載", "実施状況", "課題・今後の対応"))

    def part(name: str, code: str, schema: str, file: str = "") -> list[list[str]]:
        return [r for r in body if r[jimu] == name and r[section] == pf.title_of(code, schema) and (not file or r[1].endswith(file))]

    # marumaru-juten ticks 提供・移転しない (重点 III-5): one settled row, none asking
    flag = pf.title_of("重点-III-5-提供・移転しない", "juten-file")
    assert [[r[item], r[text], r[status], r[todo]] for r in part("国民健康保険に関する事務", "重点-III-5", "juten-file")] == \
        [[flag, "[○]", f"該当なし（{flag}）", "—"]]
    # its 委託 (not ticked) is still asked for, under the section's title alone (no 「[　] 委託しない」)
    entrusted = part("国民健康保険に関する事務", "重点-III-4", "juten-file")
    assert len(entrusted) >= 3 and all(r[status] == "" for r in entrusted)
    assert not [r for r in body if "[　]" in r[section] or "[○]" in r[section]]
    # the Setagaya files tick 接続しない（入手） (III-6 リスク1〜4); 本人確認情報ファイル also 接続しない（提供）
    label = {fid: yaml.safe_load((EXAMPLE / "files" / f"{fid}.yaml").read_text(encoding="utf-8"))[pf.path_of("II-1", "file")[0]]
             for fid in ("juki", "honnin-kakunin")}
    inward, outward = pf.title_of("III-6-接続しない（入手）", "file"), pf.title_of("III-6-接続しない（提供）", "file")
    juki = part("住民基本台帳に関する事務", "III-6", "file", label["juki"])
    assert [r[item] for r in juki if r[status]] == [inward]
    assert juki[0][status] == f"該当なし（{inward}）"
    # リスク5〜7 (提供) are still asked for; none of リスク1〜4, whatever the document left in them (risk 4's answer)
    assert {r[3].split(":")[0] for r in juki if not r[status]} == {"リスク5", "リスク6", "リスク7", ""}
    both = part("住民基本台帳に関する事務", "III-6", "file", label["honnin-kakunin"])
    assert [(r[item], r[status]) for r in both] == [(inward, f"該当なし（{inward}）"), (outward, f"該当なし（{outward}）")]
    html = (tmp_path / "teiki-hokoku.html").read_text(encoding="utf-8")
    assert html.count('class="text fill"') == 2 * sum(1 for r in body if not r[status])


def test_yearly_report_settles_a_whole_section_marked_not_applicable(tmp_path: Path, capsys):
    """III-4 of the 全項目 is left out whole when 委託しない is ticked (the section itself carries the flag)."""
    folder = tmp_path / "juki"
    shutil.copytree(EXAMPLE, folder)
    f = folder / "files" / "juki.yaml"
    flag = pf.title_of("III-4-委託しない", "file")
    text = f.read_text(encoding="utf-8")
    assert f"\n    {flag}: false\n" in text
    f.write_text(text.replace(f"\n    {flag}: false\n", f"\n    {flag}: ○\n"), encoding="utf-8")
    assert main(["report", str(folder), "--out", str(tmp_path / "out"), "--as-of", "2025-06-01", "--format", "xlsx"]) == 0
    body = _sheet(tmp_path / "out" / "teiki-hokoku.xlsx")[2:]
    rows = [r[1:] for r in body if r[1].startswith("(1)") and r[2] == pf.title_of("III-4", "file")]
    assert [r[3:] for r in rows] == [[flag, "[○]", f"該当なし（{flag}）", "—"]], rows


def test_reports_are_deterministic(tmp_path: Path, capsys):
    for d in ("a", "b"):
        assert main(["report", str(EXAMPLE), "--out", str(tmp_path / d), "--as-of", "2025-06-01", "--format", "xlsx,html"]) == 0
        assert main(["plan", str(EXAMPLE), "--out", str(tmp_path / d), "--as-of", "2025-06-01", "--format", "xlsx"]) == 0
    for name in ("teiki-hokoku.xlsx", "teiki-hokoku.html", "keikaku-kanrisho.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert main(["plan", str(EXAMPLE), "--out", str(tmp_path), "--format", "docx"]) == 2
