"""Blanks in every form (PIA501): a blank skeleton of each kind reports each required item; what may stay blank is
declared with its condition (a flag saying the risk does not exist, the 基礎's facts printed from the main document,
an item the document's form version does not have)."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from conftest import ROOT, pia

KISO = ROOT / "assessments" / "marumaru-kiso"
JUTEN = ROOT / "assessments" / "marumaru-juten"

# PIA501 per file of a blank skeleton: (kind, {file: count})
SKELETONS = {
    # cover 5, I 12, II 5 (three answers, two 計数時点), III 1, IV 16 (IV 4〜6, 8, 11 while their flags are unticked)
    "基礎": {"kiso.yaml": 38},  # IV 1 (提出する評価書の種類) is filled by pia new
    # the 基礎 beside a 重点/全項目 holds its own items only: cover 4, II-1 計数時点, IV 16
    "重点": {"juten.yaml": 31, "systems.yaml": 3, "file1.yaml": 64, "kiso.yaml": 20},
    "全項目": {"assessment.yaml": 44, "systems.yaml": 3, "file1.yaml": 160, "kiso.yaml": 20},
}


def _findings(folder: Path) -> list[dict]:
    r = pia("check", folder, "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    return [f for a in json.loads(r.stdout)["assessments"] for f in a["findings"]]


def _blanks(folder: Path) -> list[dict]:
    return [f for f in _findings(folder) if f["rule_id"] == "PIA501" and not f["suppressed"]]


@pytest.fixture(scope="module")
def skeletons(tmp_path_factory) -> dict[str, list[dict]]:
    root = tmp_path_factory.mktemp("skeletons")
    out = {}
    for kind in SKELETONS:
        r = pia("new", f"x-{kind}", "--kind", kind, "--dir", root)
        assert r.returncode == 0, r.stderr
        out[kind] = _blanks(root / f"x-{kind}")
    return out


@pytest.mark.parametrize("kind", list(SKELETONS))
def test_a_blank_skeleton_reports_every_required_item(skeletons, kind: str):
    counts = Counter(Path(f["file"]).name for f in skeletons[kind])
    assert dict(counts) == SKELETONS[kind]


def test_the_skeletons_name_the_items_a_reviewer_looks_for(skeletons):
    def paths(kind: str, file: str) -> list[str]:
        return [f["item_path"] for f in skeletons[kind] if Path(f["file"]).name == file]

    kiso = paths("基礎", "kiso.yaml")
    for label in ("評価実施機関名", "Ⅰ 関連情報 5. 評価実施機関における担当部署 ②所属長の役職名",
                  "Ⅱ しきい値判断項目 2. 取扱者数 いつ時点の計数か",
                  "Ⅳ リスク対策 4. 特定個人情報ファイルの取扱いの委託 委託先における不正な使用等のリスクへの対策は十分か",
                  "Ⅳ リスク対策 9. 監査 実施の有無"):  # (IV 1 is filled by pia new from the documents it makes)
        assert label in kiso, (label, kiso)
    # beside a 重点, the facts the 重点 holds are not asked of the 基礎 again
    assert not [p for p in paths("重点", "kiso.yaml") if p.startswith("Ⅰ") or p == "評価実施機関名"]
    juten = paths("重点", "juten.yaml")
    assert "評価実施機関名" in juten and any(p.startswith("Ⅰ 基本情報 1. 特定個人情報ファイルを取り扱う事務 ②事務の概要") for p in juten)
    assert not [p for p in juten if "意見の聴取" in p or "第三者点検" in p]  # 【任意】 in the 重点
    risks = [p for p in paths("重点", "file1.yaml") if p.startswith("Ⅲ")]
    assert any("委託先における不正な使用等のリスク" in p for p in risks), risks


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_examples_have_no_blank(tmp_path: Path):
    for folder in (KISO, JUTEN, ROOT / "assessments" / "setagaya-juki"):
        assert not _blanks(folder), folder


def test_a_kiso_answer_is_required_exactly_when_its_flag_says_the_risk_exists(tmp_path: Path):
    folder = _copy(KISO, tmp_path / "kiso")
    k = folder / "kiso.yaml"
    assert not _blanks(folder)  # 提供・移転しない is ticked: its answer stays blank
    _edit(k, "    提供・移転しない: true", "    提供・移転しない: false")
    _edit(k, "  提出する特定個人情報保護評価書の種類: 基礎項目評価書", "  提出する特定個人情報保護評価書の種類:")
    _edit(k, "    実施の有無:\n      - 自己点検\n      - 内部監査\n", "    実施の有無:\n")
    _edit(k, "    委託先における不正な使用等のリスクへの対策は十分か: 十分である", "    委託先における不正な使用等のリスクへの対策は十分か:")
    found = {f["item_path"].rsplit(" ", 1)[-1] for f in _blanks(folder)}
    assert found == {"不正な提供・移転が行われるリスクへの対策は十分か", "提出する特定個人情報保護評価書の種類", "実施の有無",
                     "委託先における不正な使用等のリスクへの対策は十分か"}, found
    _edit(k, "    委託しない: false", "    委託しない: true")  # no outsourcing: that answer may stay blank
    assert "委託先における不正な使用等のリスクへの対策は十分か" not in {f["item_path"].rsplit(" ", 1)[-1] for f in _blanks(folder)}


def test_an_item_added_in_a_later_version_is_required_only_from_that_version(tmp_path: Path):
    folder = _copy(KISO, tmp_path / "kiso")
    k = folder / "kiso.yaml"
    text = k.read_text(encoding="utf-8")
    start, end = text.index("  人手を介在させる作業:\n"), text.index("  監査:\n")
    k.write_text(text[:start] + text[end:], encoding="utf-8")  # IV 8 left out
    assert {f["item_path"].rsplit(" ", 1)[-1] for f in _blanks(folder)} == {"人為的ミスが発生するリスクへの対策は十分か", "判断の根拠"}
    _edit(k, "様式: 平成30年5月 様式2", "様式: 平成29年5月 様式2")  # a version without IV 8
    assert not _blanks(folder)


def test_a_juten_risk_answer_is_required_unless_its_flag_is_ticked(tmp_path: Path):
    folder = _copy(JUTEN, tmp_path / "juten")
    f = folder / "juten" / "kokuho.yaml"
    text = f.read_text(encoding="utf-8")
    assert "    提供・移転しない: true" in text
    _edit(f, "    提供・移転しない: true", "    提供・移転しない: false")
    found = [x for x in _blanks(folder) if x["file"].endswith("kokuho.yaml")]
    assert found and all("5. 特定個人情報の提供・移転" in x["item_path"] for x in found), found
