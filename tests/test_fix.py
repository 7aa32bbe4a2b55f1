"""`pia fix`: official dates and counts, repaired indentation and colons; every other byte kept."""
from __future__ import annotations

from pathlib import Path

from conftest import EXAMPLE
from pia.cli import main

A, J = "assessment.yaml", "files/juki.yaml"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def test_the_example_round_trips_byte_identically(example: Path, capsys):
    before = snapshot(example)
    assert main(["fix", str(example)]) == 0
    assert "直す箇所はありません" in capsys.readouterr().out
    assert main(["fix", str(example), "--write"]) == 0
    assert snapshot(example) == before == snapshot(EXAMPLE)


def test_dry_run_shows_a_diff_and_changes_nothing(example: Path, capsys):
    p = example / A
    p.write_text(p.read_text(encoding="utf-8").replace("公表日:", "公表日: 2025/4/1  # 予定", 1), encoding="utf-8")
    before = snapshot(example)
    assert main(["fix", str(example)]) == 1
    out = capsys.readouterr().out
    assert "-公表日: 2025/4/1  # 予定\n+公表日: 令和7年4月1日  # 予定\n" in out and "--write" in out
    assert snapshot(example) == before


def test_write_rewrites_only_the_spans_of_the_values(example: Path, capsys):
    edits = [
        (A, "公表日:", "公表日: R7.4.1 # 予定（コメントは残る）"),
        (A, "    実施日: 令和5年8月1日", "    実施日: '2023-08-01'"),
        (A, "  第三者点検:\n    実施日:", "  第三者点検:\n    実施日: 2023年12月1日"),
        (A, "令和5年8月25日(金)～令和5年9月24日(日)(30日間)", "2023/8/25(金)～２０２３/９/２４(日)(30日間)"),
        (A, "  - 変更日: 令和6年1月4日", "  - 変更日: 令和６年１月４日"),
        (A, "    事務の名称: 住民基本台帳に関する事務", "　　事務の名称：住民基本台帳に関する事務"),
        (J, "      - 提供を行っている: 58  #", "      - 提供を行っている: ５８件  #"),
    ]
    for rel, old, new in edits:
        p = example / rel
        text = p.read_text(encoding="utf-8")
        assert old in text
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["fix", str(example), "--write"]) == 0
    capsys.readouterr()
    want = {rel: (EXAMPLE / rel).read_text(encoding="utf-8") for rel in (A, J)}
    want[A] = want[A].replace("公表日:", "公表日: 令和7年4月1日 # 予定（コメントは残る）", 1)
    want[A] = want[A].replace("    実施日: 令和5年8月1日", "    実施日: '令和5年8月1日'", 1)
    want[A] = want[A].replace("  第三者点検:\n    実施日:", "  第三者点検:\n    実施日: 令和5年12月1日", 1)
    for rel in (A, J):
        assert (example / rel).read_text(encoding="utf-8") == want[rel], rel
    # and the result checks without errors again (published with its 第三者点検 dated)
    assert main(["check", str(example)]) == 0


def test_legacy_betten3_rows_keep_the_originals_dates(example: Path, capsys):
    text = (example / A).read_text(encoding="utf-8")
    assert "  - 変更日: 令和1年7月16日" in text  # the seed writes 令和1年: kept, read as 令和元年
    assert main(["fix", str(example)]) == 0


def test_fix_refuses_a_folder_that_is_not_an_assessment(tmp_path: Path, capsys):
    assert main(["fix", str(tmp_path)]) == 2
    assert "評価書フォルダではありません" in capsys.readouterr().err
