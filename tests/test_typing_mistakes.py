"""The commonest IME and typing mistakes, each at a known place: the finding names that line and column and says
what to write; `pia fix --write` repairs those it says it can, and the file then checks without the finding."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT, pia

KISO = ROOT / "assessments" / "marumaru-kiso"
K, J = "kiso.yaml", "files/juki.yaml"

# (name, folder, file, text written, mistake written in its place, rule, column, words of the hint)
MISTAKES = [
    ("no space after the colon", KISO, K, "    部署: 健康福祉部健康づくり課", "    部署:健康福祉部健康づくり課", "PIA057", 8, "「部署: 健康福祉部"),
    ("全角 colon", KISO, K, "    部署: 健康福祉部健康づくり課", "    部署：健康福祉部健康づくり課", "PIA052", 7, "「: 」"),
    ("tab as indentation", KISO, K, "    部署: 健康福祉部健康づくり課", "\t部署: 健康福祉部健康づくり課", "PIA050", 1, "半角スペース4個"),
    ("tab after spaces", KISO, K, "    部署: 健康福祉部健康づくり課", "  \t部署: 健康福祉部健康づくり課", "PIA050", 3, "半角スペース4個"),
    ("全角 spaces as indentation", KISO, K, "    部署: 健康福祉部健康づくり課", "　　部署: 健康福祉部健康づくり課", "PIA051", 1, "半角スペース4個"),
    ("全角 space starting a continuation", KISO, K, "    事務の名称: 予防接種に関する事務\n",
     "    事務の名称: 予防接種に関する事務\n　と予防接種法に基づく事務\n", "PIA053", 1, "「事務の名称: |」"),
    ("全角 spaces inside a | text", KISO, K, "      予防接種法に基づき、", "　　予防接種法に基づき、", "PIA051", 1, "半角スペース6個"),
    ("- without a space", KISO, K, "      - 自己点検", "      -自己点検", "PIA058", 8, "「- 自己点検」"),
    (": - meant as 該当なし", KISO, K, "  他の評価実施機関: —", "  他の評価実施機関: -", "PIA059", 13, "「他の評価実施機関: —」"),
    ("quotes around an option", EXAMPLE, J, "      - その他: 印鑑登録情報、カード管理情報", '      - "その他: 印鑑登録情報、カード管理情報"',
     "PIA011", 9, "引用符を外して「- その他: 印鑑登録情報"),
    ("a forgotten id", EXAMPLE, J, "      - id: t02\n        提供先: 全国健康保険協会", "      - 提供先: 全国健康保険協会", "PIA012", 9,
     "「id: t02」のように"),
    ("a blank id", EXAMPLE, J, "      - id: t02\n", "      - id:\n", "PIA010", 12, "「id: t02」のように"),
    ("全角 digits, 全角 space before #", EXAMPLE, J, "      期間: 20年以上", "      期間: ２０年以上　# 条例で定める", "PIA011", 16,
     "「20年以上  # 条例で定める」と書いて"),
]
FIXABLE = {"PIA050", "PIA051", "PIA052", "PIA057", "PIA058", "PIA059"}


def _written(tmp_path: Path, folder: Path, rel: str, old: str, new: str) -> tuple[Path, int]:
    work = tmp_path / folder.name
    shutil.copytree(folder, work)
    p = work / rel
    text = p.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    line = text[:text.index(old)].count("\n") + 1 + new[:len(new) - len(new.lstrip("\n"))].count("\n")
    if new.startswith(old.rstrip("\n")) and new != old.rstrip("\n"):  # the mistake is the line added after old
        line += old.count("\n")
    return work, line


def _findings(folder: Path) -> list[dict]:
    r = pia("check", folder, "--format", "json")
    assert "Traceback" not in r.stdout + r.stderr
    return json.loads(r.stdout)["assessments"][0]["findings"]


@pytest.mark.parametrize("name,folder,rel,old,new,rule,column,words", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_named_where_it_is(tmp_path: Path, name, folder, rel, old, new, rule, column, words):
    work, line = _written(tmp_path, folder, rel, old, new)
    found = [f for f in _findings(work) if f["file"].endswith(rel) and not f["suppressed"]]
    at = [(f["rule_id"], f["line"], f["column"]) for f in found]
    hit = [f for f in found if (f["rule_id"], f["line"], f["column"]) == (rule, line, column)]
    assert hit, (rule, line, column, at)
    assert words in hit[0]["hint"], hit[0]["hint"]
    # the mistake is the only finding of loading: nothing blamed on another line
    assert [a for a in at if a[0] in ("PIA001",) or a[0] in FIXABLE and a[1] != line] == [], at
    if rule in FIXABLE:
        assert "pia fix" in hit[0]["hint"]
        assert pia("fix", work, "--write").returncode == 0
        after = [(f["rule_id"], f["line"]) for f in _findings(work) if f["file"].endswith(rel)]
        assert (rule, line) not in after and not [a for a in after if a[0] == "PIA001"], after
