"""別添3 rows: those recorded before pia, then those derived from the version history (sorted by date)."""
from __future__ import annotations

from typing import Any

from pia import schema as sch
from pia.assessment import Assessment

# The 別添3 columns, in form order, as the schema of the recorded rows names them.
COLUMNS = tuple(sch.load().document("assessment")["properties"]["変更箇所の記録"]["items"]["properties"])


def betten3(a: Assessment, derived: list[dict[str, Any]] | None = None) -> list[list[Any]]:
    """Legacy rows keep the document's own order (it is not strictly chronological, ppc-rules SUB-5);
    derived rows follow, ordered by date."""
    rows = [r for r in (a.meta.get("変更箇所の記録") or []) if isinstance(r, dict)]
    out = [[r.get(c) for c in COLUMNS] for r in rows]
    out += [[r.get(c) for c in COLUMNS] for r in derived or []]
    return out
