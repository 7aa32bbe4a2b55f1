"""The 5-year re-assessment (規則第15条) is counted one way everywhere: `pia status`, `pia plan` and `pia site` give
each document of the bundled examples the same deadline, from its 公表日; a document that is not published (no 公表日,
or (案)・(素案) in its 評価書名) never reaches the residents' site."""
from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

from openpyxl import load_workbook

from conftest import ROOT, pia

EXAMPLES = ROOT / "assessments"
AS_OF = "2026-01-01"


def _status(folder: Path) -> dict[tuple[str, str], str]:
    """(事務, 評価書) -> the S04 deadline in 和暦 ("" when none)."""
    r = pia("status", folder, "--as-of", AS_OF, "--format", "json")
    assert r.returncode == 0, r.stderr
    out = {}
    for a in json.loads(r.stdout)["assessments"]:
        for o in a["obligations"]:
            if o["id"] == "S04":
                out[(a["jimu"], o["document"])] = o["due_ja"] or ""
    return out


def _plan(folder: Path, out: Path) -> dict[tuple[str, str], str]:
    r = pia("plan", folder, "--out", out, "--as-of", AS_OF, "--format", "html,xlsx")
    assert r.returncode == 0, r.stderr
    ws = load_workbook(io.BytesIO((out / "keikaku-kanrisho.xlsx").read_bytes())).worksheets[0]
    rows = [["" if c is None else str(c) for c in row] for row in ws.iter_rows(values_only=True)]
    head = rows[1]
    jimu, kind, due = head.index("①事務の名称"), head.index("評価書の種類"), head.index("再実施の期限")
    assert "再実施の期限は公表日から5年" in (out / "keikaku-kanrisho.html").read_text(encoding="utf-8")  # its text, as its table
    return {(r[jimu], r[kind]): re.sub(r"（.*）$", "", r[due]) for r in rows[2:] if len(r) > due and r[jimu]}


def _site(folder: Path, out: Path) -> dict[tuple[str, str], str]:
    r = pia("site", folder, "--out", out, "--format", "html")
    assert r.returncode == 0, r.stderr
    found = {}
    for page in out.glob("*/index.html"):
        html = page.read_text(encoding="utf-8")
        jimu = re.search(r"<dt>事務</dt><dd>([^<]+)</dd>", html).group(1)
        dd = re.search(r"<dt>5年経過前の再実施の期限</dt><dd>([^<（]+)", html).group(1)
        for part in dd.split("、"):
            kind, _, due = part.partition(": ")
            found[(jimu, kind)] = due
    return found


def test_status_plan_and_site_agree_on_every_deadline_of_the_examples(tmp_path: Path):
    status, plan = _status(EXAMPLES), _plan(EXAMPLES, tmp_path / "plan")
    site = _site(EXAMPLES, tmp_path / "site")
    assert status == plan, (status, plan)
    # the 重点 and its 基礎, published the same day, share one deadline: five years from that 公表日
    assert status[("国民健康保険に関する事務", "基礎項目評価書")] == status[("国民健康保険に関する事務", "重点項目評価書")] == "令和11年6月1日"
    assert status[("予防接種に関する事務", "基礎項目評価書")] == "令和11年6月1日"
    # the Setagaya example states no 公表日: no deadline anywhere, and it is not on the site
    assert status[("住民基本台帳に関する事務", "全項目評価書")] == status[("住民基本台帳に関する事務", "基礎項目評価書")] == ""
    assert site == {k: v for k, v in status.items() if v}, site


def _retitle(path: Path, suffix: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^(評価書名: .*)$", rf"\1{suffix}", text, count=1, flags=re.M), encoding="utf-8")


def test_a_draft_never_reaches_the_published_list(tmp_path: Path):
    root = tmp_path / "assessments"
    shutil.copytree(EXAMPLES / "marumaru-kiso", root / "kiso-draft")
    _retitle(root / "kiso-draft" / "kiso.yaml", "(案)")  # a draft published for comment, 公表日 still written
    shutil.copytree(EXAMPLES / "marumaru-juten", root / "juten-draft")
    _retitle(root / "juten-draft" / "juten.yaml", "（素案）")  # the 重点 re-assessed as a draft; its 基礎 stays published
    shutil.copytree(EXAMPLES / "setagaya-juki", root / "no-date")  # no 公表日
    out = tmp_path / "site"
    r = pia("site", root, "--out", out, "--format", "html")
    assert r.returncode == 0, r.stderr
    assert "kiso-draft: 基礎項目評価書（案）" in r.stdout and "juten-draft: 重点項目評価書（案）" in r.stdout  # said, not hidden
    assert "no-date: 基礎項目評価書（公表日なし）、全項目評価書（公表日なし）" in r.stdout
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "公表している評価書の一覧（1 件）" in index
    assert "kiso-draft" not in index and "no-date" not in index and "(案)" not in index and "（案）" not in index
    assert not (out / "kiso-draft").exists() and not (out / "no-date").exists()
    row = index[index.index('href="juten-draft/index.html"'):].split("</tr>")[0]
    assert "基礎項目評価書" in row and "重点項目評価書" not in row and "juten-draft-kiso.html" in row
    assert sorted(p.name for p in (out / "juten-draft").iterdir() if p.suffix == ".html") == ["index.html", "juten-draft-kiso.html"]
    page = (out / "juten-draft" / "index.html").read_text(encoding="utf-8")
    assert "素案" not in page and "重点項目評価書" not in page
