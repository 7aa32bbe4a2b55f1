from __future__ import annotations

import json
from pathlib import Path

from conftest import EXAMPLE, parse_github, pia, run_pia


def test_example_passes_with_its_documented_suppressions():
    # the real command, in its own process
    r = run_pia("check", str(EXAMPLE))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "エラー 0 件" in r.stdout
    # every inconsistency of the original document is kept and shown with its reason (15: + PIA700, PIA703, README of
    # the example), and so is every fact of the 基礎項目評価書 the original (a 全項目評価書) does not state
    # (17 in kiso.yaml — its IV answers included, required while 委託しない etc. are unticked —, 2 in assessment.yaml)
    assert r.stdout.count("抑止の理由") == 15 + 19
    assert "Traceback" not in r.stdout + r.stderr


def test_json_format_is_stable_and_complete():
    r = pia("check", EXAMPLE, "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["version"] == 1
    findings = doc["assessments"][0]["findings"]
    assert {"file", "line", "column", "rule_id", "severity", "item_path", "message", "hint", "suppressed"} <= set(findings[0])
    assert any(f["rule_id"] == "PIA201" and "59件" in f["message"] for f in findings)




def test_github_annotations_point_at_the_file_and_line(example: Path):
    f = example / "files" / "juki.yaml"
    text = f.read_text(encoding="utf-8").replace("      - 移転を行っている: 1", "      - 移転を行っている: 3")
    f.write_text(text, encoding="utf-8")
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "移転を行っている: 3" in l)
    r = pia("check", example, "--format", "github")
    assert r.returncode == 1
    cmds = [parse_github(l) for l in r.stdout.splitlines()]
    hit = [c for c in cmds if "PIA201" in c["title"]]
    assert hit and hit[0]["file"].endswith("files/juki.yaml") and hit[0]["line"] == str(line)
    assert "移転先は1件" in hit[0]["message"]


def test_gitlab_code_quality(example: Path):
    (example / "systems.yaml").write_text("システム:\n  - id: a\n    システムの名称: x\n    システムの機能: y\n    他のシステムとの接続: [宛名システム]\n", encoding="utf-8")
    r = pia("check", example, "--format", "gitlab")
    issues = json.loads(r.stdout)
    assert issues[0]["location"]["path"].endswith("systems.yaml") and issues[0]["location"]["lines"]["begin"] == 5
    assert issues[0]["severity"] == "major" and len(issues[0]["fingerprint"]) == 64


def test_missing_folder_is_a_clear_message():
    r = run_pia("check", "/nonexistent/x")
    assert r.returncode == 2 and "見つかりません" in r.stderr and "Traceback" not in r.stderr


def test_rules_doc_is_current():
    r = pia("rules", "--markdown")
    assert (Path(__file__).parent.parent / "docs" / "rules.md").read_text(encoding="utf-8") == r.stdout


def test_new_creates_a_skeleton_that_checks_as_to_be_filled(tmp_path: Path):
    r = pia("new", "juki-2025", "--dir", tmp_path)
    assert r.returncode == 0, r.stderr
    r = pia("check", tmp_path / "juki-2025", "--format", "json")
    assert r.returncode == 1
    ids = {f["rule_id"] for f in json.loads(r.stdout)["assessments"][0]["findings"]}
    assert ids <= {"PIA501", "PIA804", "PIA806"} and "PIA501" in ids, ids  # only "to be filled", no schema noise
    again = pia("new", "juki-2025", "--dir", tmp_path)
    assert again.returncode == 2 and "すでにあります" in again.stderr


def test_the_command_line_and_what_it_forks_collect_garbage_less_often():
    # pia.base.collect: a history's or a PDF's objects stay alive while pia works; the command sets the thresholds once
    import subprocess
    import sys

    from pia.base import collect

    code = ("import gc, os, sys\nfrom pia.app.cli import main\nmain(['--version'])\nr, w = os.pipe()\n"
            "if os.fork() == 0:\n    os.write(w, repr(gc.get_threshold()).encode()); os._exit(0)\n"
            "os.wait(); print(gc.get_threshold(), os.read(r, 100).decode())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[-2] == f"{collect.THRESHOLDS} {collect.THRESHOLDS}"
