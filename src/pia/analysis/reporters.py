"""Formatters over findings: text (default), json, github (workflow commands), gitlab (Code Quality), sarif."""
from __future__ import annotations

import hashlib
import json
from typing import Callable

from pia.analysis.check import CheckResult
from pia.analysis import catalog
from pia.base.findings import ERROR, WARNING, Finding
from pia.base.registry import Severity

JSON_VERSION = 1


def _quote(f: Finding, lines: dict[str, list[str]]) -> list[str]:
    src = lines.get(f.file)
    if not src or not 0 < f.line <= len(src):
        return []
    text = src[f.line - 1].rstrip("\n")
    if len(text) > 100:
        text = text[:100] + "…"
    caret = "".join("　" if ord(c) > 0x2E7F else " " for c in text[: max(f.column - 1, 0)]) + "^"
    return [f"    {f.line:>5} | {text}", f"          | {caret}"]


def text(results: list[CheckResult], checking: bool = True) -> str:
    """checking: the findings are a check's, whose cross-item rules wait for its load errors to be fixed (not so
    for the history's or a council sheet's own findings)."""
    lines = {k: v for r in results for k, v in r.lines.items()}
    out: list[str] = []
    total = {ERROR: 0, WARNING: 0, "抑止": 0}
    for r in results:
        current = None
        for f in r.findings:
            if f.file != current:
                current = f.file
                out.append(f"■ {f.file}")
            tag = f"{f.severity.label}（抑止）" if f.suppressed else f.severity.label
            out.append(f"{f.file}:{f.line}:{f.column}: {tag} [{f.rule_id}] {f.item_path + ': ' if f.item_path else ''}{f.message}")
            out.extend(_quote(f, lines))
            if f.hint:
                out.append(f"    修正: {f.hint}")
            if f.suppressed:
                out.append(f"    抑止の理由: {f.suppressed}")
            total["抑止" if f.suppressed else f.severity] += 1
        if checking and not r.rules_ran and r.errors:
            out.append(f"（{r.folder}: 上のエラーを直すと、項目間の検査も行います。）")
    out.append(f"{len(results)} 件の評価書フォルダを検査: {ERROR.label} {total[ERROR]} 件、{WARNING.label} {total[WARNING]} 件、抑止 {total['抑止']} 件")
    return "\n".join(out) + "\n"


def as_json(results: list[CheckResult]) -> str:
    doc = {"version": JSON_VERSION,
           "assessments": [{"folder": r.folder, "rules_ran": r.rules_ran,
                            "findings": [f.to_dict() for f in r.findings]} for r in results]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return s.replace(":", "%3A").replace(",", "%2C") if prop else s


def github(results: list[CheckResult]) -> str:
    out = []
    for r in results:
        for f in r.findings:
            if f.suppressed:
                continue
            level = "error" if f.severity == ERROR else "warning"
            title = _gh_escape(f"{f.rule_id} {f.item_path}"[:200], prop=True)
            msg = _gh_escape(f"{f.message}" + (f"\n修正: {f.hint}" if f.hint else ""))
            out.append(f"::{level} file={_gh_escape(f.file, True)},line={f.line},col={f.column},title={title}::{msg}")
    return "\n".join(out) + ("\n" if out else "")


def fingerprint(f: Finding) -> str:
    return hashlib.sha256(f"{f.file}|{f.item_path}|{f.rule_id}|{f.message}".encode()).hexdigest()


def gitlab(results: list[CheckResult]) -> str:
    issues = [{"description": f"{f.item_path}: {f.message}" if f.item_path else f.message,
               "check_name": f.rule_id, "fingerprint": fingerprint(f),
               "severity": "major" if f.severity == ERROR else "minor",
               "location": {"path": f.file, "lines": {"begin": f.line}}}
              for r in results for f in r.findings if not f.suppressed]
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"


SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _level(severity: Severity) -> str:
    return Severity(severity).value  # SARIF's levels "error" / "warning" are the registry's stable values


def _uri(file: str) -> str:
    from pathlib import PurePath, PureWindowsPath
    from urllib.parse import quote

    p = PureWindowsPath(file) if "\\" in file else PurePath(file)
    return p.as_uri() if p.is_absolute() else quote(p.as_posix())


def sarif(results: list[CheckResult]) -> str:
    """SARIF 2.1.0 (GitHub code scanning and other viewers): every known rule, then one result per finding."""
    from pia import __version__

    specs = catalog.specs()
    ids = sorted(specs)
    rules = []
    for i in ids:
        s = specs[i]
        rule: dict[str, object] = {"id": i, "shortDescription": {"text": s.title},
                                   "defaultConfiguration": {"level": _level(s.severity)},
                                   "properties": {"source": s.source, "certainty": s.certainty.label}}
        if s.explanation:
            rule["fullDescription"] = {"text": s.explanation}
        rules.append(rule)
    out = []
    for r in results:
        for f in r.findings:
            res: dict[str, object] = {
                "ruleId": f.rule_id, "ruleIndex": ids.index(f.rule_id), "level": _level(f.severity),
                "message": {"text": (f"{f.item_path}: " if f.item_path else "") + f.message
                            + (f"\n修正: {f.hint}" if f.hint else "")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(f.file)},
                                                    **({"region": {"startLine": f.line, "startColumn": max(f.column, 1)}}
                                                       if f.line >= 1 else {})}}],
                "partialFingerprints": {"piaFinding/v1": fingerprint(f)}}
            if f.suppressed is not None:
                res["suppressions"] = [{"kind": "inSource", "justification": f.suppressed}]
            out.append(res)
    doc = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "pia", "version": __version__, "semanticVersion": __version__,
                                         "rules": rules}},
                     "columnKind": "unicodeCodePoints", "results": out}]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


REPORTERS: dict[str, Callable[[list[CheckResult]], str]] = {
    "text": text, "json": as_json, "github": github, "gitlab": gitlab, "sarif": sarif}
