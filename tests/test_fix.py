"""`pia fix`: official dates and counts, repaired indentation and colons; every other byte kept."""
from __future__ import annotations

from pathlib import Path

from conftest import EXAMPLE
from pia.app.cli import main

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


def _family(tmp_path: Path, name: str) -> Path:
    import shutil

    from conftest import ROOT

    dst = tmp_path / name
    shutil.copytree(ROOT / "assessments" / name, dst)
    return dst


def test_fixes_reach_the_juten_and_kiso_documents_and_keep_comments(tmp_path: Path, capsys):
    folder = _family(tmp_path, "marumaru-juten")
    edits = [
        ("juten.yaml", "    実施日: 令和6年4月15日", "    実施日: 2024/4/15  # 基礎項目評価の日"),
        ("juten.yaml", "    実施日・期間:\n", "    実施日・期間: 2024/5/1～R6.5.31\n"),
        ("juten.yaml", "    結果:\n", "\u3000\u3000結果:  # 点検はまだ\n"),
        ("juten/kokuho.yaml", "      件数: 1\n", "      件数: １件\n"),
        ("kiso.yaml", "公表日: 令和6年6月1日", "公表日：R6.6.1"),
    ]
    original = snapshot(folder)
    for rel, old, new in edits:
        p = folder / rel
        text = p.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert main(["check", str(folder)]) == 1  # the 全角 colon and indentation are errors
    capsys.readouterr()
    assert main(["fix", str(folder), "--write"]) == 0
    out = capsys.readouterr().out
    assert all(f"{folder / rel} を直しました" in out for rel in ("juten.yaml", "juten/kokuho.yaml", "kiso.yaml"))
    got = snapshot(folder)
    want = dict(original)
    want["juten.yaml"] = (original["juten.yaml"].decode().replace("    実施日: 令和6年4月15日", "    実施日: 令和6年4月15日  # 基礎項目評価の日", 1)
                          .replace("    実施日・期間:\n", "    実施日・期間: 令和6年5月1日～令和6年5月31日\n", 1)
                          .replace("    結果:\n", "    結果:  # 点検はまだ\n", 1)).encode()
    assert got == want
    capsys.readouterr()
    assert main(["check", str(folder)]) == 0


def test_one_kiso_file_alone_and_a_continuation_line_is_never_deleted(tmp_path: Path, capsys):
    folder = _family(tmp_path, "marumaru-kiso")
    p = folder / "kiso.yaml"
    text = p.read_text(encoding="utf-8")
    assert "\n特記事項: " in text
    broken = text.replace("\n特記事項: ", "\n公表日予定：2025-04-01\n特記事項: ", 1)
    # a line continuing a value without 「|」 stays as written: pia fix does not decide what it meant
    broken = broken.replace("\n特記事項: ", "\n特記事項: 一行目\n続きの行\n# ", 1)
    p.write_text(broken, encoding="utf-8")
    assert main(["fix", str(p), "--write"]) == 0
    capsys.readouterr()
    after = p.read_text(encoding="utf-8")
    assert "\n続きの行\n" in after and "公表日予定: 2025-04-01" in after
    assert main(["fix", str(folder / "README.md")]) == 2
    assert "評価書の YAML ではありません" in capsys.readouterr().err


def test_an_option_written_with_its_text_in_brackets_is_split_as_yaml_writes_it(tmp_path: Path, capsys):
    # 「評価実施機関内の他部署（市民課、税務課）」 as the printed form shows it: the hint and the fix keep the text
    folder = _family(tmp_path, "marumaru-juten")
    p = folder / "juten" / "kokuho.yaml"
    original = p.read_bytes()
    text = original.decode()
    for written in ("評価実施機関内の他部署（市民課、税務課）", "評価実施機関内の他部署 (市民課、税務課)"):
        p.write_text(text.replace("      - 評価実施機関内の他部署: 市民課、税務課", f"      - {written}", 1), encoding="utf-8")
        assert main(["check", str(folder)]) == 1
        out = capsys.readouterr().out
        assert "「- 評価実施機関内の他部署: 市民課、税務課」と書いてください（pia fix --write で直せます）" in out, out
        assert main(["fix", str(folder), "--write"]) == 0
        capsys.readouterr()
        assert p.read_bytes() == original
