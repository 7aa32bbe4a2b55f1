"""Council sheets (外部結合・業務委託) for the privacy council, from councils/NAME/council.yaml.

Facts the assessment already states are referred to, not copied: any text item may be written as
`{評価書の項目: juki/委託事項/itaku-01/委託先名}` and is read from the assessment named by `評価書:`.
Given the version the council approved last, every changed passage is set in bold underline.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from pia import assessment as asm
from pia import schema as sch
from pia.errors import PiaError
from pia.findings import ERROR, Finding
from pia.items import item
from pia.loader import Document, load_file, load_text
from pia.validate import _findings

COUNCIL = "council.yaml"
# the lists a reference may name (juki/委託事項/…), by the key the form gives them
LISTS = {it.key: it.at() for it in (item("II-4-委託事項"), item("II-5-提供先"), item("II-5-移転先"))}


@dataclass
class Council:
    folder: Path
    doc: Document | None
    findings: list[Finding] = field(default_factory=list)

    def label(self, key: str, path: tuple[Any, ...]) -> str:
        parts = []
        for node, part in sch.load().item_trail("council", path):
            parts.append(f"{part + 1}件目" if isinstance(part, int) else sch.title(node))
        return " ".join(parts)


def load(folder: Path, texts: dict[str, bytes] | None = None) -> Council:
    if texts is None:
        p = folder / COUNCIL
        if not p.is_file():
            raise PiaError(f"{folder} に {COUNCIL} がありません。")
        doc, found = load_file(p, str(p))
    else:
        if COUNCIL not in texts:
            raise PiaError(f"比較する版に {COUNCIL} がありません。")
        doc, found = load_text(f"{folder}/{COUNCIL}", texts[COUNCIL])
    c = Council(folder, doc, list(found))
    if doc is not None:
        root = sch.load()
        for err in root.validator("council").iter_errors(doc.data):
            c.findings.extend(_findings(c, "council", "council", doc, err, root))  # type: ignore[arg-type]
    return c


def _resolve(ref: str, base: Path, cache: dict[str, asm.Assessment]) -> str:
    """`juki/委託事項/itaku-01/委託先名` or `system/juki-kizon/システムの名称` -> the text in the assessment."""
    if str(base) not in cache:
        cache[str(base)] = asm.load(base)
    a = cache[str(base)]
    parts = ref.split("/")
    if parts[0] == "system" and len(parts) == 3:
        found = [s for s in a.systems if s.get("id") == parts[1]]
        value = found[0].get(parts[2]) if found else None
    elif len(parts) == 4 and parts[1] in LISTS:
        d = a.docs.get("file:" + parts[0])
        node: Any = d.data if d else None
        for k in LISTS[parts[1]]:
            node = node.get(k) if isinstance(node, dict) else None
        found = [x for x in node or [] if isinstance(x, dict) and x.get("id") == parts[2]]
        value = found[0].get(parts[3]) if found else None
    else:
        value = None
    if value is None:
        raise PiaError(f"評価書の項目「{ref}」が {base} に見つかりません。")
    return str(value)


def resolved(c: Council) -> dict[str, Any]:
    """The council data with every reference replaced by the assessment's text."""
    data = c.doc.data if c.doc and isinstance(c.doc.data, dict) else {}
    base = (c.folder / str(data["評価書"])) if data.get("評価書") else None
    cache: dict[str, asm.Assessment] = {}

    def walk(v: Any) -> Any:
        if isinstance(v, dict) and set(v) == {"評価書の項目"}:
            if base is None:
                raise PiaError("「評価書の項目」を使うときは、council.yaml に「評価書:」で評価書フォルダを指定してください。")
            return _resolve(str(v["評価書の項目"]), base, cache)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    return walk(data)


_SENTENCE = re.compile(r"[^。．！？!?\n]*(?:[。．！？!?]+|\n|$)")
MAX_CHAR_DIFF = 400_000  # characters of old × new diffed character by character; a larger changed passage is marked whole


def _sentences(s: str) -> list[str]:
    return [m.group() for m in _SENTENCE.finditer(s) if m.group()]


