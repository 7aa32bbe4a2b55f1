"""Form versions: `pia diff` labels each side in its own version; versions choose the layout too (headings, rows
absent from an old form); `pia migrate` lists the layout differences."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, declare_version, pia

REVIEW = "    個人情報保護委員会による審査:\n"


def _example_pair(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(EXAMPLE, old)
    shutil.copytree(EXAMPLE, new)
    a = declare_version(old) / "assessment.yaml"
    a.write_text(a.read_text(encoding="utf-8").replace(REVIEW, REVIEW.rstrip("\n") + " 審査中\n", 1), encoding="utf-8")
    b = new / "assessment.yaml"
    b.write_text(b.read_text(encoding="utf-8").replace(REVIEW, REVIEW.rstrip("\n") + " 審査済み\n", 1), encoding="utf-8")
    return old, new


def test_diff_labels_each_side_in_its_own_version(tmp_path: Path):
    old, new = _example_pair(tmp_path)
    r = pia("diff", old, new, "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    hit = [x for x in rows if x["after"] == "審査済み"]
    assert len(hit) == 1, rows
    assert hit[0]["label"].endswith("4. 個人情報保護委員会の承認【行政機関等のみ】 ②個人情報保護委員会による審査")
    assert hit[0]["old_label"].endswith("4. 特定個人情報保護委員会の承認【行政機関等のみ】 ②特定個人情報保護委員会による審査")
    text = pia("diff", old, new).stdout
    header, _, row = text.splitlines()[:3]
    assert "| 項目（変更前の版） |" in header and "特定個人情報保護委員会の承認" in row
    # the same version on both sides: one label
    same = pia("diff", new, new, "--format", "json")
    assert json.loads(same.stdout) == []


# ---- versions choose the layout --------------------------------------------------------------------------

from conftest import ROOT  # noqa: E402

KISO = ROOT / "assessments" / "marumaru-kiso"
JUTEN = ROOT / "assessments" / "marumaru-juten"


def _render(folder: Path, out: Path, fmt: str = "html") -> None:
    r = pia("render", folder, "--out", out, "--format", fmt)
    assert r.returncode == 0, r.stderr


def test_old_kiso_is_printed_without_the_rows_its_version_lacks(tmp_path: Path):
    from pia.form import kinds
    from pia.form.items import item

    lacking = sorted(kinds.absent_codes("平成29年5月"))
    assert lacking, "the versions table names items the 平成29年5月 form lacks"
    titles = [item(c).title for c in lacking]
    old = tmp_path / "old"
    shutil.copytree(KISO, old)
    k = old / "kiso.yaml"
    k.write_text(k.read_text(encoding="utf-8").replace("様式: 平成30年5月 様式2", "様式: 平成29年5月 様式2"), encoding="utf-8")
    _render(KISO, tmp_path / "cur", "html,xlsx")
    _render(old, tmp_path / "out", "html,xlsx")
    current = (tmp_path / "cur" / "marumaru-kiso.html").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "old.html").read_text(encoding="utf-8")
    assert all(t in current for t in titles)
    assert not any(t in html for t in titles) and "[平成29年5月 様式2]" in html
    import openpyxl

    cells = " ".join(str(c.value) for ws in openpyxl.load_workbook(tmp_path / "out" / "old.xlsx").worksheets
                     for row in ws.iter_rows() for c in row if c.value)
    assert not any(t in cells for t in titles) and "[平成29年5月 様式2]" in cells


def _patched_table(monkeypatch) -> None:
    """A version whose 重点 numbers its annexes as the 全項目 does (the mechanism; no such fact is known)."""
    import copy

    from pia.form import kinds

    table = copy.deepcopy(kinds.table())
    entry = next(v for v in table["versions"] if v["tag"] == "平成28年1月")
    entry["layout"] = {"focused": {"parts": {"B1": {"title": "(別添2) 特定個人情報ファイル記録項目"}, "B2": {"title": "(別添3) 変更箇所"}},
                               "omit": ["III-common"]}}
    monkeypatch.setattr(kinds, "table", lambda: table)


def test_a_version_changes_headings_and_parts(tmp_path: Path, monkeypatch):
    import openpyxl

    from pia.form.items import item

    _patched_table(monkeypatch)
    folder = tmp_path / "kokuho"
    shutil.copytree(JUTEN, folder)
    j = folder / "juten.yaml"
    j.write_text(j.read_text(encoding="utf-8").replace("様式: 平成30年5月 様式3", "様式: 平成28年1月 様式3"), encoding="utf-8")
    _render(folder, tmp_path / "out", "html,xlsx")
    html = (tmp_path / "out" / "kokuho.html").read_text(encoding="utf-8")
    toc = html[html.index('class="toc"'):html.index("</nav>")]
    assert "(別添2) 特定個人情報ファイル記録項目" in toc and "(別添3) 変更箇所" in toc
    assert "<h2>(別添3) 変更箇所</h2>" in html and "(別添1) 特定個人情報ファイル記録項目" not in html
    assert "8. 監査" not in html  # the omitted part (Ⅲ 8〜10, the measures of the whole 事務)
    sheets = openpyxl.load_workbook(tmp_path / "out" / "kokuho.xlsx").sheetnames
    assert "別添3" in sheets and "別添2(1)国民健康保険ファイル" in sheets and not any(s.startswith("別添1") for s in sheets)

    code = pia("migrate", folder, "--out", tmp_path / "new")
    assert code.returncode == 0, code.stderr
    assert "見出しの変更: 「(別添3) 変更箇所」→「(別添2) 変更箇所」" in code.stdout
    assert f"部分の追加: 「{item('重点-III-共通').title}」（平成28年1月の様式にはない部分です）" in code.stdout


# ---- the 重点 and the 基礎 as published documents show them, per version ----------------------------------

def _as_version(src: Path, folder: Path, tag: str) -> Path:
    """A copy of an example with every document declared in the form version `tag` (平成26年4月 …)."""
    shutil.copytree(src, folder)
    for p in folder.glob("*.yaml"):
        text = p.read_text(encoding="utf-8")
        p.write_text(re.sub(r"^様式: \S+ (様式\d)$", rf"様式: {tag} \1", text, count=1, flags=re.M), encoding="utf-8")
    return folder


def _toc(html: str) -> list[str]:
    nav = html[html.index('class="toc"'):html.index("</nav>")]
    return re.findall(r'<li class="lv1"><a href="#[^"]+">([^<]+)</a>', nav)


def _numbers(html: str, heading: str) -> list[int]:
    """The numbers of the first-level items of a part (1. …, 2. …) in print order."""
    part = html[html.index(f"<h2>{heading}"):]
    part = part[:part.index("</section>")]
    return [int(n) for n in re.findall(r'class="(?:label )?d0"[^>]*>(\d+)\. ', part)]


@pytest.mark.parametrize("tag", ["平成26年4月", "平成30年5月"])
def test_the_juten_lists_seven_parts_with_the_whole_jimus_measures_inside_iii(tmp_path: Path, tag: str):
    folder = _as_version(JUTEN, tmp_path / "kokuho", tag)
    _render(folder, tmp_path / "out")
    html = (tmp_path / "out" / "kokuho.html").read_text(encoding="utf-8")
    assert _toc(html) == ["Ⅰ 基本情報", "Ⅱ 特定個人情報ファイルの概要", "(別添1) 特定個人情報ファイル記録項目", "Ⅲ リスク対策",
                          "Ⅳ 開示請求、問合せ", "Ⅴ 評価実施手続", "(別添2) 変更箇所"]
    assert "事務全体" not in html
    # 8. 監査 … follow 7. of Ⅲ: no heading of their own between them
    risks = html[html.index('<section id="sec-III-1"'):html.index('<section id="sec-IV"')]
    assert risks.count("<h2") == 1 and risks.index("7. 特定個人情報の保管・消去") < risks.index("8. 監査") < risks.index("10. その他のリスク対策")
    assert _numbers(html, "Ⅲ リスク対策")[-3:] == [8, 9, 10]


def test_the_older_juten_and_kiso_carry_the_labels_of_their_version(tmp_path: Path):
    old, cur = _as_version(JUTEN, tmp_path / "old", "平成26年4月"), tmp_path / "cur"
    shutil.copytree(JUTEN, cur)
    _render(old, tmp_path / "o")
    _render(cur, tmp_path / "c")
    o, c = ((tmp_path / d / f"{n}.html").read_text(encoding="utf-8") for d, n in (("o", "old"), ("c", "cur")))
    assert ">②事務の内容" in o and ">②事務の概要" not in o and ">②事務の概要" in c
    ok, ck = ((tmp_path / d / f"{n}-kiso.html").read_text(encoding="utf-8") for d, n in (("o", "old"), ("c", "cur")))
    assert ">②所属長<" in ok and ">②所属長の役職名<" not in ok and ">②所属長の役職名<" in ck
    kiso = _as_version(KISO, tmp_path / "kiso", "平成26年4月")
    _render(kiso, tmp_path / "k")
    k = (tmp_path / "k" / "kiso.html").read_text(encoding="utf-8")
    assert "規則第9条第2項" not in k and "[平成26年4月 様式2]" in k


@pytest.mark.parametrize("tag", ["平成26年4月", "平成28年1月", "平成29年5月", "平成30年5月"])
def test_the_kiso_numbers_iv_without_a_gap_in_every_version(tmp_path: Path, tag: str):
    from pia.form import kinds

    folder = _as_version(KISO, tmp_path / "kiso", tag)
    _render(folder, tmp_path / "out")
    html = (tmp_path / "out" / "kiso.html").read_text(encoding="utf-8")
    numbers = _numbers(html, "Ⅳ リスク対策")
    expected = 11 - len({"基礎-IV-8", "基礎-IV-11"} & kinds.absent_codes(tag))
    assert numbers == list(range(1, expected + 1)), numbers


def test_the_kiso_prints_the_question_of_each_threshold_item_above_its_options(tmp_path: Path):
    _render(KISO, tmp_path / "out", "html,xlsx")
    html = (tmp_path / "out" / "marumaru-kiso.html").read_text(encoding="utf-8")
    for question, chosen in (("評価対象の事務の対象人数は何人か", "[ 1万人以上10万人未満 ]"),
                             ("特定個人情報ファイル取扱者数は500人以上か", "[ 500人未満 ]"),
                             ("過去1年以内に、評価実施機関において特定個人情報に関する重大事故が発生したか", "[ 発生なし ]")):
        assert f'<div class="choice"><div class="question">{question}</div><span class="chosen">{chosen}</span>' in html
    import openpyxl

    cells = [str(c.value) for ws in openpyxl.load_workbook(tmp_path / "out" / "marumaru-kiso.xlsx").worksheets
             for row in ws.iter_rows() for c in row if c.value]
    assert any(c.startswith("1. 対象人数\n評価対象の事務の対象人数は何人か\n＜選択肢＞") for c in cells), cells
