"""check(folder) -> findings: load, validate against the schemas, then the rules between fields."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pia import assessment as asm
from pia.findings import Finding
from pia.validate import validate


@dataclass
class CheckResult:
    folder: str
    findings: list[Finding] = field(default_factory=list)
    rules_ran: bool = False
    lines: dict[str, list[str]] = field(default_factory=dict, repr=False)  # for quoting in reports

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)


def _suppress(a: asm.Assessment, findings: list[Finding]) -> list[Finding]:
    by_file = {d.file: d for _, _, d in a.documents()}
    out = []
    for f in findings:
        doc = by_file.get(f.file)
        reason = doc.suppression(f.line, f.rule_id) if doc else None
        if reason:
            f = Finding(f.file, f.line, f.column, f.rule_id, f.severity, f.item_path, f.message, f.hint, reason, f.anchor)
        out.append(f)
    return out


def check_assessment(a: asm.Assessment) -> CheckResult:
    from pia import rules

    found = list(a.load_findings)
    found += _suppress(a, validate(a))
    result = CheckResult(a.folder, lines={d.file: d.lines for _, _, d in a.documents()})
    # Rules read the documents as a whole: they run once every document loaded and matches its schema
    # (findings silenced beside the value do not block them).
    if not any(f.is_error for f in found):
        found += _suppress(a, rules.run(a))
        result.rules_ran = True
    result.findings = sorted(set(found))
    return result


def check(folder: Path) -> CheckResult:
    return check_assessment(asm.load(folder))
