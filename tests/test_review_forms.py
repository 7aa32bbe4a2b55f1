"""Reviewer mutations of the 基礎 and 重点 examples: each raises a finding the example does not have.

The same mistakes a PPC or council reviewer rejects in a 全項目評価書 (tests/test_review_mutations.py) are caught in the
重点項目評価書 (juten.yaml and its per-file entries juten/*.yaml), in the 基礎項目評価書 of a 重点 事務 and in a
基礎-only 事務: the rules are written against concepts (schemas/forms.json) and run on every form that has the items.
A case edits files of an example (old -> new, first occurrence) and names the rule and the file it must report in.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ROOT, pia

KI, JU = "marumaru-kiso", "marumaru-juten"
K, JM, JF = "kiso.yaml", "juten.yaml", "juten/kokuho.yaml"
RECIPIENT_BASIS = "        法令上の根拠: 番号法第19条第8号に基づく主務省令第2条の表の国民健康保険法による保険給付の支給に関する事務の項"
NETWORK_FLAGS = "    接続しない（入手）: false\n    接続しない（提供）: false"
REVISIONS = "変更箇所: []"  # 改訂 and 変更箇所 rows are added in front of / instead of this line


def _rows(*rows: tuple[str, str]) -> str:
    return "変更箇所:\n" + "".join(f"  - 変更日: {d}\n    項目: 特記事項\n    変更前の記載: —\n    変更後の記載: —\n    提出時期: {t}\n"
                                  f"    提出時期に係る説明: —\n" for d, t in rows)


TRANSFEREE = """    移転先:
      - id: zeimu
        移転先: 〇〇市税務課
        法令上の根拠: 地方税法第1条
        移転先における用途: 国民健康保険税の賦課
        移転する情報: 被保険者の資格に関する情報
        移転する情報の対象となる本人の数: 10万人以上100万人未満
        移転する情報の対象となる本人の範囲: 「2. ③対象となる本人の範囲」と同じ
        移転方法:
          - 庁内連携システム
        時期・頻度: 随時
