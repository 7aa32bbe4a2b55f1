"""Rules between items: small functions, one module per part of the form, each carrying its registry entry.

A rule is a generator over a `Context` decorated with `rule(...)`; `pia.analysis.catalog` lists the modules explicitly and
collects the decorated functions from them (nothing registers itself on import).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from pia.document.assessment import Assessment
from pia.base.findings import ERROR, WARNING, Finding
from pia.base.registry import Certainty, Severity, Spec, Stage
from pia.form import kinds as form_kinds
from pia.document.validate import anchor

RULE_ATTR = "__pia_rule__"
RuleFunc = Callable[["Context"], Iterator[Finding]]


def rule(rule_id: str, title: str, severity: Severity = ERROR, *, source: str, certainty: Certainty,
         kinds: tuple[str, ...] = ("full",)) -> Callable[[RuleFunc], RuleFunc]:
    """Attach the rule's registry entry to the function; the docstring is its explanation."""
    for k in kinds:
        if k not in form_kinds.kinds():
            raise ValueError(f"{rule_id}: unknown document kind {k}")

    def mark(func: RuleFunc) -> RuleFunc:
        doc = (func.__doc__ or "").strip()
        spec = Spec(rule_id, title, severity, Stage.RULE, source, certainty, kinds,
                    "\n".join(ln.strip() for ln in doc.splitlines()), func, func.__module__.rsplit(".", 1)[-1])
        setattr(func, RULE_ATTR, spec)
        return func
    return mark


class Context:
    """What a rule sees: the assessment, and a way to report at an item path without computing lines."""

    def __init__(self, a: Assessment, spec: Spec):
        self.a = a
        self.rule = spec

    def finding(self, key: str, path: tuple[Any, ...], message: str, hint: str = "",
                severity: Severity | None = None) -> Finding:
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


__all__ = ["ERROR", "WARNING", "Context", "rule", "run"]
