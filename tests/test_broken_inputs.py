"""A corpus of broken variants of the real example: each must give its message at its line, never a traceback."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest

from conftest import pia

A, S, J = "assessment.yaml", "systems.yaml", "files/juki.yaml"


def replace(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    def f(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, count)
    return f


def line_of(needle: str) -> Callable[[str], int]:
    return lambda text: next(i for i, l in enumerate(text.splitlines(), 1) if needle in l)


CASES = [
    # (id, file, mutation, rule, message part, line finder on the mutated text)
    ("wrong-option", J, replace("対象となる本人の数: 10万人以上100万人未満", "対象となる本人の数: 10万人以上"), "PIA011", "選択肢にありません", line_of("対象となる本人の数: 10万人以上\n".strip())),
    ("option-width-variant", J, replace("ファイルの種類: システム用ファイル", "ファイルの種類: その他の電子ファイル(表計算ファイル等)"), "PIA011", "表記だけが違います", line_of("ファイルの種類:")),
    ("wrong-type-list-for-text", A, replace("評価実施機関名: 東京都世田谷区長", "評価実施機関名: [東京都世田谷区長]"), "PIA010", "文字", line_of("評価実施機関名:")),
    ("wrong-type-text-for-list", S, replace("    他のシステムとの接続:\n", "    他のシステムとの接続: 宛名システム等\n    x_removed:\n"), "PIA010", "一覧", line_of("他のシステムとの接続: 宛名")),
    ("wrong-type-flag", J, replace("委託しない: false", "委託しない: たぶん"), "PIA010", "「○」", line_of("委託しない: たぶん")),
    ("choice-without-details", J, replace("      ユーザ認証の管理:\n        選択: 行っている\n", "      ユーザ認証の管理: 行っている\n      _x:\n        選択: 行っている\n"), "PIA010", "分けて書く", line_of("ユーザ認証の管理: 行っている")),
    ("missing-required", A, replace("評価実施機関名: 東京都世田谷区長\n", ""), "PIA012", "「評価実施機関名」", lambda t: 2),
    ("unknown-key", A, replace("公表日:", "公表日:\n備考欄: メモ\n公表日_:", 1), "PIA013", "様式にありません", line_of("備考欄:")),
    ("misspelt-key", A, replace("評価実施機関名:", "評価実施期間名:"), "PIA013", "評価実施機関名", line_of("評価実施期間名:")),
    ("duplicate-key", A, replace("公表日:", "公表日:\n公表日:"), "PIA002", "重複", lambda t: line_of("公表日:")(t) + 1),
    ("alias-bomb", A, lambda t: "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n" + t, "PIA003", "エイリアス", lambda t: 2),
    ("python-tag", A, lambda t: t + "\nx: !!python/object/apply:os.system [echo hi]\n", "PIA004", "タグ", line_of("!!python")),
    ("custom-tag", S, replace("  - id: juki-net", "  - id: !secret juki-net"), "PIA004", "タグ", line_of("!secret")),
    ("ten-megabytes", A, lambda t: t + "\n#" + "あ" * (10 * 1024 * 1024 // 3), "PIA005", "大きすぎ", lambda t: 1),
    ("binary", A, None, "PIA006", "テキストファイルではありません", lambda t: 1),
    ("shift-jis", S, None, "PIA006", "UTF-8", line_of("システム:")),
    ("tab-indent", A, replace("\n  特定個人情報ファイルを取り扱う事務:\n", "\n\t特定個人情報ファイルを取り扱う事務:\n"), "PIA050", "タブ", line_of("\t特定個人情報ファイルを取り扱う事務")),
    ("empty-file", S, lambda t: "", "PIA001", "空です", lambda t: 1),
    ("comment-only", S, lambda t: "# まだ書いていない\n", "PIA001", "空です", lambda t: 1),
    ("colon-in-value", A, replace("評価実施機関名: 東京都世田谷区長", "評価実施機関名: 区長: 世田谷"), "PIA001", "コロン", line_of("区長: 世田谷")),
    ("bad-indent", A, replace("    事務の名称: 住民基本台帳に関する事務", "      事務の名称: 住民基本台帳に関する事務"), "PIA001", "", lambda t: line_of("事務の名称")(t) + 1),
    ("control-char", A, replace("評価実施機関名: 東京都世田谷区長", "評価実施機関名: 東京都\x07世田谷区長"), "PIA001", "制御文字", line_of("評価実施機関名")),
    ("top-level-list", S, lambda t: "- a\n- b\n", "PIA010", "最上位", lambda t: 1),
    ("deep-nesting", S, lambda t: "システム: " + "[" * 60 + "]" * 60 + "\n", "PIA007", "深すぎ", lambda t: 1),
    ("bad-id", S, replace("  - id: juki-net", "  - id: 住基ネット"), "PIA014", "ID", line_of("id: 住基ネット")),
    ("negative-count", J, replace("    件数: 1", "    件数: -1"), "PIA014", "負の数", line_of("件数: -1")),
    # not an identifier: the message names the item and the hint is the schema's (x-pia-pattern-hint), not the ID rule
    ("bad-version-tag", A, replace("評価書番号:", "様式: 令和6年 様式4\n評価書番号:", 1), "PIA014", "「様式」の「令和6年 様式4」は書き方",
     line_of("様式: 令和6年")),
    ("multi-unknown-option", S, replace("      - 既存住民基本台帳システム", "      - 住基システム"), "PIA011", "選択肢にありません", line_of("- 住基システム")),
    ("multi-two-keys", J, replace("      - 提供を行っている: 58", "      - {提供を行っている: 58, 移転を行っている: 1}"), "PIA011", "選択肢にありません", line_of("{提供を行っている")),
    ("missing-systems-file", S, None, "PIA012", "systems.yaml", lambda t: 1),
    ("html-in-text-is-fine-but-count-rule", J, replace("      - 移転を行っている: 1", "      - 移転を行っている: 2"), "PIA201", "移転先は1件", line_of("移転を行っている: 2")),
    ("html-and-formula-text", A, replace("評価実施機関名: 東京都世田谷区長", "評価実施機関名: '=HYPERLINK(\"http://x\",\"<b>区長</b>\")'"), "PIA503", "数式", line_of("HYPERLINK")),
    ("dash-where-not-allowed", A, replace("    事務の名称: 住民基本台帳に関する事務", "    事務の名称: —"), "PIA502", "「—」", line_of("事務の名称: —")),
    ("empty-required-value", A, replace("評価実施機関名: 東京都世田谷区長", "評価実施機関名:"), "PIA501", "未記入", line_of("評価実施機関名:")),
    ("unknown-file-reference", A, replace("    - sofusaki", "    - sofusaki\n    - kojin"), "PIA104", "files/kojin.yaml", line_of("- kojin")),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_broken_variant(example: Path, case):
    name, rel, mutate, rule, part, find_line = case
    target = example / rel
    if name == "binary":
        target.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR" + bytes(range(256)))
        text = ""
    elif name == "shift-jis":
        text = target.read_text(encoding="utf-8")
        target.write_bytes(text.encode("cp932", errors="replace"))
    elif name == "missing-systems-file":
        target.unlink()
        text = ""
    else:
        text = mutate(target.read_text(encoding="utf-8"))
        target.write_text(text, encoding="utf-8")
    r = pia("check", example, "--format", "json")
    assert "Traceback" not in r.stdout + r.stderr
    assert r.returncode in (0, 1), r.stderr
    findings = json.loads(r.stdout)["assessments"][0]["findings"]
    hits = [f for f in findings if not f["suppressed"] and f["rule_id"] == rule and part in f["message"] + f["hint"] and f["file"].endswith(rel)]
    assert hits, [(f["rule_id"], f["file"], f["line"], f["message"]) for f in findings][:10]
    assert hits[0]["line"] == find_line(text), (hits[0], find_line(text))
    if rule in ("PIA011", "PIA013", "PIA012", "PIA010") and name not in ("top-level-list", "missing-systems-file"):
        assert hits[0]["item_path"], hits[0]


def test_did_you_mean_suggests_the_official_label(example: Path):
    f = example / A
    f.write_text(f.read_text(encoding="utf-8").replace("評価実施機関名:", "評価実施期間名:"), encoding="utf-8")
    r = pia("check", example)
    assert "「評価実施機関名」の誤りではありませんか" in r.stdout


def test_wrong_option_lists_the_official_options(example: Path):
    f = example / J
    f.write_text(f.read_text(encoding="utf-8").replace("対象となる本人の数: 10万人以上100万人未満", "対象となる本人の数: たくさん", 1), encoding="utf-8")
    r = pia("check", example)
    assert "1) 1万人未満 2) 1万人以上10万人未満 3) 10万人以上100万人未満" in r.stdout
    assert "Ⅱ 特定個人情報ファイルの概要 (1)住民基本台帳ファイル 2. 基本情報 ②対象となる本人の数" in r.stdout


def test_a_yml_beside_its_yaml_is_reported_not_dropped(tmp_path: Path):
    # files/x.yaml and files/x.yml would be one document: the .yaml is read (its errors too), the .yml is named
    import shutil

    from conftest import EXAMPLE
    from pia.document import assessment as asm

    folder = tmp_path / "juki"
    shutil.copytree(EXAMPLE, folder)
    yml = folder / "files" / "sofusaki.yml"
    yml.write_bytes((folder / "files" / "sofusaki.yaml").read_bytes())
    with (folder / "files" / "sofusaki.yaml").open("a", encoding="utf-8") as fh:
        fh.write("bogus_key: 1\n")
    r = pia("check", folder, "--format", "json")
    found = {(Path(f["file"]).name, f["rule_id"]) for a in json.loads(r.stdout)["assessments"] for f in a["findings"]}
    assert r.returncode == 1 and {("sofusaki.yml", "PIA026"), ("sofusaki.yaml", "PIA013")} <= found, found
    # a version read from git (file contents) gives the same
    texts = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    a = asm.from_texts("juki", texts)
    assert [f.rule_id for f in a.load_findings if f.file.endswith("sofusaki.yml")] == ["PIA026"]
    assert "bogus_key" in a.docs["file:sofusaki"].data


def test_a_huge_count_is_a_count_mismatch_not_a_notation_warning(tmp_path: Path):
    # 99999999999999999999999 is written as a count should be: only the count against the list is wrong
    import shutil

    from conftest import ROOT

    folder = tmp_path / "j"
    shutil.copytree(ROOT / "assessments" / "marumaru-juten", folder)
    f = folder / "juten" / "kokuho.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("      件数: 1\n", "      件数: 99999999999999999999999\n", 1), encoding="utf-8")
    r = pia("check", folder, "--format", "json")
    ids = [x["rule_id"] for a in json.loads(r.stdout)["assessments"] for x in a["findings"] if not x["suppressed"]]
    assert "PIA202" in ids and "PIA055" not in ids, ids


def test_render_refuses_a_folder_with_a_file_it_could_not_read(tmp_path: Path):
    # juten.yaml unreadable: the outputs would be the document without its content, looking complete
    import shutil

    from conftest import ROOT

    folder = tmp_path / "j"
    shutil.copytree(ROOT / "assessments" / "marumaru-juten", folder)
    f = folder / "juten.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("事務の名称: ", "事務の名称: [", 1), encoding="utf-8")
    r = pia("render", folder, "--out", tmp_path / "out", "--format", "html,xlsx")
    assert r.returncode == 2 and "読めないファイルがあるため、出力しません" in r.stderr and "juten.yaml:" in r.stderr
    assert not (tmp_path / "out").exists()
