"""Legal-basis and citation rules, and the reviewer's questions: a passing and a failing variant of the example each."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import check_json, edit_file as edit

A, J, H = "assessment.yaml", "files/juki.yaml", "files/honnin-kakunin.yaml"
R6 = "  - 変更日: 令和6年1月4日\n"
T01 = "        法令上の根拠: 番号法第19条第8号 別表第2の1"
I6 = "      ・番号法第19条第8号(特定個人情報の提供の制限) 別表第二"
TRANSFER = "        法令上の根拠: 番号法第9条第2項（条例による利用）"
H_BASIS = "        法令上の根拠: 住基法第14条(住民基本台帳の正確な記録を確保するための措置)"
I5 = "      ・第7条（指定及び通知）\n"

# rule -> (edits that keep the rule silent, edits that make it speak); each edit (file, old, new)
CASES = {
    "PIA700": ([(J, T01, "        法令上の根拠: 番号法第十九条第八号 主務省令第2条")],
               [(J, T01, "        法令上の根拠: 番号法第19条第11号")]),
    "PIA701": ([(A, R6, R6 + "  - 変更日: 令和6年5月26日\n")],
               [(A, R6, R6 + "  - 変更日: 令和6年5月27日\n")]),
    "PIA702": ([(A, I5, I5 + "      ・個人情報の保護に関する法律第61条\n")],
               [(A, I5, I5 + "      ・行政機関の保有する個人情報の保護に関する法律第3条\n")]),
    "PIA703": ([(H, H_BASIS, "        法令上の根拠: 住基法第十四条")],
               [(H, H_BASIS, "        法令上の根拠: 住基法及び関係省令による")]),
    "PIA704": ([(J, TRANSFER, "        法令上の根拠: 番号法第9条第1項 別表の1の項")],
               [(J, TRANSFER, "        法令上の根拠: 住基法第1条")]),
    "PIA705": ([(A, I6, "      ・番号法第19条第8号に基づく主務省令第2条")],
               [(A, I6, "      ・番号法第19条第7号")]),
    "PIA710": ([(H, "      - 個人番号\n", "      - 個人番号対応符号\n")],
               [(H, "      - 個人番号\n", "")]),
    "PIA711": ([(H, "      リスクへの対策は十分か: 十分である", "      リスクへの対策は十分か: 特に力を入れている")],
               [(H, "      リスクへの対策は十分か: 十分である", "      リスクへの対策は十分か: 課題が残されている")]),
    "PIA712": ([(H, "      死者の個人番号:\n        選択: 保管している", "      死者の個人番号:\n        選択: 保管していない")],  # not a measure
               [(H, "        選択: 行っている", "        選択: 行っていない")]),
    "PIA713": ([(A, "公表日:", "公表日: 令和6年2月1日"), (A, "  第三者点検:\n    実施日:", "  第三者点検:\n    実施日: 令和6年1月20日")],
               [(A, "公表日:", "公表日: 令和6年2月1日"), (A, "  第三者点検:\n    実施日:", "  第三者点検:\n    実施日: 令和6年3月1日")]),
}


def _rules_after(example: Path, capsys, edits) -> set[str]:
    for rel, old, new in edits:
        edit(example, rel, old, new)
    _, found = check_json(capsys, str(example))
    return {f["rule_id"] for f in found if not f["suppressed"]}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_passing_variant(example: Path, capsys, rule_id: str):
    assert rule_id not in _rules_after(example, capsys, CASES[rule_id][0])


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_failing_variant(example: Path, capsys, rule_id: str):
    assert rule_id in _rules_after(example, capsys, CASES[rule_id][1])


def test_outdated_citations_name_the_date_and_the_current_form(example: Path, capsys):
    edit(example, A, R6, R6 + "  - 変更日: 令和7年4月1日\n")
    _, found = check_json(capsys, str(example))
    hit = next(f for f in found if f["rule_id"] == "PIA701" and f["file"].endswith(A))
    assert "令和6年5月27日" in hit["message"] and "令和7年4月1日" in hit["message"] and "主務省令" in hit["hint"]


def test_only_answers_that_mean_a_gap_are_questioned(example: Path, capsys):
    # 「再委託していない」 (n/a) and 「発生なし」 (no accident: not a measure) are not questioned
    _, found = check_json(capsys, str(example))
    assert not {"PIA711", "PIA712"} & {f["rule_id"] for f in found}
