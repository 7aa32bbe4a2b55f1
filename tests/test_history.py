"""History from git: the Setagaya example before and after its 令和6年1月4日 revision, and diff behaviour."""
from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import yaml

from conftest import EXAMPLE, git, pia

ROWS = yaml.safe_load((EXAMPLE / "assessment.yaml").read_text(encoding="utf-8"))["変更箇所の記録"]


def seed_row(label_part: str, before_part: str = "") -> dict:
    hits = [r for r in ROWS if r["変更日"] == "令和6年1月4日" and label_part in r["項目"] and before_part in str(r["変更前の記載"])]
    assert len(hits) == 1, (label_part, len(hits))
    return hits[0]


def dump(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def before_r6(folder: Path) -> None:
    """Turn the current example back into the version before 令和6年1月4日, from the seed's own 別添3 rows."""
    a = load(folder / "assessment.yaml")
    a["改訂"] = [{"変更日": "令和5年2月6日"}]
    a["評価実施手続"]["基礎項目評価"]["実施日"] = seed_row("1. 基礎項目評価 ①実施日")["変更前の記載"]
    # the r6 re-assessment's public consultation replaced the one of 令和2年 (seed row 「2. 国民・住民等からの意見の聴取」)
    a["評価実施手続"]["国民・住民等からの意見の聴取"]["実施日・期間"] = "令和2年2月15日(土)～令和2年3月16日(月)"
    dump(folder / "assessment.yaml", a)

    s = load(folder / "systems.yaml")["システム"]
    s[0]["システムの名称"] = seed_row("システム1 ①システムの名称")["変更前の記載"]
    gw = {"id": "juki-gw", "システムの名称": "住基GW", "システムの機能": "住基ネットとの中継", "他のシステムとの接続": ["既存住民基本台帳システム"]}
    dump(folder / "systems.yaml", {"システム": [s[0], gw] + s[1:8]})  # システム9 did not exist yet

    f1 = load(folder / "files/juki.yaml")
    use = f1["特定個人情報ファイルの概要"]["特定個人情報の入手・使用"]["使用の主体"]
    row = seed_row("3. 特定個人情報の入手・使用 ⑦使用の主体 使用部署※")
    assert use["使用部署"] == row["変更後の記載"]
    use["使用部署"] = row["変更前の記載"]
    recips = f1["特定個人情報ファイルの概要"]["特定個人情報の提供・移転"]["提供先"]
    extra = copy.deepcopy(recips[-1])
    extra.update(id="t60", 提供先="住基GWを通じた提供先")
    recips.append(extra)
    dump(folder / "files/juki.yaml", f1)

    for fid, label in (("honnin-kakunin", "(2)本人確認情報ファイル 3. 特定個人情報の入手・使用 ②入手方法"),
                       ("sofusaki", "(3)送付先情報ファイル 3. 特定個人情報の入手・使用 ②入手方法")):
        f = load(folder / f"files/{fid}.yaml")
        assert f["特定個人情報ファイルの概要"]["特定個人情報の入手・使用"]["入手方法"] == [{"その他": "住民記録システム"}]
        assert "住基GWシステム" in seed_row(label)["変更前の記載"]
        f["特定個人情報ファイルの概要"]["特定個人情報の入手・使用"]["入手方法"] = [{"その他": "住民記録システム、住基GWシステム"}]
        if fid == "sofusaki":
            row = seed_row("(3)送付先情報ファイル 3. 特定個人情報の入手・使用 ⑧使用方法")
            assert f["特定個人情報ファイルの概要"]["特定個人情報の入手・使用"]["使用方法"] == row["変更後の記載"]
            f["特定個人情報ファイルの概要"]["特定個人情報の入手・使用"]["使用方法"] = row["変更前の記載"]
        dump(folder / f"files/{fid}.yaml", f)


def test_history_reproduces_the_r6_revision_rows_of_seed_002(tmp_path: Path):
    repo = tmp_path / "repo"
    folder = repo / "assessments" / "setagaya-juki"
    shutil.copytree(EXAMPLE, folder)
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "t@example.jp")
    git(repo, "config", "user.name", "t")
    current = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*.yaml")}
    before_r6(folder)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "before 令和6年1月4日")
    (folder / "README.md").write_text("an unrelated edit that records no 変更日\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "no date")
    for rel, data in current.items():
        (folder / rel).write_bytes(data)
    git(repo, "commit", "-qam", "令和6年1月4日")

    r = pia("history", folder, "--format", "json")
    assert r.returncode == 0, r.stderr
    every = json.loads(r.stdout)
    rows = [x for x in every if x["評価書"] == "全項目評価書"]
    kiso = [x for x in every if x["評価書"] == "基礎項目評価書"]
    # the system names are written once (systems.yaml) and printed by the 基礎項目評価書 too: its own 変更箇所 lists
    # the change under its own label; the 基礎 has no ※, so the row is 事後
    assert [(x["変更日"], x["項目"], x["提出時期"]) for x in kiso] == [
        ("令和6年1月4日", "Ⅰ 関連情報 1. 特定個人情報ファイルを取り扱う事務 ③システムの名称", "事後")]
    assert "住基GW" in kiso[0]["変更前の記載"] and "住基GW" not in kiso[0]["変更後の記載"]
    assert rows and all(x["変更日"] == "令和6年1月4日" and x["提出時期"] == "事前" for x in rows)
    got = {(x["項目"], x["変更前の記載"] or "", x["変更後の記載"] or "") for x in rows}

    def has(label_end: str, before: str | None = None, after: str | None = None) -> bool:
        return any(lab.replace(" ", "").endswith(label_end.replace(" ", "")) and (before is None or b == before) and (after is None or a == after)
                   for lab, b, a in got)

    expected = [
        ("システム1①システムの名称", seed_row("システム1 ①システムの名称")["変更前の記載"], "住民記録システム(既存住民基本台帳システム)"),
        ("システム2", "システム2 住基GW", ""),                       # seed: システム2 全文 → (削除)
        ("システム2～8", "システム3～9", "システム2～8"),               # seed: システム3～9 renumbered
        ("システム9", "", None),                                     # seed: システム9 (追加)
        ("(1)住民基本台帳ファイル3.特定個人情報の入手・使用⑦使用の主体使用部署※", None, None),
        ("提供先60", None, ""),                                      # seed: 提供先60 (削除)
        ("(2)本人確認情報ファイル3.特定個人情報の入手・使用②入手方法", "その他（住民記録システム、住基GWシステム）", "その他（住民記録システム）"),
        ("(3)送付先情報ファイル3.特定個人情報の入手・使用②入手方法", None, None),
        ("(3)送付先情報ファイル3.特定個人情報の入手・使用⑧使用方法※", None, None),
        ("1.基礎項目評価①実施日", "令和5年1月10日", "令和5年8月1日"),
        ("2.国民・住民等からの意見の聴取②実施日・期間", "令和2年2月15日(土)～令和2年3月16日(月)", None),  # seed: 意見の聴取
    ]
    missing = [e for e in expected if not has(*e)]
    assert not missing, (missing, sorted(got)[:20])
    assert len(rows) == len(expected)

    # the rendered 別添3 holds the recorded rows first, then the derived ones
    out = tmp_path / "out"
    r = pia("render", folder, "--out", out, "--format", "html")
    assert r.returncode == 0, r.stderr
    html = (out / "setagaya-juki.html").read_text(encoding="utf-8")
    b3 = html[html.index('id="sec-B3"'):]
    assert b3.index("平成28年4月1日") < b3.index("システム3～9") and b3.count("令和6年1月4日") >= 31 + len(rows)
    basic = (out / "setagaya-juki-kiso.html").read_text(encoding="utf-8")
    changes = basic[basic.index('id="sec-changes"'):]
    assert "令和6年1月4日" in changes and "③システムの名称" in changes and "個人番号カード交付進捗管理システム" in changes


def test_insertion_in_the_middle_gives_compact_rows(example: Path, tmp_path: Path):
    old = tmp_path / "old"
    shutil.copytree(example, old)
    f = example / "files/juki.yaml"
    data = load(f)
    recips = data["特定個人情報ファイルの概要"]["特定個人情報の提供・移転"]["提供先"]
    new = copy.deepcopy(recips[0])
    new.update(id="t-new", 提供先="新たな提供先")
    recips.insert(34, new)
    del recips[10]  # and delete 提供先11
    dump(f, data)  # re-dumped: formatting and key order change too, which must not show
    r = pia("diff", old, example, "--format", "json")
    changes = json.loads(r.stdout)
    kinds = sorted((c["kind"], c["label"].split(" ")[-1], c["before"].split(" ")[0], c["after"]) for c in changes)
    # 提供先11 deleted, 提供先12～34 move up one, the new one becomes 提供先34 (inserted at index 34, then 11 removed)
    assert kinds == sorted([("追加", "提供先34", "", "提供先34 新たな提供先"), ("削除", "提供先11", "提供先11", ""),
                            ("番号変更", "提供先11～33", "提供先12～34", "提供先11～33")]), kinds


def test_reformatting_yields_no_change(example: Path, tmp_path: Path):
    old = tmp_path / "old"
    shutil.copytree(example, old)
    for p in example.rglob("*.yaml"):
        data = load(p)
        p.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True, indent=4, width=40), encoding="utf-8")
    r = pia("diff", old, example)
    assert r.returncode == 0 and r.stdout.strip() == "変更はありません。"


