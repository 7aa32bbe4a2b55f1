"""Semantic diff of two versions of an assessment: item-level changes labelled with their official path.

Numbered blocks (システム, 委託事項, 提供先, 移転先) are matched by their id and files by their file id, so inserting
提供先35 gives one "added" change and one renumbering change, not a change on every later block. Record items
(別添2) are matched by name. Values are compared as data, so YAML formatting never makes a change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pia.form import kinds
from pia.document import family
from pia.form import layout
from pia.document import blocks
from pia.form import schema as sch
from pia.document.assessment import Assessment
from pia.form.items import item
from pia.document.formatting import fmt
from pia.document.formatting import format_ctx
from pia.form.walk import Entry, walk

RECORDS, RECORD_ITEMS, FILE_NAME = item("別添2-記録項目"), item("別添2-記録項目-項目"), item("II-1")

ADDED, REMOVED, CHANGED, RENUMBERED = "追加", "削除", "変更", "番号変更"


@dataclass(frozen=True)
class Change:
    kind: str  # 追加 / 削除 / 変更 / 番号変更
    label: str  # the official item path, as 別添3 writes it
    code: str  # the schema's item code
    before: str
    after: str
    starred: bool  # the item (or its section) carries ※
    doc: str = ""  # document key in the new version (or the old one for removals)
    path: tuple[Any, ...] = field(default=(), compare=False)
    old_label: str = ""  # the label in the old version's form version, when it differs (「特定個人情報保護委員会…」)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "code": self.code, "before": self.before,
                "after": self.after, "starred": self.starred, "doc": self.doc, "old_label": self.old_label or self.label}


def _leaves(node: sch.Node, value: Any, path: tuple[Any, ...]) -> Iterator[Entry]:
    """Every comparable item under node, in form order. Block lists come whole (compared block by block by id);
    pia's own data (改訂, 変更箇所の記録 …) and ids are not items of the form."""
    skip: list[tuple[Any, ...]] = []
    for e in walk(node, value, path):
        if any(e.path[:len(s)] == s for s in skip):
            continue
        if e.node.get("x-pia-internal") or e.kind in ("id", "internal"):
            skip.append(e.path)
        elif e.kind == "list" and e.node.get("x-pia-block"):
            skip.append(e.path)
            yield e
        elif e.kind not in ("group", "note", "block", "list", "strlist"):
            yield e


def _starred(trail: list[tuple[sch.Node, Any]]) -> bool:
    keys = [p for _, p in trail if isinstance(p, str)]
    for i, (node, _) in enumerate(trail):
        if sch.starred(node):
            for exc in node.get("x-pia-star-except", []):
                parts = exc.split("/")
                tail = keys[i + 1:]
                if tail[: len(parts)] == parts:
                    return False
            return True
    return False


def _text(e: Entry | None, a: Assessment) -> str:
    return "" if e is None or e.value is None else fmt(e.kind).brief(e, format_ctx(a))


def _name(block: str, bnode: sch.Node, item: dict[str, Any]) -> str:
    """A block's name: its own key (提供先: 厚生労働大臣) or, for システム, its first text item (①システムの名称)."""
    props = bnode.get("properties", {})
    key = block if block in props else next((k for k, v in props.items() if sch.kind(v) == "text"), block)
    return str(item.get(key) or "")


def _index(items: Any) -> dict[str, tuple[int, dict[str, Any]]]:
    out = {}
    for i, it in enumerate(items if isinstance(items, list) else []):
        if isinstance(it, dict):
            out[str(it.get("id", f"#{i}"))] = (i, it)
    return out


