"""Reviewer mutations of the real example across every section: each raises the expected rule at the expected line.

A case edits one or more files of the example (old -> new, first occurrence) and names where the finding must be:
the file and a needle whose last line is the finding's line in the mutated file.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pia.app.cli import main

A, S, J, H, F3 = "assessment.yaml", "systems.yaml", "files/juki.yaml", "files/honnin-kakunin.yaml", "files/sofusaki.yaml"
R6 = "  - 変更日: 令和6年1月4日\n"
LATER = [(A, R6, R6 + "  - 変更日: 令和7年4月1日\n")]  # a revision after 令和6年5月27日

# (name, edits [(file, old, new)], rule, (file, needle))
CASES = [
    # 表紙
    ("cover-western-date", [(A, "公表日:", "公表日: 2024/2/1")], "PIA054", (A, "公表日: 2024/2/1")),
    ("cover-published-without-review", [(A, "公表日:", "公表日: 令和6年2月1日")], "PIA713", (A, "  第三者点検:\n    実施日:")),
    ("cover-approval-for-local-body", [(A, "個人情報保護委員会承認日:", "個人情報保護委員会承認日: 令和6年2月1日")], "PIA305",
     (A, "個人情報保護委員会承認日: 令和6年2月1日")),
    ("cover-name-cut-by-comment", [(A, "評価実施機関名: 東京都世田谷区長", "評価実施機関名: 東京都世田谷区長 内線 #123")], "PIA056",
     (A, "評価実施機関名: 東京都世田谷区長 内線 #123")),
    ("cover-accident-vs-iii7", [(A, "  特定個人情報に関する重大事故: 発生なし", "  特定個人情報に関する重大事故: 発生あり")], "PIA102",
     (J, "      過去3年以内に、評価実施機関において、個人情報に関する重大事故が発生したか:")),
    # I 基本情報
    ("i1-persons-vs-threshold", [(A, "    対象人数: 30万人以上", "    対象人数: 1,000人未満")], "PIA101", (A, "    しきい値判断結果:")),
    ("i3-file-id-typo", [(A, "    - sofusaki", "    - sofusak")], "PIA104", (A, "    - sofusak")),
    ("i5-abolished-law", [(A, "      ・第7条（指定及び通知）\n", "      ・第7条（指定及び通知）\n      ・行政機関の保有する個人情報の保護に関する法律第8条\n")],
     "PIA702", (A, "  個人番号の利用:\n    法令上の根拠: |")),
    ("i6-no-linkage-but-network", [(A, "    実施の有無: 実施する", "    実施の有無: 実施しない")], "PIA705", (A, "    実施の有無: 実施しない")),
    ("i6-basis-without-19-8", [(A, "      ・番号法第19条第8号(特定個人情報の提供の制限) 別表第二", "      ・番号法第19条(特定個人情報の提供の制限)")],
     "PIA705", (A, "    実施の有無: 実施する\n    法令上の根拠: |")),
    ("i6-table2-after-amendment", LATER, "PIA701", (A, "    実施の有無: 実施する\n    法令上の根拠: |")),
    ("i-department-formula", [(A, "    部署: 住民記録・戸籍課", "    部署: '=1+1'")], "PIA503", (A, "    部署: '=1+1'")),
    # システム
    ("systems-duplicate-id", [(S, "  - id: juki-net", "  - id: juki-kizon")], "PIA211", (S, "      - その他: 申請管理システム、コンビニ交付システム\n  - id: juki-kizon\n")),
    ("systems-other-without-text", [(S, "      - その他: 個人番号カード予約システム", "      - その他:")], "PIA106", (S, "      - その他:\n")),
    # II ファイルの概要
    ("ii2-no-individual-number", [(H, "    主な記録項目:\n      - 個人番号\n", "    主な記録項目:\n")], "PIA710", (H, "    主な記録項目:")),
    ("ii2-records-band", [(H, "    記録される項目: 10項目以上50項目未満", "    記録される項目: 10項目未満")], "PIA205", (H, "    記録される項目: 10項目未満")),
    ("ii2-option-typo", [(J, "    対象となる本人の数: 10万人以上100万人未満", "    対象となる本人の数: 10万人以上100万人末満")], "PIA011",
     (J, "    対象となる本人の数: 10万人以上100万人末満")),
    ("ii4-count-mismatch", [(H, "      件数: 1", "      件数: 2")], "PIA202", (H, "    委託の有無:")),
    ("ii4-count-fullwidth", [(H, "      件数: 1", "      件数: １件")], "PIA055", (H, "      件数: １件")),
    ("ii4-subcontract-details", [(H, "          再委託の有無: 再委託する", "          再委託の有無: 再委託しない")], "PIA203",
     (H, "          再委託の許諾方法:")),
    ("ii4-outsourcee-dash", [(J, "        委託先名: 富士通Japan株式会社、株式会社世田谷サービス公社", "        委託先名: —")], "PIA502",
     (J, "        委託先名: —")),
    ("ii4-persons-over-file", [(H, "    対象となる本人の数: 10万人以上100万人未満", "    対象となる本人の数: 1万人未満")], "PIA210",
     (H, "        対象となる本人の数:")),
    ("ii5-recipient-basis-blank", [(J, "        法令上の根拠: 番号法第19条第8号 別表第2の2", "        法令上の根拠:")], "PIA501",
     (J, "        法令上の根拠:\n")),
    ("ii5-network-by-19-11", [(J, "        法令上の根拠: 番号法第19条第8号 別表第2の1", "        法令上の根拠: 番号法第19条第11号")], "PIA700",
     (J, "        法令上の根拠: 番号法第19条第11号\n")),
    ("ii5-recipient-table2-after-amendment", LATER, "PIA701", (J, "        法令上の根拠: 番号法第19条第8号 別表第2の1")),
    ("ii5-basis-without-article", [(H, "        法令上の根拠: 住基法第14条(住民基本台帳の正確な記録を確保するための措置)", "        法令上の根拠: 住基法による")],
     "PIA703", (H, "        法令上の根拠: 住基法による")),
    ("ii5-transfer-basis", [(J, "        法令上の根拠: 番号法第9条第2項（条例による利用）", "        法令上の根拠: 住基法第1条")], "PIA704",
     (J, "        法令上の根拠: 住基法第1条")),
    ("ii5-count-vs-list", [(J, "      - 移転を行っている: 1", "      - 移転を行っている: 2")], "PIA201", (J, "      - 移転を行っている: 2")),
    # III リスク対策
    ("iii2-risk-insufficient", [(H, "      リスクへの対策は十分か: 十分である", "      リスクへの対策は十分か: 課題が残されている")], "PIA711",
     (H, "      リスクへの対策は十分か: 課題が残されている")),
    ("iii3-no-user-authentication", [(H, "        選択: 行っている", "        選択: 行っていない")], "PIA712", (H, "      ユーザ認証の管理:")),
    ("iii6-not-connected-but-risks", [(H, "    接続しない（入手）: true", "    接続しない（入手）: false")], "PIA206",
     (H, "  情報提供ネットワークシステムとの接続:\n    接続しない（入手）: false\n    接続しない（提供）: true\n    目的外の入手が行われるリスク:")),
    ("iii7-technical-insufficient", [(J, "      技術的対策:\n        選択: 十分に行っている", "      技術的対策:\n        選択: 十分に行っていない")],
     "PIA711", (J, "      技術的対策:")),
    # IV その他のリスク対策
    ("iv-self-inspection-insufficient", [(A, "    自己点検:\n      選択: 十分に行っている", "    自己点検:\n      選択: 十分に行っていない")],
     "PIA711", (A, "    自己点検:")),
    # V 開示請求
    ("v-fee-without-amount", [(A, "      選択: 無料\n      手数料額、納付方法:", "      選択: 有料\n      手数料額、納付方法:")], "PIA209",
     (A, "      選択: 有料\n      手数料額、納付方法:")),
    # VI 評価実施手続
    ("vi-invalid-date", [(A, "    実施日: 令和5年8月1日", "    実施日: 令和5年8月32日")], "PIA301", (A, "    実施日: 令和5年8月32日")),
    ("vi-short-consultation", [(A, "令和5年9月24日(日)(30日間)", "令和5年9月10日(日)(30日間)")], "PIA302", (A, "    実施日・期間:")),
    ("vi-date-order", [(A, "    実施日: 令和5年8月1日", "    実施日: 令和5年9月1日")], "PIA304", (A, "    実施日・期間:")),
    # 改訂・別添3
    ("revision-order", [(A, R6, R6 + "  - 変更日: 令和5年1月4日\n")], "PIA402", (A, "  - 変更日: 令和5年1月4日")),
    ("betten3-mixed-timing", [(A, "      個人番号通知カード・個人番号カードの管理機能\n    提出時期: 事後", "      個人番号通知カード・個人番号カードの管理機能\n    提出時期: 事前")],
     "PIA401", (A, "      個人番号通知カード・個人番号カードの管理機能\n    提出時期: 事前")),
]


def _line(text: str, needle: str) -> int:
    assert needle in text, needle
    return text[: text.index(needle) + len(needle.rstrip("\n"))].count("\n") + 1


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_reviewer_mutation_raises_its_rule_at_its_line(example: Path, capsys, case):
    _, edits, rule, (rel, needle) = case
    for f, old, new in edits:
        p = example / f
        text = p.read_text(encoding="utf-8")
        assert old in text, (f, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = _line((example / rel).read_text(encoding="utf-8"), needle)
    main(["check", str(example), "--format", "json"])
    found = [f for a in json.loads(capsys.readouterr().out)["assessments"] for f in a["findings"] if not f["suppressed"]]
    hits = [(Path(f["file"]).name, f["line"]) for f in found if f["rule_id"] == rule]
    assert (Path(rel).name, line) in hits, (rule, line, hits, [(f["rule_id"], f["line"]) for f in found][:8])


def test_the_table_covers_every_section_and_thirty_mutations():
    assert len(CASES) >= 30
    sections = {c[0].split("-")[0] for c in CASES}
    assert {"cover", "i1", "i6", "systems", "ii2", "ii4", "ii5", "iii2", "iii7", "iv", "v", "vi", "revision", "betten3"} <= sections
