"""The rows of a document's 変更箇所 (別添3): those recorded in its YAML (before pia), then those the history derived.

The history layer computes the derived rows from git; this module only puts them after the recorded ones."""
from __future__ import annotations

from typing import Any

from pia.document import family
from pia.document.assessment import Assessment
from pia.form import kinds
from pia.form.items import each, item

LEGACY = item("表紙-変更箇所の記録")
# The 別添3 columns, in form order, as the schema of the recorded rows names them.
COLUMNS = tuple(LEGACY.node["items"]["properties"])


def betten3(a: Assessment, derived: list[dict[str, Any]] | None = None) -> list[list[Any]]:
    """Legacy rows keep the document's own order (it is not strictly chronological, ppc-rules SUB-5);
    derived rows follow, ordered by date."""
    rows = [r for r in each(LEGACY.get(a.meta)) if isinstance(r, dict)]
    out = [[r.get(c) for c in COLUMNS] for r in rows]
    for prev, row in zip(out, out[1:]):  # the form prints 変更日 on every row; rows typed under one date leave it blank
        if row[0] in (None, ""):
            row[0] = prev[0]
    out += [[r.get(c) for c in COLUMNS] for r in derived or []]
    return out


def document_rows(a: Assessment, kind: Any, derived: dict[str, list[dict[str, Any]]] | None = None) -> list[list[Any]]:
    """The rows a document prints in its 変更箇所: those written in its YAML (for the 全項目評価書, the pre-pia 別添3),
    then those derived from the version history for that document (`derived_rows`, by kind id)."""
    mine = (derived or {}).get(kind.id, [])
    if kind.legacy_changes:
        return betten3(a, mine)
    return family.recorded_changes(a, kind) + [[r.get(c) for c in COLUMNS] for r in mine]


def recorded_rows(a: Assessment, kind_id: str) -> list[list[Any]]:
    """A document's 変更箇所 without history: what its YAML records (a render without a folder)."""
    form = kinds.by_id(kind_id)
    return document_rows(a, form, {}) if form else []
