"""Council sheets (外部結合・業務委託) for the privacy council, from councils/NAME/council.yaml.

Facts the assessment already states are referred to, not copied: any text item may be written as
`{評価書の項目: 基礎-I-1-①}` (an item code of any document of the folder: 基礎・重点・全項目; per-file items after the
file's ID, list entries after the code by id or number) or in the older form `juki/委託事項/itaku-01/委託先名`, and
is read from the assessment named by `評価書:`, which must stay inside the repository.
Given the version the council approved last, every changed passage is set in bold underline.
"""
from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Iterator

from markupsafe import Markup, escape

from pia.document import assessment as asm
from pia.form import schema as sch
from pia.base import fsread
from pia.base.errors import PiaError
from pia.base.findings import ERROR, Finding
from pia.form.items import UnknownItem, item
from pia.document.loader import Document, load_file, load_text
from pia.document.validate import schema_findings

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
            c.findings.extend(schema_findings(doc, "council", err, root, lambda path: c.label("council", path)))
        if not errors(c):
            c.findings.extend(check_references(c))
    return c


class Unresolved(Exception):
    """A reference the assessment cannot answer: (message, hint), in Japanese."""


REF = "評価書の項目"  # the key of a reference (the schema's $defs/reference)
BASE = "評価書"  # the key naming the assessment folder


def _legacy(parts: list[str], a: asm.Assessment) -> Any:
    """`juki/委託事項/itaku-01/委託先名` or `system/juki-kizon/システムの名称`: the 全項目's lists by id."""
    if parts[0] == "system" and len(parts) == 3:
        found = [x for x in a.systems if x.get("id") == parts[1]]
        return found[0].get(parts[2]) if found else None
    if len(parts) == 4 and parts[1] in LISTS:
        d = a.docs.get("file:" + parts[0])
        node: Any = d.data if d else None
        for k in LISTS[parts[1]]:
            node = node.get(k) if isinstance(node, dict) else None
        found = [x for x in node or [] if isinstance(x, dict) and x.get("id") == parts[2]]
        return found[0].get(parts[3]) if found else None
    return None


def _code_at(parts: list[str]) -> int | None:
    """Where the item code is in a reference: first (「基礎-I-1-①」) or after a file's ID (「kokuho/重点-II-4-委託事項-③」)."""
    for i in range(min(2, len(parts))):
        try:
            item(parts[i])
            return i
        except UnknownItem:
            continue
    return None


def _by_code(parts: list[str], at: int, a: asm.Assessment) -> Any:
    """`[ファイルID/]項目コード[/一覧の ID 又は番号…]` in any document of the folder (基礎・重点・全項目)."""
    from pia.form import kinds
    from pia.document import family

    it = item(parts[at])
    per_file = kinds.per_file(it.doc) is not None
    kind = kinds.by_key(it.doc) or next((k for k in kinds.kinds().values() if it.doc == k.file_schema), None)
    if kind is not None and kind not in family.present(a):
        raise Unresolved(f"評価書フォルダに{kinds.short_title(kind)}（{kind.file}）がありません。",
                         "「評価書:」に、この項目のある評価書のフォルダを指定してください。")
    if per_file != (at == 1):
        raise Unresolved(f"項目「{parts[at]}」は" + ("ファイルごとの項目です。" if per_file else "ファイルごとの項目ではありません。"),
                         "「ファイルID/項目コード」と書いてください。" if per_file else "項目コードの前のファイル ID を除いてください。")
    if per_file:
        doc = a.docs.get(f"{it.doc}:{parts[0]}")
        if doc is None:
            raise Unresolved(f"ファイル「{parts[0]}」がありません（{', '.join(a.file_ids(it.doc)) or 'ファイルなし'}）。",
                             "特定個人情報ファイルの ID（ファイルの YAML の名前）を書いてください。")
        data: Any = doc.data
    elif kind is not None and kind.borrows_facts:
        data = family.kiso_view(a)  # the 基礎 as printed: with the facts the main document holds
    else:
        data = family.data(a, kind) if kind is not None else {item("I-システム").key: a.systems}
    picks = parts[at + 1:]
    lists = sum(p is None for p in it.path)
    if len(picks) != lists:
        raise Unresolved(f"項目「{parts[at]}」には一覧の中の一件を {lists} 個の ID（又は 1 からの番号）で指定します（{len(picks)} 個あります）。",
                         "例: 項目コード/itaku-01")
    node = data
    for key in it.path:
        if key is None:
            entries = node if isinstance(node, list) else []
            want = picks.pop(0)
            match = [e for e in entries if isinstance(e, dict) and str(e.get("id")) == want]
            if not match and want.isdigit() and 0 < int(want) <= len(entries):
                match = [entries[int(want) - 1]]
            if not match:
                raise Unresolved(f"一覧に「{want}」の一件がありません（{len(entries)} 件）。", "一覧の id か、1 からの番号を書いてください。")
            node = match[0]
        else:
            node = node.get(key) if isinstance(node, dict) else None
    return node


