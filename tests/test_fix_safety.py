"""`pia fix` never makes a file worse: every finding whose hint says 「pia fix --write で直せます」 is fixed by it (the
registry is walked for them), each fix leaves no new finding, and a fix that would add one is left out with a note."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT, pia
from pia.analysis import fix
from pia.analysis.catalog import specs

KISO, JUTEN = ROOT / "assessments" / "marumaru-kiso", ROOT / "assessments" / "marumaru-juten"
K, J = "kiso.yaml", "files/juki.yaml"

# (finding, folder, file, text, the same text as staff mistype it)
TRIGGERS = [
    ("PIA050", KISO, K, "    部署: 健康福祉部健康づくり課", "\t部署: 健康福祉部健康づくり課"),
    ("PIA050", KISO, K, "      - 内部監査", "\t\t- 内部監査"),
    ("PIA051", KISO, K, "    部署: 健康福祉部健康づくり課", "　　部署: 健康福祉部健康づくり課"),
    ("PIA051", KISO, K, "      予防接種法に基づき、", "　　　予防接種法に基づき、"),
    ("PIA051", KISO, K, "しきい値判断項目:\n", "しきい値判断項目:\n　\n"),
    ("PIA052", KISO, K, "    部署: 健康福祉部健康づくり課", "    部署：健康福祉部健康づくり課"),
    ("PIA057", KISO, K, "    部署: 健康福祉部健康づくり課", "    部署:健康福祉部健康づくり課"),
    ("PIA058", KISO, K, "      - 内部監査", "      -内部監査"),
    ("PIA059", KISO, K, "  他の評価実施機関: —", "  他の評価実施機関: -"),
    ("PIA054", KISO, K, "公表日: 令和6年6月1日", "公表日: R6.6.1"),
    ("PIA054", EXAMPLE, J, "    使用開始日: 平成27年6月1日", "    使用開始日: 2015/6/1"),
    ("PIA055", JUTEN, "juten/kokuho.yaml", "      件数: 1\n", "      件数: １件\n"),
    ("PIA011", KISO, K, "    選択: 1万人以上10万人未満", "    選択: １万人以上１０万人未満"),
    ("PIA011", KISO, K, "    選択: 1万人以上10万人未満", "    選択: 1万人以上10万人未満　"),
    ("PIA011", EXAMPLE, J, "      - 4情報（氏名、性別、生年月日、住所）", "      - 4情報(氏名、性別、生年月日、住所)"),
    ("PIA504", KISO, K, "  他の評価実施機関: —", "  他の評価実施機関: ー"),
    ("PIA504", KISO, K, "  他の評価実施機関: —", "  他の評価実施機関: －"),
]


def _findings(folder: Path) -> list[dict]:
    r = pia("check", folder, "--format", "json")
    assert "Traceback" not in r.stdout + r.stderr
    return [f for f in json.loads(r.stdout)["assessments"][0]["findings"] if not f["suppressed"]]


def _mistyped(tmp_path: Path, folder: Path, rel: str, old: str, new: str) -> tuple[Path, int]:
    work = tmp_path / folder.name
    shutil.copytree(folder, work)
    text = (work / rel).read_text(encoding="utf-8")
    assert old in text, old
    (work / rel).write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1
    return work, line + (1 if old.endswith("\n") and new.startswith(old) and new != old else 0)


@pytest.mark.parametrize("rule,folder,rel,old,new", TRIGGERS, ids=[f"{t[0]}-{i}" for i, t in enumerate(TRIGGERS)])
def test_each_fixable_finding_is_fixed_and_nothing_is_added(tmp_path: Path, rule, folder, rel, old, new):
    work, line = _mistyped(tmp_path, folder, rel, old, new)
    before = _findings(work)
    hit = [f for f in before if f["rule_id"] == rule and f["line"] == line and f["file"].endswith(rel)]
    assert hit and all("pia fix --write で直せます" in f["hint"] for f in hit), (rule, line, [(f["rule_id"], f["line"]) for f in before])
    loaded = not any(f["rule_id"] in fix.LINE_FIXES | {"PIA001"} and f["severity"] == "error" for f in before)
    r = pia("fix", work, "--write")
    assert r.returncode == 0 and "行いません" not in r.stdout, r.stdout
    after = _findings(work)
    assert not [f for f in after if f["rule_id"] == rule and f["line"] == line], after
    as_meant = old + "\n" if new.endswith("\n　\n") else old  # (a line is never removed: a blank line stays blank)
    assert (work / rel).read_text(encoding="utf-8") == (folder / rel).read_text(encoding="utf-8").replace(old, as_meant, 1)
    if loaded:  # the file read before: nothing new anywhere
        keys = {(f["file"], f["rule_id"], f["line"]) for f in before}
        assert [f for f in after if (f["file"], f["rule_id"], f["line"]) not in keys] == []


def test_the_registry_names_no_fix_that_pia_fix_lacks():
    """Every finding whose explanation promises `pia fix` is one fix repairs, and each of those has a trigger above."""
    promised = {s.id for s in specs().values() if "pia fix" in s.explanation}
    assert promised <= fix.FIXES, promised - fix.FIXES
    assert fix.FIXES <= {t[0] for t in TRIGGERS}, fix.FIXES - {t[0] for t in TRIGGERS}


def test_no_other_finding_says_pia_fix(tmp_path: Path):
    """Across a file holding every mistake that does not stop loading, only the findings fix repairs mention it."""
    work = tmp_path / "k"
    shutil.copytree(KISO, work)
    text = (work / K).read_text(encoding="utf-8")
    for rule, folder, rel, old, new in TRIGGERS:
        if folder == KISO and rule not in fix.LINE_FIXES | {"PIA011"} and old in text:  # (an error stops the rules)
            text = text.replace(old, new, 1)
    (work / K).write_text(text, encoding="utf-8")
    found = _findings(work)
    assert {f["rule_id"] for f in found} >= {"PIA054", "PIA504"}
    assert {f["rule_id"] for f in found if "pia fix" in f["hint"]} <= fix.FIXES


def test_a_fix_that_would_add_a_finding_is_left_out_with_a_note(tmp_path: Path):
    """A date fix that would orphan a fingerprinted pia-ignore (and bring back what it silenced) is not made."""
    work = tmp_path / "k"
    shutil.copytree(KISO, work)
    p = work / K
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("公表日: 令和6年6月1日", "公表日: 2024/6/1  # pia-ignore: PIA054 原本の書き方"), encoding="utf-8")
    hint = next(f["hint"] for f in _findings(work) if f["rule_id"] == "PIA071")  # the fingerprint to write
    written = hint.split("「")[1].split("」")[0]
    p.write_text(p.read_text(encoding="utf-8").replace("# pia-ignore: PIA054 原本の書き方", written)
                 .replace("    部署: 健康福祉部健康づくり課", "    部署:健康福祉部健康づくり課"), encoding="utf-8")
    assert [f["rule_id"] for f in _findings(work)] == ["PIA057"]
    r = pia("fix", work, "--write")
    assert f"{p}:10: 「2024/6/1」→「令和6年6月1日」の修正は、新たな検査結果が出るため行いません（[PIA070]" in r.stdout, r.stdout
    after = p.read_text(encoding="utf-8")
    assert "公表日: 2024/6/1  # pia-ignore: PIA054@" in after and "    部署: 健康福祉部健康づくり課" in after
    assert _findings(work) == []
