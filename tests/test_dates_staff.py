"""Every date and period as staff write them: per-file dates (保有開始日, 使用開始日) checked and fixed, the 意見聴取
period read in the forms staff use (から…まで, ～, 同年, without the year) for the 30-day check, and 「該当なし」 written
with another dash recognised and fixed to the form's 「—」."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT, pia
from pia.base import dates

KISO = ROOT / "assessments" / "marumaru-kiso"
J, A, K = "files/juki.yaml", "assessment.yaml", "kiso.yaml"
D = dt.date

PERIODS = [
    ("令和7年3月10日から同年4月9日まで", 2025, (D(2025, 3, 10), D(2025, 4, 9))),
    ("3月10日～4月9日", 2025, (D(2025, 3, 10), D(2025, 4, 9))),
    ("令和７年３月１０日～令和７年４月９日", None, (D(2025, 3, 10), D(2025, 4, 9))),
    ("令和5年8月25日(金)～令和5年9月24日(日)(30日間)", None, (D(2023, 8, 25), D(2023, 9, 24))),
    ("2024/5/1～R6.5.31", None, (D(2024, 5, 1), D(2024, 5, 31))),
    ("令和6年12月20日から1月19日まで", None, (D(2024, 12, 20), D(2025, 1, 19))),
    ("令和7年3月10日～令和7年13月1日", None, None),
    ("3月中", 2025, None),
]


@pytest.mark.parametrize("text,year,want", PERIODS)
def test_period_forms(text, year, want):
    assert dates.period(text, year) == want


def _copy(tmp_path: Path, folder: Path, edits: list[tuple[str, str, str]]) -> Path:
    work = tmp_path / folder.name
    shutil.copytree(folder, work)
    for rel, old, new in edits:
        text = (work / rel).read_text(encoding="utf-8")
        assert old in text, old
        (work / rel).write_text(text.replace(old, new, 1), encoding="utf-8")
    return work


def _found(folder: Path) -> list[tuple[str, str]]:
    r = pia("check", folder, "--format", "json")
    return [(f["rule_id"], f["item_path"].split(" ")[-1]) for f in json.loads(r.stdout)["assessments"][0]["findings"]
            if not f["suppressed"]]


HELD, USED = "    保有開始日: 平成27年6月\n", "    使用開始日: 平成27年6月1日\n"
# (written as 保有開始日, finding, its official form after pia fix (None: not fixed))
FILE_DATES = [
    ("2015/10/5", "PIA054", "平成27年10月5日"),
    ("R7.4.1", "PIA054", "令和7年4月1日"),
    ("２０１５年１０月５日", "PIA054", "平成27年10月5日"),
    ("令和7年13月1日", "PIA301", None),
    ("平成27年2月30日", "PIA301", None),
    ("平成27年6月", None, None),
    ("平成27年10月5日", None, None),
    ("住民基本台帳ネットワークシステムの稼働時", None, None),
]


@pytest.mark.parametrize("written,rule,official", FILE_DATES)
def test_per_file_dates(tmp_path: Path, written, rule, official):
    work = _copy(tmp_path, EXAMPLE, [(J, HELD, f"    保有開始日: {written}\n"), (J, USED, f"    使用開始日: {written}\n")])
    found = [f for f in _found(work) if f[1] in ("⑤保有開始日", "⑨使用開始日")]
    assert sorted(found) == ([(rule, "⑤保有開始日"), (rule, "⑨使用開始日")] if rule else []), found
    if official and written == FILE_DATES[0][0]:  # (fixing each form of date: test_fix.py; here one, end to end)
        assert pia("fix", work, "--write").returncode == 0
        text = (work / J).read_text(encoding="utf-8")
        assert f"    保有開始日: {official}\n" in text and f"    使用開始日: {official}\n" in text
        assert not [f for f in _found(work) if f[1] in ("⑤保有開始日", "⑨使用開始日")]


def test_pia301_recommends_what_pia054_accepts(tmp_path: Path):
    work = _copy(tmp_path, EXAMPLE, [(A, "    実施日: 令和5年8月1日", "    実施日: 8月1日ごろ"), (J, HELD, "    保有開始日: 令和7年13月1日\n")])
    r = pia("check", work, "--format", "json")
    hints = [f["hint"] for f in json.loads(r.stdout)["assessments"][0]["findings"] if f["rule_id"] == "PIA301"]
    assert len(hints) == 2
    shown = {s for h in hints for s in re.findall(r"「([^」]+)」", h)}
    assert shown and not any("-" in s or "/" in s for s in shown), shown
    for s in shown:  # each recommended form, written as the value, draws neither finding
        again = _copy(tmp_path / s, EXAMPLE, [(A, "    実施日: 令和5年8月1日", f"    実施日: {s}")] if dates.parse(s) else
                      [(J, HELD, f"    保有開始日: {s}\n")])
        assert not [f for f in _found(again) if f[0] in ("PIA301", "PIA054")], s


PERIOD = "    実施日・期間: 令和5年8月25日(金)～令和5年9月24日(日)(30日間)"
# (the 意見聴取 period as written, the findings of the period item)
PERIOD_CHECKS = [
    ("令和5年8月25日から同年9月24日まで", []),
    ("8月25日～9月24日", []),
    ("令和5年8月25日から同年9月10日まで", ["PIA302"]),
    ("8月25日～9月10日", ["PIA302"]),
    ("8月下旬から1か月", ["PIA309"]),
]


@pytest.mark.parametrize("written,rules", PERIOD_CHECKS)
def test_comment_period_in_staff_forms(tmp_path: Path, written, rules):
    work = _copy(tmp_path, EXAMPLE, [(A, PERIOD, f"    実施日・期間: {written}")])
    assert sorted(r for r, item in _found(work) if item == "②実施日・期間") == rules


OTHER = "  他の評価実施機関: —"
# (「該当なし」 as written, finding, what pia fix writes)
DASHES = [("ー", "PIA504", "—"), ("―", "PIA504", "—"), ("－", "PIA504", "—"), ("‐", "PIA504", "—"),
          ("—", None, "—"), ("なし", None, "なし"), ("該当なし", None, "該当なし")]


@pytest.mark.parametrize("written,rule,fixed", DASHES)
def test_not_applicable_variants(tmp_path: Path, written, rule, fixed):
    work = _copy(tmp_path, KISO, [(K, OTHER, f"  他の評価実施機関: {written}")])
    assert [r for r, item in _found(work) if item == "他の評価実施機関"] == ([rule] if rule else [])
    assert pia("fix", work, "--write").returncode == 0
    assert f"  他の評価実施機関: {fixed}\n" in (work / K).read_text(encoding="utf-8")
    assert not _found(work)


def test_a_dash_where_the_form_wants_content_is_not_turned_into_the_form_dash(tmp_path: Path):
    work = _copy(tmp_path, KISO, [(K, "    部署: 健康福祉部健康づくり課", "    部署: ー")])
    assert [r for r, item in _found(work) if item == "①部署"] and "PIA504" not in [r for r, _ in _found(work)]
    pia("fix", work, "--write")
    assert "    部署: ー\n" in (work / K).read_text(encoding="utf-8")
