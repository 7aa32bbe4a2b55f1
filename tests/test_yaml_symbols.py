"""Values that start with a YAML symbol (「[案] 評価書」「&A 国保」「"評価書" 全項目」) as staff type them: the finding names
the item, its line and the character, and shows the line with the value quoted, which then reads as that text."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, check_json
from pia.document.loader import load_text

JUTEN = ROOT / "assessments" / "marumaru-juten"
TITLE = "評価書名: 国民健康保険に関する事務 重点項目評価書\n"


def _copy(tmp_path: Path, old: str, new: str) -> Path:
    work = tmp_path / "a"
    shutil.copytree(JUTEN, work)
    p = work / "juten.yaml"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return work


def _errors(capsys, work: Path) -> list[dict]:
    return [f for f in check_json(capsys, str(work))[1] if f["severity"] == "error"]


def _quoted_line(hint: str) -> str:
    """The corrected line the hint shows: 「評価書名: "[案] …"」のように…"""
    assert hint.startswith("「") and "」のように" in hint, hint
    return hint[1:hint.index("」のように")]


@pytest.mark.parametrize("value,first", [
    ("[案] 重点項目評価書", "「[」で始まる"), ('"評価書" 全項目', "「\"評価書\"」の後ろに文字"), ("'案'の評価書", "「'案'」の後ろに文字"),
    ("*注* 評価書", "「*」で始まる"), ("> 評価書", "「>」で始まる"), ("{案} 評価書", "「{」で始まる"), ("!重要 評価書", "「!」で始まる"),
])
def test_a_value_starting_with_a_symbol_is_named_and_quoting_shown(tmp_path: Path, capsys, value: str, first: str):
    work = _copy(tmp_path, TITLE, f"評価書名: {value}\n")
    (f,) = _errors(capsys, work)
    assert (f["rule_id"], f["line"], f["column"]) == ("PIA001", 6, 7)
    assert "「評価書名」の値" in f["message"] and first in f["message"] and "インデント" not in f["message"]
    fixed = _quoted_line(f["hint"])
    doc, found = load_text("juten.yaml", (work / "juten.yaml").read_text(encoding="utf-8").replace(f"評価書名: {value}", fixed).encode())
    assert doc is not None and doc.data["評価書名"] == value, found


def test_an_unclosed_bracket_on_the_last_line_is_named_there_not_on_the_empty_line_after(tmp_path: Path, capsys):
    work = _copy(tmp_path, TITLE, "")
    p = work / "juten.yaml"
    p.write_text(p.read_text(encoding="utf-8") + "評価書名: [unclosed\n", encoding="utf-8")
    (f,) = _errors(capsys, work)
    last = len(p.read_text(encoding="utf-8").splitlines())
    assert (f["line"], f["column"]) == (last, 7) and "「[」で始まる" in f["message"]
    assert _quoted_line(f["hint"]) == '評価書名: "[unclosed"'


@pytest.mark.parametrize("old,new,line", [
    ("  取扱者数の計数時点", " 取扱者数の計数時点", 14),
    # the quoted value above reads on its own: the error is the indentation below it
    (TITLE + "個人", '評価書名: "国民健康保険に関する事務 重点項目評価書"\n 個人', 7),
])
def test_a_real_indentation_error_keeps_its_message(tmp_path: Path, capsys, old: str, new: str, line: int):
    (f,) = _errors(capsys, _copy(tmp_path, old, new))
    assert (f["rule_id"], f["line"]) == ("PIA001", line) and "インデント" in f["message"]