def _text(value: Any) -> str | None:
    """A referenced value as the text the sheet prints (a choice's option, a list's entries joined)."""
    if isinstance(value, dict) and sch.SELECTED in value:
        value = sch.selected(value)
    if isinstance(value, bool) or value is None or value == "":
        return None
    if isinstance(value, list):
        texts = [e if isinstance(e, str) else next(iter(e)) if isinstance(e, dict) and len(e) == 1 else None for e in value]
        if any(t is None for t in texts):
            raise Unresolved("この項目は一覧で、文として参照できません。", "一覧の中の項目（一件の ID と項目コード）を指定してください。")
        return "、".join(str(t) for t in texts) or None
    if isinstance(value, dict):
        raise Unresolved("この項目は項目のまとまりで、文として参照できません。", "まとまりの中の項目の項目コードを指定してください。")
    return str(value)


def lookup(ref: str, a: asm.Assessment) -> str:
    """The assessment's text for a reference; Unresolved when the folder has no such item or it is blank."""
    parts = ref.split("/")
    at = _code_at(parts)
    value = _legacy(parts, a) if at is None else _by_code(parts, at, a)
    text = _text(value)
    if text is None:
        if at is None and _legacy(parts, a) is None:
            raise Unresolved(f"評価書の項目「{ref}」が見つかりません。",
                             "項目コード（例: 基礎-I-1-①、重点-I-1-①、ファイルID/重点-II-4-委託事項-③/委託の id）で指定してください。")
        raise Unresolved(f"評価書の項目「{ref}」は空欄です。", "評価書の側に記載してください。")
    return text


def _root(folder: Path) -> Path:
    """What a council sheet may refer into: its repository (the nearest folder above with .git), else the folder
    that holds councils/ (two above the sheet's folder)."""
    return fsread.repository(folder, resolve=True) or folder.resolve().parent.parent


def base_folder(c: Council) -> Path | None:
    """The assessment folder `評価書:` names, confined to the repository; Unresolved when it leaves it or is none."""
    data = c.doc.data if c.doc and isinstance(c.doc.data, dict) else {}
    value = data.get(BASE)
    if not value:
        return None
    written = Path(str(value))
    root = _root(c.folder)
    target = (c.folder / written).resolve()
    if written.is_absolute() or not target.is_relative_to(root):
        raise Unresolved(f"「{BASE}:」の {value} は、審議会資料のあるリポジトリ（{root.name}）の外を指しています。読み込みません。",
                         f"{COUNCIL} のあるフォルダからの相対パスで、リポジトリの中の評価書フォルダを指定してください。")
    if not asm.is_assessment(target):
        raise Unresolved(f"「{BASE}:」の {value} は評価書フォルダではありません（{'、'.join(asm.main_files())} のどれもありません）。",
                         "評価書フォルダ（例: ../../assessments/setagaya-juki）を指定してください。")
    return target


