"""`pia status` over a synthetic portfolio built from the bundled example: every obligation around its deadline,
moved by --as-of; and `pia check` no longer depends on the clock."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pia.form import kinds as form_kinds
from pia.form import layout
from pia.form import items
from pia.portfolio import documents as pf
from pia.app.cli import main

from conftest import EXAMPLE, ROOT


def _set(data: dict, code: str, value: object, schema: str = "assessment") -> None:
    path = pf.path_of(code, schema)
    for k in path[:-1]:
        data = data.setdefault(k, {})
    data[path[-1]] = value


def _revision(changed: str, planned: str | None = None, done: str | None = None) -> dict:
    rev: dict = {}
    _set(rev, "改訂-変更日", changed, "revision")
    if planned or done:
        keys = list(pf.node_of("改訂-再評価", "revision")["properties"])
        opts = pf.node_of("改訂-再評価", "revision")["properties"][keys[0]]["enum"]
        _set(rev, "改訂-再評価", {keys[0]: opts[1] if planned else opts[0], keys[1]: planned or done}, "revision")
    return rev


# name -> item code -> value. Base dates: published 2025-03-01 after a comment period and a 第三者点検.
BASE = {"表紙-公表日": "2025-03-01", "VI-1-①": "2024-11-01", "VI-2-②": "2024-12-01～2024-12-31(31日間)",
        "VI-3-①": "2025-02-01", "表紙-改訂": [], "表紙-変更箇所の記録": []}
PORTFOLIO = {
    "fresh": {},
    "review-due": {"表紙-公表日": "2024-07-01", "VI-1-①": "2024-03-01", "VI-2-②": "2024-04-01～2024-05-01",
                   "VI-3-①": "2024-06-01"},
    "review-late": {"表紙-公表日": "2024-01-10", "VI-1-①": "2023-09-01", "VI-2-②": "2023-10-01～2023-10-31",
                    "VI-3-①": "2023-12-01"},
    "five-year": {"表紙-公表日": "2020-09-01", "VI-1-①": "2020-05-01", "VI-2-②": "2020-06-15～2020-07-15",
                  "VI-3-①": "2020-07-15", "表紙-改訂": [_revision("2024-12-01")]},
    "pending-jizen": {"表紙-改訂": [_revision("2025-10-01", planned="2025-09-01")]},
    "jigo-unpublished": {"表紙-公表日": "2024-10-01", "VI-3-①": "2024-09-01", "表紙-改訂": [_revision("2025-05-01")]},
    "ended": {"表紙-事務終了日": "2023-03-31", "表紙-公表日": "2022-03-01", "VI-1-①": "2021-10-01",
              "VI-2-②": "2021-11-01～2021-12-01", "VI-3-①": "2022-01-15"},
    "national": {"表紙-評価実施機関の区分": "行政機関等", "VI-3-①": None, "表紙-公表日": None, "VI-4-①": "2025-04-01"},
    "national-approved": {"表紙-評価実施機関の区分": "行政機関等", "VI-3-①": None, "VI-4-①": "2025-01-20",
                          "表紙-個人情報保護委員会承認日": "2025-02-20"},
    "draft": {"表紙-評価書名": "住民基本台帳に関する事務 全項目評価書(案)", "表紙-公表日": None, "VI-1-①": "2025-05-01",
              "VI-2-②": "2025-07-01～2025-07-31", "VI-3-①": None},
    "commenting": {"表紙-公表日": None, "VI-1-①": "2025-04-01", "VI-2-②": "2025-05-20～2025-06-20", "VI-3-①": None},
    "tenken-planned": {"表紙-公表日": None, "VI-1-①": "2025-01-01", "VI-2-②": "2025-02-01～2025-03-03",
                       "VI-3-①": "2025-07-15"},
    # 10万人以上30万人未満 and fewer than 500 handlers: a 重点 is required; the 全項目 is done voluntarily
    "juten": {"VI-1-②": "基礎項目評価及び重点項目評価の実施が義務付けられる(任意に全項目評価を実施)", "I-1-③": "10万人以上30万人未満",
              "表紙-しきい値判断の入力-取扱者数": "500人未満"},
    "no-threshold": {"VI-1-②": None, "I-1-③": None},  # neither the result nor the inputs tell what is required
    "no-kiso": {},  # the folder's kiso.yaml is removed below
    "bad-date": {"表紙-公表日": "令和7年13月1日"},
}


def _row(kind: str, changed: str) -> dict:
    """One 変更箇所 row of a 基礎 / 重点 document (only its 変更日 matters here)."""
    k = form_kinds.kinds()[kind]
    it = items.item(k.code_prefix + "別添3-変更日")
    return {it.within(layout.changes_item(k))[0]: changed}


def _kind_revision(kind: str, changed: str, planned: str | None = None) -> dict:
    """One 改訂 entry of a 基礎 / 重点 document; for the 重点, its 再評価 planned (予定) on a date."""
    prefix, entry = form_kinds.kinds()[kind].code_prefix, items.item(form_kinds.kinds()[kind].code_prefix + "表紙-改訂")
    rev = {items.item(prefix + "改訂-変更日").within(entry)[0]: changed}
    if planned:
        node = items.item(prefix + "改訂-再評価").node
        keys = list(node["properties"])
        rev[items.item(prefix + "改訂-再評価").within(entry)[0]] = {keys[0]: node["properties"][keys[0]]["enum"][1], keys[1]: planned}
    return rev


# Folders of the other forms, from the bundled examples: a 基礎-only 事務 and a 重点 + 基礎 事務. Edits are keyed by item
# code; each document has its own 公表日, so deadlines differ per document.
OTHERS = {
    "kiso-fresh": ("marumaru-kiso", {"基礎-表紙-公表日": "2025-03-01"}),
    "kiso-review-due": ("marumaru-kiso", {"基礎-表紙-公表日": "2024-07-01"}),
    "kiso-unpublished-change": ("marumaru-kiso", {"基礎-表紙-公表日": "2020-08-01", "基礎-変更箇所": [_row("basic", "2025-05-10")]}),
    "kiso-bad-date": ("marumaru-kiso", {"基礎-表紙-公表日": "令和7年2月30日"}),
    "juten-inspected": ("marumaru-juten", {"重点-表紙-公表日": "2024-07-01", "基礎-表紙-公表日": "2025-03-01",
                                           "重点-V-1-①": "2024-05-01", "重点-V-3-①": "2024-06-10"}),
    "juten-five-year": ("marumaru-juten", {"重点-表紙-公表日": "2020-07-20", "基礎-表紙-公表日": "2020-07-20",
                                           "重点-V-1-①": "2020-06-01", "重点-V-3-①": None,
                                           "重点-別添2": [_row("focused", "2024-12-01")]}),
    "juten-pending": ("marumaru-juten", {"重点-表紙-公表日": "2024-07-01", "基礎-表紙-公表日": "2024-07-01",
                                         "重点-表紙-改訂": [_kind_revision("focused", "2025-10-01", planned="2025-09-01")],
                                         "基礎-表紙-改訂": [_kind_revision("basic", "2025-05-10")]}),
}


def _edit(folder: Path, edits: dict[str, object]) -> None:
    """Set items by code in whichever document of the folder holds them."""
    by_file: dict[str, dict[str, object]] = {}
    for code, v in edits.items():
        by_file.setdefault(form_kinds.by_key(items.item(code).doc).file, {})[code] = v
    for file, codes in by_file.items():
        data = yaml.safe_load((folder / file).read_text(encoding="utf-8"))
        for code, v in codes.items():
            node, path = data, items.item(code).at()
            for k in path[:-1]:
                node = node.setdefault(k, {})
            node[path[-1]] = v
        (folder / file).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("portfolio") / "assessments"
    for name, edits in PORTFOLIO.items():
        shutil.copytree(EXAMPLE, root / name)
        _edit(root / name, {**BASE, **edits})
    (root / "no-kiso" / "kiso.yaml").unlink()
    for name, (example, edits) in OTHERS.items():
        shutil.copytree(EXAMPLE.parent / example, root / name)
        _edit(root / name, edits)
    return root


def _status(capsys, *args: str) -> tuple[int, dict]:
    code = main(["status", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def _obl(report: dict, name: str, sid: str, doc: str | None = None) -> list[dict]:
    """The obligation's rows for one document (default: the folder's most detailed one) or the 事務 as a whole."""
    (a,) = [a for a in report["assessments"] if a["folder"].endswith("/" + name)]
    doc = doc or a["documents"][-1]["kind"]
    return [o for o in a["obligations"] if o["id"] == sid and o["document"] in ("", doc)]


def _one(report: dict, name: str, sid: str, doc: str | None = None) -> dict:
    (o,) = _obl(report, name, sid, doc)
    return o


def test_portfolio_has_at_least_ten_assessments(portfolio: Path, capsys):
    code, r = _status(capsys, str(portfolio), "--as-of", "2025-06-01")
    assert code == 0 and len(r["assessments"]) == len(PORTFOLIO) + len(OTHERS) >= 10
    assert r["as_of"] == "2025-06-01"
    # every obligation cites its source and certainty
    for a in r["assessments"]:
        for o in a["obligations"]:
            assert o["source"] and o["certainty"] in ("[P]", "[P-q]", "[S]", "[R]", "[I]", "[Q]")


@pytest.mark.parametrize("as_of, mark", [("2025-04-01", ""), ("2025-06-01", "期限間近"), ("2025-07-01", "期限間近"),
                                         ("2025-07-02", "期限超過"), ("令和7年7月2日", "期限超過")])
def test_yearly_review_moves_with_as_of(portfolio: Path, capsys, as_of: str, mark: str):
    _, r = _status(capsys, str(portfolio), "--as-of", as_of)
    o = _one(r, "review-due", "S03")
    assert o["due"] == "2025-07-01" and o["mark"] == mark
    assert o["source"].startswith("規則第14条")
    assert _one(r, "review-late", "S03")["mark"] == "期限超過"
    assert _one(r, "fresh", "S03") | {} and _one(r, "fresh", "S03")["due"] == "2026-03-01"


def test_within_changes_what_is_due_soon(portfolio: Path, capsys):
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-06-01", "--within", "10")
    assert _one(r, "review-due", "S03")["mark"] == ""
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-06-01", "--within", "30")
    assert _one(r, "review-due", "S03")["mark"] == "期限間近"


@pytest.mark.parametrize("as_of, mark", [("2025-05-01", ""), ("2025-07-03", "期限間近"), ("2025-09-01", "期限間近"),
                                         ("2025-09-02", "期限超過")])
def test_five_year_reassessment(portfolio: Path, capsys, as_of: str, mark: str):
    _, r = _status(capsys, str(portfolio), "--as-of", as_of)
    o = _one(r, "five-year", "S04")
    # counted from the 公表日 (2020-09-01, 規則第15条 as summarised [S]); the 第三者点検 / end of the comment period
    # (2020-07-15) is shown as the other reading, not the later 修正
    assert o["due"] == "2025-09-01" and o["mark"] == mark and o["certainty"] == "[S]"
    assert o["note"] == "参考: 評価の実施日（令和2年7月15日）から数えると 令和7年7月15日"
    assert _one(r, "five-year", "S03")["mark"] == ""  # reviewed by the 2024-12-01 revision


@pytest.mark.parametrize("as_of, mark", [("2025-06-01", ""), ("2025-08-01", "期限間近"), ("2025-09-02", "期限超過"),
                                         ("2025-10-01", "期限超過")])
def test_pending_jizen_reassessment(portfolio: Path, capsys, as_of: str, mark: str):
    _, r = _status(capsys, str(portfolio), "--as-of", as_of)
    o = _one(r, "pending-jizen", "S05")
    assert o["due"] == "2025-09-01" and o["mark"] == mark and "予定" in o["state"]
    assert _one(r, "fresh", "S05")["mark"] == "" and _one(r, "fresh", "S05")["due"] is None


def test_jigo_revision_not_yet_published(portfolio: Path, capsys):
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-04-01")
    assert _one(r, "jigo-unpublished", "S06")["mark"] == ""
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-06-01")
    o = _one(r, "jigo-unpublished", "S06")
    assert o["mark"] == "要確認" and o["certainty"] == "[R]" and o["due"] == "2025-05-01"
    assert not _obl(r, "fresh", "S06")


@pytest.mark.parametrize("as_of, fragment, mark", [("2025-06-01", "まで公表を継続", ""), ("2026-03-31", "まで公表を継続", ""),
                                                   ("2026-04-01", "経過", "")])
def test_ended_jimu_kept_published_three_years(portfolio: Path, capsys, as_of: str, fragment: str, mark: str):
    _, r = _status(capsys, str(portfolio), "--as-of", as_of)
    o = _one(r, "ended", "S10")
    assert o["due"] == "2026-03-31" and fragment in o["state"] and o["mark"] == mark
    assert _one(r, "ended", "S03")["state"].startswith("対象外") and _one(r, "ended", "S04")["due"] is None
    assert not _obl(r, "fresh", "S10")


def test_procedure_states(portfolio: Path, capsys):
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-06-01")
    assert _one(r, "national", "S09")["state"].startswith("審査中")
    assert _one(r, "national", "S08")["state"].startswith("対象外")
    assert _one(r, "national-approved", "S09")["state"].startswith("承認済み")
    assert _one(r, "fresh", "S09")["state"].startswith("対象外")
    assert _one(r, "fresh", "S08")["state"].startswith("実施済み")
    assert _one(r, "fresh", "S07")["state"].startswith("実施済み")
    assert _one(r, "commenting", "S07")["state"].startswith("実施中") and _one(r, "commenting", "S07")["due"] == "2025-06-20"
    d = _one(r, "draft", "S07")
    assert d["state"].startswith("予定") and d["due"] == "2025-07-01" and d["mark"] == "期限間近"
    assert _one(r, "draft", "S02")["state"].startswith("案")
    (draft,) = [a for a in r["assessments"] if a["folder"].endswith("/draft")]
    from pia.form import kinds as form_kinds

    (full,) = [d for d in draft["documents"] if d["kind"] == "全項目評価書"]
    assert full["draft"] is True and full["version"] == form_kinds.current_version() and full["form"] == "様式4"
    t = _one(r, "tenken-planned", "S08")
    assert t["state"].startswith("予定") and t["due"] == "2025-07-15" and t["mark"] == "期限間近"
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-07-16")
    assert _one(r, "tenken-planned", "S08")["state"].startswith("実施済み")
    assert _one(r, "commenting", "S07")["state"].startswith("実施済み")
    assert _one(r, "commenting", "S08")["mark"] == "要確認"  # comment period over, no 第三者点検 yet


def test_required_documents_from_the_threshold(portfolio: Path, capsys):
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-06-01")
    (juten,) = [a for a in r["assessments"] if a["folder"].endswith("/juten")]
    assert juten["required"] == ["基礎項目評価書", "重点項目評価書"]
    # the voluntary 全項目評価書 covers 重点, and the folder holds its 基礎項目評価書
    assert _one(r, "juten", "S01")["mark"] == ""
    (kinds,) = [[d["kind"] for d in a["documents"]] for a in r["assessments"] if a["folder"].endswith("/juten")]
    assert kinds == ["基礎項目評価書", "全項目評価書"]
    s01 = _one(r, "no-kiso", "S01")
    assert s01["mark"] == "要確認" and "基礎項目評価書" in s01["note"] and "全項目" not in s01["note"]
    (none,) = [a for a in r["assessments"] if a["folder"].endswith("/no-threshold")]
    assert none["required"] is None and [f["rule_id"] for f in none["findings"]] == ["PIA901"]
    (bad,) = [a for a in r["assessments"] if a["folder"].endswith("/bad-date")]
    (f,) = [f for f in bad["findings"] if f["rule_id"] == "PIA900"]
    assert f["file"].endswith("bad-date/assessment.yaml") and f["line"] > 1 and "令和7年13月1日" in f["message"]


KISO, JUTEN = (form_kinds.short_title(form_kinds.by_id(i)) for i in ("basic", "focused"))


def _assessment(report: dict, name: str) -> dict:
    (a,) = [a for a in report["assessments"] if a["folder"].endswith("/" + name)]
    return a


def test_kiso_and_juten_folders_read_their_own_documents(portfolio: Path, capsys):
    """Facts come from whichever document carries them: no 要確認 because assessment.yaml is absent."""
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-06-01")
    kiso = _assessment(r, "kiso-fresh")
    assert kiso["jimu"] == "予防接種に関する事務" and kiso["published"] == "2025-03-01"
    assert [d["kind"] for d in kiso["documents"]] == [KISO] and kiso["required"] == [KISO]
    assert _one(r, "kiso-fresh", "S01")["mark"] == "" and _one(r, "kiso-fresh", "S02")["state"] == "公表済み（令和7年3月1日）"
    assert _one(r, "kiso-fresh", "S03")["due"] == "2026-03-01" and _one(r, "kiso-fresh", "S04")["due"] == "2030-03-01"
    assert not [o for o in kiso["obligations"] if o["mark"]] and not kiso["findings"]
    assert not _obl(r, "kiso-fresh", "S07")  # no procedure in a 基礎項目評価書
    juten = _assessment(r, "juten-inspected")
    assert juten["jimu"] == "国民健康保険に関する事務" and juten["required"] == [KISO, JUTEN]
    assert [(d["kind"], d["published"]) for d in juten["documents"]] == [(KISO, "2025-03-01"), (JUTEN, "2024-07-01")]
    assert _one(r, "juten-inspected", "S08", JUTEN)["state"] == "実施済み（令和6年6月10日）"
    assert _one(r, "juten-inspected", "S07", JUTEN)["state"].startswith("任意") and not _obl(r, "juten-inspected", "S09")
    # each document its own yearly review and 5-year re-assessment
    assert _one(r, "juten-inspected", "S03", JUTEN)["due"] == "2025-07-01"
    assert _one(r, "juten-inspected", "S03", KISO)["due"] == "2026-03-01"
    assert _one(r, "juten-inspected", "S04", JUTEN)["due"] == "2029-07-01"  # its own 公表日
    assert "令和11年6月10日" in _one(r, "juten-inspected", "S04", JUTEN)["note"]  # the 第三者点検, for reference
    assert _one(r, "juten-inspected", "S04", KISO)["due"] == "2030-03-01"
    assert "令和11年5月1日" in _one(r, "juten-inspected", "S04", KISO)["note"]  # the 基礎項目評価's 実施日 (in juten.yaml)
    assert not [o for o in juten["obligations"] if o["mark"] == "要確認"] and not juten["findings"]


@pytest.mark.parametrize("as_of, review, juten5, kiso5", [
    ("2025-03-01", "", "", ""), ("2025-04-15", "", "", ""), ("2025-06-02", "期限間近", "期限間近", "期限間近"),
    ("2025-07-21", "期限超過", "期限超過", "期限超過")])
def test_as_of_moves_kiso_and_juten_deadlines(portfolio: Path, capsys, as_of: str, review: str, juten5: str, kiso5: str):
    _, r = _status(capsys, str(portfolio), "--as-of", as_of)
    o = _one(r, "kiso-review-due", "S03")
    assert o["due"] == "2025-07-01" and o["mark"] == review and o["document"] == KISO
    j, k = _one(r, "juten-five-year", "S04", JUTEN), _one(r, "juten-five-year", "S04", KISO)
    assert (j["due"], j["mark"]) == ("2025-07-20", juten5)  # its 公表日
    assert (k["due"], k["mark"]) == ("2025-07-20", kiso5)  # published the same day: the same deadline
    assert k["note"] == "参考: 評価の実施日（令和2年6月1日）から数えると 令和7年6月1日"  # the 基礎項目評価
    # the 重点's 変更箇所 row of 2024-12-01 is its last review; the 基礎 has none
    assert _one(r, "juten-five-year", "S03", JUTEN)["due"] == "2025-12-01"
    assert _one(r, "juten-five-year", "S03", KISO)["due"] == "2021-07-20"


def test_kiso_change_after_its_publication_and_bad_dates(portfolio: Path, capsys):
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-05-01")
    assert _one(r, "kiso-unpublished-change", "S06")["mark"] == ""
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-06-01")
    o = _one(r, "kiso-unpublished-change", "S06")
    assert o["mark"] == "要確認" and o["due"] == "2025-05-10" and o["document"] == KISO
    assert _one(r, "kiso-unpublished-change", "S03")["due"] == "2026-05-10"
    (f,) = _assessment(r, "kiso-bad-date")["findings"]
    assert f["rule_id"] == "PIA900" and f["file"].endswith("kiso-bad-date/kiso.yaml") and "令和7年2月30日" in f["message"]
    assert _one(r, "kiso-bad-date", "S02")["mark"] == "要確認"


def test_strict_exits_1_only_when_something_is_overdue(portfolio: Path, capsys):
    assert main(["status", str(portfolio / "fresh"), "--as-of", "2025-06-01", "--strict"]) == 0
    assert main(["status", str(portfolio / "review-late"), "--as-of", "2025-06-01", "--strict"]) == 1
    assert main(["status", str(portfolio / "review-late"), "--as-of", "2025-06-01"]) == 0
    capsys.readouterr()
    assert main(["status", str(portfolio), "--as-of", "2025年13月1日"]) == 2
    assert "基準日" in capsys.readouterr().err


def test_text_and_html_formats(portfolio: Path, capsys, tmp_path: Path):
    assert main(["status", str(portfolio / "review-due"), "--as-of", "2025-06-01"]) == 0
    out = capsys.readouterr().out
    assert "基準日: 令和7年6月1日" in out and "| S03 | 年1回の見直し |" in out and "期限間近" in out
    assert main(["status", str(portfolio / "review-due"), "--as-of", "2025-06-01", "--format", "html",
                 "--output", str(tmp_path / "status.html")]) == 0
    html = (tmp_path / "status.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in html and 'class="soon"' in html and '<th scope="col">根拠</th>' in html


def test_status_is_deterministic(portfolio: Path, capsys):
    main(["status", str(portfolio), "--as-of", "2025-06-01", "--format", "json"])
    first = capsys.readouterr().out
    main(["status", str(portfolio), "--as-of", "2025-06-01", "--format", "json"])
    assert capsys.readouterr().out == first


# ---- the clock: `pia check` never reads it (tests/test_pure_check.py); `pia status` reads it only as --as-of's default


def test_status_without_as_of_reads_the_system_date(tmp_path: Path):
    import os

    from conftest import FAKE_CLOCK

    (tmp_path / "sitecustomize.py").write_text(FAKE_CLOCK.format(year=2040), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "pia", "status", str(EXAMPLE), "--strict"], capture_output=True, env=env, cwd=ROOT)
    assert "基準日: 令和22年1月15日" in r.stdout.decode() and r.returncode == 1  # 2040: the yearly review is overdue
    assert main(["status", str(EXAMPLE), "--as-of", "2024-06-01", "--strict"]) == 0


def test_scheduled_ci_jobs_run_real_status_commands(tmp_path: Path, capsys, monkeypatch):
    """The scheduled jobs in the CI templates call `pia status` with options that exist, and --strict fails them."""
    import shlex

    from pia.app import init as init_mod

    shipped = (ROOT / ".github" / "workflows" / "pia-status.yml").read_text(encoding="utf-8")
    assert shipped == init_mod.github_status_workflow()  # what `pia init --ci github` writes
    gh = yaml.safe_load(shipped)
    gl = yaml.safe_load((ROOT / "ci" / "pia.gitlab-ci.yml").read_text(encoding="utf-8"))
    assert gh[True]["schedule"][0]["cron"]  # YAML reads the key `on` as True
    assert gl["pia-status"]["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "schedule"'
    commands = [s["run"] for s in gh["jobs"]["status"]["steps"] if "run" in s] + gl["pia-status"]["script"]
    status = [shlex.split(c.split(">>")[0])[1:] for c in commands if c.startswith("pia status")]
    assert len(status) == 4 and any("--strict" in c for c in status)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(EXAMPLE, tmp_path / "assessments" / "juki")
    for args in status:
        strict = "--strict" in args
        # the example's yearly review is overdue by 2030: a strict job fails, the others succeed
        assert main([*args, "--as-of", "2030-01-01"]) == (1 if strict else 0)
    assert (tmp_path / "status" / "index.html").is_file() and (tmp_path / "pia-status.html").is_file()


def test_kiso_and_juten_revisions_give_their_own_procedures(portfolio: Path, capsys):
    # the 重点's 改訂 with its 再評価 予定: due the day before the change, overdue once the change took effect
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-08-25", "--within", "30")
    o = _one(r, "juten-pending", "S05", JUTEN)
    assert (o["due"], o["mark"], o["document"]) == ("2025-09-01", "期限間近", JUTEN)
    assert not _obl(r, "juten-pending", "S05", KISO)  # the 基礎 records no 再評価
    # the 基礎's own 改訂 after its 公表日: a 修正 still to publish, and its last review
    o = _one(r, "juten-pending", "S06", KISO)
    assert (o["due"], o["mark"]) == ("2025-05-10", "要確認")
    assert _one(r, "juten-pending", "S03", KISO)["due"] == "2026-05-10"
    _, r = _status(capsys, str(portfolio), "--as-of", "2025-10-02")
    assert _one(r, "juten-pending", "S05", JUTEN)["mark"] == "期限超過"
