"""Every document an 事務 needs, rendered: HTML, PDF (read back) and Excel for the 基礎 and the 重点, in form order."""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, declare_version, pia, small_example

KISO = ROOT / "assessments" / "marumaru-kiso"
JUTEN = ROOT / "assessments" / "marumaru-juten"


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def _pdf(path: Path) -> str:
    return _squash(subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout)


def _in_order(text: str, parts: list[str]) -> None:
    at = 0
    for p in parts:
        i = text.find(_squash(p), at)
        assert i >= 0, (p, text[at:at + 200])
        at = i + 1


@pytest.fixture(scope="module")
def family(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("family")
    for folder in (KISO, JUTEN):
        r = pia("render", folder, "--out", out, "--format", "html,pdf,xlsx")
        assert r.returncode == 0, r.stderr
    return out


def test_each_folder_renders_every_document_it_holds(family: Path, rendered):
    names = {p.name for p in family.iterdir() if not p.name.startswith(".")}  # .pia-output.json: what pia wrote
    assert names == {f"{stem}.{ext}" for stem in ("marumaru-kiso", "marumaru-juten", "marumaru-juten-kiso")
                     for ext in ("html", "pdf", "xlsx")}
    # the Setagaya example: its 全項目評価書 under the folder's name, its 基礎項目評価書 beside it
    assert {f"setagaya-juki-kiso.{ext}" for ext in ("html", "pdf", "xlsx")} <= {p.name for p in rendered["dir"].iterdir()}


def test_the_kiso_prints_its_sections_in_form_order_with_its_own_labels(family: Path):
    text = _pdf(family / "marumaru-kiso.pdf")
    _in_order(text, ["[平成30年5月 様式2]", "特定個人情報保護評価書（基礎項目評価書）", "評価書番号", "12", "公表日", "令和6年6月1日",
                     "Ⅰ 関連情報", "①事務の名称", "予防接種に関する事務", "③システムの名称", "健康管理システム",
                     "2. 特定個人情報ファイル名", "予防接種情報ファイル", "6. 他の評価実施機関", "9. 規則第9条第2項の適用",
                     "Ⅱ しきい値判断項目", "1. 対象人数", "[ 1万人以上10万人未満 ]", "＜選択肢＞ 1) 1,000人未満（任意実施）",
                     "いつ時点の計数か", "2. 取扱者数", "[ 500人未満 ]", "3. 重大事故", "[ 発生なし ]",
                     "Ⅲ しきい値判断結果", "[ 基礎項目評価の実施が義務付けられる ]",
                     "Ⅳ リスク対策", "1. 提出する特定個人情報保護評価書の種類", "[ 基礎項目評価書 ]",
                     "2)又は3)を選択した評価実施機関については、それぞれ重点項目評価書又は全項目評価書において、リスク対策の詳細が記載されている。",
                     "目的外の入手が行われるリスクへの対策は十分か", "＜選択肢＞ 1) 特に力を入れている 2) 十分である 3) 課題が残されている",
                     "9. 監査", "[○] 自己点検", "[○] 内部監査", "[ ] 外部監査", "10. 従業者に対する教育・啓発",
                     "11. 最も優先度が高いと考えられる対策", "変更箇所"])


def test_the_juten_prints_its_parts_per_file_and_its_companion_kiso_takes_the_facts(family: Path):
    text = _pdf(family / "marumaru-juten.pdf")
    _in_order(text, ["[平成30年5月 様式3]", "特定個人情報保護評価書（重点項目評価書）", "項目一覧",
                     "Ⅰ 基本情報", "③対象人数", "[ 10万人以上30万人未満 ]", "システム1", "国民健康保険システム", "システム2",
                     "Ⅱ 特定個人情報ファイルの概要", "(1)国民健康保険ファイル", "委託の有無 ※", "[ 委託する ]", "委託事項1",
                     "③委託先名", "株式会社〇〇情報サービス", "(別添1) 特定個人情報ファイル記録項目", "【識別情報】",
                     "Ⅲ リスク対策", "リスク1: 目的外の入手が行われるリスク", "リスクに対する措置の内容", "リスクへの対策は十分か",
                     "[○] 提供・移転しない", "8. 監査", "Ⅳ 開示請求、問合せ", "Ⅴ 評価実施手続",
                     "[ 基礎項目評価及び重点項目評価の実施が義務付けられる ]", "(別添2) 変更箇所"])
    kiso = _pdf(family / "marumaru-juten-kiso.pdf")
    # written once in juten.yaml / systems.yaml / juten/, printed in the 基礎 too
    _in_order(kiso, ["[平成30年5月 様式2]", "国民健康保険に関する事務 基礎項目評価書", "①事務の名称", "国民健康保険に関する事務",
                     "国民健康保険システム、中間サーバー", "国民健康保険ファイル", "市民部保険年金課",
                     "[ 10万人以上30万人未満 ]", "令和6年4月1日時点", "[ 500人未満 ]", "[ 発生なし ]",
                     "[ 基礎項目評価及び重点項目評価の実施が義務付けられる ]", "[ 基礎項目評価書及び重点項目評価書 ]"])


def test_the_setagaya_kiso_prints_the_facts_of_its_zenkoumoku(rendered):
    kiso = _pdf(rendered["dir"] / "setagaya-juki-kiso.pdf")
    _in_order(kiso, ["特定個人情報保護評価書（基礎項目評価書）", "東京都世田谷区長", "住民基本台帳に関する事務",
                     "住民記録システム(既存住民基本台帳システム)", "住民基本台帳ファイル", "本人確認情報ファイル", "送付先情報ファイル",
                     "住民記録・戸籍課", "[ 30万人以上 ]", "[ 発生なし ]", "[ 基礎項目評価及び全項目評価の実施が義務付けられる ]",
                     "[ 基礎項目評価書及び全項目評価書 ]"])
    assert _squash("[平成30年5月 様式4]") in _pdf(rendered["pdf"])


def test_each_excel_holds_its_form_in_sheets(family: Path):
    wb = openpyxl.load_workbook(family / "marumaru-kiso.xlsx")
    cover = "\n".join(str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value is not None)
    assert "[平成30年5月 様式2]" in cover and "予防接種に関する事務 基礎項目評価書" in cover
    texts = {ws.title: "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None) for ws in wb.worksheets}
    assert any("Ⅳ リスク対策" in t and "1. 提出する特定個人情報保護評価書の種類" in t for t in texts.values())
    wb = openpyxl.load_workbook(family / "marumaru-juten.xlsx")
    joined = "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)
    _in_order(_squash(joined), ["Ⅰ 基本情報", "Ⅱ 特定個人情報ファイルの概要", "(別添1) 特定個人情報ファイル記録項目", "Ⅲ リスク対策",
                                "Ⅳ 開示請求、問合せ", "Ⅴ 評価実施手続"])


def test_an_older_version_renders_with_that_versions_labels_and_tag(tmp_path: Path):
    old = declare_version(small_example(tmp_path / "old"))
    r = pia("render", old, "--out", tmp_path / "out", "--format", "html")
    assert r.returncode == 0, r.stderr
    html = (tmp_path / "out" / "old.html").read_text(encoding="utf-8")
    assert "[平成26年4月 様式4]" in html
    assert "特定個人情報保護委員会 承認日【行政機関等のみ】" in html and "4. 特定個人情報保護委員会の承認【行政機関等のみ】" in html
    assert "4. 個人情報保護委員会の承認" not in html
    now = (tmp_path / "out" / "old-kiso.html").read_text(encoding="utf-8")
    assert "[平成30年5月 様式2]" in now  # each document declares its own version


_WORD = re.compile(r'<page width="([\d.]+)"|<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)"')


def _outside_margins(pdf: Path, margin_mm: float = 13) -> list[tuple[int, float]]:
    """(page, xMax) of every word printed beyond the left or right page margin (a cell that overflowed)."""
    out, page, width = [], 0, 0.0
    edge = margin_mm / 25.4 * 72 - 1  # points, with 1 pt of tolerance
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for m in _WORD.finditer(bbox):
        if m.group(1):
            page, width = page + 1, float(m.group(1))
        elif float(m.group(2)) < edge or float(m.group(3)) > width - edge:
            out.append((page, float(m.group(3))))
    return out


def test_no_text_leaves_the_page_margins(family: Path, rendered):
    # a long option (the 基礎's IV 11, 5)) wraps inside its cell instead of running off the page
    for pdf in sorted(family.glob("*.pdf")) + sorted(rendered["dir"].glob("*.pdf")):
        assert _outside_margins(pdf) == [], pdf.name


def test_a_document_without_its_title_is_named_by_its_jimu_and_form(rendered):
    # the Setagaya 基礎's 評価書名 is not known (no original): its HTML and PDF title say which document it is
    html = (rendered["dir"] / "setagaya-juki-kiso.html").read_text(encoding="utf-8")
    assert "<title>住民基本台帳に関する事務 基礎項目評価書</title>" in html
    info = subprocess.run(["pdfinfo", str(rendered["dir"] / "setagaya-juki-kiso.pdf")], capture_output=True, text=True).stdout
    assert "住民基本台帳に関する事務 基礎項目評価書" in info


def test_a_document_without_title_or_jimu_is_named_by_its_folder(tmp_path: Path):
    folder = tmp_path / "yobou"
    shutil.copytree(KISO, folder)
    k = folder / "kiso.yaml"
    text = k.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(\s*)(評価書名|事務の名称): .*$", r"\1\2:", text)
    k.write_text(text, encoding="utf-8")
    r = pia("render", folder, "--out", tmp_path / "out", "--format", "html")
    assert r.returncode == 0, r.stderr
    assert "<title>yobou 基礎項目評価書</title>" in (tmp_path / "out" / "yobou.html").read_text(encoding="utf-8")


def test_options_print_as_unwrapped_text_only_when_they_surely_fit_a_value_cell(tmp_path: Path):
    # an option printed as text that does not wrap (class "line": cheaper for WeasyPrint than an inline block) must
    # never run out of its cell: the widest text the rule admits, in the fonts the PDF uses, stays on the page
    import weasyprint

    from pia.base.resources import templates_dir
    from pia.document.formatting import ONE_LINE_CHARS, _span
    from pia.output.fetch import refuse_fetch

    n = ONE_LINE_CHARS
    widest = ["W" * n, "M" * n, "漢" * n, "[○] " + "Ｗ" * (n - 4), "＠" * n]
    assert all('class="box line"' in _span("box", t) for t in widest)
    longer = ["W" * (n + 1), "漢" * (n + 1), "[○] その他（" + "個人番号カード管理システム、" * 3 + "）"]
    assert all('class="box"' in _span("box", t) for t in longer)
    cells = "".join(f'<tr><th class="label">項目</th><td><div class="multi">{_span("box", t)}\n</div></td></tr>'
                    for t in widest + longer)
    css = (templates_dir() / "style.css").read_text(encoding="utf-8")
    html = (f'<html lang="ja"><head><style>{css}</style></head><body><table><colgroup><col class="c-label">'
            f'<col class="c-value"></colgroup><tbody>{cells}</tbody></table></body></html>')
    pdf = tmp_path / "cells.pdf"
    weasyprint.HTML(string=html, url_fetcher=refuse_fetch).write_pdf(pdf)
    assert _outside_margins(pdf) == []
