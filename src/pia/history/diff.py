"""Semantic diff of two versions of an assessment: item-level changes labelled with their official path.

Numbered blocks (システム, 委託事項, 提供先, 移転先) are matched by their id and files by their file id, so inserting
提供先35 gives one "added" change and one renumbering change, not a change on every later block. Record items
(別添2) are matched by name. Values are compared as data, so YAML formatting never makes a change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pia import schema as sch
from pia.assessment import Assessment

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

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "code": self.code, "before": self.before,
                "after": self.after, "starred": self.starred, "doc": self.doc}


def text_of(node: sch.Node, value: Any, a: Assessment | None = None) -> str:
    """A value as the form prints it (selection → its option; boxes → ticked options with their text)."""
    kind = sch.kind(node)
    if value is None:
        return ""
    if kind == "multi":
        parts = []
        for entry in value if isinstance(value, list) else [value]:
            if isinstance(entry, dict):
                parts += [f"{k}（{'' if v is None else v}）" for k, v in entry.items()]
            else:
                parts.append(str(entry))
        return "、".join(parts)
    if kind == "flag":
        return "○" if value else ""
    if kind == "idlist" and a is not None:
        return "、".join(a.file_name(str(i)) for i in value) if isinstance(value, list) else str(value)
    if isinstance(value, list):
        return "、".join(map(str, value))
    if isinstance(value, dict):
        return "、".join(f"{k}: {v}" for k, v in value.items() if v is not None)
    return str(value).strip()


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


def _leaves(node: sch.Node, value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], sch.Node, Any]]:
    """Every comparable item under node. Block lists yield ('#id', …) path parts instead of positions."""
    kind = sch.kind(node)
    if node.get("x-pia-internal") or kind == "id":
        return
    if kind in ("group", "") and "properties" in node or (kind == "choice" and "properties" in node):
        v = value if isinstance(value, dict) else {}
        for k, sub in sch.properties(node):
            yield from _leaves(sub, v.get(k), path + (k,))
    elif kind == "list" and isinstance(node.get("items"), dict) and "properties" in node["items"]:
        if node.get("x-pia-block"):
            yield path, node, value  # compared block by block in diff_lists
        else:
            for i, v in enumerate(value if isinstance(value, list) else []):
                yield from _leaves(node["items"], v, path + (i,))
    else:
        yield path, node, value


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
        self.out.append(Change(kind, side.label(key, path), sch.code(node), before, after, _starred(trail), key, path))

    def compare_doc(self, key: str, name: str, old: Any, new: Any) -> None:
        node = self.root.document(name)
        old_leaves = {p: (n, v) for p, n, v in _leaves(node, old, ())}
        for path, n, nv in _leaves(node, new, ()):
            ov = old_leaves.get(path, (n, None))[1]
            if sch.kind(n) == "list" and n.get("x-pia-block"):
                self.compare_blocks(key, name, path, n, ov, nv)
            elif sch.kind(n) == "strlist" or (sch.kind(n) == "list"):
                continue
            else:
                a, b = text_of(n, ov, self.old), text_of(n, nv, self.new)
                if a != b:
                    self.change(CHANGED if a and b else ADDED if b else REMOVED, key, name, path, a, b, self.new)
        self.compare_records(key, name, old, new)

    def compare_records(self, key: str, name: str, old: Any, new: Any) -> None:
        """別添2: record items matched by name across their groups."""
        if name != "file":
            return
        groups_path = ("特定個人情報ファイル記録項目", "記録項目")

        def names(doc: Any) -> list[str]:
            groups = doc.get(groups_path[0], {}).get(groups_path[1]) if isinstance(doc, dict) and isinstance(doc.get(groups_path[0]), dict) else None
            return [str(x) for g in groups or [] if isinstance(g, dict) for x in (g.get("項目") or [])]

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
            for p, leaf, nv in _leaves(bnode, it, ()):
                ov = next((v for q, _, v in _leaves(bnode, old_it, ()) if q == p), None)
                a, b = text_of(leaf, ov, self.old), text_of(leaf, nv, self.new)
                if a != b:
                    self.change(CHANGED, key, name, path + (j,) + p, a, b, self.new)
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
        lab = self.new.label(key, path)
        parent = lab[: -len(block)].rstrip() if lab.endswith(" " + block) else lab
        for run in runs:
            (i0, j0), (i1, j1) = run[0], run[-1]
            span = (lambda a, b: f"{block}{a + 1}" if a == b else f"{block}{a + 1}～{b + 1}")
            trail = self.root.item_trail(name, path)
            self.out.append(Change(RENUMBERED, f"{parent} {span(j0, j1)}".strip(), sch.code(node), span(i0, i1),
                                   span(j0, j1), _starred(trail), key, path))


def diff(old: Assessment, new: Assessment) -> list[Change]:
    d = _Differ(old, new)
    keys = list(dict.fromkeys([*old.docs, *new.docs]))
    for key in keys:
        name = key.split(":", 1)[0]
        od, nd = old.docs.get(key), new.docs.get(key)
        ov = od.data if od is not None else None
        nv = nd.data if nd is not None else None
        if name == "file" and (ov is None) != (nv is None):
            fid = key.split(":", 1)[1]
            side = new if nv is not None else old
            d.change(ADDED if nv is not None else REMOVED, key, name, ("特定個人情報ファイル名",),
                     "" if nv is not None else side.file_name(fid), side.file_name(fid) if nv is not None else "", side)
            continue
        d.compare_doc(key, name, ov if isinstance(ov, dict) else {}, nv if isinstance(nv, dict) else {})
    return d.out
