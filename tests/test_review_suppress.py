"""Precise suppressions (rule + fingerprint of the value), stale ignores, and --select/--ignore/--statistics."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from pia.app.cli import main

J = "files/juki.yaml"
COUNT = "      - 提供を行っている: 58  # pia-ignore: PIA201@"


def findings(capsys, *args: str) -> list[dict]:
    main(["check", *args, "--format", "json"])
    return [f for a in json.loads(capsys.readouterr().out)["assessments"] for f in a["findings"]]


def rewrite(folder: Path, old: str, new: str) -> None:
    p = folder / J
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_ignore_binds_to_the_value_it_was_written_for(example: Path, capsys):
    found = findings(capsys, str(example))
    silenced = [f for f in found if f["rule_id"] == "PIA201" and f["file"].endswith(J)]
    assert len(silenced) == 1 and silenced[0]["suppressed"]
    # 58-vs-59 was silenced; 59-vs-60 is a different value: the finding returns and the ignore is reported stale
    rewrite(example, "      - 提供を行っている: 58  #", "      - 提供を行っている: 60  #")
    found = findings(capsys, str(example))
    back = [f for f in found if f["rule_id"] == "PIA201" and f["file"].endswith(J)]
    assert len(back) == 1 and back[0]["suppressed"] is None and "件数を60件" in back[0]["message"]
    stale = [f for f in found if f["rule_id"] == "PIA070"]
    assert len(stale) == 1 and stale[0]["line"] == back[0]["line"]
    m = re.search(r"pia-ignore: PIA201@([0-9a-f]{6})", stale[0]["hint"])
    assert m
    # re-binding the ignore to the new value, as the warning says, silences it again
    text = (example / J).read_text(encoding="utf-8")
    (example / J).write_text(re.sub(r"PIA201@[0-9a-f]{6}", f"PIA201@{m.group(1)}", text, count=1), encoding="utf-8")
    found = findings(capsys, str(example))
    assert not [f for f in found if not f["suppressed"]]


def test_an_ignore_that_silences_nothing_is_reported(example: Path, capsys):
    # the count is corrected: the finding is gone, its ignore is now stale
    rewrite(example, "      - 提供を行っている: 58  #", "      - 提供を行っている: 59  #")
    found = findings(capsys, str(example))
    assert [(f["rule_id"], f["severity"]) for f in found if not f["suppressed"]] == [("PIA070", "warning")]
    assert "削除" in next(f for f in found if f["rule_id"] == "PIA070")["hint"]


def test_an_ignore_without_fingerprint_works_but_says_how_to_bind_it(example: Path, capsys):
    text = (example / J).read_text(encoding="utf-8")
    (example / J).write_text(re.sub(r"PIA201@[0-9a-f]{6}", "PIA201", text, count=1), encoding="utf-8")
    found = findings(capsys, str(example))
    unbound = [f for f in found if f["rule_id"] == "PIA071"]
    assert len(unbound) == 1 and re.search(r"PIA201@[0-9a-f]{6} 原本の記載のまま", unbound[0]["hint"])
    assert not [f for f in found if f["rule_id"] == "PIA201" and not f["suppressed"]]


def test_select_ignore_and_statistics(example: Path, capsys):
    rewrite(example, "        法令上の根拠: 番号法第19条第8号 別表第2の1", "        法令上の根拠:")
    rewrite(example, "      - 提供を行っている: 58  #", "      - 提供を行っている: ５８  #")
    ids = {f["rule_id"] for f in findings(capsys, str(example)) if not f["suppressed"]}
    assert {"PIA501", "PIA055"} <= ids
    assert {f["rule_id"] for f in findings(capsys, str(example), "--select", "PIA5") if not f["suppressed"]} == {"PIA501"}
    assert "PIA501" not in {f["rule_id"] for f in findings(capsys, str(example), "--ignore", "PIA501,PIA2")}
    assert main(["check", str(example), "--select", "PIA055"]) == 0  # only a warning left
    capsys.readouterr()
    silenced = Counter(f["rule_id"] for f in findings(capsys, str(example)) if f["suppressed"])
    assert main(["check", str(example), "--statistics"]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"^\s+1  PIA501  記載が必要な項目が空欄（ほかに抑止 {silenced['PIA501']} 件）$", out, re.M)
    assert re.search(r"^\s+1  PIA055  件数を全角数字", out, re.M)
    assert re.search(rf"^\s+0  PIA011  選択肢にない値（ほかに抑止 {silenced['PIA011']} 件）$", out, re.M)
    assert silenced["PIA011"] >= 5
    assert main(["check", str(example), "--select", "XYZ"]) == 2


S = "files/sofusaki.yaml"
RECIPIENT = "      - id: t01\n        提供先: 地方公共団体情報システム機構\n"


def test_the_ignore_binds_to_what_the_rule_compared_not_only_the_written_value(example: Path, capsys):
    """The 件数 stays blank while the list it counts grows: a different finding, which the old ignore must not hide."""
    def provision(found: list[dict]) -> list[dict]:
        return [f for f in found if f["rule_id"] == "PIA201" and f["file"].endswith(S)]

    (silenced,) = provision(findings(capsys, str(example)))
    assert silenced["suppressed"] and "1件" in silenced["message"]
    p = example / S
    text = p.read_text(encoding="utf-8")
    start = text.index(RECIPIENT)
    entry = text[start:text.index("    移転先:", start)]
    p.write_text(text.replace(entry, entry + entry.replace("id: t01", "id: t02"), 1), encoding="utf-8")
    found = findings(capsys, str(example))
    (back,) = provision(found)
    assert back["suppressed"] is None and "2件" in back["message"]  # the written value (空欄) did not change
    (stale,) = [f for f in found if f["rule_id"] == "PIA070"]
    assert stale["line"] == back["line"] and "比べた" in stale["message"]


def test_two_findings_on_one_value_have_different_fingerprints(example: Path):
    from pia.document import assessment as asm
    from pia.analysis.check import fingerprint
    from pia.base.findings import ERROR, Finding

    a = asm.load(example)
    one = Finding("x", 1, 1, "PIA304", ERROR, "", "令和5年8月1日は、先に行うべき手続の日（令和5年9月1日）より前です。",
                  anchor="assessment/公表日")
    other = Finding("x", 1, 1, "PIA304", ERROR, "", "令和5年8月1日は、先に行うべき手続の日（令和5年9月2日）より前です。",
                    anchor="assessment/公表日")
    assert fingerprint(a, one, None) != fingerprint(a, other, None)
    assert fingerprint(a, one, None) == fingerprint(a, Finding(**{**one.__dict__}), None)


IGNORE = "# pia-ignore: PIA201@50fb06 "


@pytest.mark.parametrize("typed,words", [
    ("# pia-ignore：PIA201@50fb06 ", "コロンが全角「：」"),
    ("# pia-ingore: PIA201@50fb06 ", "「pia-ingore」は「pia-ignore」と綴りが違います"),
    ("# PIA-IGNORE: pia201@50fb06 ", "小文字の「pia-ignore」ではありません"),
])
def test_a_mistyped_ignore_is_reported_with_the_form_that_works(example: Path, capsys, typed: str, words: str):
    rewrite(example, IGNORE, typed)
    found = findings(capsys, str(example))
    (back,) = [f for f in found if f["rule_id"] == "PIA201" and f["file"].endswith(J)]
    (typo,) = [f for f in found if f["rule_id"] == "PIA072"]
    assert back["suppressed"] is None and (typo["line"], typo["severity"]) == (back["line"], "warning")
    assert words in typo["message"] and "何も抑止しません" in typo["message"]
    # writing what the hint says silences the finding again
    fixed = re.search(r"「(# pia-ignore: [^」]*)」と書いて", typo["hint"]).group(1)
    assert fixed.startswith(IGNORE)
    rewrite(example, typed, fixed + " ")
    assert not [f for f in findings(capsys, str(example)) if not f["suppressed"]]


def test_a_rule_number_cut_short_is_reported(example: Path, capsys):
    rewrite(example, IGNORE, "# pia-ignore: PIA2 ")
    found = findings(capsys, str(example))
    (typo,) = [f for f in found if f["rule_id"] == "PIA072"]
    assert "「PIA2」を検査結果の番号として読めない" in typo["message"] and "# pia-ignore: PIA202@指紋 理由" in typo["hint"]
    assert sorted(f["rule_id"] for f in found if not f["suppressed"]) == ["PIA072", "PIA201"]


def test_an_unknown_rule_is_said_not_to_exist(example: Path, capsys):
    rewrite(example, "# pia-ignore: PIA201@50fb06 ", "# pia-ignore: PIA201@50fb06 PIA999@000000 ")
    found = findings(capsys, str(example))
    (unknown,) = [f for f in found if not f["suppressed"]]
    assert unknown["rule_id"] == "PIA072" and "PIA999 という検査規則はありません" in unknown["message"]
    assert "pia rules" in unknown["hint"]


def test_a_suppression_comment_of_many_spaces_is_read_in_linear_time(tmp_path: Path):
    # a pia-ignore (or what looks like one) with a long run of spaces once took minutes: each run of spaces could be
    # split between two parts of a pattern, tried again from every position
    import time

    from pia.analysis.check import ignores_in, malformed_in
    from pia.document.loader import load_text

    spaces = " " * 100_000
    lines = [f"a: 1  # pia-ingore: {spaces}x", f"b: 2  # pia-ignore: {spaces}x", f"c: 3  # pia-ignore: PIA202,{spaces}PIA2",
             f"d: 4  # p{spaces}ia-ignore PIA202", f"e: 5  # pia{spaces}-{spaces}ingore：pia202", f"f: 6  # {'　' * 50_000}pia"]
    doc, found = load_text("x.yaml", ("\n".join(lines) + "\n").encode())
    assert doc is not None, found
    t = time.perf_counter()
    bad = malformed_in(doc)
    ignored = ignores_in(doc)
    assert time.perf_counter() - t < 2
    assert {f.line for f in bad} >= {2, 3, 5} and [i.rule for i in ignored] == ["PIA202"]
