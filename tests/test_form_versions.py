"""Form versions: `pia diff` labels each side in its own version; versions choose the layout too (headings, rows
absent from an old form); `pia migrate` lists the layout differences."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

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
    assert item("重点-III-共通").title not in html  # the omitted part
    sheets = openpyxl.load_workbook(tmp_path / "out" / "kokuho.xlsx").sheetnames
    assert "別添3" in sheets and "別添2(1)国民健康保険ファイル" in sheets and not any(s.startswith("別添1") for s in sheets)

    code = pia("migrate", folder, "--out", tmp_path / "new")
    assert code.returncode == 0, code.stderr
    assert "見出しの変更: 「(別添3) 変更箇所」→「(別添2) 変更箇所」" in code.stdout
    assert f"部分の追加: 「{item('重点-III-共通').title}」（平成28年1月の様式にはない部分です）" in code.stdout
