"""○ items (the form's 「[ ] 委託しない」 boxes): every spelling staff use is read one way by the check, the renderers,
the Excel export and import and the editor schema."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, pia
from pia.form import schema as sch

KISO = ROOT / "assessments" / "marumaru-kiso"
LINE = "    人手を介在させる作業はない: false\n"
TITLE = "人手を介在させる作業はない"
# spelling as written after the colon -> ticked?
SPELLINGS = {"○": True, "〇": True, "◯": True, "●": True, "レ": True, "ﾚ": True, "✓": True, "✔": True, "はい": True,
             "true": True, "True": True, TITLE: True, "×": False, "✕": False, "✗": False, "いいえ": False,
             "false": False, "": False, "''": False, "　×　": False}
NOT_MARKS = ("委託する", "済", "1", "-")


def test_one_reading_of_every_spelling():
    node = sch.load().node_at("kiso", ("リスク対策", "人手を介在させる作業", TITLE))
    for written, ticked in SPELLINGS.items():
        value = None if written == "" else "" if written == "''" else True if written in ("true", "True") else \
            False if written == "false" else written
        assert sch.tick(value, node) is ticked, written
    for written in NOT_MARKS:
        assert sch.tick(written, node) is None, written


def test_editor_schema_accepts_what_pia_reads_and_offers_the_tick_first():
    """The schema the editor validates against agrees with sch.tick: ○ first (completion), other marks by pattern."""
    node = sch.load().node_at("kiso", ("リスク対策", "人手を介在させる作業", TITLE))
    alts = sch.accepted(node)["anyOf"]
    assert alts[0] == {"enum": [sch.TICK]} and "type" not in alts[2]  # true / false read, never offered
    pattern = re.compile(alts[1]["pattern"])
    for written, ticked in SPELLINGS.items():
        if written not in ("", "''", "true", "True", "false", sch.TICK, "ﾚ"):
            assert pattern.match(written), written
    for written in NOT_MARKS:
        assert not pattern.match(written), written
    assert "true" not in node["description"] and "○" in node["description"]


@pytest.fixture(scope="module")
def spelled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the small 基礎 example per spelling, each rendered to Excel once."""
    root = tmp_path_factory.mktemp("ticks")
    for n, written in enumerate(SPELLINGS):
        folder = root / f"s{n}" / "marumaru-kiso"
        shutil.copytree(KISO, folder)
        text = (folder / "kiso.yaml").read_text(encoding="utf-8")
        assert LINE in text
        (folder / "kiso.yaml").write_text(text.replace(LINE, f"    {TITLE}: {written}\n".replace(": \n", ":\n")), encoding="utf-8")
    return root


@pytest.mark.parametrize("n,written", list(enumerate(SPELLINGS)))
def test_check_render_and_untouched_import_agree(spelled: Path, tmp_path: Path, n: int, written: str):
    folder = spelled / f"s{n}" / "marumaru-kiso"
    r = pia("check", folder, "--format", "json")
    found = json.loads(r.stdout)["assessments"][0]["findings"]
    assert not [f for f in found if f["rule_id"] in ("PIA010", "PIA501") and TITLE in f["item_path"]], (written, found)
    out = tmp_path / "out"
    assert pia("render", folder, "--out", out, "--format", "xlsx").returncode == 0
    book = next(out.glob("*.xlsx"))
    # the flag's own row: its title, then its ○ cell (the cell pia import reads back)
    shown = [row[1].value or "" for ws in openpyxl.load_workbook(book).worksheets for row in ws.iter_rows()
             if isinstance(row[0].value, str) and row[0].value.strip() == TITLE]
    assert shown and all((s == "○") is SPELLINGS[written] for s in shown), (written, shown)
    before = (folder / "kiso.yaml").read_bytes()
    r = pia("import", book, folder, "--write")
    assert r.returncode == 0 and "PIA950" not in r.stdout, r.stdout + r.stderr
    assert (folder / "kiso.yaml").read_bytes() == before


def test_a_value_that_is_no_mark_says_how_to_tick(spelled: Path):
    folder = spelled / "s0" / "marumaru-kiso"
    text = (folder / "kiso.yaml").read_text(encoding="utf-8")
    (folder / "kiso.yaml").write_text(text.replace(f"{TITLE}: ○", f"{TITLE}: 済"), encoding="utf-8")
    try:
        r = pia("check", folder)
    finally:
        (folder / "kiso.yaml").write_text(text, encoding="utf-8")
    assert "[PIA010]" in r.stdout and "「済」は○の付け方として読めません" in r.stdout
    assert f"○を付けるなら「○」と書き（{TITLE}: ○）、付けないなら空欄" in r.stdout and "true" not in r.stdout


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (yaml-language-server)")
def test_the_editor_offers_the_tick_hovers_in_staff_words_and_accepts_every_mark(tmp_path: Path):
    """The real yaml-language-server on a repository from `pia init` and `pia new`: ○ is the only value offered,
    the hover says ○ and blank, every spelling pia reads is accepted and anything else is flagged."""
    import time

    from yls import Client, ensure_installed

    assert pia("init", tmp_path).returncode == 0
    assert pia("new", "juki", "--dir", tmp_path / "assessments").returncode == 0
    assert ensure_installed(), "npm install yaml-language-server failed"
    folder = tmp_path / "assessments" / "juki" / "files"
    lines = (folder / "file1.yaml").read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(lines) if line.strip() == "委託しない:")
    assert "○" in lines[i - 1] and "空欄" in lines[i - 1]  # the skeleton's comment above the item
    c = Client(tmp_path, {"yaml": {"validate": True, "hover": True, "completion": True}})
    try:
        lines[i] += " "
        uri = c.open(folder / "value.yaml", "\n".join(lines) + "\n")
        assert [x["label"] for x in c.completion(uri, i, len(lines[i]))] == [sch.TICK]
        hover = c.hover(uri, i, 6)
        assert "○" in hover and "空欄" in hover and "true" not in hover
        uris = {}
        for n, written in enumerate(["レ", "×", "いいえ", "true", "委託しない", "済"]):
            lines[i] = f"{lines[i].split(':')[0]}: {written}"
            uris[written] = c.open(folder / f"v{n}.yaml", "\n".join(lines) + "\n")
        end = time.monotonic() + 20
        while not all(u in c.diagnostics for u in uris.values()) and time.monotonic() < end:
            time.sleep(0.1)
        flagged = {w for w, u in uris.items() if [d for d in c.diagnostics.get(u, []) if d["range"]["start"]["line"] == i]}
        assert flagged == {"済"}, flagged
    finally:
        c.close()
