"""The schemas: the single reader of the official labels, item codes, ※ marks and options (x-pia-*).

Every other module (validation messages, rules, templates, the Excel writer, the diff) asks this module;
none repeats a label or an option list.
"""
from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

if TYPE_CHECKING:  # jsonschema loads in a tenth of a second: only when something is validated
    from jsonschema import Draft202012Validator

from pia.base.resources import schemas_dir
from pia.form import compiled

Node = dict[str, Any]

# pia's own structural key: the chosen option of a selection that carries 具体的な… texts ({選択: …, …}).
SELECTED = "選択"
COUNT = "件数"  # the （ ）件 of a selection such as 委託する（ ）件
ID = "id"  # the stable id of a repeated block (提供先, 委託事項, システム)


def selected(value: Any) -> Any:
    """The chosen option of a selection item, written plain or as {選択: …}."""
    return value.get(SELECTED) if isinstance(value, dict) else value


class Schema:
    def __init__(self, raw: dict[str, Node], key: str = ""):
        self.raw = raw  # name (without .schema.json) -> schema document
        self.key = key  # the content hash of the schema files (the compiled schemas' cache key)
        self._trees: dict[str, Node] = {}
        self._compiled: dict[str, Callable[[Any], bool]] | None = None

    def validator(self, name: str) -> Draft202012Validator:
        return _validator(self, name)

    def compiled(self) -> dict[str, Callable[[Any], bool]]:
        """name -> the compiled schema's predicate (read from the cache, or compiled once per process)."""
        if self._compiled is None:
            self._compiled = compiled.validators(self.key, lambda: {n: self.document(n) for n in self.raw}) \
                if self.key else {}
        return self._compiled

    def errors(self, name: str, data: Any) -> Iterable[Any]:
        """The validation errors of data (jsonschema's ValidationError, or pia.form.compiled.Error with the same
        fields). A compiled schema answers without jsonschema; an invalid document is walked by the compiled
        schema's error walker."""
        predicate = self.compiled().get(name)
        if predicate is None:
            return self.validator(name).iter_errors(data)
        return () if predicate(data) else compiled.iter_errors(self.document(name), data)

    def document(self, name: str) -> Node:
        """The schema with every $ref replaced by the node it points to (shared, not copied)."""
        if name not in self._trees:
            self._trees[name] = self._inline(self.raw[name], name)
        return self._trees[name]

    def _inline(self, node: Any, base: str) -> Any:
        if isinstance(node, list):
            return [self._inline(n, base) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            ref = node["$ref"]
            target_doc, _, pointer = ref.partition("#")
            name = base if not target_doc else target_doc.removesuffix(".schema.json")
            target: Any = self.raw[name]
            for part in [p for p in pointer.split("/") if p]:
                target = target[part]
            key = (name, pointer)
            cache_ = self.__dict__.setdefault("_refcache", {})
            if key not in cache_:
                cache_[key] = {}
                cache_[key].update(self._inline(target, name))
            return cache_[key]
        return {k: self._inline(v, base) for k, v in node.items()}

    def node_at(self, name: str, path: tuple[str | int, ...]) -> Node | None:
        """The schema node that describes the value at a data path (None for unknown keys)."""
        node: Node | None = self.document(name)
        for part in path:
            if node is None:
                return None
            node = child(node, part)
        return node

    def item_trail(self, name: str, path: tuple[str | int, ...]) -> list[tuple[Node, str | int]]:
        """(schema node, path part) for each step of path that the schema knows."""
        out: list[tuple[Node, str | int]] = []
        node: Node | None = self.document(name)
        for part in path:
            node = child(node, part) if node is not None else None
            if node is None:
                break
            out.append((node, part))
        return out


def child(node: Node, part: str | int) -> Node | None:
    if isinstance(part, int):
        items = node.get("items")
        if isinstance(items, dict) and "anyOf" not in items:
            return items
        return None
    props = node.get("properties")
    if props and part in props:
        return props[part]
    return None


@cache
def _validator(schema: Schema, name: str) -> Draft202012Validator:
    # Validate the tree with every $ref already inlined (refs name sibling files, as editors resolve them):
    # the same result as the $ref'd documents without reference resolution, about twice as fast.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema.document(name))


@cache
def load() -> Schema:
    raw, sources = {}, []
    for path in sorted(schemas_dir().glob("*.schema.json")):
        data = path.read_bytes()
        raw[path.name.removesuffix(".schema.json")] = json.loads(data.decode("utf-8"))
        sources.append((path.name, data))
    return Schema(raw, compiled.digest(sources))


# ---- what an item is -----------------------------------------------------------------------

def kind(node: Node) -> str:
    return node.get("x-pia-kind", "")


def title(node: Node) -> str:
    return node.get("title", "")


def starred(node: Node) -> bool:
    return bool(node.get("x-pia-star"))


def dash_allowed(node: Node) -> bool:
    return bool(node.get("x-pia-dash"))


def code(node: Node) -> str:
    return node.get("x-pia-code", "")


def may_be_empty(node: Node) -> bool:
    """Whether the item accepts an empty value: `anyOf: [<what may be written>, {$ref: #/$defs/empty}]`.

    Empty is accepted outside the type and the options so that editors never offer or list `null`."""
    alts = node.get("anyOf")
    return isinstance(alts, list) and len(alts) == 2 and bool(alts[1].get("x-pia-empty"))


def accepted(node: Node) -> Node:
    """The part of the item's schema that says what may be written (its type or options)."""
    return node["anyOf"][0] if may_be_empty(node) else node


def types(node: Node) -> list[str]:
    """The JSON types a non-empty value of the item may have."""
    t = accepted(node).get("type", [])
    return [t] if isinstance(t, str) else list(t)


def options(node: Node) -> list[str]:
    """Official options, in official order, of a selection or multiple-choice item."""
    if "enum" in accepted(node):
        return list(accepted(node)["enum"])
    props = node.get("properties", {})
    if SELECTED in props:
        return options(props[SELECTED])
    items = node.get("items")
    if isinstance(items, dict) and "anyOf" in items:
        return list(items["anyOf"][0]["enum"])
    return []


def text_options(node: Node) -> list[str]:
    """Options of a multiple-choice item that carry a parenthesised text or count."""
    items = node.get("items")
    if isinstance(items, dict) and "anyOf" in items and len(items["anyOf"]) > 1:
        return list(items["anyOf"][1]["properties"])
    return []


def count_options(node: Node) -> list[str]:
    """Options of a multiple-choice item whose parenthesis holds a count: 提供を行っている（ ）件."""
    anyof = (node.get("items") or {}).get("anyOf", [])
    props = anyof[1].get("properties", {}) if len(anyof) > 1 else {}
    return [o for o, spec in props.items() if "integer" in types(spec)]


def details(node: Node) -> list[tuple[str, Node]]:
    """The texts attached to a selection (具体的な…), in form order."""
    return [(k, v) for k, v in node.get("properties", {}).items() if k not in (SELECTED, COUNT)]


def properties(node: Node) -> Iterator[tuple[str, Node]]:
    yield from node.get("properties", {}).items()


def normalise(text: str) -> str:
    """Compare option texts as the seed's authors meant them: width and bracket forms folded."""
    return unicodedata.normalize("NFKC", text).replace(" ", "")


# ○ items (x-pia-kind flag, the form's 「[ ] 委託しない」 boxes): every way staff mark or leave a box, read one way by
# the check, the renderers, the Excel export and import and the editor schema. A blank box is not ticked.
TICK = "○"
TICK_MARKS = ("○", "〇", "◯", "●", "✓", "✔", "レ", "はい")  # and true, and the box's own words
UNTICK_MARKS = ("×", "✕", "✗", "いいえ")  # and false, and a blank


def tick(value: Any, node: Node | None = None) -> bool | None:
    """Whether a ○ item's value ticks its box: True, False (a blank box, ×, いいえ, false), or None when the value
    is none of the ways to mark a box (the check reports it). With node, the box's own words (「委託しない」) tick it."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if not isinstance(value, str):
        return None
    t = unicodedata.normalize("NFKC", value).strip()
    if t in TICK_MARKS or t.lower() == "true" or node is not None and t and normalise(t) == normalise(title(node)):
        return True
    if not t or t in UNTICK_MARKS or t.lower() == "false":
        return False
    return None


def tick_hint(node: Node) -> str:
    """How to write a ○ item, in the form's words (messages and skeleton comments)."""
    return f"○を付けるなら「{TICK}」と書き（{title(node)}: {TICK}）、付けないなら空欄にしてください（{title(node)}:）。"


_BRACKETED = re.compile(r"(.+?)\s*[（(](.*)[）)]\s*")


def bracketed_option(value: str, node: Node) -> tuple[str, str] | None:
    """A multiple choice's option written as the printed form shows it, 「他部署（市民課、税務課）」: (the option, the
    text in its parenthesis), which YAML writes 「- 他部署: 市民課、税務課」; None for any other value."""
    m = _BRACKETED.fullmatch(value)
    opt = closest_option(m.group(1), text_options(node)) if m else None
    return (opt, m.group(2).strip()) if opt and m else None


def closest_option(value: str, opts: list[str]) -> str | None:
    n = normalise(value)
    for o in opts:
        if normalise(o) == n:
            return o
    return None
