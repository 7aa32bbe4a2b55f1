"""計画管理書 (様式1) and the draft 定期的な報告 from the bundled example: read back from Excel, HTML and PDF."""
from __future__ import annotations

import io
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
    assert all(r[status_col] == "" for r in body)
    # at least one row per item under III of each file and under IV (a selection adds rows for its details)
    root = sch.load()

    def leaves(node):
        return sum(leaves(s) if sch.kind(s) == "group" else 1 for _, s in sch.properties(node) if sch.kind(s) != "flag")
    n_files = len(list((EXAMPLE / "files").glob("*.yaml")))
    iii = leaves(root.node_at("file", pf.path_of("III", "file")))
    iv = leaves(root.node_at("assessment", pf.path_of("IV")))
    assert len(body) >= n_files * iii + iv
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
    assert html.count('class="text fill"') == 2 * len(body)


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


def test_reports_are_deterministic(tmp_path: Path, capsys):
    for d in ("a", "b"):
        assert main(["report", str(EXAMPLE), "--out", str(tmp_path / d), "--as-of", "2025-06-01", "--format", "xlsx,html"]) == 0
        assert main(["plan", str(EXAMPLE), "--out", str(tmp_path / d), "--as-of", "2025-06-01", "--format", "xlsx"]) == 0
    for name in ("teiki-hokoku.xlsx", "teiki-hokoku.html", "keikaku-kanrisho.xlsx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert main(["plan", str(EXAMPLE), "--out", str(tmp_path), "--format", "docx"]) == 2