def test_declared_exception_makes_a_starred_change_ex_post(example: Path, tmp_path: Path):
    old = tmp_path / "old"
    shutil.copytree(example, old)
    a = example / "assessment.yaml"
    a.write_text(a.read_text(encoding="utf-8").replace(
        "    説明: 標準準拠システムへの移行及びガバメントクラウドの利用\n",
        "    説明: 組織改正\n    例外:\n      - 項目: II 特定個人情報ファイルの概要 (1)住民基本台帳ファイル 3. 特定個人情報の入手・使用 ⑦使用の主体 使用部署 ※\n"
        "        種類: 形式的変更\n        理由: 組織の名称変更に伴う形式的な変更\n"), encoding="utf-8")
    a.write_text(a.read_text(encoding="utf-8").replace("変更日: 令和6年1月4日", "変更日: 令和7年4月1日"), encoding="utf-8")
    f = example / "files/juki.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("住民記録・戸籍課、世田谷総合支所区民係", "住民記録課、世田谷総合支所区民係", 1), encoding="utf-8")
    rows = json.loads(pia("diff", old, example, "--format", "json").stdout)
    assert len(rows) == 1 and rows[0]["starred"] and not rows[0]["important"]
    assert rows[0]["timing"] == "事後" and rows[0]["reason"] == "組織の名称変更に伴う形式的な変更"
    # without the declaration the same change is 重要な変更, submitted before the change
    a.write_text(re.sub(r"      - 項目: II 特定個人情報.*\n", "      - 項目: 存在しない項目\n", a.read_text(encoding="utf-8")), encoding="utf-8")
    rows = json.loads(pia("diff", old, example, "--format", "json").stdout)
    assert rows[0]["important"] and rows[0]["timing"] == "事前"


