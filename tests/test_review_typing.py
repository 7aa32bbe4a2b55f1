"""Staff typing mistakes, named where they are: exact (line, column), every mistake of a file, every file."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import check_json, edit_file as edit
from pia.app.cli import main

A, S, J = "assessment.yaml", "systems.yaml", "files/juki.yaml"




# (name, file, old, new, rule, severity, column of the mistake on the line where `new` starts (+ line offset))
MISTAKES = [
    ("zenkaku-indent", A, "    事務の名称: 住民基本台帳に関する事務", "　　事務の名称: 住民基本台帳に関する事務", "PIA051", "error", 0, 1),
    ("zenkaku-indent-after-spaces", A, "    対象人数: 30万人以上", "  　対象人数: 30万人以上", "PIA051", "error", 0, 3),
    ("tab-indent", S, "    他のシステムとの接続:", "\t\t他のシステムとの接続:", "PIA050", "error", 0, 1),
    ("wide-colon", A, "評価実施機関名: 東京都世田谷区長", "評価実施機関名：東京都世田谷区長", "PIA052", "error", 0, 8),
    ("wide-colon-in-list", J, "      - 提供を行っている: 58", "      - 提供を行っている：58", "PIA052", "error", 0, 17),
    ("continuation-without-bar", A, "評価実施機関名: 東京都世田谷区長\n", "評価実施機関名: 東京都\n世田谷区長\n", "PIA053", "error", 1, 1),
    ("continuation-folded", A, "評価実施機関名: 東京都世田谷区長\n", "評価実施機関名: 東京都\n  世田谷区長\n", "PIA053", "warning", 1, 3),
]


@pytest.mark.parametrize("case", MISTAKES, ids=[c[0] for c in MISTAKES])
def test_mistake_is_named_at_its_own_line_and_column(example: Path, capsys, case):
    _, rel, old, new, rule, severity, dline, col = case
    line = edit(example, rel, old, new) + dline
    _, found = check_json(capsys, str(example))
    hits = [f for f in found if f["rule_id"] == rule]
    assert [(f["file"].endswith(rel), f["line"], f["column"], f["severity"]) for f in hits] == [(True, line, col, severity)], found[:5]
    assert hits[0]["hint"]
    # nothing blames the following line with a generic message
    assert not [f for f in found if f["rule_id"] == "PIA001" and f["line"] in (line, line + 1)]


def test_every_mistake_of_every_file_is_reported_at_once(example: Path, capsys):
    l1 = edit(example, A, "    事務の名称: 住民基本台帳に関する事務", "　　事務の名称: 住民基本台帳に関する事務")
    l2 = edit(example, A, "評価実施機関名: 東京都世田谷区長", "評価実施機関名：東京都世田谷区長")
    l3 = edit(example, A, "    対象人数: 30万人以上", "\t対象人数: 30万人以上")
    l4 = edit(example, J, "      - 提供を行っている: 58", "      - 提供を行っている：58")
    l5 = edit(example, S, "  - id: juki-net", "　- id: juki-net")
    rc, found = check_json(capsys, str(example))
    assert rc == 1
    got = sorted((Path(f["file"]).name, f["line"], f["rule_id"]) for f in found if f["rule_id"].startswith("PIA05"))
    assert got == sorted([(A, l1, "PIA051"), (A, l2, "PIA052"), (A, l3, "PIA050"), ("juki.yaml", l4, "PIA052"),
                          (S, l5, "PIA051")])


def test_the_text_report_shows_the_line_of_a_file_that_did_not_load(example: Path, capsys):
    line = edit(example, A, "評価実施機関名: 東京都世田谷区長", "評価実施機関名：東京都世田谷区長")
    main(["check", str(example)])
    out = capsys.readouterr().out
    assert f"{line:>5} | 評価実施機関名：東京都世田谷区長" in out
    assert "全角「：」（U+FF1A）" in out and "「: 」" in out


def test_a_list_string_with_a_wide_colon_is_not_a_key(example: Path, capsys):
    edit(example, S, "      - その他: 申請管理システム、コンビニ交付システム", "      - 税務システム：連携")
    _, found = check_json(capsys, str(example))
    assert "PIA052" not in {f["rule_id"] for f in found}  # a string of the list (then PIA011: not an option)


def test_quoted_text_over_several_lines_is_not_a_mistake(example: Path, capsys):
    edit(example, A, "評価実施機関名: 東京都世田谷区長", "評価実施機関名: '東京都\n\n  世田谷区長：区長''s office\n\n  '")
    rc, found = check_json(capsys, str(example))
    assert not [f for f in found if f["rule_id"].startswith("PIA05")]


def test_block_text_may_hold_any_character(example: Path, capsys):
    edit(example, A, "      ①個人を単位とする住民票", "      　　①個人を単位とする住民票：全角\t")
    _, found = check_json(capsys, str(example))
    assert not [f for f in found if f["rule_id"].startswith("PIA05") and not f["suppressed"]]


def test_option_typo_names_the_nearest_option(example: Path, capsys):
    line = edit(example, J, "    対象となる本人の数: 10万人以上100万人未満", "    対象となる本人の数: 10万人以上100万人末満")
    _, found = check_json(capsys, str(example))
    hit = next(f for f in found if f["rule_id"] == "PIA011" and f["line"] == line)
    assert "「10万人以上100万人末満」→「10万人以上100万人未満」ですか？" in hit["hint"]


@pytest.mark.parametrize("written", ["５８", "58件", "５８件"])
def test_counts_accept_nfkc_digits_and_ken_with_a_warning(example: Path, capsys, written: str):
    line = edit(example, J, "      - 提供を行っている: 58", f"      - 提供を行っている: {written}")
    rc, found = check_json(capsys, str(example))
    assert rc == 0  # read as 58: the silenced 58-vs-59 finding stays silenced
    hit = [f for f in found if f["rule_id"] == "PIA055"]
    assert [(f["line"], f["severity"]) for f in hit] == [(line, "warning")] and "「58」" in hit[0]["hint"]


def test_a_count_that_cannot_be_read_says_what_to_write(example: Path, capsys):
    line = edit(example, J, "      - 提供を行っている: 58", "      - 提供を行っている: 約58")
    _, found = check_json(capsys, str(example))
    assert any(f["line"] == line and f["rule_id"] in ("PIA010", "PIA011") and not f["suppressed"] for f in found)


def test_yes_no_items_take_the_forms_wording(example: Path, capsys):
    edit(example, "files/honnin-kakunin.yaml", "    接続しない（入手）: true", "    接続しない（入手）: ○")
    edit(example, "files/honnin-kakunin.yaml", "    接続しない（提供）: true", "    接続しない（提供）: 接続しない（提供）")
    rc, found = check_json(capsys, str(example))
    assert rc == 0 and not [f for f in found if not f["suppressed"]]


def test_required_hint_never_suggests_a_dash_the_type_check_rejects(example: Path, capsys):
    edit(example, A, "評価実施機関の区分: 地方公共団体等\n", "")
    _, found = check_json(capsys, str(example))
    hit = next(f for f in found if f["rule_id"] == "PIA012")
    assert "—" not in hit["hint"] and "選択肢" in hit["hint"]
    # and writing 「—」 there is answered with what to do instead, not with the same advice
    edit(example, A, "公表日:", "評価実施機関の区分: —\n公表日:")
    _, found = check_json(capsys, str(example))
    hit = next(f for f in found if f["rule_id"] == "PIA011")
    assert "「—」は選択肢の項目には書けません" in hit["hint"]


def test_text_after_hash_is_flagged_at_the_hash(example: Path, capsys):
    line = edit(example, A, "評価実施機関名: 東京都世田谷区長", "評価実施機関名: 東京都世田谷区長 内線 #123")
    _, found = check_json(capsys, str(example))
    hit = [f for f in found if f["rule_id"] == "PIA056"]
    assert [(f["line"], f["column"]) for f in hit] == [(line, len("評価実施機関名: 東京都世田谷区長 内線 #"))]
    assert '"東京都世田谷区長 内線 #123"' in hit[0]["hint"]


def test_a_value_typed_after_hash_is_flagged_as_emptied(example: Path, capsys):
    line = edit(example, A, "評価書名: 住民基本台帳に関する事務 全項目評価書", "評価書名: #1 評価書")
    edit(example, A, "評価実施機関名: 東京都世田谷区長", "評価実施機関名:  # 未定（普通のコメント）")
    _, found = check_json(capsys, str(example))
    hit = sorted((f["file"].rsplit("/", 1)[-1], f["line"], f["column"], f["message"], f["hint"]) for f in found if f["rule_id"] == "PIA056")
    assert [h[:3] for h in hit] == [("assessment.yaml", line, len("評価書名: #"))]
    assert hit[0][3].startswith("値「#1 評価書」は「#」で始まるため、コメントとして扱われ、値は空欄")
    assert '評価書名: "#1 評価書"' in hit[0][4]
    assert any(f["rule_id"] == "PIA501" and f["line"] == line for f in found)  # and the blank is still reported


def test_dates_in_western_fullwidth_or_short_style_are_flagged(example: Path, capsys):
    l1 = edit(example, A, "公表日:", "公表日: 2025-04-01")
    l2 = edit(example, A, "    実施日: 令和5年8月1日", "    実施日: 令和５年８月１日")
    _, found = check_json(capsys, str(example))
    hits = sorted((f["line"], f["hint"]) for f in found if f["rule_id"] == "PIA054")
    assert hits == [(l1, "「令和7年4月1日」と書いてください（pia fix --write で直せます）。"),
                    (l2, "「令和5年8月1日」と書いてください（pia fix --write で直せます）。")]


def test_a_block_scalar_as_a_list_entry_is_not_a_continuation():
    from pia.document.prescan import scan

    text = "変更箇所:\n  - |\n    一行目\n    二行目\n  - >\n    折り返す\n    本文\n  - 平文\n"
    assert scan("x.yaml", text) == []
    # a plain entry continued on the next line is still named
    assert [f.rule_id for f in scan("x.yaml", "一覧:\n  - 一行目\n  二行目\n")] == ["PIA053"]


def test_a_comment_indented_with_zenkaku_spaces_is_named_and_repaired():
    from pia.document.prescan import repair, scan

    text = "基本情報:\n  事務の名称: 住民\n　　# 注釈\n  対象人数: 30万人以上\n"
    assert [(f.line, f.column, f.rule_id) for f in scan("x.yaml", text)] == [(3, 1, "PIA051")]
    assert repair(text) == "基本情報:\n  事務の名称: 住民\n    # 注釈\n  対象人数: 30万人以上\n"
