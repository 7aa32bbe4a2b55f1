"""Moving a document to another form version (`pia migrate`): the YAML keys and values a version renames, and
the headings and parts its layout changes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pia.document.loader import load_text
from pia.form import schema as sch
from pia.form.items import item
from pia.form.kinds import Kind, ordered, absent_codes, current_version, label, node_by_code, parse_version, short_title, table, version_entry, version_key

@dataclass
class Migration:
    texts: dict[str, str]  # relative path -> new text (only the files that change)
    report: list[str]  # what changed and what the editor must fill or re-check, in Japanese




def migrate(texts: dict[str, str]) -> Migration:
    """Move every document of a folder (relative path -> YAML text) to the current form version: the `様式:` line
    is rewritten; the report lists renamed labels, items the current version adds (to fill) and items to re-check.
    The rest of each text is kept byte for byte (comments and suppressions included)."""
    current = current_version()
    out: dict[str, str] = {}
    report: list[str] = []
    for kind in ordered():
        text = texts.get(kind.file)
        if text is None:
            continue
        line_re = re.compile("^" + re.escape(version_key()) + ":.*$", re.M)
        m = line_re.search(text)
        parsed = parse_version(m.group().split(":", 1)[1].split("#", 1)[0]) if m else None
        old = parsed[0] if parsed else current
        name = short_title(kind)
        if old == current:
            report.append(f"{name}（{kind.file}）: すでに現在の版（{current} {kind.number}）です。")
            continue
        line = f"{version_key()}: {current} {kind.number}"
        out[kind.file] = line_re.sub(line, text, count=1)
        report.append(f"{name}（{kind.file}）: {old} {kind.number} → {current} {kind.number}")
        for code, old_title in version_entry(old).get("labels", {}).items():
            found = node_by_code(kind.schema, code)
            if found:
                report.append(f"  項目名の変更: 「{old_title}」→「{label(found[1], current)}」")
        doc, _ = load_text(kind.file, text.encode("utf-8"))
        for code in sorted(absent_codes(old) - absent_codes(current)):
            found = node_by_code(kind.schema, code)
            if found:
                written = doc is not None and item(code).get(doc.data) not in (None, "", [], {})
                what = "記入を確認" if written else "記入が必要"
                report.append(f"  {what}: 「{sch.title(found[1])}」（{code}。{old}の様式にはない項目です）")
        report += _layout_changes(kind, old, current)
        for code in table()["migrate"]["recheck"].get(kind.id, []):
            found = node_by_code(kind.schema, code)
            if found:
                report.append(f"  見直しが必要: 「{label(found[1], current)}」（{code}）")
    return Migration(out, report)


def _layout_changes(kind: Kind, old: str, new: str) -> list[str]:
    """How the printed form differs between two versions (the versions table's `layout` and `absent`)."""
    from pia.form import layout

    before, after = layout.part_titles(kind.id, old), layout.part_titles(kind.id, new)
    out = [f"  見出しの変更: 「{before[p]}」→「{after[p]}」" for p in after if p in before and before[p] != after[p]]
    out += [f"  部分の追加: 「{after[p]}」（{old}の様式にはない部分です）" for p in after if p not in before]
    out += [f"  部分の削除: 「{before[p]}」（{new}の様式にはない部分です）" for p in before if p not in after]
    return out
