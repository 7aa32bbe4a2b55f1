"""Concepts: one meaning shared by items of several forms (提供先 in the 全項目評価書 and in the 重点項目評価書, …).

The table is `schemas/forms.json` "concepts": for each concept, the item (x-pia-code) each form has for it, or a
property that picks items in every form (an option meaning, a schema attribute, an item kind). Rules are written
against concepts; which documents a rule reaches follows from which forms have its concepts.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from pia.form import schema as sch
from pia.form.items import Item, all_items, item
from pia.form.kinds import ordered
from pia.form.table import table


@dataclass(frozen=True)
class Concept:
    id: str
    title: str
    items: dict[str, tuple[Item, ...]]  # kind id (basic/focused/full) -> its items, in schema order
    unchecked: dict[str, str]  # kind id -> why no rule checks this concept in that form
    note: str = ""  # what the concept covers, when its title does not say

    def item_in(self, doc: str) -> Item | None:
        """The concept's (first) item in one schema document ("file", "juten-file", "kiso" …)."""
        return next((it for its in self.items.values() for it in its if it.doc == doc), None)

    def items_in(self, doc: str) -> list[Item]:
        """Every item of the concept in one schema document, once (systems.yaml serves two forms)."""
        return list(dict.fromkeys(it for its in self.items.values() for it in its if it.doc == doc))


def _table() -> dict[str, Any]:
    return table()["concepts"]["items"]


def _form_of_doc() -> dict[str, list[str]]:
    """Schema document -> the kinds it is part of (systems.yaml belongs to both detailed forms)."""
    out: dict[str, list[str]] = {}
    for k in ordered():
        for doc in (k.schema, k.file_schema, *k.shared):
            if doc:
                out.setdefault(doc, []).append(k.id)
    return out


def _picks(spec: dict[str, Any], it: Item) -> bool:
    """Whether an item has the property a concept names (meaning / attr / item_kind)."""
    node = it.node
    sel = sch.child(node, sch.SELECTED) or {} if "properties" in node else {}
    if "meaning" in spec:
        meanings = node.get("x-pia-meaning") or sel.get("x-pia-meaning") or {}
        return spec["meaning"] in meanings.values()
    if "attr" in spec:
        return spec["attr"] in node
    if "item_kind" in spec:
        return sch.kind(node) == spec["item_kind"]
    return False


@cache
def concepts() -> dict[str, Concept]:
    docs = _form_of_doc()
    out: dict[str, Concept] = {}
    for cid, spec in _table().items():
        found: dict[str, list[Item]] = {k.id: [] for k in ordered()}
        if any(k in spec for k in ("meaning", "attr", "item_kind")):
            for it in all_items():
                if _picks(spec, it):
                    for kid in docs.get(it.doc, []):
                        if it not in found[kid]:
                            found[kid].append(it)
        for kid in found:
            codes = spec.get(kid)
            for code in [codes] if isinstance(codes, str) else codes or []:
                found[kid].append(item(code))  # an unknown code raises: a concept cannot silently lose a form
        out[cid] = Concept(cid, spec["title"], {k: tuple(v) for k, v in found.items() if v},
                           dict(spec.get("unchecked", {})), spec.get("note", ""))
    return out


def concept(cid: str) -> Concept:
    try:
        return concepts()[cid]
    except KeyError:
        raise KeyError(f"concept {cid!r} is not in schemas/forms.json") from None


def reach(ids: tuple[str, ...]) -> tuple[str, ...]:
    """The document kinds (registry ids: basic/focused/full) that have every one of the concepts."""
    return tuple(k.id for k in ordered() if all(k.id in concept(c).items for c in ids)) if ids else ()
