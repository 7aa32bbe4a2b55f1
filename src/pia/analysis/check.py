"""check(folder) -> findings: load, validate against the schemas, then the rules between fields.

Suppressions (`# pia-ignore: PIA201@1a2b3c 理由` beside a value) bind to one finding: its rule and a fingerprint
of the value it is about and of what the rule compared it with (both sides: the 件数 and the list it counts, the two
dates). When either changes the finding returns; an ignore that silences nothing is reported.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from pia.document import assessment as asm
from pia.form import kinds as form_kinds
from pia.base.findings import WARNING, Finding, sort_key
from pia.document.loader import Document
from pia.document.validate import validate

STALE, UNBOUND, MALFORMED = "PIA070", "PIA071", "PIA072"
_IGNORE = re.compile(r"#\s*pia-ignore:\s*(.*)$")
# Each run of spaces can be taken by one part of a pattern only: a comment of thousands of spaces costs a linear scan.
_ENTRY = re.compile(r"\s*(?:[,、]\s*)?(PIA\d{3})(?:@([0-9a-fA-F]{4,16}))?(?=[\s,、]|$)")
# What a mistyped entry looks like: 「PIA2」「pia202」「PIA202@xyz」「ＰＩＡ２０２」 (read as no entry, so as the reason).
_BAD_ID = r"[pｐPＰ][iｉIＩ][aａAＡ][\s_-]*[0-9０-９]"
_BAD_ENTRY = re.compile(r"\s*(?:[,、]\s*)?(" + _BAD_ID + r"\S*)")
_ANY_BAD = re.compile(_BAD_ID)  # searched for anywhere: no leading spaces to try again from every position
# A comment that may be meant as pia-ignore: 「# pia-ingore:」「# PIA-IGNORE:」「# pia-ignore：」「# pia-ignore PIA202」.
_LOOSE = re.compile(r"#\s*(p\s*i\s*a\s*(?:[-_‐ー―−－]\s*)?([a-zａ-ｚ]+))\s*([:：]?)(.*)$", re.IGNORECASE)
_FORM = "# pia-ignore: PIA202@指紋 理由"
_MISSING = object()


@dataclass
class CheckResult:
    folder: str
    findings: list[Finding] = field(default_factory=list)
    rules_ran: bool = False
    lines: dict[str, list[str]] = field(default_factory=dict, repr=False)  # for quoting in reports

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)


@dataclass
class Ignore:
    file: str
    line: int
    column: int
    rule: str
    fingerprint: str | None
    reason: str
    used: bool = False
    current: str | None = None  # the fingerprint of the finding of that rule on that line, if any


def _entries(rest: str) -> tuple[list[re.Match[str]], int, str | None]:
    """The entries read from the start of rest, where they end, and the first mistyped one after them (「PIA2」)."""
    pos, found = 0, []
    while e := _ENTRY.match(rest, pos):
        found.append(e)
        pos = e.end()
    bad = _BAD_ENTRY.match(rest, pos)
    return found, pos, bad.group(1) if bad else None


def malformed_in(doc: Document) -> list[Finding]:
    """Comments meant as pia-ignore that suppress nothing as written (a typo, a 全角 colon, 「PIA2」): said, as the
    staff who wrote them believe the finding silenced."""
    out = []
    for no, text in enumerate(doc.lines, 1):
        if "#" not in text:
            continue
        m = _IGNORE.search(text)
        if m:
            found, _, bad = _entries(m.group(1))
            if found and not bad:
                continue
            if found:
                msg = (f"pia-ignore の「{bad}」は検査結果の番号として読めないため、理由の一部として読まれます"
                       f"（抑止するのは {'・'.join(e.group(1) for e in found)} だけです）。")
            else:
                what = f"「{bad}」を検査結果の番号として読めない" if bad else "検査結果の番号（PIA と3桁の数字）がない"
                msg = f"この pia-ignore は、{what}ため、何も抑止しません。"
            out.append(Finding(doc.file, no, m.start() + 1, MALFORMED, WARNING, "", msg,
                               f"「{_FORM}」の形で、番号は「PIA」と半角の3桁の数字（例: PIA202）で書いてください。"))
            continue
        m = _LOOSE.search(text)
        word = unicodedata.normalize("NFKC", m.group(2)).lower() if m else ""
        if not m or difflib.SequenceMatcher(None, word, "ignore").ratio() < 0.7 or not _ANY_BAD.search(m.group(4)):
            continue
        marker = unicodedata.normalize("NFKC", m.group(1))
        why = []
        if re.sub(r"\s", "", marker) != "pia-ignore":
            why.append(f"「{m.group(1)}」は「pia-ignore」と綴りが違います" if word != "ignore" or marker.lower() == marker
                       else f"「{m.group(1)}」は小文字の「pia-ignore」ではありません")
        why.append({"：": "その後ろのコロンが全角「：」です", "": "その後ろにコロン「:」がありません"}.get(m.group(3), ""))
        rest = re.sub(r"[pｐPＰ][iｉIＩ][aａAＡ][\s_-]*([0-9０-９]+)", lambda k: "PIA" + unicodedata.normalize("NFKC", k.group(1)),
                      m.group(4).strip())
        found, _, bad = _entries(rest)
        fixed = f"# pia-ignore: {rest}" if found and not bad else _FORM
        out.append(Finding(doc.file, no, m.start() + 1, MALFORMED, WARNING, "",
                           f"pia-ignore として読めないため、何も抑止しません（{'。'.join(w for w in why if w)}）。",
                           f"「{fixed}」と書いてください（「pia-ignore」は半角の小文字で、後ろに半角のコロン「:」と空白）。"))
    return out


def ignores_in(doc: Document) -> list[Ignore]:
    out = []
    for no, text in enumerate(doc.lines, 1):
        m = _IGNORE.search(text)
        if not m:
            continue
        rest = m.group(1)
        found, pos, _ = _entries(rest)
        reason = rest[pos:].strip() or "（理由の記載なし）"
        out += [Ignore(doc.file, no, m.start() + 1, e.group(1), (e.group(2) or "").lower() or None, reason) for e in found]
    return out


def _value_at(a: asm.Assessment, anchor: str) -> Any:
    """The value a finding is about, from its anchor (`<doc key>/<path>`; keys may hold 「/」)."""
    parts = anchor.split("/")
    doc = a.docs.get(parts[0])
    if doc is None or not anchor:
        return _MISSING
    v: Any = doc.data
    i = 1
    while i < len(parts):
        if isinstance(v, list) and parts[i].isdigit() and int(parts[i]) < len(v):
            v, i = v[int(parts[i])], i + 1
            continue
        if not isinstance(v, dict):
            return _MISSING
        for j in range(len(parts), i, -1):  # the longest key that exists
            k = "/".join(parts[i:j])
            if k in v:
                v, i = v[k], j
                break
        else:
            return _MISSING
    return v


def fingerprint(a: asm.Assessment, f: Finding, lines: list[str] | None) -> str:
    """Six hex digits of the value the finding is about (or of its line without the comment) and of what the rule
    compared it with, as its message states both sides (「件数を58件としていますが、提供先は59件」; the two dates). A finding
    about the same value that says something else is a different finding: the suppression no longer applies."""
    v = _value_at(a, f.anchor)
    if v is _MISSING:
        text = lines[f.line - 1] if lines and 0 < f.line <= len(lines) else ""
        v = ["line", re.sub(r"\s#.*$", "", text).strip()]
    blob = json.dumps([f.rule_id, v, f.message], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:6]


def _suppress(a: asm.Assessment, findings: list[Finding], ignores: dict[tuple[str, int], list[Ignore]],
              lines: dict[str, list[str]]) -> list[Finding]:
    out = []
    for f in findings:
        here = [i for i in ignores.get((f.file, f.line), []) if i.rule == f.rule_id]
        if here:
            fp = fingerprint(a, f, lines.get(f.file))
            for i in here:
                i.current = fp
            match = next((i for i in here if i.fingerprint in (fp, None)), None)
            if match:
                match.used = True
                f = replace(f, suppressed=match.reason)
        out.append(f)
    return out


def _ignore_findings(ignores: Iterable[Ignore], rules_ran: bool, selected: Any) -> list[Finding]:
    from pia.base.registry import Stage
    from pia.analysis.catalog import specs

    out = []
    for i in ignores:
        stage = specs()[i.rule].stage if i.rule in specs() else None
        if not selected(i.rule) or (not rules_ran and stage == Stage.RULE):
            continue  # the rule did not run: nothing to say about its ignore
        if stage is None:
            out.append(Finding(i.file, i.line, i.column, MALFORMED, WARNING, "",
                               f"{i.rule} という検査規則はありません。この pia-ignore は何も抑止しません。",
                               "抑止したい検査結果の番号（pia check の表示の [PIAnnn]）を書いてください。規則の一覧は pia rules で"
                               "表示できます。不要ならこの pia-ignore を削除してください。"))
            continue
        if i.used and i.fingerprint is None:
            out.append(Finding(i.file, i.line, i.column, UNBOUND, WARNING, "",
                               f"{i.rule} の抑止に検査結果の指紋がありません。値や比べた記載が変わっても抑止され続けます。",
                               f"値が変わったら検査結果が戻るように「# pia-ignore: {i.rule}@{i.current} {i.reason}」と書いてください。"))
        elif not i.used:
            if i.current:
                msg = (f"値又は比べた記載が変わって検査結果が変わったため、{i.rule} の抑止（指紋 {i.fingerprint}）は効いていません"
                       f"（現在の指紋 {i.current}）。")
                hint = (f"新しい検査結果でも抑止してよいか確認し、よければ「# pia-ignore: {i.rule}@{i.current} 理由」に"
                        "書き換えてください。不要なら抑止を削除してください。")
            else:
                msg = f"この行に {i.rule} の検査結果はありません。抑止が使われていません。"
                hint = "値を直したのであれば、この pia-ignore を削除してください。"
            out.append(Finding(i.file, i.line, i.column, STALE, WARNING, "", msg, hint))
    return out


def matcher(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> Any:
    """`--select`/`--ignore` as linters read them: rule ids or prefixes (PIA2 = PIA200–PIA299)."""
    sel = [s.strip().upper() for s in select or [] if s.strip()]
    ign = [s.strip().upper() for s in ignore or [] if s.strip()]

    def selected(rule_id: str) -> bool:
        return (not sel or any(rule_id.startswith(s) for s in sel)) and not any(rule_id.startswith(s) for s in ign)
    return selected


def check_assessment(a: asm.Assessment, select: Iterable[str] | None = None,
                     ignore: Iterable[str] | None = None, final: bool = False) -> CheckResult:
    """final: the check before publication, which demands what a draft may leave blank (評価書番号, 公表日 …)."""
    from pia.document import family
    from pia.analysis import catalog

    a.final = final
    selected = matcher(select, ignore)
    lines = {d.file: d.lines for _, _, d in a.documents()}
    ignores: dict[tuple[str, int], list[Ignore]] = {}
    found = [f for f in a.load_findings if selected(f.rule_id)]
    for _, _, d in a.documents():
        for i in ignores_in(d):
            ignores.setdefault((i.file, i.line), []).append(i)
        found += [f for f in malformed_in(d) if selected(f.rule_id)]
    found += _suppress(a, [f for f in validate(a) if selected(f.rule_id)], ignores, lines)
    result = CheckResult(a.folder, lines=lines)
    # Rules read the documents as a whole: they run once every document loaded and matches its schema
    # (findings silenced beside the value do not block them; rules left out by --select/--ignore do not count).
    if not any(f.is_error for f in found):
        # every rule that applies to a kind of document the folder holds runs once
        kinds = {k.id for k in family.present(a)} or {form_kinds.most_detailed().id}
        found += _suppress(a, [f for f in catalog.run(a, kinds) if selected(f.rule_id)], ignores, lines)
        result.rules_ran = True
    found += [f for f in _ignore_findings((i for v in ignores.values() for i in v), result.rules_ran, selected)
              if selected(f.rule_id)]
    needed: dict[str, int] = {}  # quote the lines of files that did not load (syntax errors) too
    for f in found:
        if f.file not in lines:
            needed[f.file] = max(needed.get(f.file, 0), f.line)
    for file, upto in needed.items():
        quoted = _source_lines(a.folder, file, upto)
        if quoted is not None:
            lines[file] = quoted
    result.findings = sorted(set(found), key=sort_key)
    return result


def _source_lines(folder: str, file: str, upto: int) -> list[str] | None:
    """The first upto lines of a file of the assessment, read as the loader reads it (fsread: never a link leading
    out, a FIFO or a device); only those lines are kept, so a 2 MB file refused at line 1 costs one line."""
    from pia.base import fsread
    from pia.document.loader import MAX_BYTES

    rel = os.path.relpath(file, folder)
    if rel.startswith(".."):
        return None
    try:
        text = fsread.Root(Path(folder)).read(rel, MAX_BYTES).decode("utf-8")
    except (fsread.Refusal, UnicodeDecodeError, ValueError):
        return None
    return [ln.rstrip("\r") for ln in text.split("\n", upto)[:upto]]


def check(folder: Path, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None,
          final: bool = False) -> CheckResult:
    return check_assessment(asm.load(folder), select, ignore, final)
