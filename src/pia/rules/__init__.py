"""Rules between fields: small registered functions, one module per part of the form."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from pia.assessment import Assessment
from pia.findings import ERROR, WARNING, Finding
from pia.validate import anchor


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: str
    explanation: str
    func: Callable[["Context"], Iterator[Finding]]
    module: str


RULES: dict[str, Rule] = {}


def rule(rule_id: str, title: str, severity: str = ERROR) -> Callable[[Callable[["Context"], Iterator[Finding]]], Callable[["Context"], Iterator[Finding]]]:
    def register(func: Callable[["Context"], Iterator[Finding]]) -> Callable[["Context"], Iterator[Finding]]:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        doc = (func.__doc__ or "").strip()
        RULES[rule_id] = Rule(rule_id, title, severity, "\n".join(ln.strip() for ln in doc.splitlines()),
                              func, func.__module__.rsplit(".", 1)[-1])
        return func
    return register


class Context:
    """What a rule sees: the assessment, and a way to report at an item path without computing lines."""

    def __init__(self, a: Assessment, rule: Rule):
        self.a = a
        self.rule = rule

    def finding(self, key: str, path: tuple[Any, ...], message: str, hint: str = "",
                severity: str | None = None) -> Finding:
        doc = self.a.docs.get(key)
        file = doc.file if doc else self.a.folder
        line, col = (1, 1)
        if doc:
            value = doc.data
            for part in path:
                value = value[part] if isinstance(value, (dict, list)) and (part in value if isinstance(value, dict) else isinstance(part, int) and part < len(value)) else None
            # a whole block is shown at its key, a value where it is written
            line, col = doc.locate_key(path) if isinstance(value, (dict, list)) else doc.locate(path)
        return Finding(file, line, col, self.rule.id, severity or self.rule.severity,
                       self.a.label(key, path), message, hint, anchor=anchor(key, path))


def run(a: Assessment) -> list[Finding]:
    out: list[Finding] = []
    for r in RULES.values():
        out.extend(r.func(Context(a, r)))
    return out


from pia.rules import basic, files, history, placeholders, procedure  # noqa: E402,F401  (registers)

__all__ = ["ERROR", "WARNING", "RULES", "Rule", "Context", "rule", "run"]
