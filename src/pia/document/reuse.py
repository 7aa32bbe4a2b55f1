"""What a long-running process (`pia serve`) keeps between versions of one folder: each YAML file's loaded document
and its schema validation, by the hash of its bytes, so that a save re-reads and re-validates only the file that
changed. The one-shot commands do not use it.

An entry is the result of reading those bytes under that name with this pia: the same bytes always give the same
document and the same findings (the cache is dropped with the process, so a new pia or a new schema starts empty).
The one input besides the bytes is the assessment's budget (loader.Budget): an entry is reused only when the budget
left is at least what reading it needed, so that nothing a budget would refuse is taken from the cache.

Nothing given out is shared in a way that can be changed: each load gets its own Document, whose data is the cached
one as loaded (the validation copies it before rewriting values in place, 「３件」 -> 3); the validated data is shared
by the versions whose bytes are equal, and nothing after validation writes to it (tests/test_serve_reuse.py).
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any, Callable

from pia.base.findings import Finding
from pia.document.loader import MAX_TOTAL_BYTES, Budget, Document, load_text

LIMIT_BYTES = 2 * MAX_TOTAL_BYTES  # the files of the current version and of about one more
ENTRY_BYTES = 1024  # what an entry counts for at least (an empty file is not free to keep)
_BUDGET_RULES = ("PIA040", "PIA041")  # what a file gets when the budget runs out: never kept


@dataclass
class _Entry:
    doc: Document | None
    findings: tuple[Finding, ...]
    size: int  # bytes read: charged to the budget on reuse, and counted against the cache's limit
    nodes: int  # nodes the reading charged to the budget
    needs_nodes: int  # the node budget under which reading it gives this result for certain
    validated: dict[tuple[str, str], tuple[Any, tuple[Any, ...]]] = field(default_factory=dict)


def _kept(e: _Entry) -> int:
    return max(e.size, ENTRY_BYTES)


def plain_copy(value: Any) -> Any:
    """A copy of loaded data (dicts, lists and scalars), which validation may then rewrite in place."""
    if isinstance(value, dict):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return value


class Reuse:
    """Loaded and validated documents by (name shown, SHA-256 of the bytes), least recently used dropped first
    beyond limit_bytes of source (each file counted as at least ENTRY_BYTES). Safe to share between threads."""

    def __init__(self, limit_bytes: int = LIMIT_BYTES):
        self.limit_bytes = limit_bytes
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple[str, str], _Entry] = OrderedDict()
        self.bytes = 0
        self.parsed = self.reused = self.validations = 0  # counters the tests read

    def _get(self, key: tuple[str, str]) -> _Entry | None:
        with self.lock:
            e = self.entries.get(key)
            if e is not None:
                self.entries.move_to_end(key)
            return e

    def has(self, file: str, digest: str) -> bool:
        with self.lock:
            return (file, digest) in self.entries

    def cached(self, file: str, digest: str, budget: Budget) -> tuple[Document | None, list[Finding]] | None:
        """What load_text gave for the bytes with this digest under this name, when the budget left allows it
        (charged to the budget as reading them would be); None when it must be read."""
        e = self._get((file, digest))
        if e is None or budget.bytes < e.size or budget.nodes < e.needs_nodes:
            return None
        budget.bytes -= e.size
        budget.nodes -= e.nodes
        with self.lock:
            self.reused += 1
        return (replace(e.doc) if e.doc is not None else None), list(e.findings)

    def load_text(self, file: str, raw: bytes, budget: Budget, digest: str | None = None) -> tuple[Document | None, list[Finding]]:
        """loader.load_text, taken from the cache when these bytes were read under this name before. digest: what
        names the bytes (default their SHA-256; git's blob id for a version read from git)."""
        key = (file, digest or hashlib.sha256(raw).hexdigest())
        hit = self.cached(*key, budget)
        if hit is not None:
            return hit
        nodes = budget.nodes
        doc, found = load_text(file, raw, budget)
        with self.lock:
            self.parsed += 1
        if doc is not None:
            doc.source = key[1]
        if any(f.rule_id in _BUDGET_RULES for f in found):
            return doc, found
        used = nodes - budget.nodes
        # with at least len(raw)//2 nodes left the loader never counts them beforehand, and with at least `used`
        # the walk is never cut: the result is the one computed here
        entry = _Entry(doc, tuple(found), len(raw), used, max(used, len(raw) // 2))
        with self.lock:
            old = self.entries.pop(key, None)
            self.bytes += _kept(entry) - (_kept(old) if old else 0)
            self.entries[key] = entry
            while len(self.entries) > 1 and self.bytes > self.limit_bytes:
                self.bytes -= _kept(self.entries.popitem(last=False)[1])
        return (replace(doc) if doc is not None else None), found

    def validated(self, doc: Document, key: str, name: str,
                  compute: Callable[[Document], list[Any]]) -> tuple[Any, list[Any]]:
        """(the document's data as validation rewrote it, its findings not yet labelled), computed once per bytes:
        compute(doc) rewrites doc.data and returns the findings (validate.document_findings)."""
        e = self._get((doc.file, doc.source)) if doc.source else None
        if e is None or e.doc is None:  # not from this cache (or dropped since): validated as without it
            if doc.source:  # its data may be shared with another load of the same bytes
                doc.data = plain_copy(doc.data)
            found = compute(doc)
            return doc.data, found
        with self.lock:
            done = e.validated.get((key, name))
        if done is None:
            work = replace(e.doc, data=plain_copy(e.doc.data))
            done = (work.data, tuple(compute(work)))
            with self.lock:
                e.validated[(key, name)] = done
                self.validations += 1
        return done[0], list(done[1])
