"""The one walk over schema + data: every item of a document, in the form's order, as a typed Entry.

Renderers (HTML, PDF, Excel), rules, the diff and skeletons all read documents through `walk`; none walks the
schema on its own. Entries carry the raw value; what a kind looks like in print is `pia.document.formatting`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from pia.form import schema as sch

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Entry:
    kind: str            # group, note, block, choice, multi, flag, count, text, date, idlist, strlist, …
    node: sch.Node
    value: Any
    path: Path
    depth: int
    inline: bool = False  # shown inside another row (a group's flags, a block's name); not a row of its own
    hidden: bool = False  # pia's own data, ids and empty optional rows: never printed
    number: int = 0       # blocks: 提供先n
    flags: tuple["Entry", ...] = field(default=(), compare=False)  # groups: the flags printed in the heading
    owner: dict[str, Any] | None = field(default=None, compare=False)  # the mapping this item's value sits in

    @property
    def title(self) -> str:
        return sch.title(self.node)

    @property
    def starred(self) -> bool:
        return sch.starred(self.node)

    @property
    def row(self) -> bool:
        """A row of the printed form (label | value, or a heading)."""
        return not (self.inline or self.hidden)


def _as_map(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _hidden(node: sch.Node, value: Any) -> bool:
    return bool(node.get("x-pia-internal")) or sch.kind(node) in ("id", "internal") or (
        bool(node.get("x-pia-hide-empty")) and value in (None, "", []))


def walk(node: sch.Node, value: Any, path: Path = (), depth: int = 0, hidden: bool = False,
         owner: dict[str, Any] | None = None) -> Iterator[Entry]:
    """Entries for node and everything below it. A node without a kind (a document root) yields its children."""
    kind = sch.kind(node)
    hide = hidden or _hidden(node, value)
    if kind == "group" or (not kind and "properties" in node):
        v = _as_map(value)
        children = [(k, sub) for k, sub in sch.properties(node)]
        flags = tuple(Entry("flag", sub, v.get(k), path + (k,), depth + 1, inline=True, hidden=hide)
                      for k, sub in children if sch.kind(sub) == "flag")
        inner = depth
        if kind == "group":
            yield Entry("group", node, value, path, depth, hidden=hide, flags=flags)
            for note in node.get("x-pia-note", []):
                yield Entry("note", {"title": note}, None, path, depth + 1, hidden=hide)
            inner = depth + 1
        yield from flags
        for k, sub in children:
            if sch.kind(sub) != "flag":
                yield from walk(sub, v.get(k), path + (k,), inner, hide, v)
    elif kind == "choice" and "properties" in node:
        yield Entry("choice", node, value, path, depth, hidden=hide, owner=owner)
        v = _as_map(value)
        for k, sub in sch.details(node):
            if node.get("x-pia-details-inline"):  # printed inside the choice's own cell (V ③ 手数料額、納付方法)
                yield Entry(sch.kind(sub) or "text", sub, v.get(k), path + (k,), depth + 1, inline=True, hidden=hide, owner=v)
            else:
                yield from walk(sub, v.get(k), path + (k,), depth + 1, hide, v)
    elif kind == "list":
        inner = node.get("items") if isinstance(node.get("items"), dict) else {}
        block = node.get("x-pia-block")
        yield Entry("list", node, value, path, depth, inline=True, hidden=hide, owner=owner)
        for n, entry in enumerate(value if isinstance(value, list) else [], 1):
            e = _as_map(entry)
            at = path + (n - 1,)
            if block:
                yield Entry("block", node, entry, at, depth, number=n, hidden=hide)
                for k, sub in sch.properties(inner):
                    if k == block:
                        yield Entry(sch.kind(sub) or "text", sub, e.get(k), at + (k,), depth + 1, inline=True, hidden=hide)
                    else:
                        yield from walk(sub, e.get(k), at + (k,), depth + 1, hide, e)
            else:
                for k, sub in sch.properties(inner):
                    yield from walk(sub, e.get(k), at + (k,), depth, hide, e)
    else:
        yield Entry(kind or "text", node, value, path, depth, hidden=hide, owner=owner)
        for note in node.get("x-pia-note", []):  # a fixed note the form prints under an item (基礎 Ⅳ 1)
            yield Entry("note", {"title": note}, None, path, depth, hidden=hide)


def values(node: sch.Node, data: Any) -> Iterator[tuple[Path, sch.Node, Any]]:
    """(path, node, value) of every item, shown or not, for rules that look at every value of a kind."""
    for e in walk(node, data):
        if e.kind != "note":
            yield e.path, e.node, e.value
