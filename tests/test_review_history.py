"""Honest history: exact exceptions, revisions whatever the commit order, re-assessment dates of 事前 revisions."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, git
from pia.app.cli import main

A, J, H = "assessment.yaml", "files/juki.yaml", "files/honnin-kakunin.yaml"
USE_J = "    使用部署: 住民記録・戸籍課、世田谷総合支所区民係"
LABEL_J = "Ⅱ 特定個人情報ファイルの概要 (1)住民基本台帳ファイル 3. 特定個人情報の入手・使用 ⑦使用の主体 使用部署 ※"
R6 = "  - 変更日: 令和6年1月4日\n    説明: 標準準拠システムへの移行及びガバメントクラウドの利用\n"


def sub(folder: Path, rel: str, old: str, new: str) -> None:
    p = folder / rel
    text = p.read_text(encoding="utf-8")
    assert old in text, old
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def new_revision(folder: Path, exceptions: list[str] = ()) -> None:
    decl = "".join(f"      - 項目: {e}\n        種類: 形式的変更\n        理由: 組織の名称変更\n" for e in exceptions)
    sub(folder, A, R6, R6 + "  - 変更日: 令和7年4月1日\n    説明: 組織改正\n" + ("    例外:\n" + decl if decl else ""))


def rename_departments(folder: Path) -> None:
    sub(folder, J, "住民記録・戸籍課、世田谷総合支所区民係", "住民記録課、世田谷総合支所区民係")
    p = folder / H
    text = p.read_text(encoding="utf-8")
    old = next(ln for ln in text.splitlines() if ln.lstrip().startswith("使用部署: "))
    p.write_text(text.replace(old, old + "（改）", 1), encoding="utf-8")


def diff_json(capsys, old: Path, new: Path) -> tuple[int, list[dict], str]:
    rc = main(["diff", str(old), str(new), "--format", "json"])
    cap = capsys.readouterr()
    return rc, (json.loads(cap.out) if rc == 0 else []), cap.err


@pytest.fixture
def old(example: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "old"
    shutil.copytree(example, dst)
    return dst


def test_an_exception_fitting_items_of_several_files_is_rejected_with_the_list(example: Path, old: Path, capsys):
    new_revision(example, ["⑦使用の主体 使用部署"])  # the end of both files' labels
    rename_departments(example)
    rc, _, err = diff_json(capsys, old, example)
    assert rc == 2 and "例外「⑦使用の主体 使用部署」" in err
    assert "(1)住民基本台帳ファイル" in err and "(2)本人確認情報ファイル" in err


def test_an_exception_by_code_fitting_several_items_is_rejected(example: Path, old: Path, capsys):
    rc, rows, _ = diff_json(capsys, old, old)
    rename_departments(example)
    rc, rows, _ = diff_json(capsys, old, example)
    code = rows[0]["code"]
    assert {r["code"] for r in rows} == {code}  # the same item code in both files
    new_revision(example, [code])
    rc, _, err = diff_json(capsys, old, example)
    assert rc == 2 and "複数の変更に当てはまります" in err


def test_an_exact_exception_exempts_only_its_own_item(example: Path, old: Path, capsys):
    new_revision(example, [LABEL_J])
    rename_departments(example)
    rc, rows, err = diff_json(capsys, old, example)
    assert rc == 0 and not err
    by_file = {r["label"].split(" ")[2]: r for r in rows}
    assert not by_file["(1)住民基本台帳ファイル"]["important"]
    assert by_file["(2)本人確認情報ファイル"]["important"]  # not exempted by the other file's declaration
    assert {r["timing"] for r in rows} == {"事前"}


def test_a_suffix_naming_one_item_is_still_refused(example: Path, old: Path, capsys):
    new_revision(example, ["⑦使用の主体 使用部署"])
    sub(example, J, "住民記録・戸籍課、世田谷総合支所区民係", "住民記録課、世田谷総合支所区民係")
    rc, _, err = diff_json(capsys, old, example)
    assert rc == 2 and "表記の一部" in err and LABEL_J in err


def test_an_exception_naming_nothing_changed_is_reported(example: Path, old: Path, capsys):
    new_revision(example, ["存在しない項目"])
    sub(example, J, "    時期・頻度: 随時", "    時期・頻度: 毎月")
    rc, rows, err = diff_json(capsys, old, example)
    assert rc == 0 and "例外「存在しない項目」に当たる変更はありません" in err


def _repo(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    folder = repo / "setagaya-juki"
    shutil.copytree(EXAMPLE, folder)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.jp")
    git(repo, "config", "user.name", "t")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "令和6年1月4日")
    return repo, folder


def history(capsys, folder: Path) -> tuple[int, list[dict], str]:
    rc = main(["history", str(folder), "--format", "json"])
    cap = capsys.readouterr()
    return rc, json.loads(cap.out), cap.err


def test_a_starred_change_committed_after_its_date_belongs_to_that_revision(tmp_path: Path, capsys):
    repo, folder = _repo(tmp_path)
    new_revision(folder)
    sub(folder, J, "    時期・頻度: 随時", "    時期・頻度: 毎月")  # not ※
    git(repo, "commit", "-qam", "record 令和7年4月1日 with a first change")
    sub(folder, J, "住民記録・戸籍課、世田谷総合支所区民係", "住民記録課、世田谷総合支所区民係")  # ※, committed later
    git(repo, "commit", "-qam", "the ※ change of the same revision")
    rc, rows, err = history(capsys, folder)
    assert [(r["変更日"], r["提出時期"]) for r in rows] == [("令和7年4月1日", "事前")] * 2
    assert {r["項目"] for r in rows} >= {LABEL_J}
    # a later revision starts from the end of this one: the ※ change is not counted twice
    sub(folder, A, "  - 変更日: 令和7年4月1日\n", "  - 変更日: 令和7年4月1日\n  - 変更日: 令和7年6月1日\n")
    sub(folder, J, "    時期・頻度: 毎月", "    時期・頻度: 毎週")
    git(repo, "commit", "-qam", "令和7年6月1日")
    rc, rows, err = history(capsys, folder)
    assert [(r["変更日"], r["提出時期"], r["変更後の記載"]) for r in rows if r["変更日"] == "令和7年6月1日"] == [("令和7年6月1日", "事後", "毎週")]


def revised(tmp_path: Path, capsys, old: str, new: str) -> tuple[Path, Path, int, list[dict], str]:
    """The example committed, then a 令和7年4月1日 revision changing old to new in juki.yaml."""
    repo, folder = _repo(tmp_path)
    new_revision(folder)
    sub(folder, J, old, new)
    git(repo, "commit", "-qam", "令和7年4月1日")
    return (repo, folder, *history(capsys, folder))


def test_a_prior_revision_without_new_procedure_dates_is_flagged(tmp_path: Path, capsys):
    repo, folder, rc, rows, err = revised(tmp_path, capsys, "住民記録・戸籍課、世田谷総合支所区民係", "住民記録課、世田谷総合支所区民係")
    # drafting: what remains to do, as warnings
    assert rc == 0 and {r["提出時期"] for r in rows} == {"事前"}
    for label in ("公表日", "Ⅵ 評価実施手続 2. 国民・住民等からの意見の聴取 ②実施日・期間", "Ⅵ 評価実施手続 3. 第三者点検 ①実施日"):
        assert f"[PIA631] {label}" in err
    # published anew without the re-assessment: errors at the dates left as they were
    sub(folder, A, "公表日:", "公表日: 令和7年3月25日")
    git(repo, "commit", "-qam", "published")
    rc, rows, err = history(capsys, folder)
    assert rc == 1 and "PIA631" not in err
    assert "[PIA630] Ⅵ 評価実施手続 2. 国民・住民等からの意見の聴取 ②実施日・期間" in err and "前回の改訂のまま" in err
    assert "[PIA630] Ⅵ 評価実施手続 3. 第三者点検 ①実施日" in err and "まだ記載されていません" in err
    # the re-assessment done and dated: nothing left to say
    sub(folder, A, "令和5年8月25日(金)～令和5年9月24日(日)(30日間)", "令和7年1月6日(月)～令和7年2月5日(水)(31日間)")
    sub(folder, A, "  第三者点検:\n    実施日:", "  第三者点検:\n    実施日: 令和7年3月3日")
    git(repo, "commit", "-qam", "dates")
    rc, rows, err = history(capsys, folder)
    assert rc == 0 and "PIA63" not in err


def test_an_ex_post_revision_needs_no_new_dates(tmp_path: Path, capsys):
    _, _, rc, rows, err = revised(tmp_path, capsys, "    時期・頻度: 随時", "    時期・頻度: 毎月")
    assert rc == 0 and {r["提出時期"] for r in rows} == {"事後"} and "PIA63" not in err


def test_choice_rows_read_with_the_forms_context(example: Path, old: Path, capsys):
    sub(example, H, "      件数: 1", "      件数: 2")
    rc, rows, _ = diff_json(capsys, old, example)
    assert [(r["label"].split(" ")[-2], r["before"], r["after"]) for r in rows] == [("委託の有無", "委託する（1）件", "委託する（2）件")]
