"""Items by their official code (x-pia-code): the one way code outside the schemas names an item of the form.

`item("II-5-提供先")` returns where the item sits (document, data path) and what it is (its schema node). A code that
the schemas do not define raises at once, so a renamed or misspelt item cannot silently switch a rule off.
What an option means (a count range, "none", "not applicable") is read from the schema too (x-pia-meaning,
x-pia-bounds, x-pia-counts), never from its position in the option list.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Iterator

from pia.form import schema as sch
from pia.form.table import document_keys

ANY = None  # a list index in an item path: the item repeats per list entry
Path = tuple[str | int | None, ...]
# The documents of an assessment folder whose items have codes, and the schema that describes each.


class UnknownItem(KeyError):
    pass


@dataclass(frozen=True)
class Item:
    code: str
    doc: str        # "assessment", "systems" or "file"
    path: Path      # keys from the document root; ANY where a list repeats
    node: sch.Node = field(compare=False, repr=False)

    @property
    def key(self) -> str:
        return str(self.path[-1])

    @property
    def title(self) -> str:
        return sch.title(self.node)

    def at(self, *indices: int) -> tuple[str | int, ...]:
        """The concrete data path, list positions filled in order."""
        it = iter(indices)
        out = tuple(next(it) if p is ANY else p for p in self.path)
        if any(p is ANY for p in out):
            raise ValueError(f"{self.code}: {len(indices)} list indices given for {self.path}")
        return out  # type: ignore[return-value]

    def get(self, data: Any, *indices: int) -> Any:
        return dig(data, self.at(*indices))

    def within(self, parent: "Item") -> tuple[str, ...]:
        """The path of this item inside one entry of the list `parent` (e.g. 提供方法 inside a 提供先)."""
        n = len(parent.path)
        if self.path[:n] != parent.path or len(self.path) <= n or self.path[n] is not ANY:
            raise ValueError(f"{self.code} is not an item of the entries of {parent.code}")
        return tuple(str(p) for p in self.path[n + 1:])

    def of(self, entry: Any, parent: "Item") -> Any:
        """The value of this item in one entry of the list `parent`."""
        return dig(entry, self.within(parent))

    # ---- options and what they mean ----------------------------------------------------------
    @property
    def options(self) -> list[str]:
        return sch.options(self.node)

    def _attr(self, name: str) -> dict[str, Any]:
        node = self.node
        value = node.get(name)
        if value is None and sch.SELECTED in node.get("properties", {}):
            value = node["properties"][sch.SELECTED].get(name)
        if value is None:
            raise UnknownItem(f"{self.code} has no {name} in the schema")
        return value

    def option(self, meaning: str) -> str:
        """The official option text that carries `meaning` (fails when no option does)."""
        for opt, m in self._attr("x-pia-meaning").items():
            if m == meaning:
                return opt
        raise UnknownItem(f"{self.code} has no option meaning {meaning!r}")

    def meaning(self, value: Any) -> str | None:
        """What the chosen option means (the value may be written plain or as {選択: …})."""
        v = value.get(sch.SELECTED) if isinstance(value, dict) else value
        return self._attr("x-pia-meaning").get(v) if isinstance(v, str) else None

    def bounds(self, value: Any) -> tuple[int, int | None] | None:
        """The count range an option stands for: (lowest, highest or None), both inclusive."""
        v = value.get(sch.SELECTED) if isinstance(value, dict) else value
        b = self._attr("x-pia-bounds").get(v) if isinstance(v, str) else None
        return (b[0], b[1]) if b else None

    def option_for(self, count: int) -> str | None:
        """The option whose count range (x-pia-bounds) holds count."""
        return next((o for o, (lo, hi) in self._attr("x-pia-bounds").items() if lo <= count and (hi is None or count <= hi)), None)

    def counted(self) -> dict[str, "Item"]:
        """Options whose count states the length of a list: option -> the list item."""
        return {opt: item(code) for opt, code in self._attr("x-pia-counts").items()}


def dig(data: Any, path: tuple[Any, ...]) -> Any:
    """The value at path, or None where the data does not have that shape."""
    for k in path:
        if isinstance(k, int):
            data = data[k] if isinstance(data, list) and -len(data) <= k < len(data) else None
        else:
            data = data.get(k) if isinstance(data, dict) else None
    return data


def _walk(node: sch.Node, path: Path) -> Iterator[tuple[Path, sch.Node]]:
    yield path, node
    for k, sub in sch.properties(node):
        if k == sch.SELECTED:
            continue  # the selection part of {選択: …, 具体的な…: …} carries its item's code
        yield from _walk(sub, path + (k,))
    items = node.get("items")
    if isinstance(items, dict) and "properties" in items:
        yield from _walk(items, path + (ANY,))


@cache
def _index() -> dict[str, Item]:
    root = sch.load()
    out: dict[str, Item] = {}
    for doc in document_keys():  # the form family (forms.json): codes of 基礎・重点 carry 基礎-・重点-
        for path, node in _walk(root.document(doc), ()):
            code = sch.code(node)
            if code and path:
                if code in out:
                    raise ValueError(f"item code {code} is defined twice ({out[code].path} and {path})")
                out[code] = Item(code, doc, path, node)
    return out


def item(code: str) -> Item:
    try:
        return _index()[code]
    except KeyError:
        raise UnknownItem(f"no item with code {code!r} in the schemas") from None


def off_when(node: sch.Node) -> list[Item]:
    """The ○ items (x-pia-off-when) that make a part not applicable (「委託しない」 for III-4, 「接続しない（入手）」
    for III-6 リスク1〜4, …)."""
    codes = node.get("x-pia-off-when")
    return [item(c) for c in ([codes] if isinstance(codes, str) else codes or [])]


def switched_off(data: Any, node: sch.Node) -> list[Item]:
    """The flags that leave this part of a document empty by the form's own logic (every one of them ticked in
    data, the document's data), else none."""
    flags = off_when(node)
    return flags if flags and all(sch.tick(f.get(data), f.node) is True for f in flags) else []


def all_items() -> list[Item]:
    return list(_index().values())


def entry_of(value: Any, option: str) -> int:
    """The position of a ticked box (「- option」 or 「- option: …」) in a multiple-choice value (0 when absent)."""
    return next((i for i, e in enumerate(each(value)) if e == option or isinstance(e, dict) and option in e), 0)


def each(items_: Any) -> list[Any]:
    """The entries of a list value, or none when the value is not a list."""
    return items_ if isinstance(items_, list) else []
