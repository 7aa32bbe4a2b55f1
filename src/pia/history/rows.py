"""別添3 rows: those recorded before pia, then those derived from the version history (sorted by date)."""
from __future__ import annotations

from typing import Any

from pia.assessment import Assessment
from pia.items import each, item

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
