"""A loaded document laid out by its form's layout (pia.form.layout): blocks of rows that every writer prints, the
項目一覧 entries, and the position of each item (the order of diffs and 別添3 rows).

No writer knows the order of sections, which part repeats per file or the form's fixed texts: they read it here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pia.form import kinds
from pia.document import family
from pia.form import schema as sch
from pia.document.assessment import Assessment
from pia.form.items import Item, item
from pia.document.validate import anchor
from pia.form.walk import Entry, walk
from pia.form.layout import version
from pia.form.layout import Version, load


@dataclass(frozen=True)
class Row:
    entry: Entry
    doc: str          # document key: "assessment", "systems", "file:<id>"

    @property
    def kind(self) -> str:
        return self.entry.kind

    @property
    def anchor(self) -> str:
        return anchor(self.doc, self.entry.path)


@dataclass
class Block:
    """One printed part: a heading and its table (a per-file part gives one block per file)."""
    id: str                 # anchor of the heading, e.g. sec-II-1
    part: str               # the layout part id (II, B2, …)
    role: str               # cover, toc, table, changes
    title: str = ""
    star: bool = False
    star_note: str = ""
    rows: list[Row] = field(default_factory=list)
    file_label: str = ""    # per-file blocks: (1)住民基本台帳ファイル
    subheading: bool = False  # the file label is printed as a heading of its own (別添2)
    first: bool = True      # the first of a heading repeated per file: listed in 項目一覧
    bookmarked: bool = True  # its heading is a bookmark: the first, or a repeat after another part (Ⅱ after 別添2)
    continues: bool = False  # printed as the rest of the part before it: no heading, no 項目一覧 entry (重点 Ⅲ 8〜10)
    node: sch.Node = field(default_factory=dict)

    def tables(self) -> list[list[Row]]:
        """The rows as printed tables. In a file's part, a top-level group holding a list (委託事項, 提供先, 移転先:
        the items that grow to dozens of pages) starts a table on a new page, and so does the group after it: a
        reader finds the list at a page's top, and an edit elsewhere in the file leaves the list's pages as they were
        (the PDF lays out each table of this kind on its own, pia.output.pdfparts)."""
        if not self.file_label or self.subheading or self.continues:
            return [self.rows]
        starts = [i for i, r in enumerate(self.rows) if r.kind == "group" and r.entry.depth == 0]
        cuts: set[int] = set()
        for a, b in zip(starts, starts[1:] + [len(self.rows)]):
            if any(r.kind == "block" for r in self.rows[a:b]):
                cuts.add(a)
                if b < len(self.rows):
                    cuts.add(b)
        cuts.discard(0)
        edges = [0] + sorted(cuts) + [len(self.rows)]
        return [self.rows[a:b] for a, b in zip(edges, edges[1:])]


def _rows(doc: str, node: sch.Node, value: Any, path: tuple, depth: int = 0) -> Iterator[Row]:
    for e in walk(node, value, path, depth):
        if e.row:
            yield Row(e, doc)


def _present(rows: list[Row], absent: set[str]) -> list[Row]:
    """The rows the form version prints: items it does not have (and what lies under them) are left out."""
    gone: list[tuple[str, tuple]] = []
    out = []
    for r in rows:
        if any(r.doc == d and r.entry.path[:len(p)] == p for d, p in gone):
            continue
        if sch.code(r.entry.node) in absent:
            gone.append((r.doc, r.entry.path))
            continue
        out.append(r)
    return out


def _part_rows(doc: str, it: Item, data: Any, a: Assessment, insert_after: dict[str, str]) -> Iterator[Row]:
    value = it.get(data)
    value = value if isinstance(value, dict) else {}
    for key, sub in sch.properties(it.node):
        yield from _rows(doc, sub, value.get(key), it.at() + (key,))
        extra = insert_after.get(sch.code(sub))
        if extra:
            ins = item(extra)
            src = a.docs.get(ins.doc)
            ins_value = ins.get(src.data) if src else None
            yield Row(Entry("group", ins.node, ins_value, ins.at(), 0), ins.doc)
            yield from _rows(ins.doc, ins.node, ins_value, ins.at(), 1)


def version_of(a: Assessment, kind: str) -> Version:
    form = kinds.by_id(kind)
    return version(kind, family.version_of(a, form) if form else None)


def _block(part: dict[str, Any], doc: str, data: Any, a: Assessment, ver: Version, **extra: Any) -> Block:
    it = item(part["item"])
    b = Block(extra.pop("id", f"sec-{part['id']}"), part["id"], "table", ver.title(part["id"], it.node), sch.starred(it.node),
              it.node.get("x-pia-star-note", ""), node=it.node, **extra)
    lead = part.get("lead")
    if lead:
        li = item(lead)
        b.rows.append(Row(Entry("text", li.node, b.file_label, li.at(), 0), doc))
    b.rows += _present(list(_part_rows(doc, it, data, a, part.get("insert_after", {}))), ver.absent)
    return b


def document(a: Assessment, kind: str = "full") -> list[Block]:
    """The blocks of the whole document in print order, as the document's form version lays it out."""
    lay = load(kind)
    ver = version_of(a, kind)
    out: list[Block] = []
    for part in lay["parts"]:
        if part["id"] in ver.omit:
            continue
        role = part.get("role", "table")
        if role == "cover":
            b = Block("cover", part["id"], role)
            for code in part["items"]:
                it = item(code)
                src = a.docs.get(it.doc)
                b.rows += list(_rows(it.doc, it.node, it.get(src.data if src else None), it.at()))
            b.rows = _present(b.rows, ver.absent)
            out.append(b)
        elif role in ("toc", "changes"):
            node = item(part["item"]).node if "item" in part else {}
            title = ver.titles.get(part["id"]) or node.get("x-pia-section-title", "")
            out.append(Block(f"sec-{part['id']}", part["id"], role, title, node=node))
        elif "per_file" in part:
            schema = lay.get("files", "file")  # the per-file documents of this form (files/, juten/)
            files = [(f, getattr(a.docs.get(f"{schema}:{f}"), "data", None)) for f in a.file_ids(schema)]
            for n, (fid, data) in enumerate([(f, d) for f, d in files if isinstance(d, dict)], 1):
                for sub in part["per_file"]:
                    if sub["id"] in ver.omit:
                        continue
                    out.append(_block(sub, f"{schema}:{fid}", data, a, ver, id=f"sec-{sub['id']}-{n}",
                                      file_label=a.file_label(fid, schema), subheading=bool(sub.get("subheading")), first=n == 1))
        else:
            it = item(part["item"])
            src = a.docs.get(it.doc)
            out.append(_block(part, it.doc, src.data if src else None, a, ver, continues=bool(part.get("continues"))))
    # a file's Ⅱ after the previous file's 別添2 needs its own Ⅱ bookmark, or the outline files it under 別添2
    for prev, b in zip(out, out[1:]):
        b.bookmarked = b.first or prev.part != b.part
    return out


