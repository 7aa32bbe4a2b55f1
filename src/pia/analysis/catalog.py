"""The catalog of every finding id: the static ids of pia.base.registry, then the rules of the rule modules (in
the order of the form). `pia rules`, docs/rules.md, SARIF and `pia check` read it; `run` runs the rules.
"""
from __future__ import annotations

import importlib
from dataclasses import replace
from functools import cache
from typing import Any
from pia.document.assessment import Assessment
from pia.base.findings import Finding
from pia.base.registry import Spec
from pia.analysis.rules import Context
from pia.base.registry import STATIC
from pia.form.concepts import reach

# The rule modules, in the order of the form. A rule is a function decorated with `pia.analysis.rules.rule` in one of them.
RULE_MODULES = ("basic", "files", "placeholders", "procedure", "history", "writing", "legal", "review", "family")


@cache
def specs() -> dict[str, Spec]:
    """Every finding id, static ones first, then the rules in module order (a rule's kinds: where its concepts are)."""
    from pia.analysis.rules import RULE_ATTR

    out: dict[str, Spec] = {}
    for s in STATIC:
        out[s.id] = s
    for name in RULE_MODULES:
        module = importlib.import_module(f"pia.analysis.rules.{name}")
        for obj in vars(module).values():
            spec = getattr(obj, RULE_ATTR, None)
            if spec is None or getattr(obj, "__module__", "") != module.__name__:
                continue
            if spec.id in out:
                raise ValueError(f"finding id {spec.id} registered twice")
            out[spec.id] = replace(spec, kinds=reach(spec.concepts))
    return out


def spec(rule_id: str) -> Spec:
    try:
        return specs()[rule_id]
    except KeyError:
        raise KeyError(f"finding id {rule_id} is not registered in pia.analysis.catalog") from None


def rules() -> list[Spec]:
    return [s for s in specs().values() if s.func is not None]






def run(a: Assessment, kinds: str | set[str] = "full") -> list[Finding]:
    """The rules that apply to any of the document kinds (a folder holds one to three kinds), each run once."""
    from pia.analysis.catalog import rules

    wanted = {kinds} if isinstance(kinds, str) else kinds
    memo: dict[Any, Any] = {}  # what several rules derive from the documents, computed once per run
    out: list[Finding] = []
    for spec in rules():
        if spec.applies_to(wanted) and spec.func is not None:
            out.extend(spec.func(Context(a, spec, memo)))
    return out
