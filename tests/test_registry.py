"""The registry is complete: every finding id pia can emit is registered, with a source and a stable severity."""
from __future__ import annotations

import json
import re
from pathlib import Path

from pia.app.cli import main
from pia.base.registry import Certainty, Severity, Stage
from pia.form import kinds as form_kinds
from pia.analysis.catalog import specs

SRC = Path(__file__).resolve().parents[1] / "src" / "pia"


def test_every_emitted_id_is_registered() -> None:
    emitted = {m for p in SRC.rglob("*.py") for m in re.findall(r"\"(PIA\d{3})\"", p.read_text(encoding="utf-8"))}
    assert len(emitted) > 30  # the scan really read the sources
    assert sorted(emitted - set(specs())) == []


def test_specs_are_whole() -> None:
    for s in specs().values():
        assert isinstance(s.severity, Severity) and isinstance(s.stage, Stage) and isinstance(s.certainty, Certainty)
        assert s.title and s.source, s.id
        assert set(s.kinds) <= set(form_kinds.kinds()), s.id
        if s.stage == Stage.RULE:
            assert s.func is not None and s.explanation, s.id


def test_rules_doc_is_generated_from_the_registry(capsys) -> None:
    assert main(["rules", "--markdown"]) == 0
    doc = (SRC.parents[1] / "docs" / "rules.md").read_text(encoding="utf-8")
    assert capsys.readouterr().out == doc, "docs/rules.md is stale: run `pia rules --markdown > docs/rules.md`"


def test_json_carries_stable_severity(tmp_path, capsys) -> None:
    ex = SRC.parents[1] / "assessments" / "setagaya-juki"
    assert main(["check", str(ex), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    sev = {f["severity"] for a in doc["assessments"] for f in a["findings"]}
    assert sev and sev <= {"error", "warning"}