@dataclass(frozen=True)
class TocEntry:
    id: str
    title: str
    level: int


def toc(blocks: list[Block]) -> list[TocEntry]:
    """項目一覧: each part once, in the order the parts first appear, with its files below it (pia's addition)."""
    firsts: list[Block] = []
    files: dict[str, list[Block]] = {}
    for b in blocks:
        if b.role in ("cover", "toc") or b.continues:
            continue
        if b.part not in files:
            firsts.append(b)
            files[b.part] = []
        if b.file_label:
            files[b.part].append(b)
    out: list[TocEntry] = []
    for b in firsts:
        out.append(TocEntry(b.id, b.title or sch.title(b.node), 1))
        out += [TocEntry(f.id, f.file_label, 2) for f in files[b.part]]
    return out


def positions(a: Assessment, kind: str = "full") -> dict[tuple[str, tuple], int]:
    """(document key, data path) -> its place in the printed form, for ordering changes as the form reads."""
    out: dict[tuple[str, tuple], int] = {}
    for b in document(a, kind):
        for r in b.rows:
            out.setdefault((r.doc, r.entry.path), len(out))
    return out


def rank(pos: dict[tuple[str, tuple], int], doc: str, path: tuple) -> int:
    """The place of an item, or of its nearest printed ancestor."""
    for n in range(len(path), -1, -1):
        p = pos.get((doc, tuple(path[:n])))
        if p is not None:
            return p
    return len(pos)
