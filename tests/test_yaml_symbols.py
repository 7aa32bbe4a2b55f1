"""Values that start with a YAML symbol (「[案] 評価書」「&A 国保」「"評価書" 全項目」) as staff type them: the finding names
the item, its line and the character, and shows the line with the value quoted, which then reads as that text."""
from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from conftest import ROOT, check_json
from pia.document.loader import MAX_SYMBOLS, load_text

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


def test_an_anchor_typed_at_the_start_of_a_value_is_an_error_not_a_lost_word(tmp_path: Path, capsys):
    work = _copy(tmp_path, TITLE, "評価書名: &A 国保の評価書\n")
    (f,) = _errors(capsys, work)
    assert (f["rule_id"], f["line"], f["column"]) == ("PIA003", 6, 7)
    assert "「評価書名」の値が「&」で始まる" in f["message"] and "「&A」が値から消えています" in f["message"]
    assert _quoted_line(f["hint"]) == '評価書名: "&A 国保の評価書"'


def test_an_alias_and_a_tag_are_named_where_they_were_written(tmp_path: Path, capsys):
    work = _copy(tmp_path, TITLE, "評価書名: &A 国保の評価書\n")
    p = work / "juten.yaml"
    text = p.read_text(encoding="utf-8").replace("評価実施機関名: 〇〇市長", "評価実施機関名: !!str 〇〇市長")
    p.write_text(re.sub(r"(?m)^特記事項: .*$", "特記事項: *A", text), encoding="utf-8")
    found = {(f["rule_id"], f["line"], f["column"]): f for f in _errors(capsys, work)}
    assert sorted(found) == [("PIA003", 6, 7), ("PIA003", 8, 7), ("PIA004", 9, 10)]
    assert "「特記事項」の値が「*」で始まる" in found["PIA003", 8, 7]["message"]
    assert "「!!str」が値から消えています" in found["PIA004", 9, 10]["message"]
    assert _quoted_line(found["PIA004", 9, 10]["hint"]) == '評価実施機関名: "!!str 〇〇市長"'


def test_an_anchor_on_a_group_is_to_be_deleted():
    _, found = load_text("a.yaml", "しきい値判断の入力: &x\n  取扱者数: 500人未満\n".encode())
    (f,) = found
    assert (f.rule_id, f.line, f.column) == ("PIA003", 1, 12) and "「&x」を削除" in f.hint


def test_a_collection_reached_twice_is_still_refused_at_its_alias():
    _, found = load_text("a.yaml", b"a: &a [x, x]\nb: [*a, *a]\n")
    assert [(f.rule_id, f.line, f.column) for f in found] == [("PIA003", 2, 5)] and "繰り返し" in found[0].message


def test_a_file_of_aliases_costs_a_bounded_report():
    raw = ("a: &a v\n" + "".join(f"g{j}: [" + ", ".join(["*a"] * 9000) + "]\n" for j in range(9))).encode()
    t = time.perf_counter()
    _, found = load_text("x.yaml", raw)
    assert len(found) == MAX_SYMBOLS and {f.rule_id for f in found} == {"PIA003"}
    assert time.perf_counter() - t < 2


def test_hints_that_show_a_quoted_value_show_one_yaml_reads_back(tmp_path: Path, capsys):
    # a value holding 「"」 is shown in '…'; a value going on to the next line gets no one-line example to break it
    import yaml

    work = _copy(tmp_path, TITLE, '評価書名: #1 "重要" 評価書\n')
    (f,) = [x for x in check_json(capsys, str(work))[1] if x["rule_id"] == "PIA056"]
    example = re.search(r"例: (評価書名: .*?)）", f["hint"]).group(1)
    assert yaml.safe_load(example) == {"評価書名": '#1 "重要" 評価書'}, f["hint"]
    work = _copy(tmp_path / "b", TITLE, "評価書名: &A 国保の\n  評価書\n")
    (f,) = [x for x in _errors(capsys, work) if x["rule_id"] == "PIA003"]
    assert "評価書名:" not in f["hint"] and "「|」" in f["hint"], f["hint"]