def _changed_runs(a: str, b: str) -> list[list[Any]]:
    """[changed, text] runs of b against a: sentences are matched first (near-linear for long texts), characters
    only inside a changed group of sentences, and only while that stays small."""
    runs: list[list[Any]] = []

    def add(changed: bool, text: str) -> None:
        if not text:
            return
        if runs and runs[-1][0] == changed:
            runs[-1][1] += text
        else:
            runs.append([changed, text])

    sa, sb = _sentences(a), _sentences(b)
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, sa, sb, autojunk=False).get_opcodes():
        old, new = "".join(sa[i1:i2]), "".join(sb[j1:j2])
        if op == "equal":
            add(False, new)
        elif op == "insert" or len(old) * len(new) > MAX_CHAR_DIFF:
            add(True, new)
        elif op == "replace":
            for cop, _, _, k1, k2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
                add(cop in ("replace", "insert"), new[k1:k2])
    return runs


def marked(new: Any, old: Any) -> Markup:
    """new text with the passages that differ from old in <strong><u> (bold underline); all text escaped."""
    a = "" if old is None else str(old)
    b = "" if new is None else str(new)
    if old is None and new is not None and b:
        return Markup("<strong><u>") + escape(b) + Markup("</u></strong>")
    chunks = _changed_runs(a, b)  # [changed, text] runs of the new text
    # a few shared characters between two changes (「ン」 in 共同運営センター→ガバメントクラウド) are one passage
    for i in range(1, len(chunks) - 1):
        if not chunks[i][0] and len(chunks[i][1]) <= 3 and chunks[i - 1][0] and chunks[i + 1][0]:
            chunks[i][0] = True
    merged: list[list[Any]] = []
    for changed, text in chunks:
        if merged and merged[-1][0] == changed:
            merged[-1][1] += text
        else:
            merged.append([changed, text])
    out = Markup("")
    for changed, text in merged:
        core = text.strip()
        if changed and core:
            lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()):]
            out += escape(lead) + Markup("<strong><u>") + escape(core) + Markup("</u></strong>") + escape(trail)
        else:
            out += escape(text)
    return out


def compare(new: Any, old: Any, mark: bool) -> Any:
    """The data with every text as Markup: marked against old when mark, else plain escaped."""
    if isinstance(new, dict):
        o = old if isinstance(old, dict) else {}
        return {k: compare(v, o.get(k) if mark else None, mark) for k, v in new.items()}
    if isinstance(new, list):
        o = old if isinstance(old, list) else []
        if mark and new and all(isinstance(x, str) for x in new):
            # clauses: matched by content, so an inserted clause is marked whole and the others stay plain
            out: list[Any] = []
            for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, [str(x) for x in o], [str(x) for x in new], autojunk=False).get_opcodes():
                for k, j in enumerate(range(j1, j2)):
                    prev = o[i1 + k] if op == "replace" and i1 + k < i2 else (new[j] if op == "equal" else None)
                    out.append(marked(new[j], prev))
            return out
        return [compare(v, o[i] if i < len(o) else None, mark) for i, v in enumerate(new)]
    if new is None:
        return None
    return marked(new, old) if mark else escape(str(new))


def render(c: Council, approved: Council | None) -> str:
    from pia.render.env import environment
    from pia.resources import templates_dir

    data = resolved(c)
    old = resolved(approved) if approved else None
    view = compare(data, old, approved is not None)
    root = sch.load()
    return environment().get_template("council.html.j2").render(
        schema=root.document("council"), c=view, raw=data, marked=approved is not None,
        css=(templates_dir() / "style.css").read_text(encoding="utf-8"), title=str(data.get("件名") or c.folder.name))


def load_approved(spec: str, folder: Path) -> Council:
    p = Path(spec)
    if p.is_dir():
        return load(p)
    from pia.history.versions import at_revision_files

    files, _ = at_revision_files(spec, folder, [COUNCIL])
    if files.get(COUNCIL) is None:
        raise PiaError(f"{spec} の時点に {folder}/{COUNCIL} がないか、読めません。")
    return load(folder, {COUNCIL: files[COUNCIL]})


def errors(c: Council) -> list[Finding]:
    return [f for f in c.findings if f.severity == ERROR]