def test_non_starred_change_is_ex_post(example: Path, tmp_path: Path):
    old = tmp_path / "old"
    shutil.copytree(example, old)
    f = example / "files/juki.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("    時期・頻度: 随時", "    時期・頻度: 毎月", 1), encoding="utf-8")
    rows = json.loads(pia("diff", old, example, "--format", "json").stdout)
    assert len(rows) == 1 and not rows[0]["starred"] and rows[0]["timing"] == "事後"
    assert rows[0]["label"].endswith("提供先1 ⑦時期・頻度")


def test_history_from_a_folder_of_dated_snapshots(tmp_path: Path):
    snaps = tmp_path / "versions"
    shutil.copytree(EXAMPLE, snaps / "v1")
    shutil.copytree(EXAMPLE, snaps / "v2")
    a = snaps / "v2" / "assessment.yaml"
    a.write_text(a.read_text(encoding="utf-8").replace("  - 変更日: 令和6年1月4日\n", "  - 変更日: 令和6年1月4日\n  - 変更日: 2025-04-01\n"), encoding="utf-8")
    f = snaps / "v2" / "files/juki.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("    時期・頻度: 随時", "    時期・頻度: 毎月", 1), encoding="utf-8")
    rows = json.loads(pia("history", snaps, "--format", "json").stdout)
    assert [(r["変更日"], r["提出時期"], r["変更後の記載"]) for r in rows] == [("令和7年4月1日", "事後", "毎月")]