def _references(data: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(path of the {評価書の項目: …} mapping, the reference) of every reference in the sheet."""
    from pia.form.items import dig
    from pia.document.values import scalars

    for path, v in scalars(data):
        if path[-1:] == (REF,) and set(dig(data, path[:-1])) == {REF}:
            yield path[:-1], str(v)


def check_references(c: Council) -> list[Finding]:
    """PIA960 for an `評価書:` folder outside the repository (or not an assessment), PIA961 for each reference the
    assessment cannot answer: with the line of council.yaml it is written on."""
    doc = c.doc
    if doc is None or not isinstance(doc.data, dict):
        return []

    def at(rule: str, path: tuple[Any, ...], e: Unresolved) -> Finding:
        line, col = doc.locate(path)
        message, hint = e.args
        return Finding(doc.file, line, col, rule, ERROR, c.label("council", path[:-1] if path[-1:] == (REF,) else path), message, hint)

    refs = list(_references(doc.data))
    try:
        base = base_folder(c)
    except Unresolved as e:
        return [at("PIA960", (BASE,), e)]
    if base is None:
        return [at("PIA961", p + (REF,), Unresolved(f"「{REF}」を使うときは、{COUNCIL} に「{BASE}:」で評価書フォルダを指定してください。",
                                                    f"例: {BASE}: ../../assessments/setagaya-juki")) for p, _ in refs[:1]]
    a = asm.load(base)
    out = []
    for p, ref in refs:
        try:
            lookup(ref, a)
        except Unresolved as e:
            out.append(at("PIA961", p + (REF,), e))
    return out


def resolved(c: Council) -> dict[str, Any]:
    """The council data with every reference replaced by the assessment's text (check_references has passed)."""
    data = c.doc.data if c.doc and isinstance(c.doc.data, dict) else {}
    try:
        base = base_folder(c)
    except Unresolved as e:
        raise PiaError(e.args[0]) from None
    a = asm.load(base) if base is not None else None

    def walk(v: Any) -> Any:
        if isinstance(v, dict) and set(v) == {REF}:
            if a is None:
                raise PiaError(f"「{REF}」を使うときは、{COUNCIL} に「{BASE}:」で評価書フォルダを指定してください。")
            try:
                return lookup(str(v[REF]), a)
            except Unresolved as e:
                raise PiaError(e.args[0]) from None
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    return walk(data)


# a full-width point between digits (1．5) is a decimal point, not the end of a sentence
_SENTENCE = re.compile(r"(?:[^。．！？!?\n]|．(?=[0-9０-９]))*(?:[。．！？!?]+|\n|$)")
MAX_CHAR_DIFF = 400_000  # characters of old × new diffed token by token (_TOKEN); a larger changed passage is marked whole
_D = "[0-9０-９]"
# what is marked whole when any of it changes, since one changed digit or letter alone misleads (1,<u>7</u>00):
# a date (its era, year, month and day: seed 004 marks 「令和5年2月6日から」 whole), a number with its commas,
# decimal point and an attached unit, an ASCII word; any other character is compared alone
_TOKEN = re.compile(
    rf"(?:(?:令和|平成|昭和|大正|明治)(?:{_D}+|元)|{_D}{{4}})年度?(?:{_D}+月(?:{_D}+日)?)?"
    rf"|{_D}+月{_D}+日|{_D}{{4}}[/／]{_D}{{1,2}}[/／]{_D}{{1,2}}"
    rf"|{_D}+(?:[,，]{_D}{{3}})*(?:[.．]{_D}+)?[万億]?(?:名|件|人|円|％|%|世帯|台|回|か所|箇所)?"
    rf"|[A-Za-zＡ-Ｚａ-ｚ][A-Za-z0-9Ａ-Ｚａ-ｚ０-９]*(?:[.．]{_D}+)*|.", re.S)


def _sentences(s: str) -> list[str]:
    return [m.group() for m in _SENTENCE.finditer(s) if m.group()]


def _changed_runs(a: str, b: str) -> list[list[Any]]:
    """[changed, text] runs of b against a: sentences are matched first (near-linear for long texts), tokens
    (characters, but dates, numbers and ASCII words whole) only inside a changed group of sentences, and only while
    that stays small."""
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
            ta, tb = _TOKEN.findall(old), _TOKEN.findall(new)
            for cop, _, _, k1, k2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
                add(cop in ("replace", "insert"), "".join(tb[k1:k2]))
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


def _has_mark(v: Any) -> bool:
    """Whether a compared value holds a marked passage (text is escaped, so only marked() writes the tag)."""
    if isinstance(v, dict):
        return any(_has_mark(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_mark(x) for x in v)
    return isinstance(v, Markup) and "<strong><u>" in v


def render(c: Council, approved: Council | None) -> str:
    from pia.output.env import environment
    from pia.base.resources import templates_dir

    data = resolved(c)
    old = resolved(approved) if approved else None
    view = compare(data, old, approved is not None)
    lay = _layout()
    form = sch.load().document(lay["form"])
    props = form["properties"]
    cover = []
    for row in lay["cover"]:
        value = view.get(row["key"])
        if row.get("optional") and not value:
            continue
        if "entry" in row:  # a list printed entry by entry (【諮問】◇第n条…)
            value = Markup("").join(Markup(escape(row["entry"])).format(**{k: v or "" for k, v in e.items()})
                                    for e in value or [] if isinstance(e, dict))
        cover.append((props[row["key"]]["title"], value))
    parts = []
    for part in lay["parts"]:
        node = props[part["key"]]
        if part.get("each"):
            entry = node["items"]
            for i, values in enumerate(view.get(part["key"]) or [], 1):
                parts.append({"id": f"{part['id']}-{i}", "heading": f"{entry['properties'][part['heading']]['title']}　{values.get(part['heading']) or ''}",
                              "node": entry, "data": values, "skip": part["heading"], "sheet": True})
        else:
            parts.append({"id": part["id"], "heading": node["title"], "node": node, "data": view.get(part["key"]) or {},
                          "skip": None, "sheet": False})
    # the note stands under the heading of every part holding a mark (seed 004 puts it there), so a mark in
    # 事業の概要 or on the cover is explained where it is read, and a part without marks sends no one looking
    for p in parts:
        p["marked"] = _has_mark(p["data"])
    note = lay["texts"]["mark_note"].format(data.get(lay["approved"]) or lay["texts"]["mark_default"])
    return environment().get_template("council.html.j2").render(
        form_title=form["title"], cover=cover, cover_marked=_has_mark([v for _, v in cover]), parts=parts,
        mark_note=note if approved is not None else "",
        css=(templates_dir() / "style.css").read_text(encoding="utf-8"), title=str(data.get(lay["title"]) or c.folder.name))


@cache
def _layout() -> dict[str, Any]:
    """schemas/council.layout.json: the sheet's cover rows, parts and fixed texts (keys of council.schema.json)."""
    from pia.base.resources import schemas_dir

    return json.loads((schemas_dir() / "council.layout.json").read_text(encoding="utf-8"))


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
