"""Rules between items: small functions, one module per part of the form, each carrying its registry entry.

A rule is a generator over a `Context` decorated with `rule(...)`; `pia.analysis.catalog` lists the modules explicitly and
collects the decorated functions from them (nothing registers itself on import).
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

from pia.document.assessment import Assessment
from pia.base.findings import ERROR, WARNING, Finding
from pia.form.concepts import concept
from pia.form.items import ANY, Item, dig
from pia.base.registry import Certainty, Severity, Spec, Stage
from pia.form import kinds as form_kinds
from pia.document.validate import anchor
from pia.document import family as document_family  # (pia.analysis.rules.family is a rule module)

RULE_ATTR = "__pia_rule__"
RuleFunc = Callable[["Context"], Iterator[Finding]]


def rule(rule_id: str, title: str, severity: Severity = ERROR, *, source: str, certainty: Certainty,
         concepts: tuple[str, ...], also: tuple[str, ...] = ()) -> Callable[[RuleFunc], RuleFunc]:
    """Attach the rule's registry entry to the function; the docstring is its explanation.

    concepts: what the rule reads (schemas/forms.json "concepts"); it runs on every kind of document that has all of
    them (its reach, computed from the data when the registry is built). also: concepts it reads where present
    without needing them (they count as checked in the documents the rule reaches)."""
    if not concepts:
        raise ValueError(f"{rule_id}: a rule names the concepts it reads")

    def mark(func: RuleFunc) -> RuleFunc:
        doc = (func.__doc__ or "").strip()
        spec = Spec(rule_id, title, severity, Stage.RULE, source, certainty, (),
                    "\n".join(ln.strip() for ln in doc.splitlines()), func, func.__module__.rsplit(".", 1)[-1],
                    concepts, also)
        setattr(func, RULE_ATTR, spec)
        return func
    return mark


class Context:
    """What a rule sees: the assessment, and a way to report at an item path without computing lines."""

    def __init__(self, a: Assessment, spec: Spec, memo: dict[Any, Any] | None = None):
        self.a = a
        self.rule = spec
        self.memo = {} if memo is None else memo  # what several rules derive from the documents, once per run

    def walked(self, key: str) -> list[tuple[tuple[Any, ...], dict[str, Any], Any]]:
        """(path, schema node, value) of every item of the document key (pia.form.walk.values), walked once per run
        of the rules however many rules read it."""
        memo = self.memo
        if ("values", key) not in memo:
            from pia.form import schema as sch
            from pia.form.walk import values

            doc = self.a.docs.get(key)
            memo[("values", key)] = list(values(sch.load().document(key.split(":", 1)[0]), doc.data)) if doc else []
        return memo[("values", key)]

    def finding(self, key: str, path: tuple[Any, ...], message: str, hint: str = "",
                severity: Severity | None = None) -> Finding:
        doc = self.a.docs.get(key)
        file = doc.file if doc else self.a.folder
        line, col = (1, 1)
        if doc:
            value = doc.data
            for part in path:
                value = value[part] if isinstance(value, (dict, list)) and (part in value if isinstance(value, dict) else isinstance(part, int) and part < len(value)) else None
            # a whole block is shown at its key, a value where it is written
            line, col = doc.locate_key(path) if isinstance(value, (dict, list)) else doc.locate(path)
        return Finding(file, line, col, self.rule.id, severity or self.rule.severity,
                       document_family.label(self.a, key, path), message, hint, anchor=anchor(key, path))

    # ---- concepts: the same item in every form --------------------------------------------------------------
    def items(self, cid: str) -> list[Item]:
        """The concept's items in the documents of this folder's kinds (present or not)."""
        schemas = self._schemas()
        return [it for its in concept(cid).items.values() for it in its if it.doc in schemas]

    def _schemas(self) -> set[str]:
        """The schemas of the loaded documents, once per run of the rules (some rules ask for each file)."""
        memo = self.memo
        if "schemas" not in memo:
            memo["schemas"] = {k.split(":", 1)[0] for k in self.a.docs}
        return memo["schemas"]  # type: ignore[no-any-return]

    def docs(self, schema: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(doc key, data) of the loaded documents of one schema; per-file documents in their listed order."""
        if form_kinds.per_file(schema):
            keys = [f"{schema}:{fid}" for fid in self.a.file_ids(schema)]
        else:
            keys = [schema]
        for key in keys:
            d = self.a.docs.get(key)
            if d is not None and isinstance(d.data, dict):
                yield key, d.data

    def each(self, cid: str) -> Iterator[tuple[str, Item, dict[str, Any]]]:
        """(doc key, item, document data) for every document that has the concept's item."""
        for it in self.items(cid):
            for key, data in self.docs(it.doc):
                yield key, it, data

    def values(self, cid: str) -> Iterator[tuple[str, Item, tuple[Any, ...], Any]]:
        """(doc key, item, concrete path, value) of every instance of the concept, list positions expanded."""
        for it in self.items(cid):
            for key, data in self.docs(it.doc):
                for path in instances(it, data):
                    yield key, it, path, dig(data, path)

    def entries(self, cid: str) -> Iterator[tuple[str, Item, int, Any]]:
        """(doc key, list item, index, entry) of every entry of a list concept (提供先, 委託事項 …)."""
        for it in self.items(cid):
            for key, data in self.docs(it.doc):
                value = it.get(data) if ANY not in it.path else None
                for i, entry in enumerate(value if isinstance(value, list) else []):
                    yield key, it, i, entry

    def sibling(self, cid: str, it: Item) -> Item | None:
        """The concept's item in the same document as `it` (the 法令上の根拠 of the same 提供先 list)."""
        return concept(cid).item_in(it.doc)

    def file_label(self, key: str) -> str:
        """「(1)住民基本台帳ファイル」 for a per-file document, else the document's own title."""
        schema, _, fid = key.partition(":")
        return self.a.file_label(fid, schema) if fid else ""


def instances(it: Item, data: Any, path: tuple[Any, ...] = (), at: int = 0) -> Iterator[tuple[Any, ...]]:
    """Concrete paths of an item in one document (every list position where the item repeats)."""
    if at == len(it.path):
        yield path
        return
    part = it.path[at]
    if part is ANY:
        entries = dig(data, path)
        for i in range(len(entries) if isinstance(entries, list) else 0):
            yield from instances(it, data, path + (i,), at + 1)
    else:
        yield from instances(it, data, path + (part,), at + 1)


__all__ = ["ERROR", "WARNING", "Context", "rule", "run"]