class _Differ:
    def __init__(self, old: Assessment, new: Assessment):
        self.old, self.new = old, new
        self.root = sch.load()
        self.out: list[Change] = []

    def change(self, kind: str, key: str, schema_name: str, path: tuple, before: str, after: str,
               side: Assessment) -> None:
        trail = self.root.item_trail(schema_name, path)
        node = trail[-1][0] if trail else {}
        label = family.label(side, key, path)
        old_label = family.label(self.old, key, path) if side is self.new and kind != ADDED and key in self.old.docs else label
        self.out.append(Change(kind, label, sch.code(node), before, after, _starred(trail), key, path,
                               old_label if old_label != label else ""))

    def compare_doc(self, key: str, name: str, old: Any, new: Any) -> None:
        node = self.root.document(name)
        skip = _records(name)
        old_leaves = {e.path: e for e in _leaves(node, old, ()) if not _under(e.path, skip)}
        for e in _leaves(node, new, ()):
            if _under(e.path, skip):
                continue
            o = old_leaves.get(e.path)
            if e.kind == "list":
                self.compare_blocks(key, name, e.path, e.node, o.value if o else None, e.value)
            else:
                a, b = _text(o, self.old), _text(e, self.new)
                if a != b:
                    self.change(CHANGED if a and b else ADDED if b else REMOVED, key, name, e.path, a, b, self.new)
        self.compare_records(key, name, old, new)

    def compare_records(self, key: str, name: str, old: Any, new: Any) -> None:
        """別添2: record items matched by name across their groups."""
        if name != "file":
            return
        groups_path = RECORDS.at()

        def names(doc: Any) -> list[str]:
            groups = RECORDS.get(doc)
            return [str(x) for g in groups if isinstance(g, dict) for x in (RECORD_ITEMS.of(g, RECORDS) or [])] \
                if isinstance(groups, list) else []

        before, after = names(old), names(new)
        gone = [x for x in before if x not in after]
        came = [x for x in after if x not in before]
        if gone or came:
            self.change(CHANGED, key, name, groups_path, "、".join(gone), "、".join(came), self.new)

    def compare_blocks(self, key: str, name: str, path: tuple, node: sch.Node, old: Any, new: Any) -> None:
        block = node["x-pia-block"]
        bnode = node["items"]
        o, n = _index(old), _index(new)
        for ident, (j, it) in n.items():
            if ident not in o:
                self.change(ADDED, key, name, path + (j,), "", f"{block}{j + 1} {_name(block, bnode, it)}".strip(), self.new)
                continue
            i, old_it = o[ident]
            before = {e.path: e for e in _leaves(bnode, old_it, ())}
            for e in _leaves(bnode, it, ()):
                a, b = _text(before.get(e.path), self.old), _text(e, self.new)
                if a != b:
                    self.change(CHANGED, key, name, path + (j,) + e.path, a, b, self.new)
        for ident, (i, it) in o.items():
            if ident not in n:
                self.change(REMOVED, key, name, path + (i,), f"{block}{i + 1} {_name(block, bnode, it)}".strip(), "", self.old)
        # renumbering: blocks kept in both whose number moved, as runs (提供先35～37 → 提供先36～38)
        moved = sorted((i, n[ident][0]) for ident, (i, _) in o.items() if ident in n and n[ident][0] != i)
        runs: list[list[tuple[int, int]]] = []
        for i, j in moved:
            if runs and i == runs[-1][-1][0] + 1 and j == runs[-1][-1][1] + 1:
                runs[-1].append((i, j))
            else:
                runs.append([(i, j)])
        lab = family.label(self.new, key, path)
        parent = lab[: -len(block)].rstrip() if lab.endswith(" " + block) else lab
        for run in runs:
            (i0, j0), (i1, j1) = run[0], run[-1]
            span = (lambda a, b: f"{block}{a + 1}" if a == b else f"{block}{a + 1}～{b + 1}")
            trail = self.root.item_trail(name, path)
            self.out.append(Change(RENUMBERED, f"{parent} {span(j0, j1)}".strip(), sch.code(node), span(i0, i1),
                                   span(j0, j1), _starred(trail), key, path))


def _records(schema_name: str) -> list[tuple[Any, ...]]:
    """Where a document keeps its 変更箇所 rows (the layout's "changes" part): the record of changes, not an item
    whose change is listed in it."""
    out = []
    for kind in kinds.kinds().values():
        for part in layout.load(kind.id)["parts"]:
            if part.get("role") == "changes":
                it = item(part["item"])
                if it.doc == schema_name:
                    out.append(it.at())
    return out


def _under(path: tuple[Any, ...], prefixes: list[tuple[Any, ...]]) -> bool:
    return any(path[:len(p)] == p for p in prefixes)


def diff(old: Assessment, new: Assessment, kind: kinds.Kind | None = None) -> list[Change]:
    """Every change between two versions of an 事務's folder, in form order; with kind, only the changes of the
    documents that make up that document (its YAML, systems.yaml and its per-file YAML)."""
    d = _Differ(old, new)
    keys = [k for k in dict.fromkeys([*old.docs, *new.docs]) if kind is None or kinds.owns(kind, k)]
    for key in keys:
        name = key.split(":", 1)[0]
        od, nd = old.docs.get(key), new.docs.get(key)
        ov = od.data if od is not None else None
        nv = nd.data if nd is not None else None
        if name == "file" and (ov is None) != (nv is None):
            fid = key.split(":", 1)[1]
            side = new if nv is not None else old
            d.change(ADDED if nv is not None else REMOVED, key, name, FILE_NAME.at(),
                     "" if nv is not None else side.file_name(fid), side.file_name(fid) if nv is not None else "", side)
            continue
        d.compare_doc(key, name, ov if isinstance(ov, dict) else {}, nv if isinstance(nv, dict) else {})
    return in_form_order(d.out, new if family.present(new) else old, kind)


def in_form_order(changes: list[Change], a: Assessment, kind: kinds.Kind | None = None) -> list[Change]:
    """Changes in the order of the form (layout), not of the files on disk: the main document first, then the 基礎."""
    pos: dict[tuple[str, tuple], int] = {}
    for k in ([kind] if kind else reversed(family.present(a))):
        for where in blocks.positions(a, k.id):
            pos.setdefault(where, len(pos))
    return sorted(changes, key=lambda c: blocks.rank(pos, c.doc, c.path))
