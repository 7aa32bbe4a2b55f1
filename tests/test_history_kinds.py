"""Each document's own 変更箇所 from the git history, and `pia ci` / `pia diff` / `pia history`, for the 基礎 and the
重点 as for the 全項目 (temporary git repositories of the real examples)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import openpyxl

from conftest import EXAMPLE, ROOT, commit, git, pia
from conftest import OUTLINE, add_revision, repo_with, replace_once as edit

KISO = ROOT / "assessments" / "marumaru-kiso"
JUTEN = ROOT / "assessments" / "marumaru-juten"
def history_json(folder: Path) -> list[dict]:
    r = pia("history", folder, "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def revised(tmp_path: Path, example: Path, name: str, file: str, old: str, new: str, base: str) -> tuple[Path, Path]:
    """The example in git with a baseline 改訂 of `base`, then a commit replacing old by new in `file` with its 改訂 of
    令和7年4月1日."""
    repo, folder = repo_with(tmp_path, example, name)
    add_revision(folder / file, base)
    commit(repo, "baseline")
    edit(folder / file, old, new)
    add_revision(folder / file, "令和7年4月1日")
    commit(repo)
    return repo, folder


def juten_outline_changed(tmp_path: Path) -> tuple[Path, Path]:
    """②事務の概要 changed (※ in the 重点: 事前)."""
    return revised(tmp_path, JUTEN, "kokuho", "juten.yaml", OUTLINE, OUTLINE + "令和7年度から口座振替の申込みを電子で受け付ける。",
                   "令和6年6月1日")


def test_juten_change_gives_rows_in_both_documents(tmp_path: Path):
    # ②事務の概要 carries ※ in the 重点 and is printed by the 基礎 (I 1. ②事務の概要), which has no ※
    repo, folder = juten_outline_changed(tmp_path)

    rows = history_json(folder)
    juten = [r for r in rows if r["評価書"] == "重点項目評価書"]
    kiso = [r for r in rows if r["評価書"] == "基礎項目評価書"]
    assert [(r["変更日"], r["提出時期"]) for r in juten] == [("令和7年4月1日", "事前")]
    assert juten[0]["項目"].startswith("Ⅰ 基本情報") and "②事務の概要 ※" in juten[0]["項目"]
    assert [(r["変更日"], r["提出時期"]) for r in kiso] == [("令和7年4月1日", "事後")]
    assert kiso[0]["項目"].startswith("Ⅰ 関連情報") and "②事務の概要" in kiso[0]["項目"] and "※" not in kiso[0]["項目"]
    assert "電子で受け付ける" in kiso[0]["変更後の記載"]

    # each document prints its own rows: HTML, Excel and PDF
    out = tmp_path / "out"
    r = pia("render", folder, "--out", out, "--format", "html,xlsx,pdf")
    assert r.returncode == 0, r.stderr
    html = (out / "kokuho.html").read_text(encoding="utf-8")
    changes = html[html.index('id="sec-B2"'):]
    assert "令和7年4月1日" in changes and "②事務の概要" in changes and "事前" in changes
    basic = (out / "kokuho-kiso.html").read_text(encoding="utf-8")
    assert "電子で受け付ける" in basic[basic.index('id="sec-changes"'):]
    wb = openpyxl.load_workbook(out / "kokuho.xlsx")
    cells = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value]
    assert any("令和7年4月1日" == c for c in cells) and any("電子で受け付ける" in c for c in cells)
    pdf = _squash(subprocess.run(["pdftotext", "-raw", str(out / "kokuho-kiso.pdf"), "-"], capture_output=True, text=True,
                                 check=True).stdout)
    assert _squash("令和7年4月1日") in pdf and _squash("電子で受け付ける") in pdf


def test_kiso_only_folder_derives_its_rows(tmp_path: Path):
    repo, folder = revised(tmp_path, KISO, "yobo", "kiso.yaml", "部署: 健康福祉部健康づくり課", "部署: 健康福祉部予防接種課",
                           "令和6年4月1日")
    rows = history_json(folder)
    assert [(r["評価書"], r["変更日"], r["変更前の記載"], r["変更後の記載"], r["提出時期"]) for r in rows] == [
        ("基礎項目評価書", "令和7年4月1日", "健康福祉部健康づくり課", "健康福祉部予防接種課", "事後")]
    out = tmp_path / "out"
    assert pia("render", folder, "--out", out, "--format", "html").returncode == 0
    html = (out / "yobo.html").read_text(encoding="utf-8")
    assert "健康福祉部予防接種課" in html[html.index('id="sec-changes"'):]


def test_text_history_names_each_document(tmp_path: Path):
    repo, folder = revised(tmp_path, JUTEN, "kokuho", "juten.yaml", "部署: 市民部保険年金課", "部署: 市民部国保年金課",
                           "令和6年6月1日")
    r = pia("history", folder)
    assert r.returncode == 0, r.stderr
    assert r.stdout.index("重点項目評価書の変更箇所:") < r.stdout.index("基礎項目評価書の変更箇所:")
    assert r.stdout.count("市民部国保年金課") == 2


def test_first_revision_of_the_shipped_example_gives_rows_in_history_render_ci_and_diff(tmp_path: Path):
    # the 重点 example committed as shipped (a 公表日, no 改訂 yet: the first publication is the first edition), then
    # its first 改訂: a ※ item, a fact the 基礎 prints too, and a fact only the 基礎 prints
    repo, folder = repo_with(tmp_path, JUTEN, "kokuho")
    assert "\n改訂:" not in (folder / "juten.yaml").read_text(encoding="utf-8")
    commit(repo, "as shipped")
    edit(folder / "juten.yaml", OUTLINE, OUTLINE + "電子申請を加える。")
    edit(folder / "juten.yaml", "部署: 市民部保険年金課", "部署: 市民部国保年金課")
    edit(folder / "juten.yaml", "取扱者数の計数時点: 令和6年4月1日時点", "取扱者数の計数時点: 令和7年4月1日時点")
    add_revision(folder / "juten.yaml", "令和7年4月1日")
    commit(repo, "first revision")

    rows = history_json(folder)
    juten = [(r["変更日"], r["提出時期"], r["変更後の記載"]) for r in rows if r["評価書"] == "重点項目評価書"]
    kiso = [(r["変更日"], r["提出時期"], r["変更後の記載"]) for r in rows if r["評価書"] == "基礎項目評価書"]
    assert [(d, t) for d, t, _ in juten] == [("令和7年4月1日", "事前")] * 2
    assert [(d, t) for d, t, _ in kiso] == [("令和7年4月1日", "事後")] * 3
    assert any("電子申請を加える" in v for *_, v in juten) and ("令和7年4月1日", "事後", "令和7年4月1日時点") in kiso

    out = tmp_path / "out"
    r = pia("render", folder, "--out", out, "--format", "html")
    assert r.returncode == 0, r.stderr
    html = (out / "kokuho.html").read_text(encoding="utf-8")
    changes = html[html.index('id="sec-B2"'):]
    assert "電子申請を加える" in changes and "市民部国保年金課" in changes and "令和7年4月1日" in changes
    basic = (out / "kokuho-kiso.html").read_text(encoding="utf-8")
    assert "令和7年4月1日時点" in basic[basic.index('id="sec-changes"'):]

    summary = tmp_path / "summary.md"
    r = pia("ci", "--base", "HEAD~1", "--head", "HEAD", "--summary", summary, cwd=repo)
    s = summary.read_text(encoding="utf-8")
    assert "重点項目評価書（2 件、事前・再評価）" in s and "基礎項目評価書（3 件、事後）" in s, s

    # pia diff: each document that prints a row, with its own 提出時期 (as history gives them)
    r = pia("diff", "HEAD~1:assessments/kokuho", "HEAD:assessments/kokuho", "--format", "json", cwd=repo)
    assert r.returncode == 0, r.stderr
    outline = next(d for d in json.loads(r.stdout) if d["code"] == "重点-I-1-②")
    assert outline["timings"] == {"重点項目評価書": "事前", "基礎項目評価書": "事後"}
    text = pia("diff", "HEAD~1:assessments/kokuho", "HEAD:assessments/kokuho", cwd=repo).stdout
    assert "重点項目評価書（事前）・基礎項目評価書（事後）" in text


# ---- pia ci ---------------------------------------------------------------------------------------------

def ci(repo: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    commit(repo)
    summary = repo.parent / "summary.md"
    r = pia("ci", "--base", "HEAD~1", "--head", "HEAD", "--summary", summary, cwd=repo)
    return r, summary.read_text(encoding="utf-8")


def test_ci_juten_change_without_its_revision_date(tmp_path: Path):
    repo, folder = repo_with(tmp_path, JUTEN, "kokuho")
    add_revision(folder / "juten.yaml", "令和6年6月1日")
    commit(repo, "baseline")
    edit(folder / "juten.yaml", "部署: 市民部保険年金課", "部署: 市民部国保年金課")
    r, s = ci(repo)
    assert r.returncode == 1
    assert "重点項目評価書の記載が変わっていますが、その改訂の記録に新しい変更日がありません" in s
    assert "juten.yaml" in r.stdout and "PIA601" in r.stdout and "kiso.yaml" not in r.stdout
    # the 担当部署 is written once and printed by both documents
    assert "変わる評価書: 重点項目評価書（1 件、事後）、基礎項目評価書（1 件、事後）" in s


def test_ci_juten_important_change_needs_its_reassessment(tmp_path: Path):
    repo, folder = repo_with(tmp_path, JUTEN, "kokuho")
    add_revision(folder / "juten.yaml", "令和6年6月1日")
    commit(repo, "baseline")
    edit(folder / "juten.yaml", OUTLINE, OUTLINE + "電子申請を加える。")
    add_revision(folder / "juten.yaml", "令和7年4月1日")
    r, s = ci(repo)
    assert r.returncode == 1 and "PIA602" in r.stdout
    assert "重点項目評価書に重要な変更を含みますが" in s
    assert "重点項目評価書（1 件、事前・再評価）" in s and "基礎項目評価書（1 件、事後）" in s
    assert "重点項目評価書: 重点項目評価の再実施" in s and "全項目評価の再実施" not in s

    edit(folder / "juten.yaml", "  - 変更日: 令和7年4月1日\n    説明: 改訂\n",
         "  - 変更日: 令和7年4月1日\n    説明: 改訂\n    再評価:\n      状況: 予定\n      日付: 令和7年3月1日\n")
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    r, s = ci(repo)
    assert r.returncode == 0, r.stdout


def test_ci_kiso_change_in_a_full_folder_names_the_kiso(tmp_path: Path):
    repo, folder = repo_with(tmp_path, EXAMPLE, "juki")
    commit(repo, "baseline")
    edit(folder / "kiso.yaml", "特記事項: ", "特記事項: 住基ネットの接続を見直した。")
    r, s = ci(repo)
    assert r.returncode == 1
    assert "基礎項目評価書の記載が変わっていますが" in s and "全項目評価書の記載が" not in s
    assert any("kiso.yaml" in line and "PIA601" in line for line in r.stdout.splitlines())
    assert "変わる評価書: 基礎項目評価書（1 件、事後）" in s

    add_revision(folder / "kiso.yaml", "令和7年4月1日")
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    r, s = ci(repo)
    assert r.returncode == 0, r.stdout + s


def test_history_asks_the_juten_to_publish_its_reassessment(tmp_path: Path):
    # a 重要な変更 (事前) in the 重点: until it is published anew, its 公表日 is named as still to do (PIA631); published
    # anew, nothing more is asked (the 重点's 意見聴取 and 第三者点検 are optional)
    repo, folder = juten_outline_changed(tmp_path)
    r = pia("history", folder)
    assert "[PIA631]" in r.stderr and "juten.yaml" in r.stderr and "公表日" in r.stderr, r.stderr
    assert "上のエラーを直すと" not in r.stderr  # a check's hint, not the history's
    edit(folder / "juten.yaml", "公表日: 令和6年6月1日", "公表日: 令和7年3月1日")
    commit(repo)
    r = pia("history", folder)
    assert "PIA631" not in r.stderr and "PIA630" not in r.stderr, r.stderr


def test_diff_lists_what_only_the_kiso_prints_from_the_full_form(tmp_path: Path):
    # the 全項目評価書 keeps its しきい値判断の入力 unprinted; the 基礎 prints them (II 2. 取扱者数, 3. 重大事故), so a change
    # to them is a row of the 基礎's 変更箇所 only, in pia diff as in pia ci
    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(EXAMPLE, old)
    shutil.copytree(EXAMPLE, new)
    edit(new / "assessment.yaml", "  特定個人情報に関する重大事故: 発生なし", "  特定個人情報に関する重大事故: 発生あり")
    edit(new / "kiso.yaml", "評価書番号:  #", "評価書番号: 5  #")
    r = pia("diff", old, new, "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = [(d["label"], d["before"], d["after"], d["documents"]) for d in json.loads(r.stdout)]
    assert rows == [("評価書番号", "", "5", ["基礎項目評価書"]),
                    ("Ⅱ しきい値判断項目 3. 重大事故", "発生なし", "発生あり", ["基礎項目評価書"])], rows


def test_ci_threshold_input_is_recorded_by_the_document_that_holds_it(tmp_path: Path):
    # 取扱者数の計数時点 is written in juten.yaml and printed by the 基礎 alone: the 基礎's row, the 重点's 改訂
    repo, folder = repo_with(tmp_path, JUTEN, "kokuho")
    add_revision(folder / "juten.yaml", "令和6年6月1日")
    commit(repo, "baseline")
    edit(folder / "juten.yaml", "取扱者数の計数時点: 令和6年4月1日時点", "取扱者数の計数時点: 令和6年5月1日時点")
    r, s = ci(repo)
    assert r.returncode == 1
    assert [line for line in r.stdout.splitlines() if "PIA601" in line and "kiso.yaml" in line] == []
    assert any("juten.yaml" in line and "PIA601" in line for line in r.stdout.splitlines()), r.stdout
    assert "変わる評価書: 基礎項目評価書（1 件、事後）" in s and "令和6年5月1日時点" in s

    add_revision(folder / "juten.yaml", "令和7年4月1日")
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    r, s = ci(repo)
    assert "PIA601" not in r.stdout, r.stdout


def test_ci_points_pia601_at_the_latest_revision_entry(tmp_path: Path):
    repo, folder = repo_with(tmp_path, JUTEN, "kokuho")
    add_revision(folder / "juten.yaml", "令和6年6月1日")
    add_revision(folder / "juten.yaml", "令和7年4月1日")
    commit(repo, "baseline")
    edit(folder / "juten.yaml", "部署: 市民部保険年金課", "部署: 市民部国保年金課")
    r, _ = ci(repo)
    hit = next(line for line in r.stdout.splitlines() if "PIA601" in line and "juten.yaml" in line)
    line = int(re.search(r"juten\.yaml:(\d+):", hit).group(1))
    assert "令和7年4月1日" in (folder / "juten.yaml").read_text(encoding="utf-8").splitlines()[line - 1], hit


def test_ci_finishing_a_revision_in_preparation_needs_no_new_revision_date(tmp_path: Path):
    # a 事前 revision: recorded with its 再評価 予定, then re-assessed and published (公表日) before its 変更日; the later
    # commits belong to it, as pia history files them, so PIA601 (a change without a new 変更日) does not apply
    repo, folder = repo_with(tmp_path, JUTEN, "kokuho")
    commit(repo, "baseline")
    add_revision(folder / "juten.yaml", "令和8年2月1日", "    再評価:\n      状況: 予定\n      日付: 令和8年1月15日\n")
    edit(folder / "juten" / "kokuho.yaml", "    保管場所: 入退室管理を行うサーバー室", "    保管場所: ガバメントクラウド上のサーバー及び入退室管理を行うサーバー室")
    r, _ = ci(repo)
    assert "PIA601" not in r.stdout and "PIA602" not in r.stdout, r.stdout
    edit(folder / "juten.yaml", "公表日: 令和6年6月1日", "公表日: 令和8年1月20日")
    edit(folder / "juten.yaml", "      状況: 予定", "      状況: 実施済み")
    r, s = ci(repo)
    assert "PIA601" not in r.stdout, r.stdout
    assert "令和8年2月1日の改訂（準備中）の一部です" in s
    # once the revision is done (re-assessed, its 変更日 passed), a further change needs a revision of its own
    edit(folder / "juten.yaml", "部署: 市民部保険年金課", "部署: 市民部国保年金課")
    r, _ = ci(repo)
    assert "PIA601" in r.stdout


def test_a_juten_whose_threshold_now_requires_the_full_form_is_told_so(tmp_path: Path):
    # 10万人以上30万人未満 and a 重大事故: the 全項目評価 is required, which the 重点's own result options cannot say;
    # ci names it, dates the 基礎's row by the 重点's 改訂, and status asks for the missing 全項目評価書
    repo, folder = repo_with(tmp_path, JUTEN, "kokuho")
    commit(repo, "baseline")
    edit(folder / "juten.yaml", "  特定個人情報に関する重大事故: 発生なし", "  特定個人情報に関する重大事故: 発生あり")
    add_revision(folder / "juten.yaml", "令和8年10月1日")
    r, s = ci(repo)
    assert "（必要な評価書: 基礎項目評価書、全項目評価書）" in s and "変更日 令和8年10月1日" in s, s
    r = pia("status", repo / "assessments", "--as-of", "2026-10-02", "--format", "json")
    (a,) = json.loads(r.stdout)["assessments"]
    assert a["required"] == ["基礎項目評価書", "全項目評価書"]
