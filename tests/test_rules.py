"""Each rule: a real variant of the example that triggers it, and the example itself that does not."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLE, pia
from pia.analysis.catalog import rules

RULES = {s.id: s for s in rules()}

A, S, J, H, F3 = "assessment.yaml", "systems.yaml", "files/juki.yaml", "files/honnin-kakunin.yaml", "files/sofusaki.yaml"

# rule -> list of (file, old, new) edits that make the example break that rule
TRIGGERS: dict[str, list[tuple[str, str, str]]] = {
    "PIA054": [(A, "公表日:", "公表日: 2025/4/1")],
    "PIA056": [(A, "評価実施機関名: 東京都世田谷区長", "評価実施機関名: 東京都世田谷区長 #123")],
    "PIA700": [(J, "        法令上の根拠: 番号法第19条第8号 別表第2の1", "        法令上の根拠: 番号法第19条第11号")],
    "PIA701": [(A, "  - 変更日: 令和6年1月4日\n", "  - 変更日: 令和6年1月4日\n  - 変更日: 令和7年4月1日\n")],
    "PIA702": [(A, "      ・第7条（指定及び通知）\n", "      ・第7条（指定及び通知）\n      ・行政機関の保有する個人情報の保護に関する法律第3条\n")],
    "PIA703": [(H, "        法令上の根拠: 住基法第14条(住民基本台帳の正確な記録を確保するための措置)", "        法令上の根拠: 住基法による")],
    "PIA704": [(J, "        法令上の根拠: 番号法第9条第2項（条例による利用）", "        法令上の根拠: 住基法第1条")],
    "PIA705": [(A, "    実施の有無: 実施する", "    実施の有無: 実施しない")],
    "PIA710": [(H, "      - 個人番号\n", "")],
    "PIA711": [(H, "      リスクへの対策は十分か: 十分である", "      リスクへの対策は十分か: 課題が残されている")],
    "PIA712": [(H, "        選択: 行っている", "        選択: 行っていない")],
    "PIA713": [(A, "公表日:", "公表日: 令和6年2月1日")],
    "PIA101": [(A, "    対象人数: 30万人以上", "    対象人数: 1,000人未満")],
    "PIA102": [(A, "  特定個人情報に関する重大事故: 発生なし", "  特定個人情報に関する重大事故: 発生あり")],
    "PIA103": [(A, "    対象人数: 30万人以上", "    対象人数: 1万人以上10万人未満")],
    "PIA104": [(A, "    - sofusaki", "    - sofusaki\n    - kojin")],
    "PIA105": [(A, "    実施の有無: 実施する", "    実施の有無: 実施しない")],
    "PIA106": [(S, "      - その他: 個人番号カード予約システム", "      - その他:")],
    "PIA107": [(A, "    - 表題: 《住民基本台帳に関する事務の内容(1) 既存住基システムを中心とした事務の流れ》\n",
                "    - 表題: 《住民基本台帳に関する事務の内容(1) 既存住基システムを中心とした事務の流れ》\n      図: figures/none.png\n")],
    "PIA201": [(J, "      - 移転を行っている: 1", "      - 移転を行っている: 2")],
    "PIA202": [(H, "      件数: 1", "      件数: 2")],
    "PIA203": [(H, "          再委託の有無: 再委託する", "          再委託の有無: 再委託しない")],
    "PIA204": [(H, "          再委託の有無: 再委託する", "          再委託の有無: 再委託しない")],
    "PIA205": [(H, "    記録される項目: 10項目以上50項目未満", "    記録される項目: 10項目未満")],
    "PIA206": [(H, "    接続しない（入手）: true", "    接続しない（入手）: false")],
    "PIA207": [(H, "    接続しない（提供）: true", "    接続しない（提供）: false")],
    "PIA208": [(H, "    提供・移転しない: false", "    提供・移転しない: true")],
    "PIA209": [(A, "      選択: 無料\n", "      選択: 有料\n")],
    "PIA210": [(H, "    対象となる本人の数: 10万人以上100万人未満", "    対象となる本人の数: 1万人未満")],
    "PIA211": [(S, "  - id: juki-net", "  - id: juki-kizon")],
    "PIA301": [(A, "    実施日: 令和5年8月1日", "    実施日: 令和5年8月32日")],
    "PIA302": [(A, "令和5年9月24日(日)(30日間)", "令和5年9月10日(日)(30日間)")],
    "PIA309": [(A, "令和5年8月25日(金)～令和5年9月24日(日)(30日間)", "8月下旬から1か月")],
    "PIA303": [(A, "令和5年9月24日(日)(30日間)", "令和5年9月24日(日)(20日間)")],
    "PIA304": [(A, "    実施日: 令和5年8月1日", "    実施日: 令和5年9月1日")],
    "PIA305": [(A, "公表日:", "公表日: 令和5年12月1日  #")],
    "PIA401": [(A, "    提出時期: 事後", "    提出時期: 事前")],
    "PIA402": [(A, "  - 変更日: 令和6年1月4日\n", "  - 変更日: 令和6年1月4日\n  - 変更日: 令和5年1月4日\n")],
    "PIA501": [(A, "    部署: 住民記録・戸籍課", "    部署:")],
    "PIA502": [(A, "    部署: 住民記録・戸籍課", "    部署: —")],
    "PIA504": [(A, "  他の評価実施機関: —", "  他の評価実施機関: ー")],
    "PIA503": [(A, "    部署: 住民記録・戸籍課", "    部署: '=1+1'")],
}


def _findings(folder: Path) -> list[dict]:
    r = pia("check", folder, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    return [f for f in json.loads(r.stdout)["assessments"][0]["findings"] if not f["suppressed"]]


def test_every_rule_has_a_trigger():
    from test_forms import FORM_TRIGGERS  # the form-family rules trigger on the 基礎/重点 examples too
    from test_review_forms import CASES  # and the rules of the 基礎/重点 only

    assert set(TRIGGERS) | set(FORM_TRIGGERS) | {c[3] for c in CASES} == set(RULES)


def test_the_example_triggers_no_rule():
    assert _findings(EXAMPLE) == []


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_rule_triggers_on_a_real_variant(example: Path, rule_id: str):
    for rel, old, new in TRIGGERS[rule_id]:
        f = example / rel
        text = f.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        f.write_text(text.replace(old, new, 1), encoding="utf-8")
    found = _findings(example)
    hits = [f for f in found if f["rule_id"] == rule_id]
    assert hits, [(f["rule_id"], f["message"]) for f in found]
    h = hits[0]
    assert h["line"] >= 1 and h["item_path"] and h["severity"] == RULES[rule_id].severity.value or rule_id in ("PIA101", "PIA302")


# the words a rule says for its trigger: a count is a number of 件, not a form's blank 「（2）件」; a date is asked for
# in the form's way, never in one another rule (PIA054) then warns about
WORDING = {"PIA201": ("「移転を行っている」の件数を2件としていますが、移転先は1件書かれています。", "件数を1に直す"),
           "PIA202": ("委託の件数を2件としていますが、委託事項は1件書かれています。", "件数を1にする"),
           "PIA301": ("「令和5年8月32日」を日付として読めません。", "「令和5年8月1日」の形（様式の書き方）で書いてください。")}


@pytest.mark.parametrize("rule_id", sorted(WORDING))
def test_rule_wording(example: Path, rule_id: str):
    for rel, old, new in TRIGGERS[rule_id]:
        f = example / rel
        f.write_text(f.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    hit = next(f for f in _findings(example) if f["rule_id"] == rule_id)
    message, hint = WORDING[rule_id]
    assert hit["message"] == message and hint in hit["hint"] and "2023-" not in hit["hint"], hit
