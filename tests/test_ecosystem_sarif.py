"""`pia check --format sarif`: valid against the official SARIF 2.1.0 schema, rules listed, every finding a result."""
from __future__ import annotations

import json
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker

from conftest import EXAMPLE
from pia.app.cli import main
from pia.analysis.catalog import specs

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def _run(capsys, *paths: Path, fmt: str) -> tuple[int, dict]:
    code = main(["check", *map(str, paths), "--format", fmt])
    return code, json.loads(capsys.readouterr().out)


def test_sarif_is_valid_and_matches_the_findings(example: Path, capsys):
    (example / "systems.yaml").write_text(
        (example / "systems.yaml").read_text(encoding="utf-8").replace("システムの名称:", "システム名称:", 1), encoding="utf-8")
    code, log = _run(capsys, example, EXAMPLE, fmt="sarif")
    assert code == 1
    errors = sorted(Draft4Validator(SCHEMA, format_checker=FormatChecker()).iter_errors(log), key=str)
    assert not errors, [e.message for e in errors[:5]]
    _, plain = _run(capsys, example, EXAMPLE, fmt="json")
    findings = [f for a in plain["assessments"] for f in a["findings"]]
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(specs())
    assert len(run["results"]) == len(findings) > 0
    for res, f in zip(run["results"], findings):
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"] == f["rule_id"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["region"]["startLine"] == f["line"]
        assert not loc["artifactLocation"]["uri"].startswith("/") or loc["artifactLocation"]["uri"].startswith("file:")
        assert ("suppressions" in res) == (f["suppressed"] is not None)
        assert res["level"] == f["severity"]
    assert any(r["ruleId"] == "PIA013" and "システム名称" in r["message"]["text"] for r in run["results"])


def test_sarif_is_deterministic_and_relative(capsys, monkeypatch):
    monkeypatch.chdir(EXAMPLE.parent.parent)
    _, a = _run(capsys, Path("assessments/setagaya-juki"), fmt="sarif")
    _, b = _run(capsys, Path("assessments/setagaya-juki"), fmt="sarif")
    assert a == b
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in a["runs"][0]["results"] for loc in r["locations"]}
    assert uris and all(u.startswith("assessments/setagaya-juki/") for u in uris), uris