"""

# (name, example, edits [(file, old, new)], rule, file the finding is in)
CASES = [
    # 重点: II 特定個人情報ファイルの概要 (juten/kokuho.yaml)
    ("ju-recipient-count", JU, [(JF, "      - 提供を行っている: 1", "      - 提供を行っている: 2")], "PIA201", JF),
    ("ju-recipient-not-ticked", JU, [(JF, "      - 提供を行っている: 1", "      - 行っていない")], "PIA201", JF),
    ("ju-recipient-basis-blank", JU, [(JF, RECIPIENT_BASIS, "        法令上の根拠:")], "PIA501", JF),
    ("ju-outsourcing-count", JU, [(JF, "      件数: 1", "      件数: 2")], "PIA202", JF),
    ("ju-outsourcing-none-but-listed", JU, [(JF, "      選択: 委託する", "      選択: 委託しない")], "PIA202", JF),
    ("ju-no-outsourcing-ticked", JU, [(JF, "    委託しない: false", "    委託しない: true")], "PIA202", JF),
    ("ju-subcontract-without-item", JU, [(JF, "        再委託の有無: 再委託しない", "        再委託の有無: 再委託する")], "PIA203", JF),
    ("ju-no-individual-number", JU, [(JF, "      - 個人番号\n      - その他識別情報", "      - その他識別情報")], "PIA710", JF),
    ("ju-records-band", JU, [(JF, "    記録される項目: 10項目未満", "    記録される項目: 50項目以上100項目未満")], "PIA205", JF),
    ("ju-network-basis-19-11", JU, [(JF, RECIPIENT_BASIS, "        法令上の根拠: 番号法第19条第11号")], "PIA700", JF),
    ("ju-recipient-table2", JU, [(JF, RECIPIENT_BASIS, "        法令上の根拠: 番号法第19条第8号 別表第2の30")], "PIA701", JF),
    ("ju-basis-without-article", JU, [(JF, RECIPIENT_BASIS, "        法令上の根拠: 法令による"),
                                      (JF, "          - 情報提供ネットワークシステム\n        時期", "          - 紙\n        時期")], "PIA703", JF),
    ("ju-transfer-basis", JU, [(JF, "      - 提供を行っている: 1", "      - 提供を行っている: 1\n      - 移転を行っている: 1"),
                               (JF, "    移転先: []\n", TRANSFEREE)], "PIA704", JF),
    ("ju-not-connected-but-risks", JU, [(JF, "    接続しない（入手）: false", "    接続しない（入手）: true")], "PIA206", JF),
    ("ju-not-connected-but-network", JU, [(JF, "    接続しない（入手）: false", "    接続しない（入手）: true")], "PIA207", JF),
    ("ju-no-provision-unticked", JU, [(JF, "    提供・移転しない: true", "    提供・移転しない: false")], "PIA208", JF),
    ("ju-risk-insufficient", JU, [(JF, "      リスクへの対策は十分か: 十分である", "      リスクへの対策は十分か: 課題が残されている")], "PIA711", JF),
    ("ju-recipient-persons-over", JU, [(JF, "        提供する情報の対象となる本人の数: 10万人以上100万人未満",
                                        "        提供する情報の対象となる本人の数: 100万人以上1,000万人未満")], "PIA210", JF),
    ("ju-duplicate-id", JU, [(JF, "      件数: 1", "      件数: 2"),
                             (JF, "        再委託事項:\n", "        再委託事項:\n      - id: unyo\n        委託内容: 帳票の印刷\n"
                                                       "        委託先における取扱者数: 10人未満\n        委託先名: 株式会社〇〇印刷\n"
                                                       "        再委託の有無: 再委託しない\n        再委託事項:\n")], "PIA211", JF),
    ("ju-other-without-text", JU, [(JF, "      - 評価実施機関内の他部署: 市民課、税務課", "      - 評価実施機関内の他部署:")], "PIA106", JF),
    ("ju-formula", JU, [(JF, "    使用目的: 国民健康保険", "    使用目的: =国民健康保険")], "PIA503", JF),
    # 重点: the main document (juten.yaml)
    ("ju-persons-below-file", JU, [(JM, "    対象人数: 10万人以上30万人未満", "    対象人数: 1万人以上10万人未満")], "PIA103", JM),
    ("ju-body-name-blank", JU, [(JM, "評価実施機関名: 〇〇市長", "評価実施機関名:")], "PIA501", JM),
    ("ju-fee-without-amount", JU, [(JM, "      選択: 無料", "      選択: 有料")], "PIA209", JM),
    ("ju-audit-insufficient", JU, [(JM, "    自己点検:\n      選択: 十分に行っている", "    自己点検:\n      選択: 十分に行っていない")], "PIA711", JM),
    ("ju-education-insufficient", JU, [(JM, "  従業者に対する教育・啓発:\n    従業者に対する教育・啓発:\n      選択: 十分に行っている",
                                        "  従業者に対する教育・啓発:\n    従業者に対する教育・啓発:\n      選択: 十分に行っていない")], "PIA711", JM),
    ("ju-kiso-done-after-published", JU, [(JM, "    実施日: 令和6年4月15日", "    実施日: 令和6年7月1日")], "PIA304", JM),
    ("ju-inspection-after-published", JU, [(JM, "  第三者点検:\n    実施日:", "  第三者点検:\n    実施日: 令和6年7月1日")], "PIA304", JM),
    ("ju-consultation-after-published", JU, [(JM, "    実施日・期間:", "    実施日・期間: 令和6年5月1日から令和6年6月30日まで")], "PIA304", JM),
    ("ju-consultation-days", JU, [(JM, "    実施日・期間:", "    実施日・期間: 令和6年4月16日から令和6年5月15日まで（20日間）")], "PIA303", JM),
    ("ju-linkage-table2", JU, [(JM, "    法令上の根拠: 番号法第19条第8号及び同号に基づく主務省令", "    法令上の根拠: 番号法第19条第7号 別表第二の42の項")], "PIA701", JM),
    ("ju-linkage-not-done", JU, [(JM, "    実施の有無: 実施する", "    実施の有無: 実施しない")], "PIA705", JM),
    ("ju-linkage-basis-19-11", JU, [(JM, "    法令上の根拠: 番号法第19条第8号及び同号に基づく主務省令", "    法令上の根拠: 番号法第19条第11号")], "PIA705", JM),
    ("ju-linkage-but-never-connected", JU, [(JF, NETWORK_FLAGS, NETWORK_FLAGS.replace("false", "true"))], "PIA105", JM),
    ("ju-file-list-typo", JU, [(JM, "    - kokuho", "    - kokuh")], "PIA104", JM),
    ("ju-revision-order", JU, [(JM, REVISIONS, "改訂:\n  - 変更日: 令和7年4月1日\n  - 変更日: 令和6年10月1日\n" + REVISIONS)], "PIA402", JM),
    ("ju-reassessed-after-published", JU, [(JM, REVISIONS, "改訂:\n  - 変更日: 令和7年4月1日\n    再評価:\n      状況: 実施済み\n"
                                                            "      日付: 令和7年3月1日\n" + REVISIONS)], "PIA306", JM),
    ("ju-change-rows-mixed-timing", JU, [(JM, REVISIONS, _rows(("令和5年4月1日", "事前"), ("令和5年4月1日", "事後")))], "PIA401", JM),
    ("ju-abolished-ordinance", JU, [(JM, "特記事項: 国民健康保険システム", "特記事項: 〇〇市個人情報保護条例に基づき、国民健康保険システム")], "PIA702", JM),
    ("ju-handlers-counted-after-published", JU, [(JM, "  取扱者数の計数時点: 令和6年4月1日時点", "  取扱者数の計数時点: 令和6年7月1日時点")], "PIA307", JM),
    ("ju-unreadable-date", JU, [(JM, "公表日: 令和6年6月1日", "公表日: 令和6年6月31日")], "PIA301", JM),
    # 基礎 of the 重点 事務 (kiso.yaml beside juten.yaml)
    ("ju-kiso-published-before-kiso-done", JU, [(K, "公表日: 令和6年6月1日", "公表日: 令和6年4月1日")], "PIA304", K),
    ("ju-kiso-network-flag-vs-files", JU, [(K, "    接続しない（入手）: false", "    接続しない（入手）: true")], "PIA807", K),
    ("ju-kiso-i4-vs-iv6", JU, [(K, NETWORK_FLAGS, NETWORK_FLAGS.replace("false", "true"))], "PIA105", K),
    ("ju-kiso-provision-flag-vs-files", JU, [(K, "    提供・移転しない: true", "    提供・移転しない: false")], "PIA807", K),
    ("ju-kiso-counted-after-published", JU, [(K, "    いつ時点の計数か: 令和6年4月1日時点", "    いつ時点の計数か: 令和6年8月1日時点")], "PIA307", K),
    ("ju-kiso-education-insufficient", JU, [(K, "  従業者に対する教育・啓発: 十分に行っている", "  従業者に対する教育・啓発: 十分に行っていない")], "PIA711", K),
    ("ju-kiso-audit-unticked", JU, [(K, "    実施の有無:\n      - 自己点検\n      - 内部監査\n", "    実施の有無: []\n")], "PIA501", K),
    # 基礎-only 事務 (kiso.yaml)
    ("ki-not-connected-but-answered", KI, [(K, "    接続しない（入手）: false", "    接続しない（入手）: true")], "PIA206", K),
    ("ki-iv-answer-blank", KI, [(K, "    委託先における不正な使用等のリスクへの対策は十分か: 十分である",
                                 "    委託先における不正な使用等のリスクへの対策は十分か:")], "PIA501", K),
    ("ki-body-name-blank", KI, [(K, "評価実施機関名: 〇〇市長", "評価実施機関名:")], "PIA501", K),
    ("ki-i4-vs-iv6", KI, [(K, NETWORK_FLAGS, NETWORK_FLAGS.replace("false", "true"))], "PIA105", K),
    ("ki-i4-not-done-but-connected", KI, [(K, "    実施の有無: 実施する", "    実施の有無: 実施しない")], "PIA105", K),
    ("ki-repeated-differs", KI, [(K, "    当該対策は十分か【再掲】: 十分である", "    当該対策は十分か【再掲】: 特に力を入れている")], "PIA308", K),
    ("ki-repeated-education-differs", KI, [(K, "    最も優先度が高いと考えられる対策: 権限のない者によって不正に使用されるリスクへの対策",
                                            "    最も優先度が高いと考えられる対策: 従業者に対する教育・啓発"),
                                           (K, "  従業者に対する教育・啓発: 十分に行っている", "  従業者に対する教育・啓発: 十分に行っていない")], "PIA308", K),
    ("ki-persons-counted-after-published", KI, [(K, "    いつ時点の計数か: 令和6年4月1日時点", "    いつ時点の計数か: 令和6年7月1日時点")], "PIA307", K),
    ("ki-handlers-counted-after-published", KI, [(K, "    選択: 500人未満\n    いつ時点の計数か: 令和6年4月1日時点",
                                                  "    選択: 500人未満\n    いつ時点の計数か: 令和7年4月1日時点")], "PIA307", K),
    ("ki-linkage-table2", KI, [(K, "    法令上の根拠: 番号法第19条第8号及び同号に基づく主務省令", "    法令上の根拠: 番号法第19条第7号 別表第二の16の2の項")], "PIA701", K),
    ("ki-abolished-ordinance", KI, [(K, "特記事項: なし", "特記事項: 〇〇市個人情報保護条例による")], "PIA702", K),
    ("ki-risk-insufficient", KI, [(K, "リスクへの対策は十分か: 十分である\n  人手", "リスクへの対策は十分か: 課題が残されている\n  人手")], "PIA711", K),
    ("ki-submitted-kind-blank", KI, [(K, "  提出する特定個人情報保護評価書の種類: 基礎項目評価書", "  提出する特定個人情報保護評価書の種類:")], "PIA501", K),
    ("ki-audit-unticked", KI, [(K, "    実施の有無:\n      - 自己点検\n      - 内部監査\n", "    実施の有無: []\n")], "PIA501", K),
    ("ki-unreadable-date", KI, [(K, "公表日: 令和6年6月1日", "公表日: 令和6年6月31日")], "PIA301", K),
    ("ki-revision-order", KI, [(K, REVISIONS, "改訂:\n  - 変更日: 令和7年4月1日\n  - 変更日: 令和6年10月1日\n" + REVISIONS)], "PIA402", K),
    ("ki-change-rows-mixed-timing", KI, [(K, REVISIONS, _rows(("令和5年4月1日", "事前"), ("令和5年4月1日", "事後")))], "PIA401", K),
    ("ki-formula", KI, [(K, "    部署: 健康福祉部健康づくり課", "    部署: '=1+1'")], "PIA503", K),
]


def _findings(folder: Path) -> list[dict]:
    r = pia("check", folder, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    return [f for f in json.loads(r.stdout)["assessments"][0]["findings"] if not f["suppressed"]]


_BEFORE: dict[str, set[tuple[str, str]]] = {}


def _baseline(name: str) -> set[tuple[str, str]]:
    if name not in _BEFORE:
        _BEFORE[name] = {(f["rule_id"], Path(f["file"]).name) for f in _findings(ROOT / "assessments" / name)}
    return _BEFORE[name]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_reviewer_mutation_of_a_kiso_or_juten_raises_a_new_finding(tmp_path: Path, case):
    _, name, edits, rule, rel = case
    folder = tmp_path / name
    shutil.copytree(ROOT / "assessments" / name, folder)
    for f, old, new in edits:
        p = folder / f
        text = p.read_text(encoding="utf-8")
        assert old in text, (f, old)
        p.write_text(text.replace(old, new, 1), encoding="utf-8")
    found = _findings(folder)
    hits = [f for f in found if f["rule_id"] == rule and f["file"].replace("\\", "/").endswith(rel)]
    assert hits, (rule, rel, [(f["rule_id"], Path(f["file"]).name, f["message"]) for f in found])
    assert (rule, Path(rel).name) not in _baseline(name)
    assert all(h["line"] >= 1 for h in hits)


def test_the_table_spreads_over_both_examples_and_every_class():
    assert len(CASES) >= 40
    by = {n: [c for c in CASES if c[1] == n] for n in (KI, JU)}
    assert len(by[KI]) >= 10 and len(by[JU]) >= 25
    assert {c[4] for c in by[JU]} == {JM, JF, K}  # the 重点's main document, a per-file entry and its 基礎
    rules = {c[3] for c in CASES}
    # the classes of the issue: lists and their bases, 委託・再委託, 個人番号, 件数, 十分か, 手数料, procedure dates, 別表第二,
    # blanks of the form, I-4 vs IV-6, 【再掲】, 計数時点, 再評価
    assert {"PIA201", "PIA202", "PIA203", "PIA710", "PIA711", "PIA209", "PIA304", "PIA701", "PIA501", "PIA105", "PIA308",
            "PIA307", "PIA306"} <= rules


@pytest.mark.parametrize("name", [KI, JU])
def test_the_examples_have_no_finding(name):
    assert _baseline(name) == set()


def test_a_juten_reassessment_before_the_previous_publication_is_caught_by_history_and_ci(tmp_path: Path):
    """A 重要な変更 re-assessed (実施済み) on a day before the 公表日 of the version it revises cannot be this revision's
    re-assessment: `pia history` and `pia ci` report PIA632; dated between the two 公表日, nothing is reported."""
    from test_history_kinds import OUTLINE, add_revision, commit, edit, repo_with

    repo, folder = repo_with(tmp_path, ROOT / "assessments" / JU, "kokuho")
    add_revision(folder / JM, "令和6年6月1日")
    commit(repo, "baseline")
    edit(folder / JM, OUTLINE, OUTLINE + "令和7年度から口座振替の申込みを電子で受け付ける。")
    edit(folder / JM, "公表日: 令和6年6月1日", "公表日: 令和7年3月1日")
    add_revision(folder / JM, "令和7年4月1日", "    再評価:\n      状況: 実施済み\n      日付: 令和6年5月1日\n")
    commit(repo)
    r = pia("history", folder)
    assert r.returncode == 1 and "[PIA632]" in r.stderr and "前回の公表日（令和6年6月1日）より前" in r.stderr, r.stderr
    r = pia("ci", "--base", "HEAD~1", "--head", "HEAD", cwd=repo)
    assert r.returncode == 1 and "PIA632" in r.stdout, r.stdout
    edit(folder / JM, "      日付: 令和6年5月1日", "      日付: 令和7年2月1日")
    commit(repo)
    r = pia("history", folder)
    assert "PIA632" not in r.stderr, r.stderr
    r = pia("ci", "--base", "HEAD~2", "--head", "HEAD", cwd=repo)
    assert "PIA632" not in r.stdout, r.stdout


@pytest.mark.parametrize("name, rel, tag, edit, rule", [
    (JU, JM, "平成26年4月 様式3", (JF, "      - 提供を行っている: 1", "      - 提供を行っている: 2"), "PIA201"),
    (KI, K, "平成26年4月 様式2", (K, NETWORK_FLAGS, NETWORK_FLAGS.replace("false", "true")), "PIA105"),
])
def test_the_rules_run_on_a_document_of_an_older_form_version(tmp_path: Path, name, rel, tag, edit, rule):
    """Concepts name items by code, whatever the version: a 重点/基礎 declared in the first 様式 is checked alike."""
    folder = tmp_path / name
    shutil.copytree(ROOT / "assessments" / name, folder)
    p = folder / rel
    text = p.read_text(encoding="utf-8")
    assert f"様式: 平成30年5月 {tag[-3:]}\n" in text
    p.write_text(text.replace(f"様式: 平成30年5月 {tag[-3:]}\n", f"様式: {tag}\n", 1), encoding="utf-8")
    assert {f["rule_id"] for f in _findings(folder)} == {"PIA821"}  # only "an older version"
    f, old, new = edit
    (folder / f).write_text((folder / f).read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    assert rule in {x["rule_id"] for x in _findings(folder)}
