"""The printed form as data: a layout file (schemas/<kind>.layout.json) names the parts of a form in order, by
item code, with the form's fixed texts and what each form version changes in it. pia.document.blocks lays a loaded
document out by it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from pia.form import kinds
from pia.form import schema as sch
from pia.form.items import Item, item
from pia.base.resources import schemas_dir
from pia.form.kinds import Kind


@cache
def load(kind: str = "full") -> dict[str, Any]:
    path = schemas_dir() / f"{kind}.layout.json"
    if not path.is_file():
        raise KeyError(f"no layout for document kind {kind!r}")
    return json.loads(path.read_text(encoding="utf-8"))


def texts(kind: str = "full") -> dict[str, str]:
    """The form's fixed texts (＜選択肢＞, [○], （ ）件 …)."""
    return dict(load(kind)["texts"])


@dataclass(frozen=True)
class Version:
    """What a form version changes in the layout (schemas/forms.json `versions`: `layout` and `absent`)."""
    tag: str | None
    titles: dict[str, str]  # part id -> the heading this version prints
    omit: frozenset[str]  # parts this version does not have
    absent: frozenset[str]  # item codes this version does not have (their rows are not printed)
    labels: dict[str, str]  # item code -> title in this version

    def title(self, part_id: str, node: sch.Node) -> str:
        return self.titles.get(part_id) or self.labels.get(sch.code(node)) or sch.title(node)


def version(kind: str, tag: str | None) -> Version:
    form = kinds.by_id(kind)
    if form is None or tag is None:
        return Version(None, {}, frozenset(), frozenset(), {})
    entry = kinds.version_entry(tag)
    over = entry.get("layout", {}).get(form.id, {})
    titles = {pid: o["title"] for pid, o in over.get("parts", {}).items() if "title" in o}
    return Version(tag, titles, frozenset(over.get("omit", [])), frozenset(kinds.absent_codes(tag)), entry.get("labels", {}))


def part_titles(kind: str, tag: str) -> dict[str, str]:
    """The heading of every part a form version prints (part id -> heading), for `pia migrate`."""
    ver = version(kind, tag)
    out = {}
    for part in load(kind)["parts"]:
        for p in part.get("per_file", [part]):
            if "item" not in p or p["id"] in ver.omit:
                continue
            node = item(p["item"]).node
            out[p["id"]] = ver.titles.get(p["id"]) or (node.get("x-pia-section-title") if p.get("role") == "changes" else None) \
                or ver.title(p["id"], node)
    return out


def meta_item(kind: str, what: str) -> Item:
    """An item the renderers name the document by: title, author, published or name (of the 事務; the layout's "meta")."""
    defaults = {"title": "表紙-評価書名", "author": "表紙-評価実施機関名", "published": "表紙-公表日", "name": "I-1-①"}
    return item(load(kind).get("meta", {}).get(what, defaults[what]))







def changes_item(kind: Kind) -> Any:
    """The item holding a document's 変更箇所 rows as written in its YAML (the layout's "changes" part)."""
    from pia.form import layout

    code = next((p["item"] for p in layout.load(kind.id)["parts"] if p.get("role") == "changes"), None)
    return item(code) if code else None
